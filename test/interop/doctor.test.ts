/**
 * Legacy migration parity with the real openclaw 2026.9.6: one home holding every shape the issue
 * names (flat only, canonical only, a collision on openai:default, an OAuth profile with a ref,
 * a file that does not parse) is copied twice; openclaw's own `doctor --fix --non-interactive`
 * (twice: its openai-codex rename needs a second pass) migrates one copy, our Apply the other.
 * Then the real `openclaw models auth list --json` must read both the same, per agent.
 * openclaw runs are slow (~25 s per doctor), so everything is batched into one home.
 */
import { strict as assert } from 'node:assert';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { copyFixtureHome, ensureOpenclaw, runOpenclaw, makeEmptyHome } from './openclaw';
import { applyLegacyMigration, planLegacyMigration, undoLegacyMigration } from '../../src/store/legacy';
import { readRowsIn } from '../../src/store/authCells';

type ListDoc = { agentId: string; agentDir: string; authStatePath: string; profiles: Array<Record<string, unknown>> };
const FAR = 4_102_444_800_000; // 2100-01-01: no refresh attempt

function write(file: string, value: unknown): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, typeof value === 'string' ? value : JSON.stringify(value, null, 2));
}

/** Every shape in one home. Secrets are fake. */
export function buildShapesHome(): string {
  const home = makeEmptyHome('openclaw-auth-doctor-');
  const oc = path.join(home, '.openclaw');
  const agent = (id: string, f: string) => path.join(oc, 'agents', id, 'agent', f);
  write(path.join(oc, 'openclaw.json'), {
    auth: { order: { 'openai-codex': ['openai-codex:default'] } },
    agents: {
      defaults: { heartbeat: { agentId: 'main' }, systemAgent: { agentId: 'main' } },
      ownership: 'explicit',
      entries: { main: {}, flat: {}, canon: {} },
    },
    talk: { agentId: 'main' },
  });
  // main: canonical, with openai:default already taken (collision) and a legacy openai-codex:default.
  write(agent('main', 'auth-profiles.json'), {
    version: 1,
    profiles: {
      'openai:default': { type: 'api_key', provider: 'openai', key: 'sk-proj-fake-doctor-interop-000000000000000000' },
      'openai-codex:default': {
        type: 'oauth',
        provider: 'openai-codex',
        access: 'fake-access-doctor-interop-111111',
        refresh: 'fake-refresh-doctor-interop-111111',
        expires: FAR,
        accountId: 'acct-fake-1',
      },
      'anthropic:manual': {
        type: 'api_key',
        provider: 'anthropic',
        key: 'sk-ant-api03-fake-doctor-interop-2222222222222222',
      },
    },
    order: { anthropic: ['anthropic:manual'] },
  });
  write(agent('main', 'auth-state.json'), {
    version: 1,
    lastGood: { 'openai-codex': 'openai-codex:default' },
    usageStats: { 'anthropic:manual': { lastUsed: 1795637320820, errorCount: 0 } },
  });
  // flat: a file that does not parse next to the good one (left in place by us, archived by
  // openclaw; with the agent's store filled, openclaw no longer refuses either way).
  write(agent('flat', 'auth.json'), '{"groq": {"type": "api_key", "key": ');
  // flat only
  write(agent('flat', 'auth-profiles.json'), {
    openrouter: { apiKey: 'sk-or-v1-fake-doctor-interop-flat-333333333333333333333333' },
    mistral: { key: 'mistral-fake-doctor-interop-4444' },
  });
  // canonical only, with an OAuth profile carrying a (legacy) ref and a SecretRef api key
  write(agent('canon', 'auth-profiles.json'), {
    version: 1,
    profiles: {
      'google:work': {
        type: 'oauth',
        provider: 'google',
        access: 'fake-access-doctor-interop-555555',
        refresh: 'fake-refresh-doctor-interop-555555',
        expires: FAR,
        email: 'fake@example.com',
        oauthRef: { source: 'openclaw-credentials', provider: 'openai-codex', id: '0123456789abcdef0123456789abcdef' },
      },
      'openrouter:env': {
        type: 'api_key',
        provider: 'openrouter',
        keyRef: { source: 'env', provider: 'default', id: 'OPENROUTER_API_KEY' },
      },
    },
    lastGood: { google: 'google:work' },
  });
  return home;
}

function normalize(doc: ListDoc, home: string): unknown {
  const rel = (p: string) => p.replace(home, '~').replace(/^~\/\.openclaw/, '~/.openclaw');
  return {
    ...doc,
    agentDir: rel(doc.agentDir),
    authStatePath: rel(doc.authStatePath),
    profiles: [...doc.profiles].sort((a, b) => String(a.id).localeCompare(String(b.id))),
  };
}

describe('legacy migration vs the real openclaw doctor', function () {
  this.timeout(15 * 60 * 1000);
  const homes: string[] = [];
  after(() => homes.forEach((h) => fs.rmSync(h, { recursive: true, force: true })));
  before(async () => {
    await ensureOpenclaw();
  });

  it("openclaw lists our result exactly as it lists its own doctor's, for every shape and agent", async () => {
    const theirs = buildShapesHome();
    const ours = buildShapesHome();
    homes.push(theirs, ours);
    const { plan } = planLegacyMigration({ stateDirSetting: path.join(ours, '.openclaw') });
    assert.equal(plan.needed, true);
    assert.ok(
      plan.sources.some((s) => s.path.endsWith('flat/agent/auth.json') && s.status === 'left-in-place'),
      'the unparsable file is reported and left',
    );
    assert.ok(plan.profiles.some((p) => p.fromId === 'openai-codex:default' && p.toId === 'openai:chatgpt-default'));

    for (let pass = 1; pass <= 2; pass++) {
      const r = await runOpenclaw(theirs, ['doctor', '--fix', '--non-interactive'], { timeoutMs: 300_000 });
      assert.equal(r.code, 0, `openclaw doctor pass ${pass}: ${r.stderr.slice(-800)}`);
    }
    const res = await applyLegacyMigration({ stateDirSetting: path.join(ours, '.openclaw') });
    assert.equal(res.changed, true);

    const oursLists: Record<string, unknown> = {};
    for (const agent of ['main', 'flat', 'canon']) {
      const [a, b] = await Promise.all(
        [ours, theirs].map((h) => runOpenclaw(h, ['models', 'auth', 'list', '--json', '--agent', agent])),
      );
      assert.equal(a?.code, 0, `list on our result (${agent}): ${a?.stdout.slice(-400)} ${a?.stderr.slice(-400)}`);
      assert.equal(b?.code, 0, `list on openclaw's result (${agent}): ${b?.stdout.slice(-400)}`);
      oursLists[agent] = normalize(a?.json as ListDoc, ours);
      assert.deepEqual(oursLists[agent], normalize(b?.json as ListDoc, theirs), `agent ${agent}`);
    }

    // openclaw's own doctor afterwards finds nothing to re-import or overwrite in our result
    // (its issues #98099/#98245: a later doctor clobbering the SQLite store).
    const again = await runOpenclaw(ours, ['doctor', '--fix', '--non-interactive'], { timeoutMs: 300_000 });
    assert.equal(again.code, 0, again.stderr.slice(-800));
    const after = await Promise.all(
      ['main', 'flat', 'canon'].map((agent) =>
        runOpenclaw(ours, ['models', 'auth', 'list', '--json', '--agent', agent]),
      ),
    );
    for (const [i, agent] of ['main', 'flat', 'canon'].entries())
      assert.deepEqual(
        normalize(after[i]?.json as ListDoc, ours),
        oursLists[agent],
        `agent ${agent} after openclaw's doctor on our result`,
      );
  });
});

describe('undo after the real openclaw has run on the migrated home', function () {
  this.timeout(15 * 60 * 1000);
  const homes: string[] = [];
  after(() => homes.forEach((h) => fs.rmSync(h, { recursive: true, force: true })));
  before(async () => {
    await ensureOpenclaw();
  });

  it("needs no --force, puts the legacy files back byte for byte, keeps openclaw's own rows, and openclaw refuses the home exactly as before", async () => {
    // The refusal on an untouched copy is the reference (openclaw writes its own rows while it refuses).
    const reference = copyFixtureHome('legacy/before');
    const home = copyFixtureHome('legacy/before');
    homes.push(reference, home);
    const refusal = async (h: string) => {
      const r = await runOpenclaw(h, ['models', 'auth', 'list', '--json']);
      const err = (r.json as { ok?: boolean; error?: { message?: string } } | undefined)?.error;
      return { code: r.code, message: err?.message?.replace(h, '~') };
    };
    const before = await refusal(reference);
    assert.notEqual(before.code, 0, 'openclaw refuses a home with legacy files');
    assert.match(before.message ?? '', /requires legacy credential migration/);
    const legacyFiles = [
      'agents/main/agent/auth-profiles.json',
      'agents/main/agent/auth-state.json',
      'agents/work/agent/auth-profiles.json',
    ];
    const bytes = (h: string) =>
      Object.fromEntries(
        legacyFiles
          .filter((f) => fs.existsSync(path.join(h, '.openclaw', f)))
          .map((f) => [f, fs.readFileSync(path.join(h, '.openclaw', f)).toString('base64')]),
      );
    const original = bytes(home);
    assert.equal(Object.keys(original).length, legacyFiles.length);

    const res = await applyLegacyMigration({ env: { HOME: home } });
    assert.equal(res.changed, true);
    // openclaw now runs on the migrated home and writes its own machine state into the shared DB.
    const list = await runOpenclaw(home, ['models', 'auth', 'list', '--json']);
    assert.equal(list.code, 0, list.stderr.slice(-1000));
    const shared = path.join(home, '.openclaw', 'state', 'openclaw.sqlite');
    const keysOf = () =>
      readRowsIn(shared, 'config_machine_state', 'state_key', listKeys(shared)).map((r) => String(r.state_key));
    const theirKeys = keysOf().filter((k) => !k.startsWith('authProfiles.') && k !== 'auth.sharedStore');
    assert.ok(theirKeys.length > 0, 'openclaw wrote rows of its own');

    const undo = await undoLegacyMigration(res.runId as string, { env: { HOME: home } });
    assert.ok(undo.restored.length > 0);
    assert.deepEqual(bytes(home), original, 'legacy files byte for byte');
    const after = keysOf();
    for (const k of theirKeys) assert.ok(after.includes(k), `openclaw's row ${k} is kept`);
    assert.ok(!after.includes('authProfiles.store'), 'the migrated credentials are gone again');
    assert.deepEqual(await refusal(home), before, 'openclaw refuses the home exactly as before the migration');
  });
});

/** Every state_key of config_machine_state (read by the real SQLite). */
function listKeys(db: string): string[] {
  const r = spawnSync('sqlite3', [db, 'SELECT state_key FROM config_machine_state'], { encoding: 'utf8' });
  return r.stdout.split('\n').filter(Boolean);
}
