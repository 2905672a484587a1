/**
 * What the CLI works on, as a user gets it wrong (real processes): a mistyped --state-dir, the
 * home folder instead of its .openclaw, `/`, a file, an agent that does not exist, and a store
 * that is not a readable SQLite DB. Each ends with a sentence on stderr naming the path and the
 * cause, a non-zero exit, nothing on stdout, and every file byte-identical. A store is started
 * only at the default state dir or with --create.
 */
import { strict as assert } from 'node:assert';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { copyHome, rmrf, tempHome } from '../../helpers/fixtures';
import { hashTree } from '../../helpers/legacy';

const CLI = path.join(__dirname, '..', '..', '..', 'src', 'cli', 'main.ts');
const TSX = require.resolve('tsx/cjs');
const KEY = 'sk-or-v1-fake-target-0123456789abcdef0123456789abcdef0123456789';

function run(home: string, args: string[], opts: { input?: string; env?: Record<string, string> } = {}) {
  const r = spawnSync(process.execPath, ['--require', TSX, CLI, ...args], {
    input: opts.input ?? '',
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', HOME: home, ...opts.env },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('openclaw-auth CLI targets', function () {
  this.timeout(120_000);
  const dirs: string[] = [];
  after(() => dirs.forEach(rmrf));
  const keep = <T extends string>(d: T): T => {
    dirs.push(d);
    return d;
  };

  /** Runs the CLI and asserts it failed with `code`, said `message` on stderr, and changed nothing under `root`. */
  function refuses(root: string, home: string, args: string[], code: number, message: RegExp, input?: string) {
    const before = hashTree(root, () => false);
    const r = run(home, args, { input });
    assert.equal(r.code, code, `exit code; stderr: ${r.stderr}`);
    assert.match(r.stderr, message);
    assert.equal(r.stdout, '');
    assert.ok(!r.stderr.includes(KEY), 'the key is not printed');
    assert.deepEqual(
      hashTree(root, () => false),
      before,
      'every file unchanged',
    );
    return r;
  }

  it('check/list/add-key --agent nosuch: an error naming the agents that exist', () => {
    const h = keep(copyHome('multi-agent'));
    const r = refuses(
      h,
      h,
      ['check', '--agent', 'nosuch'],
      1,
      /No agent "nosuch" in .*\.openclaw; its agents are: main, work\./,
    );
    assert.doesNotMatch(r.stderr, /^ok/m);
    refuses(h, h, ['list', '--json', '--agent', 'nosuch'], 1, /No agent "nosuch"/);
    refuses(h, h, ['add-key', '--provider', 'groq', '--agent', 'nosuch'], 1, /No agent "nosuch"/, `${KEY}\n`);
    refuses(h, h, ['status', '--agent', '../main'], 2, /Agent id "\.\.\/main" is invalid/);
  });

  it('a mistyped --state-dir is "no OpenClaw state" for reads and writes, and no folder is created', () => {
    const h = keep(copyHome('basic'));
    const typo = path.join(h, '.opencalw');
    for (const args of [
      ['list', '--json'],
      ['status'],
      ['check'],
      ['order', 'get', '--provider', 'openai'],
      ['doctor'],
      ['probe', '--local'],
      ['rotation', '--provider', 'openai'],
    ]) {
      refuses(
        h,
        h,
        [...args, '--state-dir', typo],
        1,
        /No OpenClaw state at .*\.opencalw \(use --create to start one there\); nothing was read or changed\./,
      );
    }
    refuses(h, h, ['add-key', '--provider', 'groq', '--state-dir', typo], 1, /No OpenClaw state at/, `${KEY}\n`);
    assert.ok(!fs.existsSync(typo), 'no store was started at the typo');
  });

  it('the home folder instead of its .openclaw: refused, with the folder it probably meant', () => {
    const h = keep(copyHome('basic'));
    refuses(
      h,
      h,
      ['check', '--state-dir', h],
      1,
      new RegExp(
        `No OpenClaw state at .*Did you mean ${path.join(h, '.openclaw').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\?`,
      ),
    );
  });

  it('--state-dir / is never a state dir, even with --create; nothing appears at the root', () => {
    const h = keep(tempHome());
    const had = ['/state', '/openclaw.json'].map((p) => fs.existsSync(p));
    for (const args of [['list'], ['add-key', '--provider', 'groq', '--create']]) {
      const r = run(h, [...args, '--state-dir', '/'], { input: `${KEY}\n` });
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, /\/ is the file system root, not an OpenClaw state dir/);
    }
    const env = run(h, ['list'], { env: { OPENCLAW_STATE_DIR: '/' } });
    assert.equal(env.code, 1);
    assert.match(env.stderr, /\/ \(from OPENCLAW_STATE_DIR\) is the file system root/);
    assert.deepEqual(
      ['/state', '/openclaw.json'].map((p) => fs.existsSync(p)),
      had,
    );
  });

  it('--state-dir naming a file says so', () => {
    const h = keep(copyHome('basic'));
    const file = path.join(h, '.openclaw', 'openclaw.json');
    refuses(h, h, ['list', '--state-dir', file], 1, /openclaw\.json is a file, not an OpenClaw state dir/);
    refuses(h, h, ['add-key', '--provider', 'groq', '--state-dir', file, '--create'], 1, /is a file/, `${KEY}\n`);
    refuses(
      h,
      h,
      ['add-key', '--provider', 'groq', '--state-dir', path.join(file, 'sub'), '--create'],
      1,
      /openclaw\.json[/\\]sub cannot be an OpenClaw state dir: a part of that path is a file/,
      `${KEY}\n`,
    );
  });

  it('--create starts a store where asked; the default state dir (and OPENCLAW_STATE_DIR) needs no --create', () => {
    const h = keep(tempHome());
    const dir = path.join(h, 'elsewhere');
    const add = run(h, ['add-key', '--provider', 'groq', '--state-dir', dir, '--create'], { input: `${KEY}\n` });
    assert.equal(add.code, 0, add.stderr);
    assert.ok(fs.existsSync(path.join(dir, 'state', 'openclaw.sqlite')));
    const list = run(h, ['list', '--json', '--state-dir', dir]);
    assert.equal(list.code, 0, list.stderr);
    assert.deepEqual(
      (JSON.parse(list.stdout) as { profiles: Array<{ id: string }> }).profiles.map((p) => p.id),
      ['groq:manual'],
    );

    const viaEnv = path.join(h, 'from-env');
    const env = run(h, ['add-key', '--provider', 'groq'], { input: `${KEY}\n`, env: { OPENCLAW_STATE_DIR: viaEnv } });
    assert.equal(env.code, 0, env.stderr);
    assert.ok(
      fs.existsSync(path.join(viaEnv, 'state', 'openclaw.sqlite')),
      'OPENCLAW_STATE_DIR is the default state dir',
    );
    // The default state dir given explicitly is still the default.
    const h2 = keep(tempHome());
    const explicit = run(h2, ['check', '--state-dir', path.join(h2, '.openclaw')]);
    assert.doesNotMatch(explicit.stderr, /No OpenClaw state/);
  });

  for (const [what, damage] of [
    ['not a SQLite file', (f: string) => fs.writeFileSync(f, 'garbage'.repeat(50))],
    ['truncated', (f: string) => fs.truncateSync(f, 4096 + 100)],
  ] as const) {
    it(`a store DB that is ${what}: list, status, check and order get exit 1 naming the file; nothing changes`, () => {
      const h = keep(copyHome('basic'));
      const db = path.join(h, '.openclaw', 'state', 'openclaw.sqlite');
      damage(db);
      for (const args of [
        ['list', '--json'],
        ['list'],
        ['status', '--json'],
        ['check'],
        ['check', '--json'],
        ['order', 'get', '--provider', 'openai'],
      ]) {
        const r = refuses(h, h, args, 1, /openclaw\.sqlite/);
        assert.match(r.stderr, /could not be read/);
        assert.doesNotMatch(r.stderr, /^ok$/m);
      }
      refuses(h, h, ['remove', 'openai:default'], 1, /openclaw\.sqlite/);
    });
  }

  it('rotation remove with a mask or index that matches nothing: exit 1, .env unchanged', () => {
    const h = keep(copyHome('basic'));
    const env = path.join(h, '.openclaw', '.env');
    fs.writeFileSync(env, `OPENAI_API_KEY_1=${KEY}\n`, { mode: 0o600 });
    refuses(
      h,
      h,
      ['rotation', 'remove', '--provider', 'openai', '--var', 'OPENAI_API_KEY_1', '--masked', 'nosuch'],
      1,
      /OPENAI_API_KEY_1 holds .*, not nosuch\. Nothing was removed\./,
    );
    refuses(
      h,
      h,
      ['rotation', 'remove', '--provider', 'openai', '--var', 'OPENAI_API_KEY_1', '--index', '3'],
      1,
      /no key number 3/,
    );
  });

  it('a cwd-relative --state-dir resolves against the cwd and is checked the same way', () => {
    const cwd = keep(fs.mkdtempSync(path.join(os.tmpdir(), 'oca-cwd-')));
    const h = keep(tempHome());
    const r = spawnSync(process.execPath, ['--require', TSX, CLI, 'list', '--state-dir', 'nope'], {
      cwd,
      input: '',
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '', HOME: h },
    });
    assert.equal(r.status, 1);
    assert.match(r.stderr, new RegExp(`No OpenClaw state at ${path.join(cwd, 'nope')}`));
    assert.deepEqual(fs.readdirSync(cwd), []);
  });
});
