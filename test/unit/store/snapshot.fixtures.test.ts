/**
 * Parity with the real openclaw 2026.9.6: every fixture home, read from a temp copy, gives the
 * profiles, types, order, expiry and statuses that openclaw's own CLI printed for it.
 */
import { strict as assert } from 'node:assert';
import { copyHome, expected, fromDotOpenclaw, rmrf } from '../../helpers/fixtures';
import { deriveView, listDocument, orderDocument, readSnapshot } from '../../../src/store';

interface StatusProfile {
  profileId: string;
  provider: string;
  type: string;
  status: string;
  reasonCode?: string;
  expiresAt?: number;
  remainingMs?: number;
}
interface StatusDoc {
  auth: {
    missingProvidersInUse: string[];
    unusableProfiles: Array<{ profileId: string; kind: string; reason: string; until: number; remainingMs: number }>;
    oauth: {
      profiles: StatusProfile[];
      providers: Array<{ provider: string; status: string; effectiveProfiles: StatusProfile[] }>;
    };
    providers: Array<{ provider: string; profiles: { labels: string[] }; env?: { value: string; source: string } }>;
  };
}

const CASES: Array<{ scenario: string; agents: Array<{ id: string; suffix: string }>; orders: string[] }> = [
  { scenario: 'basic', agents: [{ id: 'main', suffix: '' }], orders: ['openrouter', 'anthropic'] },
  {
    scenario: 'multi-agent',
    agents: [
      { id: 'main', suffix: '.main' },
      { id: 'work', suffix: '.work' },
    ],
    orders: ['openrouter'],
  },
  {
    scenario: 'expiry',
    agents: [
      { id: 'main', suffix: '.main' },
      { id: 'nightly', suffix: '.nightly' },
    ],
    orders: ['anthropic'],
  },
  { scenario: 'cooldown', agents: [{ id: 'main', suffix: '' }], orders: ['anthropic'] },
  { scenario: 'wal', agents: [{ id: 'main', suffix: '' }], orders: ['openrouter'] },
];

/** "Now" at capture: expiresAt - remainingMs (or until - remainingMs) of any timed entry. */
function captureNow(doc: StatusDoc): number | undefined {
  for (const p of doc.auth.oauth.profiles)
    if (p.expiresAt && p.remainingMs !== undefined) return p.expiresAt - p.remainingMs;
  for (const u of doc.auth.unusableProfiles) return u.until - u.remainingMs;
  return undefined;
}

describe('fixture parity with openclaw 2026.9.6', () => {
  for (const c of CASES) {
    describe(c.scenario, () => {
      let home: string;
      before(() => {
        home = copyHome(c.scenario);
      });
      after(() => rmrf(home));
      const env = () => ({ HOME: home });

      for (const a of c.agents) {
        it(`agent ${a.id}: list --json equals openclaw models auth list --json`, () => {
          const want = expected(c.scenario, `models-auth-list${a.suffix}.json`);
          const got = listDocument(readSnapshot({ env: env(), agentId: a.id }));
          assert.deepEqual(got, want);
        });

        it(`agent ${a.id}: stored order equals models auth order get --json`, () => {
          for (const provider of c.orders) {
            const want = expected<{ order: string[] | null; agentDir: string }>(
              c.scenario,
              `order.${provider}${a.suffix}.json`,
            );
            const got = orderDocument(readSnapshot({ env: env(), agentId: a.id }), provider) as {
              order: string[] | null;
              agentDir: string;
            };
            // No file means openclaw reported no stored order.
            assert.deepEqual(got.order, want ? want.order : null, `${provider} order`);
            if (want) assert.equal(fromDotOpenclaw(got.agentDir), fromDotOpenclaw(want.agentDir));
          }
        });

        for (const variant of ['', 'after-cooldown.']) {
          const doc = expected<StatusDoc>(c.scenario, `${variant}models-status${a.suffix}.json`);
          if (!doc) continue;
          it(`agent ${a.id}: ${variant}status, reason codes, expiry and effective order equal models status --json (clock frozen at capture)`, () => {
            const now = captureNow(doc);
            assert.ok(now, 'capture time derivable');
            const view = deriveView(readSnapshot({ env: env(), agentId: a.id }), now);
            const mine = new Map(view.providers.flatMap((p) => p.profiles).map((p) => [p.id, p]));
            for (const want of doc.auth.oauth.profiles) {
              const got = mine.get(want.profileId);
              assert.ok(got, `profile ${want.profileId} present`);
              assert.equal(got.type, want.type, `${want.profileId} type`);
              assert.equal(got.health, want.status, `${want.profileId} status`);
              assert.equal(
                got.reasonCode === 'excluded_by_auth_order' ? undefined : got.reasonCode,
                want.reasonCode,
                `${want.profileId} reasonCode`,
              );
              if (want.expiresAt !== undefined) {
                assert.equal(got.expiresAt, want.expiresAt, `${want.profileId} expiresAt`);
                assert.equal(got.remainingMs, want.remainingMs, `${want.profileId} remainingMs`);
              }
            }
            for (const wp of doc.auth.oauth.providers) {
              const gp = view.providers.find((p) => p.provider === wp.provider);
              assert.ok(gp, `provider ${wp.provider}`);
              assert.equal(gp.status, wp.status, `${wp.provider} status`);
              assert.deepEqual(
                gp.effective,
                wp.effectiveProfiles.map((p) => p.profileId),
                `${wp.provider} effectiveProfiles`,
              );
            }
            // Unusable profiles (cooldowns): same ids, kinds, reasons and end times.
            const unusable = view.providers
              .flatMap((p) => p.profiles)
              .filter((p) => p.unusable && p.unusable.model === undefined);
            const modelScoped = view.providers.flatMap((p) => p.profiles).filter((p) => p.unusable?.model);
            for (const u of doc.auth.unusableProfiles) {
              const got = [...unusable, ...modelScoped].find((p) => p.id === u.profileId);
              assert.ok(got?.unusable, `${u.profileId} unusable`);
              assert.equal(got.unusable.kind, u.kind);
              assert.equal(got.unusable.reason, u.reason);
              assert.equal(got.unusable.until, u.until);
            }
            assert.deepEqual(view.missingProvidersInUse, doc.auth.missingProvidersInUse, 'missingProvidersInUse');
            // Masked labels: openclaw's `provider=masked` / ref labels.
            for (const wp of doc.auth.providers) {
              for (const label of wp.profiles.labels) {
                const [id, rest] = label.split('=') as [string, string];
                // openclaw appends "[cooldown 1m]" to the label of a cooling profile.
                const m = /^(.*?)(?: \[cooldown (\S+)\])?$/.exec(rest);
                assert.equal(mine.get(id)?.credentialHint, m?.[1], `${id} masked label`);
                if (m?.[2]) assert.equal(mine.get(id)?.unusable?.kind, 'cooldown', `${id} cooling`);
              }
            }
            const code = expected<number>(c.scenario, `${variant}models-status-check${a.suffix}.exitcode`);
            assert.equal(view.checkCode, code, 'models status --check exit code');
          });
        }
      }
    });
  }

  it('wal: the profile and order committed only to -wal are read; without the -wal they are not', () => {
    const home = copyHome('wal');
    try {
      const s = readSnapshot({ env: { HOME: home } });
      assert.ok('xai:manual' in s.store.profiles);
      assert.deepEqual(s.state.order?.openrouter, ['openrouter:backup', 'openrouter:manual']);
      const fs = require('node:fs') as typeof import('node:fs');
      for (const db of ['state/openclaw.sqlite', 'agents/main/agent/openclaw-agent.sqlite']) {
        fs.rmSync(`${home}/.openclaw/${db}-wal`);
        fs.rmSync(`${home}/.openclaw/${db}-shm`);
      }
      const old = readSnapshot({ env: { HOME: home } });
      assert.ok(!('xai:manual' in old.store.profiles));
      assert.equal(Object.keys(old.store.profiles).length, 3);
      assert.equal(old.state.order, undefined);
    } finally {
      rmrf(home);
    }
  });
});
