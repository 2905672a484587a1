// The one test command (`npm test`): type-check, lint, build, then every suite (unit, interop
// against the real openclaw). Each suite prints a closing line "<suite>: N passed, N failed";
// the process exits non-zero if anything failed. Installs what the interop suite needs
// (Node 24 + openclaw from the npm registry) on first run.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import os from 'node:os';

const root = path.join(path.dirname(new URL(import.meta.url).pathname), '..');
process.chdir(root);
const bin = (n) => path.join(root, 'node_modules', '.bin', n);
let failed = false;
/** Every suite's closing line and every failed step, repeated at the end so a log's tail says what failed. */
const summary = [];

function step(name, cmd, args, opts = {}) {
  process.stdout.write(`\n=== ${name}: ${cmd} ${args.join(' ')}\n`);
  const r = spawnSync(cmd, args, { stdio: 'inherit', env: { ...process.env, ...opts.env } });
  const ok = r.status === 0;
  if (!ok) {
    failed = true;
    summary.push(`step ${name}: failed (exit ${r.status ?? r.signal ?? r.error?.message})`);
  }
  return ok;
}

/**
 * Runs a mocha suite, echoing its output, and prints "<suite>: N passed, N failed".
 * `node` picks the Node that runs mocha (the engine follows: Node 20 has no node:sqlite, so the
 * store runs on sql.js; Node 24 runs it on node:sqlite). `hideProc` runs it in a private mount
 * namespace with an empty /proc, standing for macOS (no /proc there): no safety decision may need it.
 */
function suite(name, config, { node = process.execPath, hideProc = false, specs = [] } = {}) {
  process.stdout.write(
    `\n=== suite ${name}${node === process.execPath ? '' : ` (${node})`}${hideProc ? ' with /proc hidden' : ''}\n`,
  );
  // Specs given here replace the config's own (mocha would run both): its other options are passed instead.
  const cfg = JSON.parse(fs.readFileSync(path.join(root, config), 'utf8'));
  const mochaBin = path.join(root, 'node_modules', 'mocha', 'bin', 'mocha.js');
  const mocha = specs.length
    ? [
        mochaBin,
        ...cfg.require.flatMap((r) => ['--require', r]),
        '--extension',
        'ts',
        '--timeout',
        String(cfg.timeout),
        '--reporter',
        'spec',
        ...specs,
      ]
    : [mochaBin, '--config', config];
  let cmd = node;
  let args = mocha;
  if (hideProc) {
    // Root (CI) can mount in a private namespace; elsewhere a user namespace gives the same.
    const q = (a) => `'${a.replaceAll("'", "'\\''")}'`;
    cmd = 'unshare';
    args = [
      ...(process.getuid?.() === 0 ? [] : ['-r']),
      '-m',
      '--propagation',
      'private',
      'sh',
      '-c',
      `mount -t tmpfs tmpfs /proc && exec ${[node, ...mocha].map(q).join(' ')}`,
    ];
  }
  const r = spawnSync(cmd, args, {
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    stdio: ['ignore', 'pipe', 'inherit'],
    // A suite whose tests all ended but whose process does not (a timer or socket left open) fails
    // here instead of holding CI until its limit.
    timeout: SUITE_LIMIT_MS,
    killSignal: 'SIGKILL',
  });
  process.stdout.write(r.stdout ?? '');
  if (r.error) process.stdout.write(`${name}: could not start or did not end (${r.error.message})\n`);
  fs.mkdirSync(path.join(root, 'out', 'logs'), { recursive: true });
  fs.writeFileSync(path.join(root, 'out', 'logs', `${name}.log`), r.stdout ?? '');
  const plain = (r.stdout ?? '').replace(/\x1b\[[0-9;]*m/g, '');
  const num = (re) => Number(re.exec(plain)?.[1] ?? 0);
  const passed = num(/^\s*(\d+) passing/m);
  let failures = num(/^\s*(\d+) failing/m);
  if (r.status !== 0 && failures === 0) failures = 1; // crashed before reporting
  if (failures !== 0 || passed === 0) failed = true;
  if (passed === 0) process.stdout.write(`${name}: no test passed\n`);
  process.stdout.write(`${name}: ${passed} passed, ${failures} failed\n`);
  summary.push(`${name}: ${passed} passed, ${failures} failed`);
  if (failures) summary.push(...failingTitles(plain).map((t) => `  ${t}`));
}

/** Suites that could not run (what they need failed to install): each counts as one failure. */
function notRun(...names) {
  failed = true;
  for (const n of names) {
    process.stdout.write(`${n}: 0 passed, 1 failed\n`);
    summary.push(`${n}: 0 passed, 1 failed (not run)`);
  }
}

/** The titles of mocha's failing tests ("  1) suite\n       title:") in a spec report, at most 10. */
function failingTitles(plain) {
  const at = plain.search(/^\s*\d+ failing/m);
  if (at < 0) return [];
  return [...plain.slice(at).matchAll(/^ {2}(\d+\) .+(?:\n {5,}.+:)?)$/gm)]
    .map((m) => m[1].replace(/\s*\n\s*/g, ' '))
    .slice(0, 10);
}

/** The longest a suite may run (npm test's whole budget here is 45 min). */
const SUITE_LIMIT_MS = 25 * 60_000;

/** The code prettier formats (package.json's format script uses the same globs). */
const FORMATTED = ['src/**/*.ts', 'test/**/*.{ts,mjs}', 'scripts/**/*.{mjs,ts}', 'esbuild.mjs'];

/** The store's own tests: run again on the other engine and with /proc hidden. */
const STORE_SPECS = [
  'store/dbWriter',
  'store/dbWriter.race',
  'store/dbWriter.faults',
  'store/fileio',
  'store/sqliteReader',
  'store/sqliteReader.torn',
  'auth/legacyMigration',
  'store/legacy.kill',
  'cli/doctor',
  'cli/main',
].map((n) => `test/unit/${n}.test.ts`);

step('type-check', bin('tsc'), ['--noEmit', '-p', '.']);
step('lint', bin('eslint'), ['src', 'test', 'scripts']);
// One format (prettier, 120 columns; .prettierrc.json, .prettierignore): `npm run format` applies it.
step('format', bin('prettier'), ['--check', '--log-level', 'warn', ...FORMATTED]);
step('build', process.execPath, ['esbuild.mjs']);
// Node 24 (and openclaw) first: the unit suite runs on both engines, Node 24's being node:sqlite.
const haveNode24 = step('install openclaw (Node 24 + openclaw@2026.9.6 from the npm registry)', process.execPath, [
  'scripts/install-openclaw.mjs',
]);
const node24 = path.join(
  process.env.OPENCLAW_AUTH_TEST_CACHE?.trim() || path.join(os.homedir(), '.cache', 'openclaw-auth-tests'),
  'node24',
  'node_modules',
  'node',
  'bin',
  'node',
);
// Node 20: the store on sql.js (the fallback engine), /proc visible.
suite('unit', '.mocharc.unit.json');
if (haveNode24) {
  // Node 24: the whole unit suite on node:sqlite, with /proc hidden (macOS has none).
  suite('unit-native', '.mocharc.unit.json', { node: node24, hideProc: true });
  // And the store's tests on sql.js with /proc hidden: its refusals must not depend on /proc either.
  suite('store-sqljs-noproc', '.mocharc.unit.json', { hideProc: true, specs: STORE_SPECS });
} else {
  notRun('unit-native', 'store-sqljs-noproc');
}
if (process.env.OPENCLAW_AUTH_SKIP_INTEROP === '1') {
  process.stdout.write('\ninterop: skipped (OPENCLAW_AUTH_SKIP_INTEROP=1)\n');
} else if (haveNode24) {
  // On Node 24, as users of openclaw (which needs it) run our CLI: the store on node:sqlite. The race
  // and gateway tests run our CLI on both engines themselves.
  suite('interop', '.mocharc.interop.json', { node: node24 });
  // Our writes beside the real openclaw again, with /proc hidden.
  suite('interop-race-noproc', '.mocharc.interop.json', {
    node: node24,
    hideProc: true,
    specs: ['test/interop/race.test.ts'],
  });
} else {
  notRun('interop', 'interop-race-noproc');
}
/** Runs a runner that prints its own "<name>: N passed, N failed" line; keeps its output for the leak check. */
function runner(name, args, env = {}) {
  process.stdout.write(`\n=== suite ${name}\n`);
  const r = spawnSync(process.execPath, args, {
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, ...env },
    timeout: SUITE_LIMIT_MS,
    killSignal: 'SIGKILL',
  });
  if (r.error) process.stdout.write(`${name}: could not start or did not end (${r.error.message})\n`);
  process.stdout.write(r.stdout ?? '');
  fs.mkdirSync(path.join(root, 'out', 'logs'), { recursive: true });
  fs.writeFileSync(path.join(root, 'out', 'logs', `${name}.log`), r.stdout ?? '');
  if (r.status !== 0) failed = true;
  const line = new RegExp(`^${name}: \\d+ passed, \\d+ failed$`, 'm').exec(r.stdout ?? '')?.[0];
  if (!line) process.stdout.write(`${name}: 0 passed, 1 failed\n`);
  summary.push(line ?? `${name}: 0 passed, 1 failed (no closing line)`);
  const plain = (r.stdout ?? '').replace(/\x1b\[[0-9;]*m/g, '');
  if (r.status !== 0) summary.push(...failingTitles(plain).map((t) => `  ${t}`));
}

// The CLI as npm users get it: npm pack, a global install and a few commands on Node 20, 22 and 24.
runner('cli-pack', ['test/pack/cli-pack.mjs']);

if (process.env.OPENCLAW_AUTH_SKIP_HOST === '1') {
  process.stdout.write('\nhost, e2e, vsix: skipped (OPENCLAW_AUTH_SKIP_HOST=1)\n');
} else if (
  step(
    'install the VS Code host (code-server + Node 24 from the npm registry, Chromium from Debian)',
    process.execPath,
    ['scripts/install-vscode-host.mjs'],
  )
) {
  // The gateway host tests start the real openclaw gateway twice (~70 s on a busy machine): a longer whole-run limit.
  runner('host', ['test/host/harness.mjs', '--timeout', process.env.OPENCLAW_AUTH_HOST_TIMEOUT || '600']);
  runner('e2e', ['test/e2e/run.mjs']);
  // The .vsix users install: packaged, installed into a clean code-server with --install-extension, opened in Chromium.
  runner('vsix', ['test/vsix/run.mjs']);
} else {
  notRun('host', 'e2e', 'vsix');
}

// The oldest VS Code engines.vscode admits (1.82.2, code-server 4.17.1, Node 18 extension host: the
// store on sql.js): the same .vsix installed and used, and the host tests. The gateway host tests
// (2+ min: they start and kill the real gateway three times) run in the newest host only; they drive
// the same supervisor code in a child process.
if (process.env.OPENCLAW_AUTH_SKIP_HOST === '1') {
  process.stdout.write('\nhost-oldest, vsix-oldest: skipped (OPENCLAW_AUTH_SKIP_HOST=1)\n');
} else if (
  step(
    'install the oldest supported VS Code host (code-server 4.17.1 + Node 18 from the npm registry)',
    process.execPath,
    ['scripts/install-vscode-host.mjs', '--vscode', 'oldest'],
  )
) {
  const oldest = { OPENCLAW_AUTH_VSCODE: 'oldest' };
  runner(
    'host-oldest',
    ['test/host/harness.mjs', '--grep', '!gateway in the extension host', '--timeout', '600'],
    oldest,
  );
  runner(
    'vsix-oldest',
    ['test/vsix/run.mjs', ...(fs.existsSync(path.join(root, 'out', 'openclaw-auth.vsix')) ? ['--no-package'] : [])],
    oldest,
  );
} else {
  notRun('host-oldest', 'vsix-oldest');
}

// Last: no secret value used by any suite may appear in a log, a captured output or a DOM dump.
step('leak check', process.execPath, ['scripts/leak-check.mjs']);
process.stdout.write(`\n=== summary (${failed ? 'FAILED' : 'all passed'})\n${summary.join('\n')}\n`);
process.exitCode = failed ? 1 : 0;
