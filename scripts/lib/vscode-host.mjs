// Shared by test/host/harness.mjs, test/e2e/run.mjs and scripts/start-vscode.mjs: start a
// code-server (a real VS Code 1.139 server with a Node extension host) on 127.0.0.1, open its
// workbench in Debian's Chromium through playwright-core, and clean every process up again.
//
// Isolation: each run gets a temp dir (os.tmpdir()/oca-<kind>-XXXXXX) holding the user-data and
// extensions dirs, a workspace folder, HOME, XDG_* and TMPDIR for code-server and Chromium (VS Code,
// its git extension and Chromium otherwise leave sockets in /tmp and write ~/.config/code-server).
// The extension host inherits code-server's environment, so `env` given to startCodeServer()
// reaches the extension (HOME, OPENCLAW_STATE_DIR, ...).
//
// Cleanup: code-server runs in its own process group (detached) and is stopped by signalling that
// group; every process started for a run also carries OPENCLAW_AUTH_HOST_RUN=<id> in its
// environment, and whatever still has it at the end (a child that left the group) is killed by pid.
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { require as tsxRequire } from 'tsx/cjs/api';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const MARKER_VAR = 'OPENCLAW_AUTH_HOST_RUN';
export const FIXTURES = path.join(ROOT, 'test', 'fixtures', 'openclaw-2026.9.6');

/** Workbench settings for quiet, deterministic runs (no welcome page, chat panel, tips, git, updates). */
export const USER_SETTINGS = {
  'workbench.startupEditor': 'none',
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'chat.disableAIFeatures': true,
  'extensions.autoUpdate': false,
  'extensions.autoCheckUpdates': false,
  'extensions.ignoreRecommendations': true,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'security.workspace.trust.enabled': false,
  'git.enabled': false,
  'git.autoRepositoryDetection': false,
  'npm.autoDetect': 'off',
  'typescript.tsc.autoDetect': 'off',
};

/** Chromium flags: headless, no sandbox (root), and no background traffic to unreachable hosts. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-quic',
  '--no-first-run',
  '--no-default-browser-check',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-features=Translate,MediaRouter,OptimizationHints',
];

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Creates the run directory. Paths stay short: Unix socket paths under TMPDIR must fit 108 bytes.
 * `home` is an empty HOME unless `fixture` names a fixture scenario (its home is copied there, its
 * auth times shifted to be as at capture, seen from now: test/helpers/clock.ts).
 */
export function makeRunDir(kind, { fixture, base = os.tmpdir() } = {}) {
  const dir = fs.mkdtempSync(path.join(base, `oca-${kind}-`));
  const d = {
    id: `${kind}-${crypto.randomBytes(6).toString('hex')}`,
    dir,
    home: path.join(dir, 'home'),
    tmp: path.join(dir, 't'),
    userData: path.join(dir, 'ud'),
    extensions: path.join(dir, 'ext'),
    workspace: path.join(dir, 'ws'),
    chromeProfile: path.join(dir, 'chrome'),
    xdg: path.join(dir, 'xdg'),
    serverLog: path.join(dir, 'server.log'),
  };
  for (const k of ['home', 'tmp', 'userData', 'extensions', 'workspace', 'chromeProfile', 'xdg'])
    fs.mkdirSync(d[k], { recursive: true });
  if (fixture) {
    fs.cpSync(path.join(FIXTURES, fixture, 'home'), d.home, { recursive: true });
    tsxRequire('../../test/helpers/clock.ts', import.meta.url).shiftFixtureClock(d.home, fixture);
  }
  fs.mkdirSync(path.join(d.userData, 'User'), { recursive: true });
  fs.writeFileSync(path.join(d.userData, 'User', 'settings.json'), `${JSON.stringify(USER_SETTINGS, null, 2)}\n`);
  return d;
}

/** The environment for every process of a run: isolated HOME/XDG/TMPDIR, no inherited OpenClaw state. */
export function runEnv(run, extra = {}) {
  const env = { ...process.env };
  for (const k of Object.keys(env)) {
    if (/^OPENCLAW_(HOME|STATE_DIR|CONFIG_PATH|AGENT_DIR|PROFILE)$/.test(k)) delete env[k];
    if (/^(VSCODE_|ELECTRON_RUN_AS_NODE$)/.test(k)) delete env[k];
  }
  Object.assign(env, {
    HOME: run.home,
    XDG_CONFIG_HOME: path.join(run.xdg, 'config'),
    XDG_DATA_HOME: path.join(run.xdg, 'data'),
    XDG_CACHE_HOME: path.join(run.xdg, 'cache'),
    TMPDIR: run.tmp,
    [MARKER_VAR]: run.id,
  });
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined || v === null) delete env[k];
    else env[k] = String(v);
  }
  return env;
}

/** Symlinks an unpacked extension into the extensions dir as `<publisher>.<name>-<version>` (no vsix needed). */
export function linkExtension(run, extensionDir = ROOT) {
  const pkg = JSON.parse(fs.readFileSync(path.join(extensionDir, 'package.json'), 'utf8'));
  const id = `${pkg.publisher}.${pkg.name}`;
  fs.symlinkSync(extensionDir, path.join(run.extensions, `${id}-${pkg.version}`), 'dir');
  return id;
}

function tailFile(file, lines = 40) {
  try {
    return fs.readFileSync(file, 'utf8').trim().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/**
 * Starts code-server and waits for /healthz. Returns { url, port, pid, stop, exited }.
 * `smokeTestDriver` enables the payload URL (extensionDevelopmentPath/extensionTestsPath) and
 * suppresses notification toasts; `folder` is the folder opened when the URL names none.
 */
export async function startCodeServer(
  host,
  run,
  { env = {}, smokeTestDriver = false, folder = run.workspace, port, extraArgs = [], stdio } = {},
) {
  const attempts = port ? 1 : 3;
  let lastError;
  for (let i = 0; i < attempts; i++) {
    const p = port ?? (await freePort());
    const args = [
      host.codeServerEntry,
      '--bind-addr',
      `127.0.0.1:${p}`,
      '--auth',
      'none',
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-workspace-trust',
      '--disable-getting-started-override',
      '--user-data-dir',
      run.userData,
      '--extensions-dir',
      run.extensions,
      // code-server 4.17 (VS Code 1.82) has no --vscode-option; its web workbench takes the payload URL without it.
      ...(smokeTestDriver && host.host?.id !== 'oldest' ? ['--vscode-option', 'enable-smoke-test-driver'] : []),
      ...extraArgs,
      folder,
    ];
    const logFd = fs.openSync(run.serverLog, 'a');
    const child = spawn(host.node, args, {
      cwd: run.dir,
      env: runEnv(run, env),
      detached: true, // own process group, so stop() reaches the extension host, pty host, agent host, ...
      stdio: stdio ?? ['ignore', logFd, logFd],
    });
    fs.closeSync(logFd);
    const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
    let dead = false;
    void exited.then(() => (dead = true));
    const server = {
      url: `http://127.0.0.1:${p}/`,
      port: p,
      pid: child.pid,
      exited,
      isRunning: () => !dead,
      stop: () => stopGroup(child.pid, exited, run.id),
    };
    registerCleanup(() => killGroupSync(child.pid, run.id));
    const deadline = Date.now() + 90_000;
    while (Date.now() < deadline && !dead) {
      try {
        const r = await fetch(`${server.url}healthz`, { signal: AbortSignal.timeout(2000) });
        if (r.ok) return server;
      } catch {
        // not up yet
      }
      await sleep(150);
    }
    await server.stop();
    const log = tailFile(run.serverLog);
    lastError = new Error(
      `code-server did not come up on 127.0.0.1:${p} (${dead ? 'it exited' : 'no /healthz answer in 90 s'}). Log ${run.serverLog}:\n${log}`,
    );
    if (!/EADDRINUSE/.test(log)) break;
  }
  throw lastError;
}

function groupAlive(pgid) {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (e) {
    return e.code === 'EPERM';
  }
}

/** Pids of processes (not this one) whose environment carries MARKER_VAR=<runId>. Linux /proc only. */
export function markedPids(runId) {
  const needle = Buffer.from(`\0${MARKER_VAR}=${runId}\0`);
  const out = [];
  let entries = [];
  try {
    entries = fs.readdirSync('/proc');
  } catch {
    return out;
  }
  for (const e of entries) {
    if (!/^\d+$/.test(e) || Number(e) === process.pid) continue;
    try {
      const env = Buffer.concat([Buffer.from('\0'), fs.readFileSync(`/proc/${e}/environ`), Buffer.from('\0')]);
      if (env.includes(needle)) out.push(Number(e));
    } catch {
      // gone, or not ours
    }
  }
  return out;
}

function killPids(pids, signal) {
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}

/** SIGTERM the group, wait up to `graceMs`, SIGKILL what is left (group and marked stragglers). */
export async function stopGroup(pgid, exited, runId, graceMs = 5000) {
  try {
    process.kill(-pgid, 'SIGTERM');
  } catch {
    // already gone
  }
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline && (groupAlive(pgid) || (runId && markedPids(runId).length))) await sleep(100);
  try {
    process.kill(-pgid, 'SIGKILL');
  } catch {
    // gone
  }
  if (runId) {
    for (let i = 0; i < 20; i++) {
      const left = markedPids(runId);
      if (!left.length) break;
      killPids(left, 'SIGKILL');
      await sleep(100);
    }
  }
  await Promise.race([exited, sleep(2000)]);
  // Killed children are reparented to init; wait until they are reaped, so `ps` shows nothing.
  for (let i = 0; i < 50 && groupAlive(pgid); i++) await sleep(100);
}

/** Waits until none of `pids` exists any more (not even as a zombie), up to `ms`. */
async function waitGone(pids, ms = 5000) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline && pids.some((pid) => fs.existsSync(`/proc/${pid}`))) await sleep(100);
}

function killGroupSync(pgid, runId) {
  try {
    process.kill(-pgid, 'SIGKILL');
  } catch {
    // gone
  }
  if (runId) killPids(markedPids(runId), 'SIGKILL');
}

/**
 * Launches Chromium (headless) with a fresh profile in the run dir. Returns { context, page, close }.
 * close() closes the browser and kills any Chromium process of this run that survived it.
 */
export async function launchChromium(host, run, { viewport = { width: 1400, height: 900 }, env = {} } = {}) {
  const { chromium } = await import('playwright-core');
  const browserId = `${run.id}-browser`;
  const context = await chromium.launchPersistentContext(run.chromeProfile, {
    executablePath: host.chromium,
    headless: true,
    viewport,
    args: CHROMIUM_ARGS,
    // The workbench's clipboard is the browser's: allowed, as a user allows it for the site (VS Code 1.82
    // has no in-memory fallback, so without it Copy commands read back nothing).
    permissions: ['clipboard-read', 'clipboard-write'],
    env: runEnv(run, { ...env, [MARKER_VAR]: browserId }),
    handleSIGINT: false,
    handleSIGTERM: false,
    handleSIGHUP: false,
    timeout: 60_000,
  });
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    const pids = markedPids(browserId);
    await Promise.race([context.close().catch(() => {}), sleep(10_000)]);
    // Chromium's processes carry their own marker value (env below), so this never hits code-server.
    for (let i = 0; i < 20; i++) {
      const left = markedPids(browserId);
      if (!left.length) break;
      killPids(left, 'SIGKILL');
      await sleep(100);
    }
    await waitGone(pids);
  };
  registerCleanup(() => {
    if (!closed) killPids(markedPids(browserId), 'SIGKILL');
  });
  const page = context.pages()[0] ?? (await context.newPage());
  return { context, page, close };
}

// ---- last-resort cleanup on exit / signals ------------------------------------------------------

const cleanups = [];
let handlersInstalled = false;

/** Registers a synchronous cleanup that runs on process exit (also after SIGINT/SIGTERM/SIGHUP). */
export function registerCleanup(fn) {
  cleanups.push(fn);
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on('exit', runCleanupsSync);
}

export function runCleanupsSync() {
  while (cleanups.length) {
    try {
      cleanups.pop()();
    } catch {
      // best effort
    }
  }
}

export const SIGNAL_EXIT_CODES = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 };

/**
 * On SIGINT/SIGTERM/SIGHUP calls `onSignal(signal)` (async, e.g. an orderly shutdown). With
 * `exit: true` (default) the process then exits with 128+n; with `exit: false` the caller
 * finishes on its own. A second signal exits at once (the exit handler still kills the process
 * groups registered with registerCleanup).
 */
export function onTerminationSignal(onSignal, { exit = true } = {}) {
  let count = 0;
  for (const sig of Object.keys(SIGNAL_EXIT_CODES)) {
    process.on(sig, () => {
      count++;
      if (count > 1) process.exit(SIGNAL_EXIT_CODES[sig]);
      const done = Promise.race([Promise.resolve().then(() => onSignal(sig)), sleep(20_000)]).catch(() => {});
      if (exit) void done.finally(() => process.exit(SIGNAL_EXIT_CODES[sig]));
    });
  }
}

export function removeRunDir(run) {
  for (let i = 0; i < 5; i++) {
    try {
      fs.rmSync(run.dir, { recursive: true, force: true });
      return;
    } catch {
      // a process may still be writing; retry shortly (sync sleep is fine here)
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
    }
  }
}

/** Console messages that are expected offline noise in the workbench and extension host. */
export const NOISE = [
  /ENOTFOUND|ERR_NAME_NOT_RESOLVED|getaddrinfo|EAI_AGAIN/,
  /open-vsx\.org|marketplace|gallery/i,
  /vsda/,
  /mobile\.events\.data\.microsoft\.com/,
  /Failed to load resource/,
  /\[Extension Host\] (?:Debugger|debugger) listening/,
  /Timed out waiting for authentication provider/,
  /AccountPolicyGate/,
];
export const isNoise = (text) => NOISE.some((re) => re.test(text));
