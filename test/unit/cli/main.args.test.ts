/**
 * The CLI's arguments, as a user mistypes them (real processes): every unknown or misspelt flag
 * and every flag whose value was forgotten is a usage error (exit 2) that names the problem, and
 * no file anywhere changes (`--state-dir --json` used to create a directory named "--json").
 * `--help`/`-h` print usage and exit 0; `--version`/`-v` print the version.
 */
import { strict as assert } from 'node:assert';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { main } from '../../../src/cli/main';
import { copyHome, rmrf } from '../../helpers/fixtures';
import { hashTree } from '../../helpers/legacy';

const CLI = path.join(__dirname, '..', '..', '..', 'src', 'cli', 'main.ts');
const TSX = require.resolve('tsx/cjs');

function run(cwd: string, home: string, args: string[]) {
  const r = spawnSync(process.execPath, ['--require', TSX, CLI, ...args], {
    cwd,
    input: '',
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', HOME: home },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('openclaw-auth CLI arguments', function () {
  this.timeout(60_000);
  let home: string;
  let cwd: string;
  before(() => {
    home = copyHome('basic');
    cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'oca-cwd-'));
  });
  after(() => {
    rmrf(home);
    rmrf(cwd);
  });

  const cases: Array<[string[], RegExp]> = [
    [['list', '--jsno'], /Unknown option --jsno\. Did you mean --json\?/],
    [['list', '--state-dri', '/tmp/x'], /Unknown option --state-dri\. Did you mean --state-dir\?/],
    [['list', '--state-dir', '--json'], /--state-dir needs a value \(got the option --json\)/],
    [['add-key', '--provider', '--profile-id', 'groq:x'], /--provider needs a value/],
    [['list', '--state-dir='], /--state-dir is empty/],
    [['list', '--json=yes'], /--json takes no value/],
    [['remove', '-f', 'openrouter:manual'], /Unknown option -f\./],
    [['order', 'get', '--provider'], /--provider needs a value\./],
  ];
  for (const [args, message] of cases) {
    it(`${args.join(' ')}: exit 2, says why, nothing changed`, () => {
      const before = { home: hashTree(home, () => false), cwd: fs.readdirSync(cwd) };
      const r = run(cwd, home, args);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, message);
      assert.equal(r.stdout, '');
      assert.deepEqual({ home: hashTree(home, () => false), cwd: fs.readdirSync(cwd) }, before);
    });
  }

  it('--help and -h print usage on stdout and exit 0; no command prints it on stderr with exit 2; --version and -v print the version', () => {
    for (const a of ['--help', '-h']) {
      const r = run(cwd, home, [a]);
      assert.equal(r.code, 0);
      assert.match(r.stdout, /^Usage: openclaw-auth <command>/);
    }
    const none = run(cwd, home, []);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /^Usage: openclaw-auth/);
    const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', '..', 'package.json'), 'utf8')) as {
      version: string;
    };
    for (const a of ['--version', '-v']) {
      const v = run(cwd, home, [a]);
      assert.equal(v.code, 0, a);
      assert.equal(v.stdout.trim(), `openclaw-auth ${pkg.version}`, a);
    }
  });

  it('--help lists every command, and every option it shows is one the CLI accepts (help and parser come from one table)', async () => {
    const help = run(cwd, home, ['--help']).stdout;
    const commands = [...help.matchAll(/^ {2}([a-z][a-z-]*)\b/gm)].map((m) => m[1]);
    assert.deepEqual(
      [...new Set(commands)],
      [
        'list',
        'order',
        'add-key',
        'add-token',
        'remove',
        'logout',
        'status',
        'check',
        'doctor',
        'probe',
        'rotation',
        'gateway',
      ],
    );
    for (const line of [
      /^ {2}probe --gateway URL /m,
      /^ {2}gateway start /m,
      /^ {2}gateway stop /m,
      /^ {2}gateway restart /m,
    ])
      assert.match(help, line);
    const options = new Set([...help.matchAll(/--([a-z][a-z-]*)/g)].map((m) => m[1]!));
    assert.ok(options.size >= 20, `${options.size} options in --help`);
    // In-process (one CLI start per option took ~1 s each): an option the parser does not know is
    // "Unknown option"; a known one gets further (the usage, or a value or command error).
    const write = process.stdout.write;
    process.stdout.write = (() => true) as typeof process.stdout.write;
    try {
      for (const o of options) {
        const err = await main(['help', `--${o}`, ...(['help', 'version'].includes(o) ? [] : ['x'])]).then(
          () => '',
          (e: Error) => e.message,
        );
        assert.doesNotMatch(err, /Unknown option/, `--${o} is in --help but the parser refuses it`);
      }
      // The check itself: an option that is not in the table is refused.
      const bad = await main(['help', '--no-such-option']).then(
        () => '',
        (e: Error) => e.message,
      );
      assert.match(bad, /Unknown option/);
    } finally {
      process.stdout.write = write;
    }
  });
});
