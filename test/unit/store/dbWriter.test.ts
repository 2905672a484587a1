/**
 * Writes: every mutation on temp copies of real openclaw homes, read back through the snapshot;
 * bad input and concurrent writers refused with a clear message and no file changed.
 */
import { strict as assert } from 'node:assert';
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyHome, rmrf, tempHome } from '../../helpers/fixtures';
import { engineName } from '../../../src/store/engine';
import {
  applyMutation,
  MutationError,
  readSnapshot,
  StoreBusyError,
  StoreCorruptError,
  listDocument,
  suggestApiKeyProfileId,
} from '../../../src/store';
import { ConfigError } from '../../../src/store/config';
import { SqliteReader } from '../../../src/store/sqliteReader';

const KEY = 'sk-test-fake-0123456789abcdef0123456789abcdef';
const KEY2 = 'sk-test-fake-rotated-fedcba9876543210fedcba98';

function hashTree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out[path.relative(dir, p)] = crypto.createHash('sha256').update(fs.readFileSync(p)).digest('hex');
    }
  };
  walk(dir);
  return out;
}

function cell(db: string, table: string, keyCol: string, valCol: string, key: string): unknown {
  const r = SqliteReader.open(db);
  try {
    if (!r.hasTable(table)) return undefined;
    const row = r.rows(table).find((x) => x[keyCol] === key);
    return row ? JSON.parse(String(row[valCol])) : undefined;
  } finally {
    r.close();
  }
}

const sharedStore = (home: string) =>
  cell(
    `${home}/.openclaw/state/openclaw.sqlite`,
    'config_machine_state',
    'state_key',
    'value_json',
    'authProfiles.store',
  ) as { profiles: Record<string, Record<string, unknown>> };
const agentState = (home: string, agent: string) =>
  cell(
    `${home}/.openclaw/agents/${agent}/agent/openclaw-agent.sqlite`,
    'auth_profile_state',
    'state_key',
    'state_json',
    'primary',
  ) as { order?: Record<string, string[]> } | undefined;
const config = (home: string) =>
  JSON.parse(fs.readFileSync(`${home}/.openclaw/openclaw.json`, 'utf8')) as {
    auth?: { profiles?: Record<string, unknown>; order?: Record<string, string[]> };
    [k: string]: unknown;
  };

describe('store writes', () => {
  const homes: string[] = [];
  const home = (scenario?: string) => {
    const h = scenario ? copyHome(scenario) : tempHome();
    homes.push(h);
    return h;
  };
  after(() => homes.forEach(rmrf));

  it("with no OpenClaw state at all, adding a key creates a DB with openclaw's schema, private modes, and config metadata", async () => {
    const h = home();
    await applyMutation(
      { env: { HOME: h } },
      {
        kind: 'upsertProfile',
        profileId: 'openrouter:manual',
        credential: { type: 'api_key', provider: 'openrouter', key: KEY },
      },
    );
    const db = `${h}/.openclaw/state/openclaw.sqlite`;
    const r = SqliteReader.open(db);
    try {
      assert.equal(r.info.userVersion, 18);
      assert.equal(r.tableNames().length > 100, true, 'full openclaw schema');
      const meta = r.rows('schema_meta').find((x) => x.meta_key === 'primary');
      assert.equal(meta?.role, 'global');
      assert.equal(meta?.schema_version, 18);
    } finally {
      r.close();
    }
    assert.equal(fs.statSync(db).mode & 0o777, 0o600);
    assert.equal(fs.statSync(path.dirname(db)).mode & 0o777, 0o700);
    assert.equal(fs.statSync(`${h}/.openclaw/openclaw.json`).mode & 0o777, 0o600);
    assert.deepEqual(config(h).auth?.profiles, { 'openrouter:manual': { provider: 'openrouter', mode: 'api_key' } });
    const s = readSnapshot({ env: { HOME: h } });
    assert.equal(s.store.profiles['openrouter:manual']?.type, 'api_key');
    assert.ok(fs.readFileSync(db)[18] === 2, 'the DB stays in WAL mode as openclaw keeps it');
  });

  it('adding to a real home keeps every other row, profile, unknown key and config key', async () => {
    const h = home('basic');
    const before = config(h);
    const rowsBefore = (() => {
      const r = SqliteReader.open(`${h}/.openclaw/state/openclaw.sqlite`);
      try {
        return r.rows('config_machine_state').filter((x) => x.state_key !== 'authProfiles.store');
      } finally {
        r.close();
      }
    })();
    await applyMutation(
      { env: { HOME: h } },
      { kind: 'upsertProfile', profileId: 'groq:manual', credential: { type: 'api_key', provider: 'groq', key: KEY } },
    );
    const store = sharedStore(h);
    assert.deepEqual(Object.keys(store.profiles), [
      'openrouter:default',
      'openrouter:manual',
      'openrouter:backup',
      'anthropic:manual',
      'groq:manual',
    ]);
    assert.deepEqual(store.profiles['openrouter:default'], {
      type: 'api_key',
      provider: 'openrouter',
      keyRef: { source: 'env', provider: 'default', id: 'OPENROUTER_API_KEY' },
    });
    const rowsAfter = (() => {
      const r = SqliteReader.open(`${h}/.openclaw/state/openclaw.sqlite`);
      try {
        return r.rows('config_machine_state').filter((x) => x.state_key !== 'authProfiles.store');
      } finally {
        r.close();
      }
    })();
    assert.deepEqual(rowsAfter, rowsBefore);
    const after = config(h);
    assert.deepEqual({ ...after, auth: undefined }, { ...before, auth: undefined });
    assert.deepEqual(after.auth?.order, before.auth?.order);
    assert.deepEqual((after.auth?.profiles as Record<string, unknown>)['groq:manual'], {
      provider: 'groq',
      mode: 'api_key',
    });
  });

  it('replacing a key in place keeps the fields stored beside it; a token gets its expiry', async () => {
    const h = home('basic');
    const db = `${h}/.openclaw/state/openclaw.sqlite`;
    // give the profile extra fields, through our own writer (restore path)
    await applyMutation(
      { env: { HOME: h } },
      {
        kind: 'restoreProfile',
        profileId: 'openrouter:manual',
        raw: {
          type: 'api_key',
          provider: 'openrouter',
          key: KEY,
          email: 'me@example.test',
          metadata: { team: 'a' },
          futureField: 42,
        },
        location: 'shared',
        orders: {},
        configOrders: {},
      },
    );
    await applyMutation(
      { env: { HOME: h } },
      {
        kind: 'upsertProfile',
        profileId: 'openrouter:manual',
        credential: { type: 'api_key', provider: 'openrouter', key: KEY2 },
      },
    );
    const p = sharedStore(h).profiles['openrouter:manual'];
    assert.ok(p?.key === KEY2, 'key replaced');
    assert.equal(p?.email, 'me@example.test');
    assert.deepEqual(p?.metadata, { team: 'a' });
    assert.equal(p?.futureField, 42);
    const exp = Date.now() + 30 * 86_400_000;
    await applyMutation(
      { env: { HOME: h } },
      {
        kind: 'upsertProfile',
        profileId: 'anthropic:manual',
        credential: { type: 'token', provider: 'anthropic', token: 'sk-ant-oat01-' + 'x'.repeat(80), expires: exp },
      },
    );
    assert.equal(sharedStore(h).profiles['anthropic:manual']?.expires, exp);
    assert.ok(fs.existsSync(db));
  });

  it('a keyRef profile is stored as a ref, never as a value; an invalid ref is refused', async () => {
    const h = home('basic');
    await applyMutation(
      { env: { HOME: h } },
      {
        kind: 'upsertProfile',
        profileId: 'xai:vault',
        credential: { type: 'api_key', provider: 'xai', keyRef: { source: 'exec', provider: 'vault', id: 'xai/key' } },
      },
    );
    assert.deepEqual(sharedStore(h).profiles['xai:vault'], {
      type: 'api_key',
      provider: 'xai',
      keyRef: { source: 'exec', provider: 'vault', id: 'xai/key' },
    });
    const before = hashTree(h);
    await assert.rejects(
      applyMutation(
        { env: { HOME: h } },
        {
          kind: 'upsertProfile',
          profileId: 'xai:bad',
          credential: {
            type: 'api_key',
            provider: 'xai',
            keyRef: { source: 'env', provider: 'default', id: 'lowercase' },
          },
        },
      ),
      MutationError,
    );
    await assert.rejects(
      applyMutation(
        { env: { HOME: h } },
        { kind: 'upsertProfile', profileId: 'bad id', credential: { type: 'api_key', provider: 'xai', key: KEY } },
      ),
      /must look like/,
    );
    assert.deepEqual(hashTree(h), before);
  });

  it('removing a profile drops it from the store, every order list and openclaw.json; Undo puts it all back', async () => {
    const h = home('basic');
    const r = await applyMutation({ env: { HOME: h } }, { kind: 'removeProfile', profileId: 'openrouter:backup' });
    assert.ok(!('openrouter:backup' in sharedStore(h).profiles));
    assert.deepEqual(agentState(h, 'main')?.order, { openrouter: ['openrouter:manual'] });
    assert.ok(!('openrouter:backup' in (config(h).auth?.profiles ?? {})));
    await applyMutation({ env: { HOME: h } }, { kind: 'removeProfile', profileId: 'anthropic:manual' });
    assert.equal(config(h).auth?.order?.anthropic, undefined, 'an order left empty is deleted');
    assert.ok(r.undo);
    await applyMutation({ env: { HOME: h } }, r.undo);
    assert.ok('openrouter:backup' in sharedStore(h).profiles);
    assert.deepEqual(agentState(h, 'main')?.order, { openrouter: ['openrouter:backup', 'openrouter:manual'] });
    assert.deepEqual((config(h).auth?.profiles as Record<string, unknown>)['openrouter:backup'], {
      provider: 'openrouter',
      mode: 'api_key',
    });
    await assert.rejects(
      applyMutation({ env: { HOME: h } }, { kind: 'removeProfile', profileId: 'nope:none' }),
      /No profile "nope:none"/,
    );
  });

  it('order set / clear per agent: main in its agent DB, work in its own; invalid orders refused', async () => {
    const h = home('multi-agent');
    await applyMutation(
      { env: { HOME: h } },
      { kind: 'setOrder', provider: 'anthropic', profileIds: ['anthropic:manual'] },
    );
    assert.deepEqual(agentState(h, 'main')?.order, { anthropic: ['anthropic:manual'] });
    assert.deepEqual(readSnapshot({ env: { HOME: h } }).state.order, { anthropic: ['anthropic:manual'] });
    await applyMutation(
      { env: { HOME: h }, agentId: 'work' },
      { kind: 'setOrder', provider: 'openrouter', profileIds: ['openrouter:manual', 'openrouter:work'] },
    );
    assert.deepEqual(agentState(h, 'work')?.order, { openrouter: ['openrouter:manual', 'openrouter:work'] });
    await applyMutation(
      { env: { HOME: h }, agentId: 'work' },
      { kind: 'setOrder', provider: 'openrouter', profileIds: null },
    );
    assert.equal(agentState(h, 'work'), undefined, 'a state left empty is deleted');
    await assert.rejects(
      applyMutation(
        { env: { HOME: h } },
        { kind: 'setOrder', provider: 'openrouter', profileIds: ['openrouter:manual', 'openrouter:manual'] },
      ),
      /twice/,
    );
    await assert.rejects(
      applyMutation(
        { env: { HOME: h } },
        { kind: 'setOrder', provider: 'openrouter', profileIds: ['anthropic:manual'] },
      ),
      /belongs to provider "anthropic"/,
    );
    await assert.rejects(
      applyMutation(
        { env: { HOME: h } },
        { kind: 'setOrder', provider: 'openrouter', profileIds: ['openrouter:work'] },
      ),
      /No profile "openrouter:work" for agent main/,
    );
  });

  it('a non-default agent: a new id goes to its agent DB, an inherited id updates the shared store (as openclaw does)', async () => {
    const h = home('multi-agent');
    await applyMutation(
      { env: { HOME: h }, agentId: 'work' },
      {
        kind: 'upsertProfile',
        profileId: 'openrouter:new',
        credential: { type: 'api_key', provider: 'openrouter', key: KEY },
      },
    );
    const local = cell(
      `${h}/.openclaw/agents/work/agent/openclaw-agent.sqlite`,
      'auth_profile_store',
      'store_key',
      'store_json',
      'primary',
    ) as { profiles: Record<string, unknown> };
    assert.deepEqual(Object.keys(local.profiles).sort(), ['openrouter:new', 'openrouter:work']);
    assert.ok(!('openrouter:new' in sharedStore(h).profiles));
    await applyMutation(
      { env: { HOME: h }, agentId: 'work' },
      {
        kind: 'upsertProfile',
        profileId: 'openrouter:manual',
        credential: { type: 'api_key', provider: 'openrouter', key: KEY2 },
      },
    );
    assert.ok(sharedStore(h).profiles['openrouter:manual']?.key === KEY2);
    assert.equal(listDocument(readSnapshot({ env: { HOME: h } })).profiles instanceof Array, true);
    assert.equal(readSnapshot({ env: { HOME: h }, agentId: 'work' }).location['openrouter:new'], 'local');
    assert.equal(readSnapshot({ env: { HOME: h }, agentId: 'work' }).location['openrouter:manual'], 'inherited');
  });

  it('the auth.sharedStore marker decides where the shared store is, as openclaw reads it', async () => {
    const h = home('basic');
    const db = `${h}/.openclaw/state/openclaw.sqlite`;
    assert.equal(
      spawnSync('sqlite3', [db, "DELETE FROM config_machine_state WHERE state_key='auth.sharedStore'"]).status,
      0,
    );
    // Without the marker openclaw uses the main agent DB and no longer sees authProfiles.store.
    const s = readSnapshot({ env: { HOME: h } });
    assert.equal(s.sharedLocation, 'legacy-main');
    assert.deepEqual(listDocument(s).profiles, []);
    await applyMutation(
      { env: { HOME: h } },
      {
        kind: 'upsertProfile',
        profileId: 'openrouter:nm',
        credential: { type: 'api_key', provider: 'openrouter', key: KEY },
      },
    );
    const local = cell(
      `${h}/.openclaw/agents/main/agent/openclaw-agent.sqlite`,
      'auth_profile_store',
      'store_key',
      'store_json',
      'primary',
    ) as { profiles: Record<string, unknown> };
    assert.deepEqual(Object.keys(local.profiles), ['openrouter:nm'], 'written into the main agent DB');
    assert.equal(Object.keys(sharedStore(h).profiles).length, 4, 'the state DB cell is left alone');
    // An invalid marker is reported with openclaw's wording.
    spawnSync('sqlite3', [
      db,
      `INSERT INTO config_machine_state VALUES ('auth.sharedStore','{"location":"elsewhere"}',1)`,
    ]);
    assert.ok(
      readSnapshot({ env: { HOME: h } }).warnings.some((w) => /invalid shared auth store location/.test(w.message)),
    );
  });

  it('paste rules as openclaw has them: guards, token replaced whole, config order promotion, default id', async () => {
    const h = home('basic');
    const env = { HOME: h };
    await assert.rejects(
      applyMutation(
        { env },
        {
          kind: 'upsertProfile',
          profileId: 'openrouter:default',
          credential: { type: 'api_key', provider: 'openrouter', key: KEY },
        },
      ),
      /uses an external secret reference/,
    );
    await assert.rejects(
      applyMutation(
        { env },
        {
          kind: 'upsertProfile',
          profileId: 'anthropic:manual',
          credential: { type: 'api_key', provider: 'anthropic', key: KEY },
        },
      ),
      /belongs to another sign-in/,
    );
    // A pasted token id goes first in the existing config order for its provider.
    await applyMutation(
      { env },
      {
        kind: 'upsertProfile',
        profileId: 'anthropic:second',
        credential: { type: 'token', provider: 'anthropic', token: 'sk-ant-oat01-' + 'Q'.repeat(80) },
      },
    );
    assert.deepEqual(config(h).auth?.order?.anthropic, ['anthropic:second', 'anthropic:manual']);
    await applyMutation(
      { env },
      {
        kind: 'upsertProfile',
        profileId: 'anthropic:manual',
        credential: { type: 'token', provider: 'anthropic', token: 'sk-ant-oat01-' + 'R'.repeat(80) },
      },
    );
    assert.deepEqual(config(h).auth?.order?.anthropic, ['anthropic:manual', 'anthropic:second']);
    assert.equal(
      sharedStore(h).profiles['anthropic:manual']?.expires,
      undefined,
      'a re-pasted token without expiry drops the old expiry',
    );
    // Default id for a pasted key: the first inline api_key in the effective order (stored [backup, manual]).
    assert.equal(suggestApiKeyProfileId(readSnapshot({ env }), 'openrouter'), 'openrouter:backup');
    assert.equal(suggestApiKeyProfileId(readSnapshot({ env }), 'groq'), 'groq:manual');
    assert.equal(suggestApiKeyProfileId(readSnapshot({ env }), 'openai-codex'), 'openai:manual');
  });

  describe('refusals lose nothing', () => {
    it('committed changes still in -wal (a running gateway): native writes in place keeping them; sql.js refuses with what to do, no file touched', async () => {
      const h = home('wal');
      const before = hashTree(h);
      const add = () =>
        applyMutation(
          { env: { HOME: h } },
          {
            kind: 'upsertProfile',
            profileId: 'groq:manual',
            credential: { type: 'api_key', provider: 'groq', key: KEY },
          },
        );
      if (engineName() === 'sqljs') {
        await assert.rejects(
          add(),
          (e: unknown) =>
            e instanceof StoreBusyError &&
            /-wal/.test(e.message) &&
            /Node 22\.13/.test(e.message) &&
            /control plane/.test(e.message),
        );
        assert.deepEqual(hashTree(h), before);
      } else {
        await add();
        const ids = Object.keys(sharedStore(h).profiles);
        assert.ok(
          ids.includes('groq:manual') && ids.includes('xai:manual'),
          `ours and the -wal-only profile: ${ids.join(', ')}`,
        );
        assert.equal(
          spawnSync('sqlite3', [`${h}/.openclaw/state/openclaw.sqlite`, 'PRAGMA integrity_check'])
            .stdout.toString()
            .trim(),
          'ok',
        );
      }
    });

    it('another SQLite connection has the DB open: native writes beside it; sql.js refuses, naming it where /proc shows it', async function () {
      const h = home('basic');
      const db = `${h}/.openclaw/state/openclaw.sqlite`;
      const holder: ChildProcess = spawn(
        'python3',
        [
          '-c',
          `import sqlite3,sys,time\nc=sqlite3.connect(${JSON.stringify(db)})\nc.execute('select 1 from config_machine_state').fetchall()\nprint('ready',flush=True)\nsys.stdin.readline()\nc.execute("insert into config_machine_state values('holder.row','{}',1)")\nc.commit()\nprint('done',flush=True)\ntime.sleep(30)`,
        ],
        { stdio: ['pipe', 'pipe', 'inherit'] },
      );
      try {
        await new Promise<void>((res, rej) => {
          holder.stdout?.once('data', () => res());
          holder.once('exit', () => rej(new Error('holder exited')));
        });
        const before = hashTree(h);
        const remove = () =>
          applyMutation({ env: { HOME: h } }, { kind: 'removeProfile', profileId: 'openrouter:manual' });
        if (engineName() === 'sqljs') {
          await assert.rejects(
            remove(),
            (e: unknown) =>
              e instanceof StoreBusyError &&
              /in use/.test(e.message) &&
              (!fs.existsSync('/proc/self/fd') || (/python3/.test(e.message) && /pid \d+/.test(e.message))),
          );
          assert.deepEqual(hashTree(h), before);
        } else {
          await remove();
          assert.ok(!('openrouter:manual' in sharedStore(h).profiles));
          // The holder's own later commit lands in the same file: nothing replaced it under its feet.
          holder.stdin?.write('go\n');
          await new Promise<void>((res) => holder.stdout?.once('data', () => res()));
          const rows = spawnSync('sqlite3', [
            db,
            "SELECT count(*) FROM config_machine_state WHERE state_key='holder.row'",
          ])
            .stdout.toString()
            .trim();
          assert.equal(rows, '1');
        }
      } finally {
        holder.kill('SIGKILL');
      }
    });

    it('ids named like Object.prototype members (constructor, toString, __proto__) are not profiles: NOT_FOUND, nothing changed', async () => {
      const h = home('basic');
      const before = hashTree(h);
      for (const id of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) {
        await assert.rejects(
          applyMutation({ env: { HOME: h } }, { kind: 'removeProfile', profileId: id }),
          (e: unknown) => e instanceof MutationError && e.code === 'NOT_FOUND',
        );
        await assert.rejects(
          applyMutation({ env: { HOME: h } }, { kind: 'setOrder', provider: 'openrouter', profileIds: [id] }),
          (e: unknown) => e instanceof MutationError && e.code === 'NOT_FOUND',
        );
      }
      assert.deepEqual(hashTree(h), before);
    });

    it('an openclaw.json that cannot be written (immutable): refused before anything is written, every file unchanged', async function () {
      const h = home('basic');
      const cfg = `${h}/.openclaw/openclaw.json`;
      if (spawnSync('chattr', ['+i', cfg]).status !== 0) this.skip(); // needs root and a file system with attributes
      try {
        const before = hashTree(h);
        await assert.rejects(
          applyMutation(
            { env: { HOME: h } },
            {
              kind: 'upsertProfile',
              profileId: 'groq:manual',
              credential: { type: 'api_key', provider: 'groq', key: KEY },
            },
          ),
          (e: unknown) =>
            /openclaw\.json cannot be written \(the file is immutable/.test((e as Error).message) &&
            /nothing was changed/.test((e as Error).message) &&
            !/EPERM:/.test((e as Error).message),
        );
        assert.deepEqual(hashTree(h), before);
      } finally {
        spawnSync('chattr', ['-i', cfg]);
      }
    });

    it('a file that is not SQLite, and a store cell that is not JSON: clear errors, nothing changed', async () => {
      const h = home('basic');
      const db = `${h}/.openclaw/state/openclaw.sqlite`;
      const good = fs.readFileSync(db);
      fs.writeFileSync(db, 'this is not a database\n'.repeat(20));
      const s = readSnapshot({ env: { HOME: h } });
      assert.ok(
        s.warnings.some((w) => /not a SQLite database/.test(w.message)),
        'reader reports it',
      );
      const before = hashTree(h);
      await assert.rejects(
        applyMutation(
          { env: { HOME: h } },
          {
            kind: 'upsertProfile',
            profileId: 'groq:manual',
            credential: { type: 'api_key', provider: 'groq', key: KEY },
          },
        ),
        StoreCorruptError,
      );
      assert.deepEqual(hashTree(h), before);
      fs.writeFileSync(db, good);
      const sq = spawnSync('sqlite3', [
        db,
        `UPDATE config_machine_state SET value_json='{"version":1,"profiles":{' WHERE state_key='authProfiles.store'`,
      ]);
      assert.equal(sq.status, 0);
      const before2 = hashTree(h);
      const s2 = readSnapshot({ env: { HOME: h } });
      assert.ok(s2.warnings.some((w) => /not valid JSON/.test(w.message)));
      await assert.rejects(
        applyMutation(
          { env: { HOME: h } },
          {
            kind: 'upsertProfile',
            profileId: 'groq:manual',
            credential: { type: 'api_key', provider: 'groq', key: KEY },
          },
        ),
        (e: unknown) => e instanceof MutationError && e.code === 'CORRUPT_CELL',
      );
      // A remove would otherwise "succeed" on openclaw.json alone and leave the credential in the unreadable cell.
      await assert.rejects(
        applyMutation({ env: { HOME: h } }, { kind: 'removeProfile', profileId: 'openrouter:manual' }),
        (e: unknown) =>
          e instanceof MutationError && e.code === 'CORRUPT_CELL' && /nothing was changed/.test((e as Error).message),
      );
      await assert.rejects(
        applyMutation({ env: { HOME: h } }, { kind: 'setOrder', provider: 'openrouter', profileIds: null }),
        (e: unknown) => e instanceof MutationError && e.code === 'CORRUPT_CELL',
      );
      assert.deepEqual(hashTree(h), before2);
    });

    it('an openclaw.json with comments (JSON5) is never rewritten: refused before anything changes', async () => {
      const h = home('basic');
      const cfg = `${h}/.openclaw/openclaw.json`;
      fs.writeFileSync(cfg, '// my notes\n' + fs.readFileSync(cfg, 'utf8'));
      const before = hashTree(h);
      await assert.rejects(
        applyMutation(
          { env: { HOME: h } },
          {
            kind: 'upsertProfile',
            profileId: 'groq:manual',
            credential: { type: 'api_key', provider: 'groq', key: KEY },
          },
        ),
        ConfigError,
      );
      assert.deepEqual(hashTree(h), before);
      assert.equal(
        readSnapshot({ env: { HOME: h } }).meta.order?.anthropic?.[0],
        'anthropic:manual',
        'JSON5 config still read',
      );
    });

    it('unknown profile types in the store are reported, kept on write, and never crash', async () => {
      const h = home('basic');
      const db = `${h}/.openclaw/state/openclaw.sqlite`;
      const s0 = sharedStore(h);
      s0.profiles['amazon-bedrock:default'] = { type: 'aws-sdk', provider: 'amazon-bedrock' };
      spawnSync('sqlite3', [
        db,
        `UPDATE config_machine_state SET value_json='${JSON.stringify(s0).replace(/'/g, "''")}' WHERE state_key='authProfiles.store'`,
      ]);
      const s = readSnapshot({ env: { HOME: h } });
      assert.ok(s.warnings.some((w) => w.key === 'amazon-bedrock:default' && /valid types/.test(w.message)));
      assert.ok(!('amazon-bedrock:default' in s.store.profiles));
      await applyMutation(
        { env: { HOME: h } },
        {
          kind: 'upsertProfile',
          profileId: 'groq:manual',
          credential: { type: 'api_key', provider: 'groq', key: KEY },
        },
      );
      assert.deepEqual(
        sharedStore(h).profiles['amazon-bedrock:default'],
        { type: 'aws-sdk', provider: 'amazon-bedrock' },
        'unknown entries are preserved',
      );
    });
  });

  it('sql.js: a file changed by someone else between read and rename: the change is re-read and re-applied, both survive', async function () {
    if (engineName() !== 'sqljs') this.skip(); // the native engine holds SQLite's write lock: nothing can change in between (next test)
    const h = home('basic');
    let interfered = false;
    await applyMutation(
      {
        env: { HOME: h },
        beforeCommit: () => {
          if (interfered) return;
          interfered = true;
          const db = `${h}/.openclaw/state/openclaw.sqlite`;
          const s = sharedStore(h);
          s.profiles['other:manual'] = { type: 'api_key', provider: 'other', key: 'k-other-fake-000000000000' };
          const r = spawnSync('sqlite3', [
            db,
            `PRAGMA journal_mode=DELETE; UPDATE config_machine_state SET value_json='${JSON.stringify(s).replace(/'/g, "''")}' WHERE state_key='authProfiles.store'; PRAGMA journal_mode=WAL;`,
          ]);
          assert.equal(r.status, 0);
        },
      },
      { kind: 'upsertProfile', profileId: 'groq:manual', credential: { type: 'api_key', provider: 'groq', key: KEY } },
    );
    const ids = Object.keys(sharedStore(h).profiles);
    assert.ok(ids.includes('other:manual'), "the other writer's profile survived");
    assert.ok(ids.includes('groq:manual'), 'our profile was re-applied');
  });

  it("native: another writer's open transaction is waited for (both survive); one held past the busy timeout refuses, changing nothing", async function () {
    if (engineName() !== 'native') this.skip(); // SQLite's busy timeout exists only on the native engine (npm test runs this file on Node 24 too)
    this.timeout(30_000);
    const h = home('basic');
    const db = `${h}/.openclaw/state/openclaw.sqlite`;
    const hold = (ms: number) =>
      spawn(
        'python3',
        [
          '-c',
          `import sqlite3,json,time\nc=sqlite3.connect(${JSON.stringify(db)},isolation_level=None)\nc.execute('BEGIN IMMEDIATE')\ns=json.loads(c.execute("select value_json from config_machine_state where state_key='authProfiles.store'").fetchone()[0])\ns['profiles']['other:manual']={'type':'api_key','provider':'other','key':'k-other-fake-000000000000'}\nc.execute("update config_machine_state set value_json=? where state_key='authProfiles.store'",(json.dumps(s),))\nprint('locked',flush=True)\ntime.sleep(${ms / 1000})\nc.execute('COMMIT')\nprint('committed',flush=True)`,
        ],
        { stdio: ['ignore', 'pipe', 'inherit'] },
      );
    const started = (c: ChildProcess) =>
      new Promise<void>((res, rej) => {
        c.stdout?.once('data', () => res());
        c.once('exit', (code) => rej(new Error(`holder exited ${code}`)));
      });
    const short = hold(1000);
    await started(short);
    await applyMutation(
      { env: { HOME: h } },
      { kind: 'upsertProfile', profileId: 'groq:manual', credential: { type: 'api_key', provider: 'groq', key: KEY } },
    );
    await new Promise((r) => short.once('exit', r));
    let ids = Object.keys(sharedStore(h).profiles);
    assert.ok(ids.includes('other:manual') && ids.includes('groq:manual'), ids.join(', '));
    const long = hold(8000);
    try {
      await started(long);
      await assert.rejects(
        applyMutation(
          { env: { HOME: h } },
          {
            kind: 'upsertProfile',
            profileId: 'groq:second',
            credential: { type: 'api_key', provider: 'groq', key: KEY },
          },
        ),
        (e: unknown) =>
          e instanceof StoreBusyError && /stayed locked/.test(e.message) && /nothing was changed/.test(e.message),
      );
    } finally {
      long.kill('SIGKILL');
    }
    ids = Object.keys(sharedStore(h).profiles);
    assert.ok(!ids.includes('groq:second'));
    const cfg = JSON.parse(fs.readFileSync(`${h}/.openclaw/openclaw.json`, 'utf8')) as {
      auth?: { profiles?: Record<string, unknown> };
    };
    assert.ok(!cfg.auth?.profiles?.['groq:second'], 'openclaw.json untouched by the refused write');
  });
});
