/**
 * Legacy migration (doctor): parity with the real `openclaw doctor --fix` on the `legacy`
 * fixture (before -> after, made by openclaw 2026.9.6), idempotence, undo to the exact original
 * bytes, refusal while another process holds the store, and bad input reported per item with no
 * original file touched.
 */
import { strict as assert } from 'node:assert';
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import { spawn, type ChildProcess } from 'node:child_process';
import { copyHome, FIXTURES, rmrf, tempHome } from '../../helpers/fixtures';
import { cells, hashTree, homeView } from '../../helpers/legacy';
import { readRowsIn } from '../../../src/store/authCells';
import { engineName } from '../../../src/store/engine';
import {
  applyLegacyMigration,
  detectLegacy,
  listRuns,
  MigrationError,
  planLegacyMigration,
  undoLegacyMigration,
  MAX_LEGACY_FILE_BYTES,
} from '../../../src/store/legacy';
import { publicPlan, allocateId, duplicateKeys } from '../../../src/auth/legacyMigration';
import { StoreBusyError, mutateDb, writeCell } from '../../../src/store/dbWriter';
import { listDocument, readSnapshot } from '../../../src/store';

type J = Record<string, unknown>;

const opts = (home: string) => ({ stateDirSetting: path.join(home, '.openclaw'), env: { HOME: home } });
const authOf = (file: string) => (JSON.parse(fs.readFileSync(file, 'utf8')) as { auth?: J }).auth;

describe('legacy migration (doctor)', function () {
  this.timeout(60_000);
  const homes: string[] = [];
  after(() => homes.forEach(rmrf));
  const home = (scenario: string) => {
    const h = copyHome(scenario);
    homes.push(h);
    return h;
  };

  it('detects every legacy source per agent and the state in which openclaw refuses to run', () => {
    const h = home('legacy/before');
    const d = detectLegacy(opts(h));
    const byAgent = Object.fromEntries(d.input.agents.map((a) => [a.agentId, a.sources.map((s) => s.kind).sort()]));
    assert.deepEqual(byAgent, { main: ['auth-profiles', 'auth-state'], work: ['auth-profiles'] });
    const { plan } = planLegacyMigration(opts(h));
    // Same scopes as the real CLI's refusals (before/expected): main "all", work "openrouter".
    const refusals = Object.fromEntries(plan.refusals.map((r) => [r.agentId, r.affectedProviders]));
    assert.deepEqual(refusals, { main: null, work: ['openrouter'] });
    // The exact messages the real CLI printed for this home.
    for (const agent of ['main', 'work']) {
      const msg = (
        JSON.parse(
          fs.readFileSync(path.join(FIXTURES, `legacy/before/expected/models-auth-list.${agent}.json`), 'utf8'),
        ) as { error: { message: string } }
      ).error.message;
      assert.equal(plan.refusals.find((r) => r.agentId === agent)?.message, msg);
    }
  });

  it('plans every profile and state entry with its source and destination, without secrets', () => {
    const h = home('legacy/before');
    const { plan } = planLegacyMigration(opts(h));
    assert.equal(plan.needed, true);
    const rows = plan.profiles.map((p) => `${p.agentId} ${p.fromId} ${p.action} ${p.toId ?? ''}`).sort();
    assert.deepEqual(rows, [
      'main amazon-bedrock:default move-to-config amazon-bedrock:default',
      'main anthropic:manual add anthropic:manual',
      'main anthropic:pro add anthropic:pro',
      'main openai-codex:default rename openai:default',
      'main openrouter:env add openrouter:env',
      'work openrouter:default add openrouter:default',
    ]);
    assert.ok(
      plan.profiles
        .filter((p) => p.agentId === 'main' && p.action !== 'move-to-config')
        .every((p) => p.destination?.includes('state/openclaw.sqlite')),
    );
    assert.ok(
      plan.profiles
        .filter((p) => p.agentId === 'work')
        .every((p) => p.destination?.includes('agents/work/agent/openclaw-agent.sqlite')),
    );
    assert.equal(
      plan.profiles.find((p) => p.fromId === 'openrouter:env')?.secret,
      'ref env:default:OPENROUTER_API_KEY',
    );
    const state = plan.state.map((s) => `${s.field}.${s.key}${s.toKey ? '->' + s.toKey : ''}`).sort();
    assert.deepEqual(state, [
      'lastGood.anthropic',
      'lastGood.openai-codex->openai',
      'order.anthropic',
      'usageStats.anthropic:manual',
      'usageStats.anthropic:pro',
    ]);
    assert.deepEqual(plan.config.changes.map((c) => c.path).sort(), [
      'auth.order.openai',
      'auth.order.openai-codex',
      'auth.profiles.amazon-bedrock:default',
    ]);
    const printed = JSON.stringify(publicPlan(plan));
    for (const secret of [
      'sk-ant-api03-fake-legacy-public',
      'fake-access-openai-codex-public-0123456789abcdef',
      'sk-or-v1-fake-legacy-flat-work-5555',
    ])
      assert.ok(!printed.includes(secret), `plan output leaks ${secret}`);
    // Planning changes nothing.
    assert.deepEqual(hashTree(h), hashTree(path.join(FIXTURES, 'legacy/before/home')));
  });

  it('applies it with the same result as the real doctor (legacy fixture: before -> after)', async () => {
    const h = home('legacy/before');
    const res = await applyLegacyMigration(opts(h));
    assert.equal(res.changed, true);
    const after = path.join(FIXTURES, 'legacy/after/home/.openclaw');
    const ours = cells(path.join(h, '.openclaw/state/openclaw.sqlite'), 'shared');
    const real = cells(path.join(after, 'state/openclaw.sqlite'), 'shared');
    assert.deepEqual(ours.store, real.store, 'shared profiles and credentials');
    assert.deepEqual(ours.state, real.state, 'order, lastGood, usageStats');
    assert.deepEqual(ours.marker, real.marker);
    const ourWork = cells(path.join(h, '.openclaw/agents/work/agent/openclaw-agent.sqlite'), 'agent');
    const realWork = cells(path.join(after, 'agents/work/agent/openclaw-agent.sqlite'), 'agent');
    assert.deepEqual(ourWork.store, realWork.store);
    assert.deepEqual(ourWork.state, realWork.state);
    assert.equal(
      fs.existsSync(path.join(h, '.openclaw/agents/main/agent/openclaw-agent.sqlite')),
      false,
      'the main agent gets no agent DB, as with openclaw',
    );
    assert.deepEqual(
      authOf(path.join(h, '.openclaw/openclaw.json')),
      authOf(path.join(after, 'openclaw.json')),
      'config auth metadata',
    );
    // Receipts as openclaw writes them (kind, table, status) for the same three sources.
    const rc = (rows: J[]) =>
      rows
        .filter((r) => r.migration_kind === 'auth-profile-json-to-sqlite-v2')
        .map(
          (r) =>
            `${String(r.source_path).replace(/^.*\/\.openclaw/, '')} ${String(r.target_table)} ${String(r.status)} ${String(r.source_record_count)} ${String(r.removed_source)}`,
        )
        .sort();
    assert.deepEqual(rc(ours.receipts), rc(real.receipts));
    // Originals renamed openclaw's way; the same set of archives as the real doctor left.
    const names = (root: string) =>
      ['agents/main/agent', 'agents/work/agent']
        .flatMap((d) =>
          fs
            .readdirSync(path.join(root, d))
            .filter((n) => n.includes('.migrated-'))
            .map((n) => `${d}/${n.replace(/\.migrated-.*$/, '.migrated-*')}`),
        )
        .sort();
    assert.deepEqual(names(path.join(h, '.openclaw')), names(after));
    for (const b of res.backups) {
      assert.match(
        path.basename(b.archive),
        /^(auth-profiles|auth-state)\.json\.migrated-\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}\.\d{3}Z-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
      );
      assert.equal(fs.existsSync(b.original), false);
      const orig = path.join(FIXTURES, 'legacy/before/home', path.relative(h, b.original));
      assert.deepEqual(fs.readFileSync(b.archive), fs.readFileSync(orig), 'archive holds the original bytes');
    }
    assert.ok(res.configBackup && fs.existsSync(res.configBackup), 'openclaw.json backed up');
    assert.deepEqual(
      fs.readFileSync(res.configBackup),
      fs.readFileSync(path.join(FIXTURES, 'legacy/before/home/.openclaw/openclaw.json')),
    );
    // The reader sees what openclaw's list shows after its doctor (profile ids, types, cooldown).
    const ids = (doc: J) =>
      (doc.profiles as J[]).map((p) => `${String(p.id)} ${String(p.type)} ${String(p.cooldownReason ?? '')}`).sort();
    for (const agent of ['main', 'work']) {
      const exp = JSON.parse(
        fs.readFileSync(path.join(FIXTURES, `legacy/after/expected/models-auth-list.${agent}.json`), 'utf8'),
      ) as J;
      assert.deepEqual(ids(listDocument(readSnapshot({ ...opts(h), agentId: agent }))), ids(exp), agent);
    }
    assert.deepEqual(planLegacyMigration(opts(h)).plan.refusals, []);
  });

  it('is idempotent: a second run changes nothing', async () => {
    const h = home('legacy/before');
    await applyLegacyMigration(opts(h));
    const before = hashTree(h, () => false);
    const again = await applyLegacyMigration(opts(h));
    assert.equal(again.changed, false);
    assert.equal(again.plan.needed, false);
    assert.deepEqual(
      hashTree(h, () => false),
      before,
    );
  });

  it("leaves the real doctor's own result alone (its archives and receipts are recognised)", async () => {
    const h = home('legacy/after');
    const d = planLegacyMigration(opts(h));
    assert.equal(d.plan.needed, false);
    assert.equal(d.plan.archivesFound.length, 3);
    const before = hashTree(h, () => false);
    assert.equal((await applyLegacyMigration(opts(h))).changed, false);
    assert.deepEqual(
      hashTree(h, () => false),
      before,
    );
  });

  it('undo restores the legacy files byte for byte and the previous auth cells', async () => {
    const h = home('legacy/before');
    const original = homeView(h);
    const res = await applyLegacyMigration(opts(h));
    assert.notDeepEqual(hashTree(h), original);
    const runs = listRuns(opts(h));
    assert.equal(runs.length, 1);
    assert.equal(runs[0]?.status, 'complete');
    const journal = fs.readFileSync(path.join(res.runDir as string, 'journal.json'), 'utf8');
    for (const secret of [
      'sk-ant-api03-fake-legacy-public',
      'fake-access-openai-codex-public',
      'sk-or-v1-fake-legacy-flat-work',
    ])
      assert.ok(!journal.includes(secret), 'the run record holds no credential');
    assert.equal(fs.statSync(res.runDir as string).mode & 0o077, 0, 'the run dir (backups) is private');
    await undoLegacyMigration(res.runId as string, opts(h));
    assert.deepEqual(homeView(h), original);
    assert.equal(listRuns(opts(h))[0]?.status, 'undone');
    await assert.rejects(undoLegacyMigration(res.runId as string, opts(h)), /already undone/);
    // And it can be applied again afterwards.
    assert.equal((await applyLegacyMigration(opts(h))).changed, true);
  });

  it('archived originals hold credentials, so they are private (0600) like the backups; undo gives their modes back', async () => {
    const h = home('legacy/before');
    // The originals as users have them: readable by others (one 0640, to see each mode come back).
    const originals = [
      'agents/main/agent/auth-profiles.json',
      'agents/main/agent/auth-state.json',
      'agents/work/agent/auth-profiles.json',
    ].map((r) => path.join(h, '.openclaw', r));
    const modes = new Map(originals.map((f, i) => [f, i === 0 ? 0o640 : 0o644]));
    for (const [f, m] of modes) fs.chmodSync(f, m);
    const res = await applyLegacyMigration(opts(h));
    assert.equal(res.changed, true);
    assert.deepEqual(
      res.backups.map((b) => b.original).sort(),
      [...modes.keys()].sort(),
      'every original was archived',
    );
    for (const b of res.backups)
      assert.equal(fs.statSync(b.archive).mode & 0o777, 0o600, `${path.basename(b.archive)} is private`);
    await undoLegacyMigration(res.runId as string, opts(h));
    for (const [f, m] of modes) assert.equal(fs.statSync(f).mode & 0o777, m, `${f} has its mode back`);
  });

  it('an interrupted run is only reported by the read-only plan, and rolled back by the next Apply', async () => {
    const h = home('legacy/before');
    const original = homeView(h);
    const res = await applyLegacyMigration(opts(h));
    // Make it look like a kill right after the stores were written (journal still "prepared").
    const jf = path.join(res.runDir as string, 'journal.json');
    fs.writeFileSync(jf, fs.readFileSync(jf, 'utf8').replace('"status": "complete"', '"status": "prepared"'));
    const migrated = hashTree(h, () => false);
    const ro = planLegacyMigration({ ...opts(h), recover: false });
    assert.deepEqual(ro.interrupted, [res.runId]);
    assert.deepEqual(
      hashTree(h, () => false),
      migrated,
      'the read-only plan changed nothing',
    );
    const again = await applyLegacyMigration(opts(h));
    assert.match(again.recovered.join('\n'), /Rolled back interrupted migration .*nothing was changed/);
    assert.equal(again.changed, true, 'then migrated afresh');
    await undoLegacyMigration(again.runId as string, opts(h));
    assert.deepEqual(homeView(h), original);
  });

  it('undo keeps config keys and DB rows written since; refuses when an auth cell or a migrated config key changed, unless forced', async () => {
    const h = home('legacy/before');
    const original = homeView(h);
    const res = await applyLegacyMigration(opts(h));
    const cfg = path.join(h, '.openclaw/openclaw.json');
    // Another program rewrites openclaw.json with a key of its own, and adds a row of its own to the state DB.
    const c1 = JSON.parse(fs.readFileSync(cfg, 'utf8')) as J;
    c1.meta = { lastTouchedVersion: 'other' };
    fs.writeFileSync(cfg, JSON.stringify(c1, null, 2));
    const sharedDb = path.join(h, '.openclaw/state/openclaw.sqlite');
    await mutateDb(
      sharedDb,
      (db) => writeCell(db, { table: 'config_machine_state', key: 'plugins.index' }, '{"other":true}', 1),
      { kind: 'shared' },
    );
    // And changes a credential the migration wrote.
    await mutateDb(
      sharedDb,
      (db) => {
        const store = JSON.parse(
          String(db.get("SELECT value_json AS v FROM config_machine_state WHERE state_key = 'authProfiles.store'")?.v),
        ) as { profiles: J };
        store.profiles['groq:later'] = { type: 'api_key', provider: 'groq', key: 'gsk-fake-later-0123456789' };
        writeCell(db, { table: 'config_machine_state', key: 'authProfiles.store' }, JSON.stringify(store), 2);
      },
      { kind: 'shared' },
    );
    const changed = hashTree(h);
    await assert.rejects(
      undoLegacyMigration(res.runId as string, opts(h)),
      (e: unknown) =>
        e instanceof MigrationError &&
        e.code === 'CHANGED_SINCE' &&
        /authProfiles\.store/.test(e.message) &&
        !/openclaw\.json/.test(e.message),
    );
    assert.deepEqual(hashTree(h), changed, 'nothing changed by the refused undo');
    await undoLegacyMigration(res.runId as string, { ...opts(h), force: true });
    const after = homeView(h);
    assert.deepEqual(after.dbs, original.dbs, 'auth cells as before the migration');
    const restoredCfg = JSON.parse(fs.readFileSync(cfg, 'utf8')) as J;
    assert.deepEqual(restoredCfg.meta, { lastTouchedVersion: 'other' }, "the other program's config key is kept");
    assert.equal(
      readRowsIn(sharedDb, 'config_machine_state', 'state_key', ['plugins.index']).length,
      1,
      "the other program's row is kept",
    );
    for (const [rel, sha] of Object.entries(original.files))
      if (!rel.endsWith('openclaw.json')) assert.equal(after.files[rel], sha, `${rel} restored byte for byte`);
  });

  it('beside another SQLite connection holding the store: native writes in place, sql.js refuses changing nothing', async () => {
    const h = home('legacy/after');
    // A legacy file next to a populated store, and the state DB held open by a real SQLite connection (as the gateway holds it).
    fs.writeFileSync(
      path.join(h, '.openclaw/agents/work/agent/auth.json'),
      JSON.stringify({ groq: { type: 'api_key', apiKey: 'gsk-fake-held-0123456789' } }),
    );
    const db = path.join(h, '.openclaw/state/openclaw.sqlite');
    const holder: ChildProcess = spawn(
      'python3',
      [
        '-c',
        `import sqlite3,sys,time\nc=sqlite3.connect(${JSON.stringify(db)})\nc.execute('select 1 from config_machine_state').fetchall()\nprint('ready',flush=True)\ntime.sleep(30)`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    try {
      await new Promise<void>((resolve, reject) => {
        holder.stdout?.once('data', () => resolve());
        holder.once('exit', () => reject(new Error('holder exited')));
      });
      if (engineName() === 'sqljs') {
        const before = hashTree(h);
        await assert.rejects(
          applyLegacyMigration(opts(h)),
          (e: unknown) => e instanceof StoreBusyError && /in use/.test(e.message) && /Node 22\.13/.test(e.message),
        );
        assert.deepEqual(hashTree(h), before);
      } else {
        assert.equal((await applyLegacyMigration(opts(h))).changed, true);
      }
    } finally {
      holder.kill('SIGKILL');
    }
    if (engineName() === 'sqljs')
      await assert.rejects(
        applyLegacyMigration(opts(h)),
        (e: unknown) => e instanceof StoreBusyError && /leave an empty -wal/.test(e.message),
        'still refused: the killed holder left its -wal/-shm',
      );
    else
      assert.deepEqual(
        Object.keys(
          (cells(path.join(h, '.openclaw/agents/work/agent/openclaw-agent.sqlite'), 'agent').store as { profiles: J })
            .profiles,
        ).sort(),
        ['groq:default', 'openrouter:default'],
      );
  });

  describe('bad input: reported per item, nothing else blocked, no original touched', () => {
    type BadFiles = Record<'good' | 'unparsable' | 'big' | 'unreadable' | 'flat' | 'clean', string>;
    function badHome(): { h: string; files: BadFiles } {
      const h = tempHome();
      homes.push(h);
      const oc = path.join(h, '.openclaw');
      fs.mkdirSync(oc, { recursive: true });
      const agent = (id: string) => {
        const d = path.join(oc, 'agents', id, 'agent');
        fs.mkdirSync(d, { recursive: true });
        return d;
      };
      fs.writeFileSync(path.join(oc, 'openclaw.json'), '{}\n');
      const files = {} as BadFiles;
      // good: a canonical file with an unknown type, a duplicate id and a non-object entry
      files.good = path.join(agent('main'), 'auth-profiles.json');
      fs.writeFileSync(
        files.good,
        '{"version":1,"profiles":{"groq:a":{"type":"api_key","provider":"groq","key":"gsk-fake-first-000000"},"groq:a":{"type":"api_key","provider":"groq","key":"gsk-fake-second-11111"},"x:weird":{"type":"magic","provider":"x"},"y:bad":"nope","z:nokey":{"type":"api_key"}}}',
      );
      files.unparsable = path.join(agent('broken'), 'auth-profiles.json');
      fs.writeFileSync(files.unparsable, '{"version":1,"profiles":{"a:b":');
      files.big = path.join(agent('big'), 'auth-profiles.json');
      const fd = fs.openSync(files.big, 'w');
      fs.writeSync(fd, '{"version":1,"profiles":{"big:x":{"type":"api_key","provider":"big","key":"fake"}},"pad":"');
      const chunk = Buffer.alloc(1024 * 1024, 0x61);
      for (let i = 0; i < 50; i++) fs.writeSync(fd, chunk);
      fs.writeSync(fd, '"}');
      fs.closeSync(fd);
      // "Unreadable": tests run as root, so chmod 000 would not stop the read; a directory in the
      // file's place gives a real read failure (EISDIR) instead.
      files.unreadable = path.join(agent('locked'), 'auth-profiles.json');
      fs.mkdirSync(files.unreadable);
      files.flat = path.join(agent('flat'), 'auth.json');
      fs.writeFileSync(files.flat, '{"mistral":{"type":"api_key","apiKey":"mistral-fake-key-0123456789"},"empty":{}}');
      files.clean = path.join(agent('clean'), 'auth-profiles.json');
      fs.writeFileSync(files.clean, '{"cohere":{"apiKey":"cohere-fake-key-0123456789"}}');
      return { h, files };
    }

    it('plans the good files and reports each bad one with its reason', () => {
      const { h, files } = badHome();
      const { plan } = planLegacyMigration(opts(h));
      const left = Object.fromEntries(
        plan.sources.filter((s) => s.status === 'left-in-place').map((s) => [s.path, s.reason ?? '']),
      );
      assert.match(left[files.unparsable] ?? '', /not valid JSON/);
      assert.match(left[files.big] ?? '', /50\.\d MB, larger than any credential file/);
      assert.ok(fs.statSync(files.big).size > MAX_LEGACY_FILE_BYTES);
      assert.match(left[files.unreadable] ?? '', /not a regular file/);
      const skipped = Object.fromEntries(
        plan.profiles.filter((p) => p.action === 'skip').map((p) => [p.fromId, p.reason]),
      );
      assert.match(skipped['x:weird'] ?? '', /unknown credential type/);
      assert.match(skipped['y:bad'] ?? '', /not an object/);
      assert.match(skipped['z:nokey'] ?? '', /no provider/);
      assert.match(skipped['empty'] ?? '', /not an object|no provider|invalid|unknown/);
      assert.ok(plan.warnings.some((w) => w.includes('"profiles.groq:a" appears more than once')));
      assert.deepEqual(
        plan.profiles
          .filter((p) => p.action === 'add')
          .map((p) => `${p.agentId} ${p.fromId}`)
          .sort(),
        ['clean cohere:default', 'flat mistral:default', 'main groq:a'],
      );
    });

    it('applies the good ones; bad originals stay byte-for-byte where they were', async () => {
      const { h, files } = badHome();
      const bad = [files.unparsable, files.big, files.good, files.flat].map(
        (f) =>
          [
            f,
            crypto
              .createHash('sha256')
              .update(fs.readFileSync(f as string))
              .digest('hex'),
          ] as const,
      );
      const res = await applyLegacyMigration(opts(h));
      assert.equal(res.changed, true);
      for (const [f, sha] of bad)
        assert.equal(crypto.createHash('sha256').update(fs.readFileSync(f)).digest('hex'), sha, `${f} untouched`);
      assert.ok(fs.statSync(files.unreadable as string).isDirectory());
      const shared = cells(path.join(h, '.openclaw/state/openclaw.sqlite'), 'shared');
      // The last duplicate wins, as JSON.parse and openclaw read it.
      assert.deepEqual((shared.store as { profiles: J }).profiles, {
        'groq:a': { type: 'api_key', provider: 'groq', key: 'gsk-fake-second-11111' },
      });
      const flat = cells(path.join(h, '.openclaw/agents/flat/agent/openclaw-agent.sqlite'), 'agent');
      assert.deepEqual((flat.store as { profiles: J }).profiles, {
        'mistral:default': { type: 'api_key', provider: 'mistral', key: 'mistral-fake-key-0123456789' },
      });
      // A file with entries that could not be imported stays where it is; a clean one is archived.
      assert.equal(fs.existsSync(files.clean as string), false);
      assert.deepEqual(
        (cells(path.join(h, '.openclaw/agents/clean/agent/openclaw-agent.sqlite'), 'agent').store as { profiles: J })
          .profiles,
        { 'cohere:default': { type: 'api_key', provider: 'cohere', key: 'cohere-fake-key-0123456789' } },
      );
      assert.equal((await applyLegacyMigration(opts(h))).changed, false, 'a second run has nothing left to do');
    });
  });

  it('a lone file that does not parse: nothing applied, the file untouched, the refusal still reported', async () => {
    const h = tempHome();
    homes.push(h);
    const f = path.join(h, '.openclaw/agents/main/agent/auth-profiles.json');
    fs.mkdirSync(path.dirname(f), { recursive: true });
    fs.writeFileSync(f, '{"version":1,"profiles":{');
    const before = hashTree(h, () => false);
    const { plan } = planLegacyMigration(opts(h));
    assert.equal(plan.needed, false);
    assert.deepEqual(
      plan.refusals.map((r) => [r.agentId, r.affectedProviders]),
      [['main', null]],
    );
    assert.match(plan.sources[0]?.reason ?? '', /not valid JSON/);
    assert.equal((await applyLegacyMigration(opts(h))).changed, false);
    assert.deepEqual(
      hashTree(h, () => false),
      before,
    );
  });

  it('an older install keeping the shared store in the main agent DB (no marker): imported there, stored entries win', async () => {
    const h = home('legacy/before');
    const mainDb = path.join(h, '.openclaw/agents/main/agent/openclaw-agent.sqlite');
    await mutateDb(
      mainDb,
      (db) => {
        writeCell(
          db,
          { table: 'auth_profile_store', key: 'primary' },
          JSON.stringify({
            version: 1,
            profiles: {
              'anthropic:manual': { type: 'api_key', provider: 'anthropic', key: 'sk-ant-fake-already-stored-0000' },
            },
          }),
          1,
        );
      },
      { kind: 'agent', agentId: 'main' },
    );
    const { plan } = planLegacyMigration(opts(h));
    assert.deepEqual(
      plan.refusals.map((r) => r.agentId),
      ['work'],
      'the main agent DB has credentials: openclaw only warns for main',
    );
    assert.equal(plan.profiles.find((p) => p.fromId === 'anthropic:manual')?.action, 'keep-existing');
    await applyLegacyMigration(opts(h));
    assert.equal(
      fs.existsSync(path.join(h, '.openclaw/state/openclaw.sqlite')),
      false,
      'no state DB (its state-db marker would hide the main agent DB store)',
    );
    const main = cells(mainDb, 'agent');
    const profiles = (main.store as { profiles: Record<string, J> }).profiles;
    assert.deepEqual(Object.keys(profiles).sort(), [
      'anthropic:manual',
      'anthropic:pro',
      'openai:default',
      'openrouter:env',
    ]);
    assert.equal(profiles['anthropic:manual']?.key, 'sk-ant-fake-already-stored-0000', 'the stored credential is kept');
    assert.equal(planLegacyMigration(opts(h)).plan.needed, false);
  });

  it('a store with no legacy file is never a migration: key order and unknown keys of the stored state are no change', async () => {
    const h = home('cooldown');
    const sharedDb = path.join(h, '.openclaw/state/openclaw.sqlite');
    const before = cells(sharedDb, 'shared');
    assert.ok(before.state, 'the cooldown fixture has a stored auth state');
    // The same state with its keys in another order (as our own writer may leave them) plus a key from a newer openclaw.
    const reordered: J = { futureField: { kept: true } };
    for (const k of Object.keys(before.state).reverse()) reordered[k] = before.state[k];
    await mutateDb(
      sharedDb,
      (db) => {
        writeCell(db, { table: 'config_machine_state', key: 'authProfiles.state' }, JSON.stringify(reordered), 1);
      },
      { kind: 'shared' },
    );
    const files = hashTree(h, () => false);
    const { plan } = planLegacyMigration(opts(h));
    assert.equal(plan.needed, false);
    assert.deepEqual(plan.targets, []);
    const r = await applyLegacyMigration(opts(h));
    assert.equal(r.changed, false);
    assert.deepEqual(
      hashTree(h, () => false),
      files,
      'nothing written',
    );
  });

  it('an import keeps the keys of the stored state and store it does not know', async () => {
    const h = home('legacy/before');
    const workDb = path.join(h, '.openclaw/agents/work/agent/openclaw-agent.sqlite');
    await mutateDb(
      workDb,
      (db) => {
        writeCell(
          db,
          { table: 'auth_profile_state', key: 'primary' },
          JSON.stringify({ version: 1, futureField: ['kept'] }),
          1,
        );
      },
      { kind: 'agent', agentId: 'work' },
    );
    fs.writeFileSync(
      path.join(h, '.openclaw/agents/work/agent/auth-state.json'),
      JSON.stringify({ version: 1, lastGood: { openrouter: 'openrouter:default' } }),
    );
    await applyLegacyMigration(opts(h));
    const work = cells(workDb, 'agent');
    assert.deepEqual(
      (work.state as J | undefined)?.lastGood,
      { openrouter: 'openrouter:default' },
      'the imported state',
    );
    assert.deepEqual((work.state as J | undefined)?.futureField, ['kept']);
    assert.ok(
      Object.keys((work.store as { profiles: J }).profiles).length > 0,
      "the work agent's legacy profiles were imported",
    );
  });

  it("allocates openclaw's collision ids for openai-codex", () => {
    const occ = new Set(['openai:default']);
    assert.equal(allocateId('openai-codex:default', occ), 'openai:chatgpt-default');
    assert.equal(allocateId('openai-codex:default', occ), 'openai:chatgpt-default-2');
    assert.equal(allocateId('openai-codex:work', occ), 'openai:work');
    assert.deepEqual(duplicateKeys('{"a":1,"b":{"c":1,"c":2},"a":3}'), ['b.c', 'a']);
  });

  it('renames openai-codex on collision with openai:default in store, state and config', async () => {
    const h = tempHome();
    homes.push(h);
    const dir = path.join(h, '.openclaw/agents/main/agent');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(
      path.join(h, '.openclaw/openclaw.json'),
      JSON.stringify({
        auth: {
          order: { 'openai-codex': ['openai-codex:default'], openai: ['openai:default'] },
          profiles: { 'openai-codex:default': { provider: 'openai-codex', mode: 'oauth' } },
        },
      }),
    );
    fs.writeFileSync(
      path.join(dir, 'auth-profiles.json'),
      JSON.stringify({
        version: 1,
        profiles: {
          'openai:default': { type: 'api_key', provider: 'openai', key: 'sk-proj-fake-000000000000' },
          'openai-codex:default': {
            type: 'oauth',
            provider: 'openai-codex',
            access: 'fake-access-1',
            refresh: 'fake-refresh-1',
            expires: 1900000000000,
            accountId: 'acct-fake',
          },
        },
        order: { 'openai-codex': ['openai-codex:default'] },
        lastGood: { 'openai-codex': 'openai-codex:default' },
        usageStats: { 'openai-codex:default': { lastUsed: 5 } },
      }),
    );
    await applyLegacyMigration(opts(h));
    const c = cells(path.join(h, '.openclaw/state/openclaw.sqlite'), 'shared');
    assert.deepEqual(Object.keys((c.store as { profiles: J }).profiles).sort(), [
      'openai:chatgpt-default',
      'openai:default',
    ]);
    assert.deepEqual((c.store as { profiles: J }).profiles['openai:chatgpt-default'], {
      type: 'oauth',
      provider: 'openai',
      access: 'fake-access-1',
      refresh: 'fake-refresh-1',
      accountId: 'acct-fake',
      expires: 1900000000000,
    });
    assert.deepEqual(c.state, {
      version: 1,
      order: { openai: ['openai:chatgpt-default'] },
      lastGood: { openai: 'openai:chatgpt-default' },
      usageStats: { 'openai:chatgpt-default': { lastUsed: 5 } },
    });
    const auth = authOf(path.join(h, '.openclaw/openclaw.json')) as { order: J; profiles: J };
    assert.deepEqual(auth.order, { openai: ['openai:chatgpt-default', 'openai:default'] });
    assert.deepEqual(auth.profiles, { 'openai:chatgpt-default': { provider: 'openai', mode: 'oauth' } });
  });
});
