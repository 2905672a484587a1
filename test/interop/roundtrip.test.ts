/**
 * Interop with the real openclaw 2026.9.6 (Node 24, installed from the npm registry by the test
 * set-up): what this project writes, openclaw lists exactly as written; what openclaw writes, this
 * project reads back exactly. Plus a kill-during-write run: the DB is always the old or the new
 * version, never torn, and openclaw still reads it.
 */
import { strict as assert } from 'node:assert';
import fs from 'node:fs';
import path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { ensureOpenclaw, runOpenclaw, copyFixtureHome, makeEmptyHome } from './openclaw';
import { applyMutation, listDocument, orderDocument, readSnapshot } from '../../src/store';
import { SqliteReader } from '../../src/store/sqliteReader';

const KEY = 'sk-or-v1-fake-interop-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
const KEY2 = 'sk-or-v1-fake-interop-bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb';
const TOKEN =
  'sk-ant-oat01-fake-interop-CCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC';

type ListDoc = { agentId: string; profiles: Array<{ id: string; provider: string; type: string; expiresAt?: string }> };

async function openclawList(home: string, agent?: string): Promise<ListDoc> {
  const r = await runOpenclaw(home, ['models', 'auth', 'list', '--json', ...(agent ? ['--agent', agent] : [])]);
  assert.equal(r.code, 0, `openclaw models auth list failed: ${r.stderr.slice(-500)}`);
  return r.json as ListDoc;
}

async function openclawOrder(home: string, provider: string, agent?: string): Promise<string[] | null> {
  const r = await runOpenclaw(home, [
    'models',
    'auth',
    'order',
    'get',
    '--provider',
    provider,
    '--json',
    ...(agent ? ['--agent', agent] : []),
  ]);
  assert.equal(r.code, 0, `openclaw order get failed: ${r.stderr.slice(-500)}`);
  return (r.json as { order: string[] | null }).order;
}

describe('interop with the real openclaw', function () {
  this.timeout(10 * 60 * 1000);
  const homes: string[] = [];
  after(() => homes.forEach((h) => fs.rmSync(h, { recursive: true, force: true })));
  before(async () => {
    await ensureOpenclaw();
  });

  it('profiles and orders written here (into a home with no OpenClaw state) are listed by openclaw exactly as written', async () => {
    const home = makeEmptyHome();
    homes.push(home);
    const env = { HOME: home };
    const expires = Date.now() + 30 * 86_400_000;
    await applyMutation(
      { env },
      {
        kind: 'upsertProfile',
        profileId: 'openrouter:manual',
        credential: { type: 'api_key', provider: 'openrouter', key: KEY },
      },
    );
    await applyMutation(
      { env },
      {
        kind: 'upsertProfile',
        profileId: 'openrouter:backup',
        credential: { type: 'api_key', provider: 'openrouter', key: KEY2 },
      },
    );
    await applyMutation(
      { env },
      {
        kind: 'upsertProfile',
        profileId: 'openrouter:env',
        credential: {
          type: 'api_key',
          provider: 'openrouter',
          keyRef: { source: 'env', provider: 'default', id: 'OPENROUTER_API_KEY' },
        },
      },
    );
    await applyMutation(
      { env },
      {
        kind: 'upsertProfile',
        profileId: 'anthropic:manual',
        credential: { type: 'token', provider: 'anthropic', token: TOKEN, expires },
      },
    );
    await applyMutation(
      { env },
      { kind: 'setOrder', provider: 'openrouter', profileIds: ['openrouter:backup', 'openrouter:manual'] },
    );

    const theirs = await openclawList(home);
    assert.deepEqual(theirs.profiles, [
      {
        id: 'anthropic:manual',
        provider: 'anthropic',
        type: 'token',
        label: 'anthropic:manual',
        expiresAt: new Date(expires).toISOString(),
      },
      { id: 'openrouter:backup', provider: 'openrouter', type: 'api_key', label: 'openrouter:backup' },
      { id: 'openrouter:env', provider: 'openrouter', type: 'api_key', label: 'openrouter:env' },
      { id: 'openrouter:manual', provider: 'openrouter', type: 'api_key', label: 'openrouter:manual' },
    ]);
    assert.deepEqual(await openclawOrder(home, 'openrouter'), ['openrouter:backup', 'openrouter:manual']);
    // And our own read of the same home equals openclaw's document.
    assert.deepEqual(listDocument(readSnapshot({ env })), theirs);

    await applyMutation({ env }, { kind: 'removeProfile', profileId: 'openrouter:backup' });
    await applyMutation({ env }, { kind: 'setOrder', provider: 'anthropic', profileIds: ['anthropic:manual'] });
    const after = await openclawList(home);
    assert.deepEqual(
      after.profiles.map((p) => p.id),
      ['anthropic:manual', 'openrouter:env', 'openrouter:manual'],
    );
    assert.deepEqual(await openclawOrder(home, 'openrouter'), ['openrouter:manual']);
    assert.deepEqual(await openclawOrder(home, 'anthropic'), ['anthropic:manual']);
    await applyMutation({ env }, { kind: 'setOrder', provider: 'anthropic', profileIds: null });
    assert.equal(await openclawOrder(home, 'anthropic'), null);
  });

  it('a local profile and order for a second agent are read by openclaw --agent', async () => {
    const home = copyFixtureHome('multi-agent');
    homes.push(home);
    const env = { HOME: home };
    await applyMutation(
      { env, agentId: 'work' },
      {
        kind: 'upsertProfile',
        profileId: 'openrouter:night',
        credential: { type: 'api_key', provider: 'openrouter', key: KEY },
      },
    );
    await applyMutation(
      { env, agentId: 'work' },
      {
        kind: 'setOrder',
        provider: 'openrouter',
        profileIds: ['openrouter:night', 'openrouter:work', 'openrouter:manual'],
      },
    );
    const theirs = await openclawList(home, 'work');
    assert.deepEqual(
      theirs.profiles.map((p) => p.id),
      ['anthropic:manual', 'openrouter:manual', 'openrouter:night', 'openrouter:work'],
    );
    assert.deepEqual(await openclawOrder(home, 'openrouter', 'work'), [
      'openrouter:night',
      'openrouter:work',
      'openrouter:manual',
    ]);
    assert.deepEqual(listDocument(readSnapshot({ env, agentId: 'work' })), theirs);
  });

  it("profiles and orders written by openclaw's CLI are read back here exactly", async () => {
    const home = makeEmptyHome();
    homes.push(home);
    const env = { HOME: home };
    let r = await runOpenclaw(
      home,
      ['models', 'auth', 'paste-api-key', '--provider', 'openrouter', '--profile-id', 'openrouter:manual'],
      { input: `${KEY}\n` },
    );
    assert.equal(r.code, 0, r.stderr.slice(-500));
    r = await runOpenclaw(
      home,
      ['models', 'auth', 'paste-api-key', '--provider', 'openrouter', '--profile-id', 'openrouter:backup'],
      { input: `${KEY2}\n` },
    );
    assert.equal(r.code, 0, r.stderr.slice(-500));
    r = await runOpenclaw(home, ['models', 'auth', 'paste-token', '--provider', 'anthropic', '--expires-in', '30d'], {
      input: `${TOKEN}\n`,
    });
    assert.equal(r.code, 0, r.stderr.slice(-500));
    r = await runOpenclaw(home, [
      'models',
      'auth',
      'order',
      'set',
      '--provider',
      'openrouter',
      'openrouter:backup',
      'openrouter:manual',
    ]);
    assert.equal(r.code, 0, r.stderr.slice(-500));

    const theirs = await openclawList(home);
    const s = readSnapshot({ env });
    assert.deepEqual(listDocument(s), theirs);
    assert.deepEqual(
      (orderDocument(s, 'openrouter') as { order: string[] }).order,
      await openclawOrder(home, 'openrouter'),
    );
    assert.ok(
      s.store.profiles['openrouter:manual']?.type === 'api_key' &&
        (s.store.profiles['openrouter:manual'] as { key?: string }).key === KEY,
      'key read back exactly',
    );
    assert.ok((s.store.profiles['anthropic:manual'] as { token?: string }).token === TOKEN, 'token read back exactly');

    // openclaw's logout is seen here; our removal is seen by openclaw.
    r = await runOpenclaw(home, ['models', 'auth', 'logout', 'openrouter:backup', '--yes']);
    assert.equal(r.code, 0, r.stderr.slice(-500));
    const s2 = readSnapshot({ env });
    assert.ok(!('openrouter:backup' in s2.store.profiles));
    assert.deepEqual(listDocument(s2), await openclawList(home));
  });

  it('kill during write: after SIGKILL at random points the DB is the old or the new version, never torn, and openclaw reads it', async function () {
    const home = copyFixtureHome('basic');
    homes.push(home);
    const db = path.join(home, '.openclaw', 'state', 'openclaw.sqlite');
    const writer = path.join(__dirname, 'kill-writer.ts');
    // One process (tsx as a require hook, not its CLI, which would fork a child that outlives the kill).
    const tsx = require.resolve('tsx/cjs');
    let kills = 0;
    let maxSeen = 4;
    for (let i = 0; i < 12; i++) {
      const child = spawn(process.execPath, ['--require', tsx, writer, home, String(i)], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
      });
      // Wait until it is writing, then kill it somewhere in the middle of its loop.
      await new Promise<void>((res) => {
        const t = setInterval(() => {
          if (out.includes('writing')) {
            clearInterval(t);
            res();
          }
        }, 5);
        child.once('exit', () => {
          clearInterval(t);
          res();
        });
      });
      await new Promise((res) => setTimeout(res, 20 + Math.floor(Math.random() * 400)));
      if (child.exitCode === null) {
        child.kill('SIGKILL');
        kills++;
      }
      await new Promise((res) => child.once('exit', res).once('error', res));
      // The file opens, passes SQLite's own integrity check, and holds a whole store.
      const chk = spawnSync('sqlite3', ['-readonly', db, 'PRAGMA integrity_check;']);
      assert.equal(chk.stdout.toString().trim(), 'ok', `integrity after kill ${i}`);
      const r = SqliteReader.open(db);
      const row = r.rows('config_machine_state').find((x) => x.state_key === 'authProfiles.store');
      r.close();
      const profiles = Object.keys((JSON.parse(String(row?.value_json)) as { profiles: object }).profiles);
      assert.ok(profiles.length >= maxSeen, 'no committed write was lost');
      maxSeen = profiles.length;
      // No temp file or lock left that would block the next writer for long.
      const leftovers = fs.readdirSync(path.dirname(db)).filter((f) => f.endsWith('.tmp'));
      for (const f of leftovers) fs.rmSync(path.join(path.dirname(db), f));
    }
    assert.ok(kills > 0, 'at least one writer was killed mid-run');
    // A later write still works (stale locks of killed writers are taken over).
    await applyMutation(
      { env: { HOME: home } },
      {
        kind: 'upsertProfile',
        profileId: 'groq:after',
        credential: { type: 'api_key', provider: 'groq', key: 'gsk-fake-after-kill-0123456789abcdef' },
      },
    );
    maxSeen++;
    const theirs = await openclawList(home);
    assert.equal(theirs.profiles.length, maxSeen);
  });
});
