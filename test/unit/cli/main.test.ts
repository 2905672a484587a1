/**
 * The headless CLI as a script would use it: real processes, stdin for secrets, JSON on stdout,
 * errors on stderr with a non-zero exit, and no secret in any output.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { shiftFixtureClock } from '../../helpers/clock';
import { copyHome, expected, rmrf, tempHome } from '../../helpers/fixtures';

const CLI = path.join(__dirname, '..', '..', '..', 'src', 'cli', 'main.ts');
const TSX = require.resolve('tsx/cjs');
const KEY = 'sk-or-v1-fake-cli-0123456789abcdef0123456789abcdef0123456789abcdef';

function run(home: string, args: string[], input?: string) {
  const r = spawnSync(process.execPath, ['--require', TSX, CLI, ...args], {
    input: input ?? '',
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', HOME: home },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('openclaw-auth CLI', () => {
  const homes: string[] = [];
  after(() => homes.forEach(rmrf));
  /**
   * The CLI runs with the real clock, so a fixture copy has its auth times shifted to be as at
   * capture, seen from now (test/helpers/clock.ts). `asCaptured` keeps the captured bytes, for
   * comparisons with openclaw's captured output that does not depend on the clock.
   */
  const home = (s?: string, asCaptured = false) => {
    const h = s ? copyHome(s) : tempHome();
    homes.push(h);
    if (s && !asCaptured) shiftFixtureClock(h, s);
    return h;
  };

  it("list --json prints exactly openclaw's document; --agent selects the agent", () => {
    const h = home('multi-agent', true); // expiresAt as captured
    const r = run(h, ['list', '--json', '--agent', 'work']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), expected('multi-agent', 'models-auth-list.work.json'));
  });

  it('--state-dir points at a state dir anywhere', () => {
    const h = home('basic');
    const r = run(home(), ['list', '--json', '--state-dir', path.join(h, '.openclaw')]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal((JSON.parse(r.stdout) as { profiles: unknown[] }).profiles.length, 4);
  });

  it('add-key reads the key from stdin, never echoes it, and list shows the profile; remove deletes it', () => {
    const h = home();
    const add = run(h, ['add-key', '--provider', 'groq', '--json'], `${KEY}\n`);
    assert.equal(add.code, 0, add.stderr);
    assert.deepEqual(JSON.parse(add.stdout), { provider: 'groq', profileId: 'groq:manual' });
    assert.ok(!add.stdout.includes(KEY) && !add.stderr.includes(KEY), 'secret not printed');
    const list = run(h, ['list', '--json']);
    assert.deepEqual(
      (JSON.parse(list.stdout) as { profiles: Array<{ id: string }> }).profiles.map((p) => p.id),
      ['groq:manual'],
    );
    const status = run(h, ['status', '--json']);
    assert.ok(!status.stdout.includes(KEY), 'status masks the key');
    assert.equal(run(h, ['remove', 'groq:manual']).code, 0);
    assert.deepEqual((JSON.parse(run(h, ['list', '--json']).stdout) as { profiles: unknown[] }).profiles, []);
  });

  it('add-token validates Anthropic setup tokens as openclaw does and stores the expiry', () => {
    const h = home();
    const bad = run(h, ['add-token', '--provider', 'anthropic'], 'sk-ant-oat01-short\n');
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /Token looks too short; paste the full setup-token/);
    assert.ok(!bad.stderr.includes('sk-ant-oat01-short'));
    const tok = 'sk-ant-oat01-fake-cli-' + 'T'.repeat(80);
    const before = Date.now();
    const ok = run(h, ['add-token', '--provider', 'anthropic', '--expires-in', '30d'], `${tok}\n`);
    assert.equal(ok.code, 0, ok.stderr);
    const row = (
      JSON.parse(run(h, ['list', '--json']).stdout) as { profiles: Array<{ id: string; expiresAt: string }> }
    ).profiles[0];
    assert.equal(row?.id, 'anthropic:manual');
    const exp = Date.parse(row?.expiresAt ?? '');
    assert.ok(exp >= before + 30 * 86_400_000 && exp <= Date.now() + 30 * 86_400_000);
    const badDur = run(h, ['add-token', '--provider', 'anthropic', '--expires-in', '-1h'], `${tok}\n`);
    assert.notEqual(badDur.code, 0);
    assert.match(badDur.stderr, /Invalid duration/);
  });

  it('order set / get / clear, with errors on stderr and stdout left empty', () => {
    const h = home('basic');
    assert.equal(
      run(h, ['order', 'set', '--provider', 'openrouter', 'openrouter:manual', 'openrouter:default']).code,
      0,
    );
    const got = JSON.parse(run(h, ['order', 'get', '--provider', 'openrouter', '--json']).stdout) as {
      order: string[];
    };
    assert.deepEqual(got.order, ['openrouter:manual', 'openrouter:default']);
    const bad = run(h, ['order', 'set', '--provider', 'openrouter', 'anthropic:manual', '--json']);
    assert.equal(bad.code, 1);
    assert.equal(bad.stdout, '');
    assert.match(bad.stderr, /belongs to provider "anthropic"/);
    assert.equal(run(h, ['order', 'clear', '--provider', 'openrouter']).code, 0);
    assert.equal(
      (JSON.parse(run(h, ['order', 'get', '--provider', 'openrouter', '--json']).stdout) as { order: null }).order,
      null,
    );
  });

  it('check exits 0 / 1 / 2 as openclaw models status --check did at capture', function () {
    this.timeout(60_000); // eight CLI processes
    assert.equal(run(home('basic'), ['check']).code, expected('basic', 'models-status-check.exitcode'));
    assert.equal(run(home('wal'), ['check']).code, expected('wal', 'models-status-check.exitcode'));
    const multi = home('multi-agent');
    for (const agent of ['main', 'work'])
      assert.equal(
        run(multi, ['check', '--agent', agent]).code,
        expected('multi-agent', `models-status-check.${agent}.exitcode`),
        agent,
      );
    const h = home();
    // No model configured: openclaw uses its built-in default (openai) and exits 1 for its missing auth (test/interop/emptyState.test.ts).
    const empty = run(h, ['check']);
    assert.equal(empty.code, 1, 'the built-in default model has no auth');
    assert.match(empty.stdout, /^missing or expired: openai$/m);
    const exp = home('expiry');
    // main: its default model's only usable token expires within 24 h (2); nightly uses
    // github-copilot whose only token is expired (1).
    assert.equal(run(exp, ['check']).code, expected('expiry', 'models-status-check.main.exitcode'));
    assert.equal(
      run(exp, ['check', '--agent', 'nightly']).code,
      expected('expiry', 'models-status-check.nightly.exitcode'),
    );
    // A default model whose only token expires within 24 h: 2; with no credential at all: 1.
    const soon = home();
    const fs = require('node:fs') as typeof import('node:fs');
    fs.mkdirSync(path.join(soon, '.openclaw'), { recursive: true });
    fs.writeFileSync(
      path.join(soon, '.openclaw', 'openclaw.json'),
      JSON.stringify({ agents: { defaults: { model: { primary: 'anthropic/claude-sonnet-4-6' } } } }),
    );
    assert.equal(run(soon, ['check']).code, 1);
    assert.equal(
      run(
        soon,
        ['add-token', '--provider', 'anthropic', '--expires-in', '12h'],
        'sk-ant-oat01-fake-cli-' + 'S'.repeat(80) + '\n',
      ).code,
      0,
    );
    assert.equal(run(soon, ['check']).code, 2);
  });

  it('bad input: an unreadable DB is an error naming the file and the cause, never an empty list; unknown commands exit 2', () => {
    const h = home('basic');
    require('node:fs').writeFileSync(path.join(h, '.openclaw', 'state', 'openclaw.sqlite'), 'garbage'.repeat(50));
    const r = run(h, ['list', '--json']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /openclaw\.sqlite is not a SQLite database/);
    assert.equal(r.stdout, '');
    assert.equal(run(h, ['frobnicate']).code, 2);
  });
});
