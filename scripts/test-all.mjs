// The one test command (`npm test`): type-check, lint, build, then every suite (unit, interop
// against the real openclaw). Each suite prints a closing line "<suite>: N passed, N failed";
// the process exits non-zero if anything failed. Installs what the interop suite needs
// (Node 24 + openclaw from the npm registry) on first run.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const root = path.join(path.dirname(new URL(import.meta.url).pathname), '..');
process.chdir(root);
const bin = (n) => path.join(root, 'node_modules', '.bin', n);
let failed = false;

function step(name, cmd, args, opts = {}) {
  process.stdout.write(`\n=== ${name}: ${cmd} ${args.join(' ')}\n`);
  const r = spawnSync(cmd, args, { stdio: 'inherit', env: { ...process.env, ...opts.env } });
  const ok = r.status === 0;
  if (!ok) failed = true;
  return ok;
}

/** Runs a mocha suite, echoing its output, and prints "<suite>: N passed, N failed". */
function suite(name, config) {
  process.stdout.write(`\n=== suite ${name}\n`);
  const r = spawnSync(bin('mocha'), ['--config', config], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, stdio: ['ignore', 'pipe', 'inherit'] });
  process.stdout.write(r.stdout ?? '');
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
}

step('type-check', bin('tsc'), ['--noEmit', '-p', '.']);
step('lint', bin('eslint'), ['src', 'test', 'scripts']);
step('build', process.execPath, ['esbuild.mjs']);
suite('unit', '.mocharc.unit.json');
if (process.env.OPENCLAW_AUTH_SKIP_INTEROP === '1') {
  process.stdout.write('\ninterop: skipped (OPENCLAW_AUTH_SKIP_INTEROP=1)\n');
} else if (step('install openclaw (Node 24 + openclaw@2026.9.6 from the npm registry)', process.execPath, ['scripts/install-openclaw.mjs'])) {
  suite('interop', '.mocharc.interop.json');
} else {
  process.stdout.write('interop: 0 passed, 1 failed\n');
}
/** Runs a runner that prints its own "<name>: N passed, N failed" line; keeps its output for the leak check. */
function runner(name, args) {
  process.stdout.write(`\n=== suite ${name}\n`);
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, stdio: ['ignore', 'pipe', 'inherit'] });
  process.stdout.write(r.stdout ?? '');
  fs.mkdirSync(path.join(root, 'out', 'logs'), { recursive: true });
  fs.writeFileSync(path.join(root, 'out', 'logs', `${name}.log`), r.stdout ?? '');
  if (r.status !== 0) failed = true;
  if (!new RegExp(`^${name}: \\d+ passed, \\d+ failed$`, 'm').test(r.stdout ?? '')) process.stdout.write(`${name}: 0 passed, 1 failed\n`);
}

if (process.env.OPENCLAW_AUTH_SKIP_HOST === '1') {
  process.stdout.write('\nhost, e2e: skipped (OPENCLAW_AUTH_SKIP_HOST=1)\n');
} else if (step('install the VS Code host (code-server + Node 24 from the npm registry, Chromium from Debian)', process.execPath, ['scripts/install-vscode-host.mjs'])) {
  // The gateway host tests start the real openclaw gateway twice (~70 s on a busy machine): a longer whole-run limit.
  runner('host', ['test/host/harness.mjs', '--timeout', process.env.OPENCLAW_AUTH_HOST_TIMEOUT || '600']);
  runner('e2e', ['test/e2e/run.mjs']);
} else {
  process.stdout.write('host: 0 passed, 1 failed\ne2e: 0 passed, 1 failed\n');
}

// Last: no secret value used by any suite may appear in a log, a captured output or a DOM dump.
step('leak check', process.execPath, ['scripts/leak-check.mjs']);
process.exitCode = failed ? 1 : 0;
