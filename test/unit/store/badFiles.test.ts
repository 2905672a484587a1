/**
 * Bad files (issue 11, "Files"): every bad input gets a clear answer and changes nothing.
 *   - a .env over openclaw's 1 MiB cap is reported and not used (openclaw skips it too);
 *   - an auth cell, legacy file or openclaw.json nested deeper than 100 levels is a problem that
 *     reads show and writes refuse, never "Maximum call stack size exceeded";
 *   - openclaw.json is read as JSON5, as openclaw reads it; a JSON5 file (or one whose numbers
 *     JSON cannot keep) is never rewritten; one that cannot be read is named on stderr;
 *   - a 5,000-character id is echoed cut, not whole.
 * The CLI runs as a real process on a copied fixture home, and every file of that home is hashed
 * before and after each refused or read-only command.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { copyHome, rmrf } from '../../helpers/fixtures';
import { hashTree } from '../../helpers/legacy';
import { loadAuthStore, MAX_JSON_DEPTH, nestsDeeperThan } from '../../../src/auth/schemas';
import { quoteId, validateProfileId, validateProviderId } from '../../../src/auth/providerId';
import { loadConfig } from '../../../src/store/config';
import { readSnapshot } from '../../../src/store';
import { planLegacyMigration, applyLegacyMigration } from '../../../src/store/legacy';

const CLI = path.join(__dirname, '..', '..', '..', 'src', 'cli', 'main.ts');
const TSX = require.resolve('tsx/cjs');
const KEY = 'sk-or-v1-fake-badfiles-0123456789abcdef0123456789abcdef0123456789abcdef';

function run(home: string, args: string[], input = '') {
  const r = spawnSync(process.execPath, ['--require', TSX, CLI, ...args], {
    input,
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', HOME: home },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** `{"a":{"a":…1…}}` nested `depth` levels. */
const nested = (depth: number) => '{"a":'.repeat(depth - 1) + '{"a":1}' + '}'.repeat(depth - 1);

/** Sets the shared store cell of a copied home through the sqlite3 CLI (stdin: cells can be large). */
function setSharedStore(home: string, text: string): void {
  const db = path.join(home, '.openclaw', 'state', 'openclaw.sqlite');
  const r = spawnSync('sqlite3', [db], {
    input: `UPDATE config_machine_state SET value_json = '${text.replace(/'/g, "''")}' WHERE state_key = 'authProfiles.store';\n`,
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, r.stderr);
}

describe('bad files: a clear answer, nothing changed', function () {
  this.timeout(120_000);
  const homes: string[] = [];
  after(() => homes.forEach(rmrf));
  const home = () => {
    const h = copyHome('basic');
    homes.push(h);
    return h;
  };

  /** Runs each command, asserting exit code and stderr, and that no file of the home changed. */
  function unchanged(h: string, cases: Array<{ args: string[]; input?: string; code: number; stderr: RegExp }>): void {
    for (const c of cases) {
      const before = hashTree(h, () => false);
      const r = run(h, c.args, c.input);
      assert.equal(r.code, c.code, `${c.args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, c.stderr, c.args.join(' '));
      assert.doesNotMatch(r.stderr, /Maximum call stack|RangeError|at .*\.ts:\d+/, 'no stack overflow or stack trace');
      assert.ok(!r.stderr.includes(KEY) && !r.stdout.includes(KEY), 'the key is never echoed');
      assert.deepEqual(
        hashTree(h, () => false),
        before,
        `${c.args.join(' ')}: every file byte-identical`,
      );
    }
  }

  describe('.env over 1 MiB (openclaw skips it)', () => {
    it('status and list name the file and its size; its variables are not used; rotation add refuses; nothing changes', () => {
      const h = home();
      const env = path.join(h, '.openclaw', '.env');
      // A real key on the first line, then (sparse) padding to 60 MB.
      fs.writeFileSync(env, `GROQ_API_KEY=${KEY}\n`);
      assert.deepEqual(readSnapshot({ env: { HOME: h } }).dotenv.GROQ_API_KEY, KEY, 'a small .env is read');
      fs.truncateSync(env, 60 * 1024 * 1024);
      const message = new RegExp(
        `\\.env at ${env.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is 60 MB; OpenClaw Auth reads at most 1 MB \\(1,048,576 bytes\\) of it`,
      );
      unchanged(h, [
        { args: ['status'], code: 0, stderr: message },
        { args: ['list', '--json'], code: 0, stderr: message },
        {
          args: ['rotation', 'add', '--provider', 'groq'],
          input: 'gsk-fake-rotation-0123456789\n',
          code: 1,
          stderr: /60 MB; OpenClaw Auth reads at most 1 MB \(1,048,576 bytes\)/,
        },
      ]);
      const s = readSnapshot({ env: { HOME: h } });
      assert.equal(s.dotenv.GROQ_API_KEY, undefined, 'as openclaw: none of its variables are in effect');
      assert.match(s.dotenvError ?? '', message);
      assert.equal(
        s.warnings[0]?.reason,
        'dotenv_too_large',
        'file problems lead the warnings (the tree shows the first five)',
      );
    });
  });

  describe('JSON nested deeper than 100 levels', () => {
    it('the pre-scan counts brackets outside strings and JSON5 comments; 100 levels pass, 101 do not', () => {
      assert.equal(MAX_JSON_DEPTH, 100);
      assert.equal(nestsDeeperThan(nested(100)), false);
      assert.equal(nestsDeeperThan(nested(101)), true);
      assert.equal(
        nestsDeeperThan(`{"s":"${'['.repeat(500)}","t":"\\"${'{'.repeat(500)}"}`),
        false,
        'brackets in strings (and after an escaped quote) do not count',
      );
      assert.equal(
        nestsDeeperThan(`{// ${'['.repeat(500)}\n a: 1, /* ${'{'.repeat(500)} */ b: '${'['.repeat(500)}'}`),
        false,
        'JSON5 comments and single-quoted strings do not count',
      );
      assert.equal(nestsDeeperThan(`${']'.repeat(50)}${'['.repeat(101)}`), true, 'stray closers do not hide depth');
    });

    it('a store cell at 100 levels is read; at 101 it is ignored with a warning naming the cell and the limit', () => {
      const setup = (depth: number) =>
        JSON.stringify({
          version: 1,
          profiles: {
            'groq:a': { type: 'api_key', provider: 'groq', key: KEY, setup: JSON.parse(nested(depth)) as unknown },
          },
        });
      // store (1) → profiles (2) → groq:a (3) → setup: 97 more levels = 100
      const ok = loadAuthStore(setup(97), 'cell');
      assert.equal(ok.valid, true);
      assert.ok(ok.store.profiles['groq:a']);
      const deep = loadAuthStore(setup(98), 'cell');
      assert.equal(deep.valid, false);
      assert.deepEqual(deep.store.profiles, {});
      assert.equal(deep.warnings[0]?.reason, 'too_deep');
      assert.equal(
        deep.warnings[0]?.message,
        'cell: the auth store cell nests deeper than 100 levels; it was ignored.',
      );
    });

    it('a store cell nested 100,000 deep: list and status report it; add-key, remove and order set refuse; nothing changes', () => {
      const h = home();
      setSharedStore(
        h,
        `{"version":1,"profiles":{"openrouter:manual":{"type":"api_key","provider":"openrouter","key":"${KEY}"},"groq:deep":{"type":"api_key","provider":"groq","key":"x","metadata":${nested(100_000)}}}}`,
      );
      const read =
        /openclaw\.sqlite authProfiles\.store: the auth store cell nests deeper than 100 levels; it was ignored\./;
      const refused = /The auth store in .*openclaw\.sqlite nests deeper than 100 levels, so nothing was changed\./;
      unchanged(h, [
        { args: ['list', '--json'], code: 0, stderr: read },
        { args: ['status'], code: 0, stderr: read },
        {
          args: ['add-key', '--provider', 'groq', '--profile-id', 'groq:other'],
          input: `${KEY}\n`,
          code: 1,
          stderr: refused,
        },
        { args: ['remove', 'openrouter:manual'], code: 1, stderr: refused },
        { args: ['order', 'clear', '--provider', 'openrouter'], code: 1, stderr: refused },
      ]);
    });

    it('a legacy auth file nested 100,000 deep is left in place with its reason; a file that is not JSON is reported without quoting it', async () => {
      const h = home();
      const dir = path.join(h, '.openclaw', 'agents', 'main', 'agent');
      const deep = path.join(dir, 'auth-profiles.json');
      fs.writeFileSync(
        deep,
        `{"version":1,"profiles":{"groq:x":{"type":"api_key","provider":"groq","key":"gsk-fake-deep-0123456789","metadata":${nested(100_000)}}}}`,
      );
      const brokenDir = path.join(h, '.openclaw', 'agents', 'broken', 'agent');
      fs.mkdirSync(brokenDir, { recursive: true });
      const broken = path.join(brokenDir, 'auth-profiles.json');
      // JSON.parse's own message would quote the text around the error: the key.
      fs.writeFileSync(
        broken,
        '{"version":1,"profiles":{"groq:y":{"type":"api_key","provider":"groq","key":gsk-fake-leak-0123456789}}}',
      );
      const opts = { stateDirSetting: path.join(h, '.openclaw'), env: { HOME: h } };
      const { plan } = planLegacyMigration(opts);
      const reason = (f: string) => plan.sources.find((s) => s.path === f)?.reason ?? '';
      assert.equal(reason(deep), 'nests deeper than 100 levels; left untouched');
      assert.match(reason(broken), /^not valid JSON( \(at character \d+\))?; left untouched$/);
      assert.ok(!JSON.stringify(plan).includes('gsk-fake'), 'no credential in the plan');
      const before = hashTree(h, () => false);
      const res = await applyLegacyMigration(opts);
      assert.equal(res.changed, false);
      assert.deepEqual(
        hashTree(h, () => false),
        before,
        'every file byte-identical',
      );
    });
  });

  describe('openclaw.json', () => {
    const configPath = (h: string) => path.join(h, '.openclaw', 'openclaw.json');
    /** The fixture's config plus auth.order.anthropic, written as JSON5 the way people write it. */
    function json5Config(h: string): string {
      const data = JSON.parse(fs.readFileSync(configPath(h), 'utf8')) as Record<string, unknown>;
      data.auth = { ...(data.auth as object), order: { anthropic: ['anthropic:manual'] } };
      const text =
        '// my notes: keep the order below\n' +
        JSON.stringify(data, null, 2)
          .replace(/"([A-Za-z_][\w]*)":/g, '$1:')
          .replace('"anthropic:manual"\n', "'anthropic:manual', /* primary */\n");
      fs.writeFileSync(configPath(h), text);
      return text;
    }

    it('JSON5 (comments, unquoted keys, single quotes, trailing commas) is read as openclaw reads it: its auth order applies', () => {
      const h = home();
      json5Config(h);
      const cfg = loadConfig(configPath(h));
      assert.equal(cfg.error, undefined);
      assert.equal(cfg.plainJson, false);
      const s = readSnapshot({ env: { HOME: h } });
      assert.deepEqual(s.meta.order?.anthropic, ['anthropic:manual']);
      assert.equal(s.configError, undefined);
      const r = run(h, ['status']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^anthropic \([^)]*order: config/m);
      assert.doesNotMatch(r.stderr, /openclaw\.json/);
    });

    it('a JSON5 openclaw.json is never rewritten (its comments would be lost): add-key and remove refuse, nothing changes', () => {
      const h = home();
      json5Config(h);
      const refused =
        /openclaw\.json at .* has comments or JSON5 syntax, which rewriting it would lose, so OpenClaw Auth does not write it\. Nothing was changed\./;
      unchanged(h, [
        { args: ['add-key', '--provider', 'groq'], input: `${KEY}\n`, code: 1, stderr: refused },
        { args: ['remove', 'openrouter:manual'], code: 1, stderr: refused },
      ]);
    });

    it('numbers JSON cannot keep exactly are never rewritten; ordinary numbers are', () => {
      const h = home();
      const data = JSON.parse(fs.readFileSync(configPath(h), 'utf8')) as Record<string, unknown>;
      fs.writeFileSync(
        configPath(h),
        JSON.stringify({ ...data, custom: { id: 0 } }, null, 2).replace('"id": 0', '"id": 12345678901234567890'),
      );
      unchanged(h, [
        {
          args: ['add-key', '--provider', 'groq'],
          input: `${KEY}\n`,
          code: 1,
          stderr: /has a number \(12345678901234567890\) that JSON cannot keep exactly/,
        },
      ]);
      const ordinary = { ...data, custom: { port: 18789, ratio: 0.1, scale: 1e3, neg: -0.25, tiny: 5e-324 } };
      fs.writeFileSync(configPath(h), JSON.stringify(ordinary, null, 2).replace('"scale": 1000', '"scale": 1e3'));
      const r = run(h, ['add-key', '--provider', 'groq'], `${KEY}\n`);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(
        (JSON.parse(fs.readFileSync(configPath(h), 'utf8')) as { custom: unknown }).custom,
        ordinary.custom,
      );
    });

    it('one that cannot be read is named on stderr with the cause (never its content) by list and status; writes refuse; nothing changes', () => {
      const h = home();
      const secret = 'gateway-token-fake-0123456789';
      fs.writeFileSync(
        configPath(h),
        `{\n  gateway: { auth: { token: "${secret}" } },\n  auth: { order: [ ${secret}\n`,
      );
      const where = configPath(h).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      const line = new RegExp(
        `^warning: openclaw\\.json at ${where} could not be read: it is not valid JSON or JSON5 \\(line 3, column \\d+\\); its auth order and profile settings are not shown\\.$`,
        'm',
      );
      unchanged(h, [
        { args: ['list'], code: 0, stderr: line },
        { args: ['status'], code: 0, stderr: line },
        {
          args: ['add-key', '--provider', 'groq'],
          input: `${KEY}\n`,
          code: 1,
          stderr:
            /openclaw\.json at .* could not be read: .* OpenClaw Auth does not rewrite a file it cannot read\. Nothing was changed\./,
        },
      ]);
      for (const args of [['list'], ['status']])
        assert.ok(!run(h, args).stderr.includes(secret.slice(0, 12)), 'the file content is not quoted');
      const s = readSnapshot({ env: { HOME: h } });
      assert.match(
        s.configError ?? '',
        /could not be read: it is not valid JSON or JSON5 \(line 3, column \d+\); its auth order and profile settings are not shown\.$/,
      );
      assert.equal(s.warnings[0]?.message, s.configError);
    });

    it('nested 100,000 deep: reported as too deep, never a stack overflow; writes refuse; nothing changes', () => {
      const h = home();
      fs.writeFileSync(configPath(h), `{"x":${nested(100_000)}}`);
      unchanged(h, [
        {
          args: ['status'],
          code: 0,
          stderr:
            /openclaw\.json at .* could not be read: it nests deeper than 100 levels; its auth order and profile settings are not shown\./,
        },
        {
          args: ['add-key', '--provider', 'groq'],
          input: `${KEY}\n`,
          code: 1,
          stderr: /could not be read: it nests deeper than 100 levels\. .*Nothing was changed\./,
        },
      ]);
    });
  });

  describe('long ids in messages', () => {
    const long = 'openrouter:' + 'a'.repeat(5000);

    it('quoteId: whole up to 64 characters, else the first 40, "…" and the length; control characters escaped', () => {
      assert.equal(quoteId('groq:work'), '"groq:work"');
      assert.equal(quoteId('x'.repeat(64)), `"${'x'.repeat(64)}"`);
      assert.equal(quoteId(long), `"${long.slice(0, 40)}…" (5011 characters)`);
      assert.equal(quoteId('a\nb'), '"a\\u000ab"');
      assert.equal(quoteId('😀'.repeat(100)), `"${'😀'.repeat(40)}…" (200 characters)`, 'never splits a character');
      assert.equal(quoteId('main', ''), 'main');
      for (const m of [
        validateProfileId(long),
        validateProfileId('groq:' + 'a'.repeat(5000)),
        validateProviderId('p'.repeat(5000)),
        validateProfileId(long, 'anthropic'),
      ]) {
        assert.ok(m && m.length < 200 && m.includes('…') && /\(\d+ characters\)/.test(m), m?.slice(0, 300));
      }
    });

    it('the CLI echoes a 5,000-character id cut, in one short line, and changes nothing', () => {
      const h = home();
      const short = (re: RegExp) => new RegExp(`^openclaw-auth: ${re.source}\\n$`);
      unchanged(h, [
        {
          args: ['remove', long],
          code: 1,
          stderr: short(/No profile "openrouter:a{29}…" \(5011 characters\) for agent main\./),
        },
        {
          args: ['order', 'set', '--provider', 'openrouter', long],
          code: 1,
          stderr: short(/No profile "openrouter:a{29}…" \(5011 characters\) for agent main\./),
        },
        {
          args: ['add-key', '--provider', 'groq', '--profile-id', 'groq:' + 'b'.repeat(5000)],
          input: `${KEY}\n`,
          code: 1,
          stderr: short(/Profile id "groq:b{35}…" \(5005 characters\) has an invalid name part .*/),
        },
        {
          args: ['add-key', '--provider', 'p'.repeat(5000)],
          input: `${KEY}\n`,
          code: 1,
          stderr: short(/Provider id "p{40}…" \(5000 characters\) is invalid .*/),
        },
      ]);
    });
  });
});
