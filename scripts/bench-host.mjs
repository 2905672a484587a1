#!/usr/bin/env node
// The extension as users install it, in a real VS Code (code-server 4.139.1 = VS Code 1.139.1,
// workbench in Debian's Chromium through playwright-core): how long from activation until the
// extension is usable, how much JS that takes, and how fast a change on disk reaches the tree.
// `npm run bench` runs it as section 5; alone: `node scripts/bench-host.mjs [--json FILE]`.
//
// The package: the files the `package` script needs (package.json, esbuild.mjs and its scripts/lib/json5-native.mjs, .vscodeignore,
// tsconfig.json, README/LICENSE/CHANGELOG, src/, media/, docs/; node_modules as a symlink) are
// copied into the run dir, built there with `node esbuild.mjs --production` and packed with the
// vsce arguments of package.json's `package` script, so the shared dist/ and out/openclaw-auth.vsix
// are never touched (only a failure writes out/bench-host-FAILED.png). `code-server --install-extension <vsix> --extensions-dir <run>/ext` (Node 24, no npm_*
// variables, as test/vsix/run.mjs) installs it, and code-server starts WITHOUT any development path.
//
//   ready       activation -> usable. Start: the extension host's log line
//               `ExtensionService#_doActivateExtension openclaw-auth.openclaw-auth, ...` in
//               remoteexthost.log, written just before VS Code loads dist/extension.js (the
//               Startup Performance table only has durations, no clock time, so it cannot anchor
//               this). End: the first moment the OpenClaw tree shows a profile row (aria-level 3)
//               AND the status bar item `openclaw-auth.openclaw-auth.openclawAuth.status` has
//               text, stamped by a MutationObserver that an init script installs in every page
//               before the workbench loads. Clocks: the log's timestamp is `new Date()` in the
//               extension host (Node) printed to the ms in local time; the page stamps Date.now()
//               (and performance.timeOrigin + performance.now(), kept for comparison). Both
//               processes run on this machine and read the same system wall clock, so the log
//               time parsed as local time (same TZ: code-server inherits ours) and the page stamp
//               subtract directly; the error is the two 1 ms roundings. Only a log line between
//               the reload and the page's stamps counts, so a misread clock shows as a missing
//               reading, not as a wrong number. VS Code's logger holds lines back until its spdlog
//               file is open and then stamps them late, so a line stamped within 5 ms of its log's
//               first line is refused (the extension's own "Activated" line, logged in the same
//               tick that shows the status bar item, is stamped after the page drew that item,
//               which is why it is not used). The OpenClaw view is opened once (a warm-up load,
//               not counted); the workbench restores it, so every measured load shows the tree
//               from the start and the activation event is onView:openclawAuth.profiles.
//               BENCH_HOST_ACTIVATIONS window loads (default 7), each a page reload = a new
//               extension host. Goal: median < 300 ms.
//   stub        VS Code's own Load Code + Call Activate of dist/extension.js (the 1.2 KB stub that
//               loads dist/main.js after activate() returns), from "Developer: Startup Performance"
//               (table "Extension Activation Stats"), read after every measured load. Goal < 50 ms.
//   JS size     from the .vsix's central directory (minified production build): the JS loaded
//               before ready = extension/dist/extension.js + extension/dist/main.js + extension/dist/core.js (the stub
//               requires main.js, which requires core.js), and all JS in the package (every extension/**/*.js, the CLI
//               included). Goal for both: < 500 KB. The installed files are checked to match.
//   update      `node <installed>/dist/cli.js add-key` writes a new profile into the state dir
//               (outside VS Code); a MutationObserver in the page stamps the moment its row is in
//               the tree. Measured from the newest mtime of the files the CLI wrote (the write on
//               disk) to that moment; BENCH_HOST_UPDATES runs (default 5). Goal: median < 1 s.
//
// A reading that cannot be taken is a failed measurement, never a pass: it is listed in `missing`,
// its row prints FAILED, and run alone the script exits 1.
//
// State: a temp copy of the multi-agent fixture (HOME and OPENCLAW_STATE_DIR point at it).
// Everything runs under one run dir in the OS temp dir, removed at the end; code-server and
// Chromium are stopped by pid (scripts/lib/vscode-host.mjs). Keys are fake, random, never printed.
import { spawn, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { assertHostInstalled, hostIdsFromArgs, resolveHostPaths, selectedHostId } from './install-vscode-host.mjs';
import { resolveCacheDir } from './install-openclaw.mjs';
import {
  ROOT,
  launchChromium,
  makeRunDir,
  onTerminationSignal,
  registerCleanup,
  removeRunDir,
  runCleanupsSync,
  runEnv,
  sleep,
  startCodeServer,
} from './lib/vscode-host.mjs';
import { zipEntries } from './lib/zip.mjs';
import { workbench } from '../test/e2e/workbench.mjs';

const EXTENSION_ID = 'openclaw-auth.openclaw-auth';
const CONTAINER = 'openclawAuth';
const STATUS_ID = `${EXTENSION_ID}.openclawAuth.status`;
export const GOALS = {
  readyMs: 300,
  stubActivateMs: 50,
  loadedJsBytes: 500 * 1024,
  packageJsBytes: 500 * 1024,
  updateMs: 1000,
};

const intEnv = (name, dflt) => {
  const v = Number.parseInt(process.env[name] ?? '', 10);
  return Number.isFinite(v) && v > 0 ? v : dflt;
};
const finite = (xs) => xs.filter((x) => typeof x === 'number' && Number.isFinite(x));
const median = (xs) => {
  const s = finite(xs).sort((a, b) => a - b);
  if (!s.length) return null;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const min = (xs) => (finite(xs).length ? Math.min(...finite(xs)) : null);
const max = (xs) => (finite(xs).length ? Math.max(...finite(xs)) : null);
const errText = (e) => (e instanceof Error ? e.message : String(e)).split('\n')[0];

/** The environment of a child of this run without npm's `npm_*` variables (as test/vsix/run.mjs). */
const cleanEnv = (run, extra = {}) =>
  runEnv(run, {
    ...Object.fromEntries(
      Object.keys(process.env)
        .filter((k) => /^npm_/i.test(k))
        .map((k) => [k, undefined]),
    ),
    ...extra,
  });

// ---------------------------------------------------------------------------------------------
// the package: built and packed in the run dir, installed with code-server

const PACKAGE_INPUTS = [
  'scripts/lib/json5-native.mjs',
  'package.json',
  'esbuild.mjs',
  '.vscodeignore',
  'tsconfig.json',
  'README.md',
  'LICENSE',
  'CHANGELOG.md',
  'src',
  'media',
  'docs',
];

function runSync(cmd, args, { cwd, env, what }) {
  const r = spawnSync(cmd, args, { cwd, env, encoding: 'utf8', timeout: 300_000 });
  if (r.status !== 0)
    throw new Error(
      `${what} failed (exit ${r.status ?? r.signal}): ${`${r.stdout ?? ''}\n${r.stderr ?? ''}`.trim().split('\n').slice(-15).join('\n')}`,
    );
  return r;
}

/** `node esbuild.mjs --production` + vsce (the `package` script's arguments) in a copy under the run dir. */
function buildVsix(run) {
  const dir = path.join(run.dir, 'pkg');
  fs.mkdirSync(dir, { recursive: true });
  for (const f of PACKAGE_INPUTS) {
    const from = path.join(ROOT, f);
    if (fs.existsSync(from)) fs.cpSync(from, path.join(dir, f), { recursive: true });
  }
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
  const script = pkg.scripts?.package ?? '';
  const vsceCmd = script
    .split('&&')
    .map((s) => s.trim())
    .find((s) => s.startsWith('vsce '));
  if (!/^node esbuild\.mjs --production\b/.test(script) || !vsceCmd)
    throw new Error(`package.json's "package" script is not "node esbuild.mjs --production && vsce ...": ${script}`);
  const vsix = path.join(run.dir, `${pkg.name}.vsix`);
  const vsceArgs = vsceCmd.split(/\s+/).slice(1);
  const o = vsceArgs.indexOf('-o');
  if (o >= 0) vsceArgs.splice(o, 2);
  const env = cleanEnv(run);
  runSync(process.execPath, ['esbuild.mjs', '--production'], {
    cwd: dir,
    env,
    what: 'node esbuild.mjs --production (temp copy)',
  });
  runSync(process.execPath, [path.join(ROOT, 'node_modules', '@vscode', 'vsce', 'vsce'), ...vsceArgs, '-o', vsix], {
    cwd: dir,
    env,
    what: `vsce ${vsceArgs.join(' ')}`,
  });
  if (!fs.existsSync(vsix)) throw new Error(`vsce wrote no ${vsix}`);
  return { vsix, pkg };
}

/** JS sizes of the package: loaded before ready (extension.js + main.js + core.js) and every .js it holds. */
function packageJs(vsix, installedDir) {
  const buf = fs.readFileSync(vsix);
  const js = zipEntries(buf)
    .filter((e) => e.name.startsWith('extension/') && e.name.endsWith('.js'))
    .map((e) => ({ file: e.name.slice('extension/'.length), bytes: e.size }));
  const size = (f) => js.find((x) => x.file === f)?.bytes ?? null;
  const r = {
    vsixBytes: buf.length,
    files: js,
    extensionJs: size('dist/extension.js'),
    mainJs: size('dist/main.js'),
    coreJs: size('dist/core.js'),
    missing: [],
  };
  for (const f of ['dist/extension.js', 'dist/main.js', 'dist/core.js'])
    if (size(f) == null) r.missing.push(`${f} is not in the .vsix`);
  r.loadedJs = r.missing.length ? null : r.extensionJs + r.mainJs + r.coreJs;
  r.allJs = js.reduce((s, x) => s + x.bytes, 0);
  for (const { file, bytes } of js) {
    const st = fs.statSync(path.join(installedDir, file), { throwIfNoEntry: false });
    if (st?.size !== bytes)
      r.missing.push(`installed ${file} is ${st ? `${st.size} bytes` : 'missing'}, the .vsix has ${bytes}`);
  }
  if (!js.length) r.missing.push('no .js file in the .vsix');
  return r;
}

function installVsix(host, run, vsix, pkg) {
  const r = spawnSync(
    host.node,
    [
      host.codeServerEntry,
      '--install-extension',
      vsix,
      '--extensions-dir',
      run.extensions,
      '--user-data-dir',
      run.userData,
    ],
    { cwd: run.dir, env: cleanEnv(run), encoding: 'utf8', timeout: 180_000 },
  );
  if (r.status !== 0 || !/successfully installed/i.test(r.stdout))
    throw new Error(
      `code-server --install-extension: exit ${r.status ?? r.signal}: ${`${r.stdout}\n${r.stderr}`.trim().split('\n').slice(-10).join('\n')}`,
    );
  const dir = path.join(run.extensions, `${pkg.publisher}.${pkg.name}-${pkg.version}`.toLowerCase());
  const st = fs.lstatSync(dir, { throwIfNoEntry: false });
  if (!st?.isDirectory() || st.isSymbolicLink()) throw new Error(`no installed folder ${dir}`);
  return dir;
}

// ---------------------------------------------------------------------------------------------
// ready: the host's activation log line -> profile row + status bar item in the page

/** Init script (runs in every page before the workbench): stamps the first profile row and the status bar item. */
function stampReady({ container, statusId }) {
  const s = { rowAt: 0, rowPerf: 0, statusAt: 0, statusPerf: 0 };
  window.__ocaReady = s;
  const check = () => {
    if (!s.rowAt) {
      const label = document.querySelector(
        `[id="workbench.view.extension.${container}"] .monaco-list-row[aria-level="3"] .label-name`,
      );
      if (label && label.textContent.trim()) {
        s.rowAt = Date.now();
        s.rowPerf = performance.timeOrigin + performance.now();
      }
    }
    if (!s.statusAt) {
      const item = document.getElementById(statusId);
      if (item && item.textContent.trim()) {
        s.statusAt = Date.now();
        s.statusPerf = performance.timeOrigin + performance.now();
      }
    }
    if (s.rowAt && s.statusAt) observer.disconnect();
  };
  const observer = new MutationObserver(check);
  observer.observe(document, { subtree: true, childList: true, characterData: true, attributes: true });
}

/** Files under `dir` whose path satisfies `pred`. */
function filesWhere(dir, pred) {
  const out = [];
  let entries = [];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return out;
  }
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...filesWhere(p, pred));
    else if (pred(p)) out.push(p);
  }
  return out;
}

/** Clock times (ms since the epoch, local-time log stamps) of the lines matching `text` in the log files `pick` selects. */
function logTimes(run, pick, text) {
  const re = /^(\d{4})-(\d\d)-(\d\d)[ T](\d\d):(\d\d):(\d\d)\.(\d{3})(Z?)\s/;
  const times = [];
  const parse = (m) => {
    const [y, mo, d, h, mi, s, ms] = m.slice(1, 8).map(Number);
    return m[8] ? Date.UTC(y, mo - 1, d, h, mi, s, ms) : new Date(y, mo - 1, d, h, mi, s, ms).getTime();
  };
  for (const f of filesWhere(path.join(run.userData, 'logs'), pick)) {
    let first;
    for (const line of fs.readFileSync(f, 'utf8').split('\n')) {
      const m = re.exec(line);
      if (!m) continue;
      first ??= parse(m);
      if (line.includes(text))
        times.push({ at: parse(m), fileFirstAt: first, event: /activationEvent: '([^']*)'/.exec(line)?.[1] ?? null });
    }
  }
  return times.sort((a, b) => a.at - b.at);
}
/**
 * The extension's own share of a load, from its "Activated; …" log line (written once it has
 * started): loading main.js (+ core.js) and its start (settings, reading the state, views). Only
 * durations are taken from that line (its time stamp may be late, see the header).
 */
function ownStartTimes(run, notBefore) {
  const out = [];
  for (const f of filesWhere(path.join(run.userData, 'logs'), (p) => p.endsWith('.log') && p.includes(EXTENSION_ID))) {
    if (fs.statSync(f).mtimeMs < notBefore) continue;
    for (const line of fs.readFileSync(f, 'utf8').split('\n')) {
      const m = /Activated; .*\(loading main\.js (\d+) ms, start (\d+) ms/.exec(line);
      if (m) out.push({ mainMs: Number(m[1]), startMs: Number(m[2]), stamp: line.slice(0, 23) });
    }
  }
  return out.sort((a, b) => a.stamp.localeCompare(b.stamp));
}

/** Every activation of this extension logged by an extension host (remoteexthost.log). */
const activationLogTimes = (run) =>
  logTimes(
    run,
    (f) => path.basename(f) === 'remoteexthost.log',
    `ExtensionService#_doActivateExtension ${EXTENSION_ID},`,
  );

/** One measured window load (already navigated): returns the readings and what was missing. */
async function measureLoad(page, wb, run, navAt) {
  const r = { missing: [] };
  const deadline = Date.now() + 60_000;
  let s;
  while (Date.now() < deadline) {
    s = await page.evaluate(() => window.__ocaReady).catch(() => undefined);
    if (s?.rowAt && s?.statusAt) break;
    await sleep(100);
  }
  if (!s?.rowAt)
    r.missing.push(
      `no profile row in the tree within 60 s${(await page.locator(`[id="workbench.view.extension.${CONTAINER}"]`).isVisible()) ? '' : ' (the OpenClaw view is not shown)'}`,
    );
  if (!s?.statusAt) r.missing.push('no status bar item within 60 s');
  let act;
  const logDeadline = Date.now() + 10_000;
  while (!act && Date.now() < logDeadline) {
    const until = (s?.rowAt && s?.statusAt ? Math.max(s.rowAt, s.statusAt) : Date.now()) + 1;
    act = activationLogTimes(run)
      .filter((x) => x.at >= navAt - 1 && x.at <= until)
      .pop();
    if (!act) await sleep(200); // the log is written asynchronously
  }
  if (!act)
    r.missing.push('no `_doActivateExtension openclaw-auth.openclaw-auth` line for this load in remoteexthost.log');
  // VS Code's log buffers lines until its spdlog file logger exists, then writes them all stamped
  // with that moment: a line stamped within 5 ms of the file's first line may be such a replay.
  else if (act.at - act.fileFirstAt < 5) {
    r.missing.push(
      `the activation log line is stamped ${act.at - act.fileFirstAt} ms after the log's first line (maybe a replayed, late-stamped line)`,
    );
    act = undefined;
  }
  if (s?.rowAt && s?.statusAt && act) {
    r.activationLogAt = act.at;
    r.activationEvent = act.event;
    r.rowMs = s.rowAt - act.at;
    r.statusMs = s.statusAt - act.at;
    r.readyMs = Math.max(r.rowMs, r.statusMs);
    r.perfClockDiffMs = Math.round(Math.max(s.rowPerf, s.statusPerf) - Math.max(s.rowAt, s.statusAt)); // performance.timeOrigin+now() vs Date.now()
    r.activationAfterNavMs = act.at - navAt;
  }
  // Informational (not a goal): the extension's own code in this load.
  for (let i = 0; i < 20 && r.ownMainMs === undefined; i++) {
    const own = ownStartTimes(run, navAt).pop();
    if (own) Object.assign(r, { ownMainMs: own.mainMs, ownStartMs: own.startMs });
    else await sleep(200);
  }
  try {
    const row = await perfviewRow(page, wb);
    Object.assign(r, {
      loadCodeMs: row.loadCodeMs,
      callActivateMs: row.callActivateMs,
      finishActivateMs: row.finishActivateMs,
      perfEvent: row.event,
      stubActivateMs: row.loadCodeMs + row.callActivateMs,
    });
    if (![row.loadCodeMs, row.callActivateMs].every(Number.isFinite))
      r.missing.push(`Startup Performance row not numeric (${row.loadCodeMs}, ${row.callActivateMs})`);
  } catch (e) {
    r.missing.push(`stub activate time: ${errText(e)}`);
  }
  return r;
}

/** The "Extension Activation Stats" row of this extension in "Developer: Startup Performance". */
async function perfviewRow(page, wb) {
  for (let attempt = 0; attempt < 5; attempt++) {
    await wb.runCommand('Developer: Startup Performance');
    const editor = page.locator('.editor-instance .monaco-editor').first();
    await editor.waitFor({ timeout: 15_000 });
    await page.waitForTimeout(300);
    await editor.locator('textarea').first().focus(); // no click: an overlay may still cover the editor
    await page.keyboard.press('Control+Home');
    await page.keyboard.press('Control+f');
    await page.keyboard.type(`| ${EXTENSION_ID}`);
    for (let hit = 0; hit < 4; hit++) {
      await page.keyboard.press('Enter');
      await page.waitForTimeout(150);
      const lines = await editor.locator('.view-lines .view-line').allInnerTexts();
      for (const raw of lines) {
        const cells = raw
          .replace(/\u00a0/g, ' ')
          .split('|')
          .map((c) => c.trim());
        // | Extension | Eager | Load Code | Call Activate | Finish Activate | Event | By |
        if (cells[1] === EXTENSION_ID && /^(true|false)$/.test(cells[2])) {
          await page.keyboard.press('Escape');
          return {
            loadCodeMs: Number(cells[3]),
            callActivateMs: Number(cells[4]),
            finishActivateMs: Number(cells[5]),
            event: cells[6],
          };
        }
      }
    }
    await page.keyboard.press('Escape');
    await wb.runCommand('View: Close All Editors');
    await page.waitForTimeout(1000); // activation not recorded yet
  }
  throw new Error(`no activation row for ${EXTENSION_ID} in "Developer: Startup Performance"`);
}

// ---------------------------------------------------------------------------------------------
// update: a write on disk to the row in the tree

function filesUnder(dir) {
  const out = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...filesUnder(p));
    else if (e.isFile()) out.push(p);
  }
  return out;
}

function runCli(cli, args, input, env) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], { env, stdio: ['pipe', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`openclaw-auth ${args[0]} exited ${code}: ${err.slice(-500)}`)),
    );
    child.stdin.end(input);
  });
}

async function updateRun(page, { cli, stateDir, env, profileId, provider }) {
  await page.evaluate(
    ({ id, container }) => {
      const root = document.getElementById(`workbench.view.extension.${container}`);
      window.__ocaBench?.disconnect();
      window.__ocaSeenAt = 0;
      const check = () => {
        if (window.__ocaSeenAt) return;
        for (const e of root.querySelectorAll('.monaco-list-row .label-name')) {
          if (e.textContent.trim() === id) {
            window.__ocaSeenAt = Date.now();
            window.__ocaBench.disconnect();
            return;
          }
        }
      };
      window.__ocaBench = new MutationObserver(check);
      window.__ocaBench.observe(root, { subtree: true, childList: true, characterData: true, attributes: true });
    },
    { id: profileId, container: CONTAINER },
  );
  const key = `sk-bench-fake-${crypto.randomBytes(24).toString('hex')}`;
  const before = new Map(filesUnder(stateDir).map((f) => [f, fs.statSync(f).mtimeMs]));
  const t0 = Date.now();
  await runCli(
    cli,
    ['add-key', '--state-dir', stateDir, '--agent', 'main', '--provider', provider, '--profile-id', profileId],
    `${key}\n`,
    env,
  );
  const tExit = Date.now();
  let tWrite = 0;
  for (const f of filesUnder(stateDir)) {
    const m = fs.statSync(f).mtimeMs;
    if (before.get(f) !== m && m > tWrite) tWrite = m;
  }
  if (!tWrite) throw new Error('add-key changed no file under the state dir');
  const deadline = Date.now() + 15_000;
  let seen = 0;
  while (!(seen = await page.evaluate(() => window.__ocaSeenAt)) && Date.now() < deadline) await sleep(20);
  if (!seen) throw new Error(`${profileId} did not appear in the tree within 15 s`);
  return { fromWriteMs: seen - tWrite, fromExitMs: seen - tExit, fromSpawnMs: seen - t0, cliMs: tExit - t0 };
}

// ---------------------------------------------------------------------------------------------

/** Runs the whole host benchmark; returns the numbers (see the header) with `missing` listing every reading that failed. Throws when it cannot run at all. */
export async function runHostBench({
  hostId = selectedHostId(),
  log = (m) => process.stderr.write(`[bench-host] ${m}\n`),
  activations = intEnv('BENCH_HOST_ACTIVATIONS', 7),
  updates = intEnv('BENCH_HOST_UPDATES', 5),
} = {}) {
  const host = assertHostInstalled(resolveHostPaths(resolveCacheDir(), hostId));
  const t0 = Date.now();
  const run = makeRunDir('bench', { fixture: 'multi-agent' });
  registerCleanup(() => removeRunDir(run)); // runs last (cleanups run newest first), also on Ctrl-C
  const stateDir = path.join(run.home, '.openclaw');
  const out = {
    host: hostId,
    vscode: host.vscodeVersion,
    node: host.nodeVersion,
    goals: GOALS,
    loads: [],
    updates: [],
    missing: [],
  };
  let server;
  let browser;
  try {
    log('production build and vsce package in a temp copy of the repo');
    const { vsix, pkg } = buildVsix(run);
    log(`code-server --install-extension ${path.basename(vsix)}`);
    const extDir = installVsix(host, run, vsix, pkg);
    out.bundle = packageJs(vsix, extDir);
    out.missing.push(...out.bundle.missing.map((m) => `JS size: ${m}`));
    out.bundle.loadedGoalMet = out.bundle.loadedJs == null ? null : out.bundle.loadedJs < GOALS.loadedJsBytes;
    out.bundle.allGoalMet = out.bundle.missing.length ? null : out.bundle.allJs < GOALS.packageJsBytes;

    log('starting code-server (no development path) and Chromium');
    server = await startCodeServer(host, run, { env: cleanEnv(run, { OPENCLAW_STATE_DIR: stateDir }) });
    const cmdline = fs.readFileSync(`/proc/${server.pid}/cmdline`, 'utf8').split('\0');
    if (cmdline.some((a) => /extensionDevelopmentPath|extensions-dev/i.test(a)))
      throw new Error(`code-server was started with a development path: ${cmdline.join(' ')}`);
    browser = await launchChromium(host, run);
    const { page } = browser;
    await page.addInitScript(stampReady, { container: CONTAINER, statusId: STATUS_ID });
    const wb = workbench(page);

    // Warm-up load (not counted): open the OpenClaw view, so the workbench restores it on every reload.
    await page.goto(`${server.url}?folder=${encodeURIComponent(run.workspace)}`, {
      waitUntil: 'domcontentloaded',
      timeout: 60_000,
    });
    await wb.ready();
    await wb.statusBarItem(EXTENSION_ID, 'openclawAuth.status').waitFor({ state: 'visible', timeout: 90_000 });
    await wb.openViewContainer('OpenClaw', CONTAINER);
    await page
      .locator(`[id="workbench.view.extension.${CONTAINER}"] .monaco-list-row[aria-level="3"]`)
      .first()
      .waitFor({ timeout: 30_000 });
    await page.waitForTimeout(1000); // let the workbench store the open view

    for (let i = 0; i < activations; i++) {
      await wb.runCommand('View: Close All Editors');
      await page.waitForTimeout(300);
      const navAt = Date.now();
      let r;
      try {
        await page.reload({ waitUntil: 'domcontentloaded', timeout: 60_000 });
        await wb.ready();
        r = await measureLoad(page, wb, run, navAt);
      } catch (e) {
        r = { missing: [`window load: ${errText(e)}`] };
      }
      out.loads.push(r);
      out.missing.push(...r.missing.map((m) => `load ${i + 1}: ${m}`));
      log(
        `load ${i + 1}/${activations}: activation -> ready ${r.readyMs ?? 'n/a'} ms (status bar +${r.statusMs ?? 'n/a'}, row +${r.rowMs ?? 'n/a'}, event ${r.activationEvent ?? 'n/a'}); stub load ${r.loadCodeMs ?? 'n/a'} + call ${r.callActivateMs ?? 'n/a'} ms${r.missing.length ? `; MISSING: ${r.missing.join('; ')}` : ''}`,
      );
    }
    const L = out.loads;
    const readyFailed = L.some((x) => x.readyMs == null);
    const stubFailed = L.some((x) => x.stubActivateMs == null);
    out.ready = {
      runs: L.length,
      readings: finite(L.map((x) => x.readyMs)).length,
      medianMs: median(L.map((x) => x.readyMs)),
      minMs: min(L.map((x) => x.readyMs)),
      maxMs: max(L.map((x) => x.readyMs)),
      medianRowMs: median(L.map((x) => x.rowMs)),
      medianStatusMs: median(L.map((x) => x.statusMs)),
      medianActivationAfterNavMs: median(L.map((x) => x.activationAfterNavMs)),
      medianOwnMainMs: median(L.map((x) => x.ownMainMs)),
      medianOwnStartMs: median(L.map((x) => x.ownStartMs)),
      maxPerfClockDiffMs: max(L.map((x) => Math.abs(x.perfClockDiffMs ?? NaN))),
      events: [...new Set(L.map((x) => x.activationEvent).filter(Boolean))],
      failed: readyFailed,
    };
    out.ready.goalMet = readyFailed || out.ready.medianMs == null ? null : out.ready.medianMs < GOALS.readyMs;
    out.stub = {
      runs: L.length,
      readings: finite(L.map((x) => x.stubActivateMs)).length,
      medianMs: median(L.map((x) => x.stubActivateMs)),
      minMs: min(L.map((x) => x.stubActivateMs)),
      maxMs: max(L.map((x) => x.stubActivateMs)),
      medianLoadCodeMs: median(L.map((x) => x.loadCodeMs)),
      medianCallActivateMs: median(L.map((x) => x.callActivateMs)),
      medianFinishActivateMs: median(L.map((x) => x.finishActivateMs)),
      failed: stubFailed,
    };
    out.stub.goalMet = stubFailed || out.stub.medianMs == null ? null : out.stub.medianMs < GOALS.stubActivateMs;

    await wb.runCommand('View: Close All Editors');
    await wb.openViewContainer('OpenClaw', CONTAINER);
    await wb.viewRows(CONTAINER, 'Agent main').first().waitFor({ timeout: 30_000 });
    const env = { ...process.env, HOME: run.home, OPENCLAW_STATE_DIR: stateDir };
    delete env.OPENCLAW_HOME;
    const cli = path.join(extDir, 'dist', 'cli.js');
    for (let i = 1; i <= updates; i++) {
      try {
        const u = await updateRun(page, { cli, stateDir, env, provider: 'mistral', profileId: `mistral:bench-${i}` });
        out.updates.push(u);
        log(`update ${i}/${updates}: write on disk -> row ${u.fromWriteMs.toFixed(0)} ms (CLI ${u.cliMs} ms)`);
      } catch (e) {
        out.updates.push({ missing: errText(e) });
        out.missing.push(`update ${i}: ${errText(e)}`);
        log(`update ${i}/${updates}: MISSING: ${errText(e)}`);
      }
      await page.waitForTimeout(400);
    }
    const U = out.updates;
    out.update = {
      runs: U.length,
      medianMs: median(U.map((u) => u.fromWriteMs)),
      minMs: min(U.map((u) => u.fromWriteMs)),
      maxMs: max(U.map((u) => u.fromWriteMs)),
      medianFromCliExitMs: median(U.map((u) => u.fromExitMs)),
      medianFromCliStartMs: median(U.map((u) => u.fromSpawnMs)),
      medianCliMs: median(U.map((u) => u.cliMs)),
      failed: U.some((u) => u.fromWriteMs == null),
    };
    out.update.goalMet = out.update.failed || out.update.medianMs == null ? null : out.update.medianMs < GOALS.updateMs;
  } catch (e) {
    const shot = path.join(ROOT, 'out', 'bench-host-FAILED.png');
    fs.mkdirSync(path.dirname(shot), { recursive: true });
    await browser?.page.screenshot({ path: shot }).then(
      () => log(`screenshot of the failure: ${path.relative(ROOT, shot)}`),
      () => {},
    );
    throw e;
  } finally {
    await Promise.all([browser?.close(), server?.stop()]);
    runCleanupsSync();
  }
  out.machine = { cpus: os.cpus().length, loadAvg: os.loadavg().map((x) => Number(x.toFixed(2))) };
  out.totalMs = Date.now() - t0;
  return out;
}

// ---------------------------------------------------------------------------------------------
// report (also used by scripts/bench.mjs)

const fmtMs = (x) => (x == null || !Number.isFinite(x) ? 'n/a' : `${Math.round(x)} ms`);
const fmtKb = (b) => (b == null ? 'n/a' : `${(b / 1024).toFixed(1)} KB`);
/** MET / NOT MET; FAILED when a reading is missing (a missing number is never a pass). */
const status = (ok, failed) => (failed || ok == null ? 'FAILED' : ok ? 'MET' : 'NOT MET');

/** Lines of the report section. */
export function hostReportLines(h) {
  const l = [];
  const r = h.ready;
  if (r) {
    l.push(
      `  activation -> usable, installed from the .vsix into VS Code ${h.vscode} (code-server, extension host on Node ${h.node}; ${r.runs} window loads, each a new extension host;`,
    );
    l.push(
      `  from the extension host's "_doActivateExtension ${EXTENSION_ID}" log line to a profile row in the tree AND the status bar item, both clocks = this machine's wall clock):`,
    );
    l.push(
      `    median ${fmtMs(r.medianMs)} (min ${fmtMs(r.minMs)}, max ${fmtMs(r.maxMs)}; ${r.readings}/${r.runs} read)   goal: < ${GOALS.readyMs} ms   ${status(r.goalMet, r.failed)}`,
    );
    l.push(
      `    medians: status bar +${fmtMs(r.medianStatusMs)}, tree row +${fmtMs(r.medianRowMs)}; activation event ${r.events.join(', ') || 'n/a'}, logged ${fmtMs(r.medianActivationAfterNavMs)} after the reload started;`,
    );
    l.push(
      `    of which the extension's own code (its "Activated" log line): loading main.js + core.js median ${fmtMs(r.medianOwnMainMs)}, its start (settings, reading the state, views) ${fmtMs(r.medianOwnStartMs)};`,
    );
    l.push(
      "    the rest is VS Code: the stub's load before activate() runs, the workbench asking for the rows (about 0.7 s after the view is registered) and one round trip per tree level;",
    );
    l.push(
      `    per load (ms): ${h.loads.map((x) => x.readyMs ?? 'MISSING').join(', ')}; the page's Date.now() and performance.timeOrigin + now() differ by at most ${fmtMs(r.maxPerfClockDiffMs)}`,
    );
  } else l.push('  activation -> usable: not measured   FAILED');
  const s = h.stub;
  if (s) {
    l.push(
      `    the stub dist/extension.js alone (VS Code's Load Code + Call Activate, "Developer: Startup Performance"): median ${fmtMs(s.medianMs)} (min ${fmtMs(s.minMs)}, max ${fmtMs(s.maxMs)}; ${s.readings}/${s.runs} read)   goal: < ${GOALS.stubActivateMs} ms   ${status(s.goalMet, s.failed)}`,
    );
    l.push(
      `    medians: load code ${fmtMs(s.medianLoadCodeMs)}, call activate ${fmtMs(s.medianCallActivateMs)}, activate() promise resolved ${fmtMs(s.medianFinishActivateMs)} later; per load (load + call): ${h.loads.map((x) => (x.stubActivateMs == null ? 'MISSING' : `${x.loadCodeMs}+${x.callActivateMs}`)).join(', ')}`,
    );
  }
  const b = h.bundle;
  if (b) {
    l.push(`  JS in the .vsix (minified production build; .vsix ${fmtKb(b.vsixBytes)}):`);
    l.push(
      `    loaded before ready: dist/extension.js ${fmtKb(b.extensionJs)} + dist/main.js ${fmtKb(b.mainJs)} + dist/core.js ${fmtKb(b.coreJs)} = ${fmtKb(b.loadedJs)}   goal: < ${fmtKb(GOALS.loadedJsBytes)}   ${status(b.loadedGoalMet)}`,
    );
    l.push(
      `    all JS in the package: ${b.files.map((f) => `${f.file} ${fmtKb(f.bytes)}`).join(' + ')} = ${fmtKb(b.allJs)}   goal: < ${fmtKb(GOALS.packageJsBytes)}   ${status(b.allGoalMet)}`,
    );
  } else l.push('  JS in the .vsix: not measured   FAILED');
  const u = h.update;
  if (u) {
    l.push(
      `  update: \`openclaw-auth add-key\` (installed dist/cli.js) writes the state dir -> the profile row is in the tree (${u.runs} runs):`,
    );
    l.push(
      `    median ${fmtMs(u.medianMs)} from the last file write (min ${fmtMs(u.minMs)}, max ${fmtMs(u.maxMs)})   goal: < ${GOALS.updateMs} ms   ${status(u.goalMet, u.failed)}`,
    );
    l.push(
      `    from the CLI's exit ${fmtMs(u.medianFromCliExitMs)}; from its start ${fmtMs(u.medianFromCliStartMs)} (the CLI itself takes ${fmtMs(u.medianCliMs)})`,
    );
  } else l.push('  update: not measured   FAILED');
  if (h.missing?.length) {
    l.push(`  MISSING readings (${h.missing.length}; each is a FAILED measurement):`);
    for (const m of h.missing) l.push(`    - ${m}`);
  }
  return l;
}

/** Rows for a summary table: [#, measure, result, goal, status]. */
export function hostSummaryRows(h, n = '5') {
  const v = h ? `VS Code ${h.vscode}: ` : '';
  const range = (x) => (x ? `${fmtMs(x.medianMs)} (${fmtMs(x.minMs)}..${fmtMs(x.maxMs)})` : 'not run');
  // Not run: skipped on purpose (BENCH_SKIP_HOST=1), else it failed (bench.mjs lists why).
  const st = (x, ok, failed) =>
    h ? (x ? status(ok, failed) : 'FAILED') : process.env.BENCH_SKIP_HOST === '1' ? 'skipped' : 'FAILED';
  return [
    [
      n,
      `${v}activation -> tree row + status bar (median)`,
      range(h?.ready),
      `< ${GOALS.readyMs} ms`,
      st(h?.ready, h?.ready?.goalMet, h?.ready?.failed),
    ],
    [
      n,
      `${v}stub activate: load + call (median)`,
      range(h?.stub),
      `< ${GOALS.stubActivateMs} ms`,
      st(h?.stub, h?.stub?.goalMet, h?.stub?.failed),
    ],
    [
      n,
      `${v}JS loaded before ready (ext+main+core.js)`,
      h?.bundle ? fmtKb(h.bundle.loadedJs) : 'not run',
      `< ${fmtKb(GOALS.loadedJsBytes)}`,
      st(h?.bundle, h?.bundle?.loadedGoalMet),
    ],
    [
      n,
      `${v}all JS in the .vsix`,
      h?.bundle ? fmtKb(h.bundle.allJs) : 'not run',
      `< ${fmtKb(GOALS.packageJsBytes)}`,
      st(h?.bundle, h?.bundle?.allGoalMet),
    ],
    [
      n,
      `${v}write on disk -> tree row (median)`,
      h?.update ? fmtMs(h.update.medianMs) : 'not run',
      `< ${GOALS.updateMs} ms`,
      st(h?.update, h?.update?.goalMet, h?.update?.failed),
    ],
  ];
}

async function main() {
  const args = process.argv.slice(2);
  const jsonAt = args.indexOf('--json');
  const jsonFile = jsonAt >= 0 ? path.resolve(args[jsonAt + 1]) : path.join(ROOT, 'bench-results', 'host.json');
  onTerminationSignal(() => runCleanupsSync());
  const results = {};
  let failed = false;
  for (const id of hostIdsFromArgs(args, 'all')) {
    try {
      results[id] = await runHostBench({ hostId: id });
      if (results[id].missing.length) failed = true; // a missing reading is a failed measurement
    } catch (e) {
      process.stderr.write(`bench-host (${id}): ERROR ${e instanceof Error ? e.stack : String(e)}\n`);
      failed = true;
    }
  }
  fs.mkdirSync(path.dirname(jsonFile), { recursive: true });
  fs.writeFileSync(jsonFile, `${JSON.stringify(results, null, 2)}\n`);
  const rows = Object.values(results).flatMap((h) => hostSummaryRows(h));
  const lines = ['', 'OpenClaw Auth in a real VS Code host'];
  for (const h of Object.values(results)) lines.push(...hostReportLines(h), '');
  if (rows.length) {
    const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => String(r[i]).length)));
    lines.push(...rows.map((r) => `  ${r.map((c, i) => String(c).padEnd(widths[i])).join('  ')}`));
  }
  lines.push('', `numbers written to ${path.relative(ROOT, jsonFile)}`, '');
  process.stdout.write(lines.join('\n'));
  if (failed) process.exitCode = 1;
}

if (process.argv[1] && fs.realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
