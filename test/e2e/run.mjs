#!/usr/bin/env node
// Browser e2e runner: the real VS Code workbench (code-server 4.139.1 = VS Code 1.139.1) in
// headless Chromium, with this repo installed as an extension (symlinked into the extensions dir
// as openclaw-auth.openclaw-auth-<version>, no vsix) and a demo OpenClaw state.
//
//   node test/e2e/run.mjs [--no-build] [--grep RE] [--fixture NAME] [--timeout S] [--keep] [--vsix FILE] [FILE.e2e.mjs ...]
//
//   --no-build      skip `node esbuild.mjs`
//   --vsix FILE     install this packaged extension (unzipped with `unzip`) instead of linking
//                   the repo, e.g. out/openclaw-auth.vsix from `npm run package`; implies --no-build
//   --grep RE       only tests whose name matches
//   --fixture NAME  state to copy: test/fixtures/openclaw-2026.9.6/NAME/home (default multi-agent);
//                   HOME is that copy and OPENCLAW_STATE_DIR is its .openclaw
//   --timeout S     per-test limit (default 90)
//   --keep          keep the run dir (server log, user data) and print its path
//
// Test files (default: test/e2e/*.e2e.mjs) export `tests = [{ name, fn(ctx) }]`; ctx has
// page (Playwright), wb (test/e2e/workbench.mjs helpers), screenshot(name), stateDir, home,
// serverUrl; an optional `prepare()` export is called (not awaited) before the workbench starts
// when the file has tests to run. Tests of a run share one server and one page, in file order.
// Screenshots go to out/e2e-screenshots/ (a failing test adds FAILED-<n>.png); logs to
// out/e2e-logs/. After each test (passed or not) the page's text (document.body.innerText, then
// the values of all inputs) is written to out/e2e-dom/<file>-<test>.txt, which
// `scripts/leak-check.mjs` scans for secrets.
// Prints `e2e: N passed, N failed` last; exit 0 only if all passed (and at least one ran).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { assertHostInstalled } from '../../scripts/install-vscode-host.mjs';
import {
  ROOT,
  SIGNAL_EXIT_CODES,
  launchChromium,
  linkExtension,
  makeRunDir,
  onTerminationSignal,
  removeRunDir,
  runCleanupsSync,
  sleep,
  startCodeServer,
} from '../../scripts/lib/vscode-host.mjs';
import { workbench } from './workbench.mjs';

const E2E_DIR = path.dirname(fileURLToPath(import.meta.url));
const SHOTS = path.join(ROOT, 'out', 'e2e-screenshots');
const LOG_DIR = path.join(ROOT, 'out', 'e2e-logs');
const DOM_DIR = path.join(ROOT, 'out', 'e2e-dom');

function parseArgs(argv) {
  const o = { build: true, fixture: 'multi-agent', timeoutMs: 90_000, keep: false, files: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--no-build') o.build = false;
    else if (a === '--grep') o.grep = new RegExp(val());
    else if (a === '--fixture') o.fixture = val();
    else if (a === '--timeout') o.timeoutMs = Number(val()) * 1000;
    else if (a === '--keep') o.keep = true;
    else if (a === '--vsix') {
      o.vsix = path.resolve(val());
      o.build = false;
    } else if (a.startsWith('--')) throw new Error(`unknown option ${a}`);
    else o.files.push(path.resolve(a));
  }
  if (!o.files.length)
    o.files = fs
      .readdirSync(E2E_DIR)
      .filter((f) => f.endsWith('.e2e.mjs'))
      .sort()
      .map((f) => path.join(E2E_DIR, f));
  return o;
}

const slug = (s) =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 60);

async function withTimeout(p, ms, what) {
  let timer;
  try {
    return await Promise.race([
      p,
      new Promise((_, rej) => (timer = setTimeout(() => rej(new Error(`${what} timed out after ${ms / 1000} s`)), ms))),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

export async function runE2E(opts) {
  const out = (s) => process.stdout.write(`${s}\n`);
  const host = assertHostInstalled();
  if (opts.build) {
    const r = spawnSync(process.execPath, ['esbuild.mjs'], {
      cwd: ROOT,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    if (r.status !== 0)
      throw new Error(`extension build (node esbuild.mjs) failed with exit ${r.status}:\n${r.stdout}${r.stderr}`);
  }
  const suites = [];
  for (const f of opts.files) {
    const mod = await import(pathToFileURL(f).href);
    if (!Array.isArray(mod.tests)) throw new Error(`${f} does not export "tests" (an array of { name, fn })`);
    const tests = mod.tests.filter((t) => !opts.grep || opts.grep.test(t.name));
    // Slow setup of a file (a gateway to start) runs while the workbench starts; its tests await it.
    if (tests.length && typeof mod.prepare === 'function') mod.prepare();
    suites.push({ file: f, tests });
  }
  fs.rmSync(SHOTS, { recursive: true, force: true });
  fs.mkdirSync(SHOTS, { recursive: true });
  fs.rmSync(DOM_DIR, { recursive: true, force: true });
  fs.mkdirSync(DOM_DIR, { recursive: true });
  fs.mkdirSync(LOG_DIR, { recursive: true });
  const consoleLog = fs.createWriteStream(path.join(LOG_DIR, 'console.log'));

  const t0 = Date.now();
  const run = makeRunDir('e2e', { fixture: opts.fixture });
  const stateDir = path.join(run.home, '.openclaw');
  let passed = 0;
  let failed = 0;
  let signal;
  let stopping = false;
  let server;
  let browser;
  let serverP;
  let browserP;
  let abort;
  const aborted = new Promise((_, rej) => (abort = rej));
  aborted.catch(() => {});
  onTerminationSignal(
    (sig) => {
      signal = sig;
      abort(new Error(`interrupted by ${sig}`));
    },
    { exit: false },
  );
  const step = (p, ms, what) => Promise.race([withTimeout(p, ms, what), aborted]);
  try {
    if (opts.vsix) {
      const dir = path.join(run.dir, 'vsix');
      const r = spawnSync('unzip', ['-q', opts.vsix, 'extension/*', '-d', dir], { encoding: 'utf8' });
      if (r.status !== 0)
        throw new Error(`unzip ${opts.vsix} failed (${r.error?.message ?? `exit ${r.status}`}): ${r.stderr ?? ''}`);
      linkExtension(run, path.join(dir, 'extension'));
      out(`e2e: extension from ${path.relative(ROOT, opts.vsix)}`);
    } else linkExtension(run);
    serverP = startCodeServer(host, run, { env: { OPENCLAW_STATE_DIR: stateDir } });
    server = await step(serverP, 120_000, 'code-server start');
    void server.exited.then(({ code, signal: sig }) => {
      if (!stopping)
        abort(new Error(`code-server exited (${code ?? sig}); log: ${path.relative(ROOT, LOG_DIR)}/server.log`));
    });
    browserP = launchChromium(host, run);
    browser = await step(browserP, 60_000, 'Chromium launch');
    const { page } = browser;
    page.on('console', (m) => consoleLog.write(`[${m.type()}] ${m.text()}\n`));
    page.on('pageerror', (e) => consoleLog.write(`[pageerror] ${e.stack ?? e}\n`));
    await step(
      page.goto(`${server.url}?folder=${encodeURIComponent(run.workspace)}`, {
        waitUntil: 'domcontentloaded',
        timeout: 60_000,
      }),
      90_000,
      'workbench load',
    );
    const wb = workbench(page);
    await step(wb.ready(), 90_000, 'workbench start');
    out(`e2e: workbench ready after ${((Date.now() - t0) / 1000).toFixed(1)} s (${server.url})`);
    let n = 0;
    for (const suite of suites) {
      out(`\n  ${path.relative(ROOT, suite.file)}`);
      for (const t of suite.tests) {
        n++;
        const base = path.basename(suite.file, '.e2e.mjs');
        const ctx = {
          page,
          wb,
          stateDir,
          home: run.home,
          serverUrl: server.url,
          screenshot: async (name) => {
            const file = path.join(SHOTS, `${base}-${slug(name)}.png`);
            await page.screenshot({ path: file });
            return file;
          },
        };
        const ts = Date.now();
        try {
          await step(
            Promise.resolve().then(() => t.fn(ctx)),
            opts.timeoutMs,
            `test "${t.name}"`,
          );
          passed++;
          out(`    ✔ ${t.name} (${((Date.now() - ts) / 1000).toFixed(1)} s)`);
        } catch (e) {
          failed++;
          out(`    ✖ ${t.name}\n      ${(e?.stack ?? String(e)).split('\n').slice(0, 8).join('\n      ')}`);
          const shot = path.join(SHOTS, `FAILED-${n}-${slug(t.name)}.png`);
          await page.screenshot({ path: shot }).then(
            () => out(`      screenshot: ${path.relative(ROOT, shot)}`),
            () => {},
          );
          if (signal) break;
        }
        try {
          const text = await withTimeout(wb.domText(), 10_000, 'DOM text dump');
          fs.writeFileSync(path.join(DOM_DIR, `${base}-${slug(t.name)}.txt`), text);
        } catch (e) {
          out(`      (no DOM dump: ${e instanceof Error ? e.message : String(e)})`);
        }
      }
      if (signal) break;
    }
  } catch (e) {
    failed++;
    out(`e2e: ERROR ${e instanceof Error ? e.message : String(e)} (logs: ${path.relative(ROOT, LOG_DIR)}/)`);
  } finally {
    stopping = true;
    const settled = (p) => (p ? Promise.race([p.catch(() => undefined), sleep(60_000)]) : Promise.resolve(undefined));
    // Browser and server shut down in parallel (each takes ~2 s).
    await Promise.all([
      settled(browserP).then((b) => (browser ?? b)?.close()),
      settled(serverP).then((s) => (server ?? s)?.stop()),
    ]);
    runCleanupsSync();
    try {
      fs.copyFileSync(run.serverLog, path.join(LOG_DIR, 'server.log'));
    } catch {
      // no log
    }
    consoleLog.end();
    if (opts.keep) out(`e2e: run dir kept at ${run.dir}`);
    else removeRunDir(run);
  }
  return { passed, failed, signal, seconds: (Date.now() - t0) / 1000 };
}

async function main() {
  let r;
  try {
    r = await runE2E(parseArgs(process.argv.slice(2)));
  } catch (e) {
    process.stderr.write(`e2e: ERROR ${e instanceof Error ? e.message : String(e)}\n`);
    process.stdout.write('e2e: 0 passed, 1 failed\n');
    process.exit(e?.exitCode === 3 ? 3 : 1);
  }
  process.stdout.write(`\ne2e: finished in ${r.seconds.toFixed(1)} s; screenshots in ${path.relative(ROOT, SHOTS)}/\n`);
  if (r.passed === 0 && r.failed === 0) process.stdout.write('e2e: no test ran\n');
  process.stdout.write(`e2e: ${r.passed} passed, ${r.failed} failed\n`);
  process.exit(r.signal ? SIGNAL_EXIT_CODES[r.signal] : r.failed === 0 && r.passed > 0 ? 0 : 1);
}

if (process.argv[1] && fs.realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
