/**
 * The one health model (src/auth/health.ts) on homes the real openclaw 2026.9.6 wrote: what a
 * profile, a provider row, the agent row, the badge and the status bar say, with the clock frozen
 * at each fixture's capture time. Changes to a home go through our own writer (applyMutation) or
 * openclaw's cooldown math (nextUsageStatsAfterFailure), as a real failure would record them.
 * End times read in UTC here (TZ is set for these tests only).
 */
import { strict as assert } from 'node:assert';
import fs from 'node:fs';
import path from 'node:path';
import { copyHome, rmrf } from '../../helpers/fixtures';
import { CAPTURED_AT } from '../../helpers/clock';
import { applyMutation, deriveView, readSnapshot } from '../../../src/store';
import type { AgentSnapshot } from '../../../src/store/snapshot';
import { nextUsageStatsAfterFailure } from '../../../src/auth/cooldownMath';
import {
  agentHealth,
  badgeCount,
  clockTime,
  profileHealth,
  providerHealth,
  type ProbeEvidence,
} from '../../../src/auth/health';
import type { AgentView, ProfileView } from '../../../src/auth/view';
import { summarize } from '../../../src/ui/statusSummary';

const HOUR = 3_600_000;
/** "now" of the cooldown capture: until - remainingMs of models-status.json's unusableProfiles. */
const COOLDOWN_NOW = 1795640682281 - 17806;
const BASIC_NOW = CAPTURED_AT.basic ?? NaN;
const EXPIRY_NOW = CAPTURED_AT.expiry ?? NaN;

function profile(view: AgentView, id: string): ProfileView {
  const p = view.providers.flatMap((x) => x.profiles).find((x) => x.id === id);
  assert.ok(p, `profile ${id} in the view`);
  return p;
}
function provider(view: AgentView, name: string) {
  const p = view.providers.find((x) => x.provider === name);
  assert.ok(p, `provider ${name} in the view`);
  return p;
}
/** Every secret the home stores, to check that no label carries one. */
function secretsOf(s: AgentSnapshot): string[] {
  return Object.values(s.store.profiles)
    .flatMap((c) => (c.type === 'api_key' ? [c.key] : c.type === 'token' ? [c.token] : [c.access, c.refresh]))
    .filter((x): x is string => Boolean(x));
}

describe('health: one model for badge, rows, status bar and report', () => {
  let tz: string | undefined;
  const homes: string[] = [];
  before(() => {
    tz = process.env.TZ;
    process.env.TZ = 'UTC';
  });
  after(() => {
    if (tz === undefined) delete process.env.TZ;
    else process.env.TZ = tz;
    for (const h of homes) rmrf(h);
  });
  const home = (scenario: string) => {
    const h = copyHome(scenario);
    homes.push(h);
    return h;
  };

  it('anthropic with one profile cooling down and one disabled for billing is "1 of 3 usable" (cooldown home)', async () => {
    const h = home('cooldown');
    const opts = { env: { HOME: h } };
    await applyMutation(
      { ...opts, now: () => COOLDOWN_NOW },
      {
        kind: 'upsertProfile',
        profileId: 'anthropic:third',
        credential: {
          type: 'api_key',
          provider: 'anthropic',
          key: 'sk-ant-api03-fake-health-third-0123456789abcdef0123456789abcdef',
        },
      },
    );
    const s = readSnapshot(opts);
    // anthropic:spare then hits a billing error: openclaw's math disables it for 10 minutes.
    const usage = {
      ...s.state.usageStats,
      'anthropic:spare': nextUsageStatsAfterFailure(
        s.state.usageStats?.['anthropic:spare'] ?? {},
        'billing',
        COOLDOWN_NOW,
      ),
    };
    const view = deriveView({ ...s, state: { ...s.state, usageStats: usage } }, COOLDOWN_NOW);
    const anthropic = provider(view, 'anthropic');
    // What the tree showed before: every profile is in the resolved order (cooling ones go last).
    assert.equal(anthropic.order.profileIds.length, 3);
    const ph = providerHealth(anthropic, { now: COOLDOWN_NOW });
    assert.equal(ph.label, '1 of 3 usable; 1 out of credit; 1 cooling down until 21:05');
    assert.deepEqual(ph.counts, { usable: 1, attention: 1, failing: 1, off: 0 });
    assert.equal(
      profileHealth(profile(view, 'anthropic:manual'), { now: COOLDOWN_NOW }).words,
      'cooling down until 21:05 (timeout, claude-sonnet-4-6)',
    );
    assert.equal(
      profileHealth(profile(view, 'anthropic:spare'), { now: COOLDOWN_NOW }).words,
      'out of credit (billing), paused until 21:15',
    );
    const ah = agentHealth(view);
    assert.deepEqual([ah.usable, ah.attention, ah.failing, ah.problems], [1, 1, 1, 2]);
    assert.equal(ah.label, '1 ok, 2 need attention (1 failing)');
    assert.equal(badgeCount(ah), 2);
    for (const secret of secretsOf(s))
      assert.ok(
        ![ah.label, ph.label, ...ph.profiles.map((x) => x.health.words)].some((t) => t.includes(secret)),
        'no secret in a label',
      );
  });

  it('both anthropic profiles cooling (as captured): nothing usable, in use, so the agent needs attention; after the window all ok', () => {
    const h = home('cooldown');
    const s = readSnapshot({ env: { HOME: h } });
    const during = agentHealth(deriveView(s, COOLDOWN_NOW));
    assert.equal(
      during.providers.find((p) => p.provider === 'anthropic')?.label,
      '0 of 2 usable; 2 cooling down until 21:05',
    );
    assert.deepEqual(during.missingInUse, ['anthropic']);
    assert.equal(during.label, '0 ok, 2 need attention');
    const afterWindow = agentHealth(deriveView(s, COOLDOWN_NOW + 60_000));
    assert.equal(afterWindow.label, '2 ok');
    assert.equal(badgeCount(afterWindow), 0);
  });

  it('an unresolved SecretRef is not usable: a provider whose only profile is one is "0 of 1 usable" (basic home, no .env)', async () => {
    const h = home('basic');
    fs.rmSync(path.join(h, '.openclaw', '.env'));
    const opts = { env: { HOME: h } };
    await applyMutation(opts, {
      kind: 'upsertProfile',
      profileId: 'openai:ref',
      credential: {
        type: 'api_key',
        provider: 'openai',
        keyRef: { source: 'env', provider: 'default', id: 'OPENAI_API_KEY' },
      },
    });
    const now = BASIC_NOW;
    const view = deriveView(readSnapshot(opts), now);
    const openai = provider(view, 'openai');
    assert.equal(openai.order.profileIds.length, 1, 'the resolved order still lists it (it was shown as 1/1 usable)');
    assert.equal(providerHealth(openai, { now }).label, '0 of 1 usable; 1 reference not found');
    assert.equal(profileHealth(profile(view, 'openai:ref'), { now }).words, 'reference env:OPENAI_API_KEY not found');
    // openrouter: its env ref has no .env to resolve from; the stored order keeps backup and manual.
    assert.equal(providerHealth(provider(view, 'openrouter'), { now }).label, '2 of 3 usable; 1 reference not found');
    const ah = agentHealth(view);
    assert.deepEqual([ah.usable, ah.attention, ah.failing], [3, 0, 2]);
    assert.equal(ah.label, '3 ok, 2 need attention (2 failing)');
  });

  it('expiry home: an expiring token is usable but needs attention, an expired one is failing; the warning window is the setting', () => {
    const h = home('expiry');
    const now = EXPIRY_NOW;
    const view = deriveView(readSnapshot({ env: { HOME: h }, agentId: 'main' }), now);
    const anthropic = provider(view, 'anthropic');
    assert.equal(providerHealth(anthropic, { now }).label, '1 of 2 usable; 1 expired; 1 expires in 12h');
    assert.equal(providerHealth(provider(view, 'github-copilot'), { now }).label, '0 of 1 usable; 1 expired');
    const ah = agentHealth(view);
    assert.equal(ah.label, '0 ok, 3 need attention (2 failing)');
    // With a 6 h warning window the 12 h token is simply ok.
    const six = agentHealth(view, { expiryWarningMs: 6 * HOUR });
    assert.equal(six.label, '1 ok, 2 need attention (2 failing)');
    assert.equal(six.providers.find((p) => p.provider === 'anthropic')?.label, '1 of 2 usable; 1 expired');
    // Agent nightly uses github-copilot, whose only token expired: in use, nothing usable.
    const nightly = agentHealth(deriveView(readSnapshot({ env: { HOME: h }, agentId: 'nightly' }), now));
    assert.deepEqual(nightly.missingInUse, ['github-copilot']);
  });

  it('a failed live probe feeds the same health: the row, the provider, the agent and the badge agree; stale probes do not count', () => {
    const h = home('basic');
    const now = BASIC_NOW;
    const view = deriveView(readSnapshot({ env: { HOME: h } }), now);
    const manual = profile(view, 'openrouter:manual');
    const failed: ProbeEvidence = {
      result: { status: 'unknown', latencyMs: 812 },
      at: now - 60_000,
      hint: manual.credentialHint,
    };
    const probes: Record<string, ProbeEvidence> = { 'openrouter:manual': failed };
    const probeOf = (id: string) => probes[id];
    const before = agentHealth(view);
    const withProbe = agentHealth(view, { probeOf });
    assert.equal(profileHealth(manual, { now, probeOf }).words, 'failed at the last probe');
    assert.equal(
      withProbe.providers.find((p) => p.provider === 'openrouter')?.label,
      '1 of 3 usable; 1 failed the last probe; 1 left out of the order',
    );
    assert.equal(withProbe.usable, before.usable - 1);
    assert.equal(withProbe.problems, before.problems + 1);
    assert.equal(summarize(view, { expiryWarningMs: 24 * HOUR, probeOf }).text, `$(key) OpenClaw: ${withProbe.label}`);
    // A key rejected at the probe is failing.
    probes['openrouter:manual'] = {
      ...failed,
      result: { status: 'auth', latencyMs: 90, failureReason: 'auth_permanent' },
    };
    assert.equal(profileHealth(manual, { now, probeOf }).level, 'failing');
    // Probed with another credential (replaced since), or used successfully after it: the probe no longer counts.
    probes['openrouter:manual'] = { ...failed, hint: 'sk-or-v1...00000000' };
    assert.equal(profileHealth(manual, { now, probeOf }).level, 'usable');
    probes['openrouter:manual'] = failed;
    assert.equal(profileHealth({ ...manual, lastUsed: failed.at + 1 }, { now, probeOf }).level, 'usable');
    // A local verdict or a cancelled probe is not a live result; an ok probe changes nothing.
    probes['openrouter:manual'] = { result: { status: 'unknown' }, at: now };
    assert.equal(profileHealth(manual, { now, probeOf }).level, 'usable');
    probes['openrouter:manual'] = { result: { status: 'ok', latencyMs: 40 }, at: now };
    assert.equal(profileHealth(manual, { now, probeOf }).words, 'ok');
  });

  it('end times read as a clock time, rounded up to the minute, with the day when it is not today', () => {
    const at = Date.parse('2026-11-25T21:04:42Z');
    assert.equal(clockTime(at, at - 20_000), '21:05');
    assert.equal(clockTime(Date.parse('2026-11-27T09:00:00Z'), at), 'Fri 09:00');
    assert.equal(clockTime(Date.parse('2026-12-24T09:00:00Z'), at), '2026-12-24 09:00');
  });
});

describe('status bar summary (words, one health model)', () => {
  let tz: string | undefined;
  let h: string;
  before(() => {
    tz = process.env.TZ;
    process.env.TZ = 'UTC';
    h = copyHome('expiry');
  });
  after(() => {
    if (tz === undefined) delete process.env.TZ;
    else process.env.TZ = tz;
    rmrf(h);
  });

  it('says the counts in words, with a screen-reader label of words only, and lists what needs attention', () => {
    const view = deriveView(readSnapshot({ env: { HOME: h }, agentId: 'main' }), EXPIRY_NOW);
    const s = summarize(view, { expiryWarningMs: 24 * HOUR });
    assert.equal(s.text, '$(key) OpenClaw: 0 ok, 3 need attention (2 failing)');
    assert.equal(s.accessibilityLabel, 'OpenClaw credentials, agent main: 0 ok, 3 need attention (2 failing)');
    assert.equal(s.warning, true);
    assert.equal(s.attention.length, 3);
    assert.match(s.attention[0] ?? '', /anthropic:old.*expired/);
    assert.match(s.attention.join('\n'), /anthropic:soon expires in 12h/);
    assert.equal(badgeCount(s.health as NonNullable<typeof s.health>), 3);
  });

  it('no state, and nothing to look at', () => {
    assert.equal(summarize(undefined, { expiryWarningMs: HOUR }).text, '$(key) OpenClaw: no state');
    const view = deriveView(readSnapshot({ env: { HOME: h }, agentId: 'main' }), EXPIRY_NOW);
    const none = { ...view, providers: [] };
    const s = summarize(none, { expiryWarningMs: HOUR });
    assert.equal(s.text, '$(key) OpenClaw: no credentials');
    assert.equal(s.warning, false);
  });
});
