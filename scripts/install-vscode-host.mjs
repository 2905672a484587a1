#!/usr/bin/env node
// Installs a real VS Code host for the host and e2e tests and for `npm start`:
// code-server (VS Code server + web workbench + Node extension host) on the Node it requires,
// Debian's Chromium to open the workbench in, and checks the project's playwright-core.
//
//   node scripts/install-vscode-host.mjs [--vscode newest|oldest|all] [--check] [--quiet]
//
// Two hosts: the newest VS Code (the default, what `npm start` and most suites use) and the
// oldest one the extension supports (engines.vscode; its suites run with OPENCLAW_AUTH_VSCODE=oldest).
// `--vscode` picks which to install (default: $OPENCLAW_AUTH_VSCODE, else newest).
//
// Layout (cache = $OPENCLAW_AUTH_TEST_CACHE or ~/.cache/openclaw-auth-tests, shared with
// scripts/install-openclaw.mjs):
//   newest: <cache>/node24/node_modules/node/bin/node                        (npm package node@24.21.0)
//           <cache>/code-server/node_modules/code-server/out/node/entry.js   (code-server@4.139.1 = VS Code 1.139.1)
//   oldest: <cache>/node18/node_modules/node/bin/node                        (npm package node@18.20.8)
//           <cache>/code-server-4.17.1/node_modules/code-server/...          (code-server@4.17.1 = VS Code 1.82.2)
//   /usr/bin/chromium, /usr/include/gssapi/gssapi.h                          (apt: chromium, libkrb5-dev;
//           the oldest host also needs libsecret-1-dev for keytar and ripgrep, see below)
//
// Why: code-server needs the Node its release was built for (postinstall check; 4.139.1 answers
// HTTP 500 on Node 20) and compiles native modules (kerberos needs libkrb5-dev's gssapi.h) in its
// postinstall. code-server 4.17.1 also: refuses to run its postinstall as root unless
// npm_config_unsafe_perm=true; builds keytar (libsecret-1-dev); compiles kerberos's old
// node-addon-api against Node 18.20's headers only with -fpermissive; and its @vscode/ripgrep
// downloads rg from GitHub, which is unreachable here, unless the download is already in its cache
// dir under TMPDIR: the installer puts Debian's rg there, packed as the release asset it expects; Playwright's own browser
// downloads are unreachable, so the browser is Debian's chromium, driven by playwright-core
// (a devDependency of this package, installed by `npm ci`).
//
// Idempotent: skips whatever is already installed at the pinned version; apt runs only when a
// package is missing (`apt-get update` first, then `apt-get install -y`, no stdin), and only as
// root. Shares the install lock with install-openclaw.mjs. Progress goes to stderr; the last
// stdout line per host is JSON: {"host","node","codeServer","chromium","codeServerVersion","vscodeVersion"}.
// Exit codes: 0 ok, 1 install/verify failure, 2 registry unreachable, 3 --check and not installed,
// 4 bad arguments.
// Runs on Node >= 20 and uses only built-in modules.

import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import {
  NODE_VERSION,
  acquireLock,
  cleanEnv,
  ensurePrefixDir,
  installedVersion,
  npmEnv,
  resolveCacheDir,
  resolvePaths,
  runNpm,
  isMainModule,
} from './install-openclaw.mjs';

/**
 * The VS Code hosts the tests run in. `oldest` is the oldest VS Code that package.json's
 * engines.vscode admits (the APIs the extension uses type-check against @types/vscode 1.81; the
 * oldest code-server on npm at or above it is 4.17.1 = VS Code 1.82.2, so engines says ^1.82.0).
 */
export const HOSTS = {
  newest: {
    id: 'newest',
    codeServer: '4.139.1',
    vscode: '1.139.1',
    node: NODE_VERSION,
    nodeDirName: 'node24',
    codeServerDirName: 'code-server',
    apt: [],
    env: {},
    buildTime: 'about 3 min',
  },
  oldest: {
    id: 'oldest',
    codeServer: '4.17.1',
    vscode: '1.82.2',
    node: '18.20.8',
    nodeDirName: 'node18',
    codeServerDirName: 'code-server-4.17.1',
    buildTime: 'about 2 min',
    apt: [
      { pkg: 'libsecret-1-dev', file: '/usr/include/libsecret-1/libsecret/secret.h' },
      { pkg: 'ripgrep', file: '/usr/bin/rg' },
    ],
    env: { npm_config_unsafe_perm: 'true', CXXFLAGS: '-fpermissive' },
    // @vscode/ripgrep 1.15.5 (pinned by code-server 4.17.1's npm-shrinkwrap) and the rg release it fetches.
    ripgrep: { pkgVersion: '1.15.5', tag: 'v13.0.0-10' },
  },
};

export const CODE_SERVER_VERSION = HOSTS.newest.codeServer;
/** The VS Code version inside code-server 4.139.1. */
export const VSCODE_VERSION = HOSTS.newest.vscode;

/** Which host the scripts use: $OPENCLAW_AUTH_VSCODE (newest | oldest), newest by default. */
export function selectedHostId(env = process.env) {
  const v = (env.OPENCLAW_AUTH_VSCODE ?? '').trim() || 'newest';
  if (!Object.hasOwn(HOSTS, v))
    throw new HostInstallError(`OPENCLAW_AUTH_VSCODE=${v} is not one of: ${Object.keys(HOSTS).join(', ')}.`, 4);
  return v;
}

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const quiet = process.argv.includes('--quiet');
const log = (msg) => {
  if (!quiet) process.stderr.write(`[install-vscode-host] ${msg}\n`);
};

export class HostInstallError extends Error {
  constructor(message, exitCode = 1) {
    super(message);
    this.exitCode = exitCode;
  }
}

/**
 * Every path the host scripts need, for one host (newest by default, or $OPENCLAW_AUTH_VSCODE).
 * `node` is the Node that host runs on; `node24` is always Node 24 (the CLI, openclaw).
 * Nothing here touches the disk.
 */
export function resolveHostPaths(cacheDir = resolveCacheDir(), id = selectedHostId()) {
  const p = resolvePaths(cacheDir);
  const def = HOSTS[id];
  const nodeDir = path.join(cacheDir, def.nodeDirName);
  const nodeBinDir = path.join(nodeDir, 'node_modules', 'node', 'bin');
  const codeServerDir = path.join(cacheDir, def.codeServerDirName);
  const codeServerPkgDir = path.join(codeServerDir, 'node_modules', 'code-server');
  return {
    ...p,
    host: def,
    codeServerVersion: def.codeServer,
    vscodeVersion: def.vscode,
    node24: p.node,
    nodeVersion: def.node,
    nodeDir,
    nodeBinDir,
    node: path.join(nodeBinDir, process.platform === 'win32' ? 'node.exe' : 'node'),
    codeServerDir,
    codeServerPkgDir,
    /** Run as `<node> <codeServerEntry> …`: the npm bin is `#!/usr/bin/env node`, which would pick Node 20. */
    codeServerEntry: path.join(codeServerPkgDir, 'out', 'node', 'entry.js'),
    /** Headers of the same Node (the node package ships them), for node-gyp. */
    nodeHeadersDir: path.join(nodeDir, 'node_modules', 'node', 'node_modules', `node-linux-${process.arch}`),
    chromium: resolveChromium(),
    gssapiHeader: '/usr/include/gssapi/gssapi.h',
  };
}

/** The host's Node at its pinned version, answering `--version`. */
export function hostNodeInstalled(h) {
  if (installedVersion(h.nodeDir, 'node') !== h.nodeVersion || !fs.existsSync(h.node)) return false;
  const r = spawnSync(h.node, ['--version'], { encoding: 'utf8', timeout: 30_000 });
  return r.status === 0 && r.stdout.trim() === `v${h.nodeVersion}`;
}

export function resolveChromium(env = process.env) {
  const fromEnv = env.OPENCLAW_AUTH_CHROMIUM?.trim();
  if (fromEnv) return fromEnv;
  for (const c of ['/usr/bin/chromium', '/usr/bin/chromium-browser']) if (isExecutable(c)) return c;
  return '/usr/bin/chromium';
}

function onPath(name) {
  return (process.env.PATH ?? '').split(path.delimiter).some((d) => d && isExecutable(path.join(d, name)));
}

function isExecutable(file) {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/** A sign that code-server's postinstall ran (it installs lib/vscode's own dependencies). */
function postinstallMarker(h) {
  return path.join(h.codeServerPkgDir, 'lib', 'vscode', 'node_modules', '@vscode', 'spdlog', 'package.json');
}

export function codeServerInstalled(h = resolveHostPaths()) {
  return (
    installedVersion(h.codeServerDir, 'code-server') === h.codeServerVersion &&
    fs.existsSync(h.codeServerEntry) &&
    fs.existsSync(postinstallMarker(h))
  );
}

export function chromiumInstalled(h = resolveHostPaths()) {
  return isExecutable(h.chromium);
}

/** Resolves playwright-core from the project (a devDependency); undefined when `npm ci` has not run. */
export function resolvePlaywrightCore() {
  try {
    return createRequire(path.join(ROOT, 'package.json')).resolve('playwright-core');
  } catch {
    return undefined;
  }
}

export function hostInstalled(h = resolveHostPaths()) {
  return (
    hostNodeInstalled(h) && codeServerInstalled(h) && chromiumInstalled(h) && resolvePlaywrightCore() !== undefined
  );
}

/** What is missing, as sentences (empty when everything is there). */
export function missingParts(h = resolveHostPaths()) {
  const out = [];
  if (!hostNodeInstalled(h)) out.push(`Node ${h.nodeVersion} (${h.node})`);
  if (!codeServerInstalled(h)) out.push(`code-server ${h.codeServerVersion} (${h.codeServerEntry})`);
  if (!chromiumInstalled(h))
    out.push(`Chromium (${h.chromium}; apt package "chromium", or set OPENCLAW_AUTH_CHROMIUM)`);
  if (!resolvePlaywrightCore()) out.push(`playwright-core (a devDependency: run "npm ci" in ${ROOT})`);
  return out;
}

/** Throws a HostInstallError naming the install command when something is missing. */
export function assertHostInstalled(h = resolveHostPaths()) {
  const missing = missingParts(h);
  if (missing.length) {
    throw new HostInstallError(
      `The VS Code test host (${h.host.id}: VS Code ${h.vscodeVersion}) is not installed. Missing: ${missing.join('; ')}.\n` +
        `Install it with: node scripts/install-vscode-host.mjs --vscode ${h.host.id}   (cache: ${h.cacheDir}, override with OPENCLAW_AUTH_TEST_CACHE)`,
      3,
    );
  }
  return h;
}

function run(cmd, args, opts = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('error', (e) => reject(new HostInstallError(`Could not run ${cmd}: ${e.message}`)));
    child.on('close', (code, signal) => resolve({ code, signal, output }));
  });
}

async function ensureAptPackages(h, { needKrb5 }) {
  const wanted = [];
  if (!chromiumInstalled(h)) {
    if (process.env.OPENCLAW_AUTH_CHROMIUM?.trim()) {
      throw new HostInstallError(`OPENCLAW_AUTH_CHROMIUM=${h.chromium} is not an executable file.`);
    }
    wanted.push('chromium');
  }
  if (needKrb5 && !fs.existsSync(h.gssapiHeader)) wanted.push('libkrb5-dev');
  if (needKrb5) for (const { pkg, file } of h.host.apt) if (!fs.existsSync(file)) wanted.push(pkg);
  // code-server's postinstall compiles native modules with node-gyp: a C++ toolchain and python3.
  if (needKrb5) {
    if (!onPath('g++') || !onPath('make')) wanted.push('build-essential');
    if (!onPath('python3')) wanted.push('python3');
  }
  if (!wanted.length) return;
  const manual = `apt-get update && apt-get install -y ${wanted.join(' ')}`;
  if (process.platform !== 'linux' || !isExecutable('/usr/bin/apt-get')) {
    throw new HostInstallError(
      `Missing system packages: ${wanted.join(', ')}. This script installs them only with apt-get (Debian/Ubuntu); install them by hand.`,
    );
  }
  if (process.getuid?.() !== 0) {
    throw new HostInstallError(
      `Missing system packages: ${wanted.join(', ')}. Installing them needs root; run:\n  sudo ${manual}`,
    );
  }
  const env = { ...cleanEnv(), DEBIAN_FRONTEND: 'noninteractive' };
  log('apt-get update ...');
  let t0 = Date.now();
  let r = await run('apt-get', ['update'], { env });
  if (r.code !== 0)
    throw new HostInstallError(`"apt-get update" failed (exit ${r.code ?? r.signal}):\n${tail(r.output)}`);
  log(`apt-get update done (${secs(t0)})`);
  log(`apt-get install -y ${wanted.join(' ')} ...`);
  t0 = Date.now();
  r = await run('apt-get', ['install', '-y', '--no-install-recommends', ...wanted], { env });
  if (r.code !== 0)
    throw new HostInstallError(
      `"apt-get install -y ${wanted.join(' ')}" failed (exit ${r.code ?? r.signal}):\n${tail(r.output)}`,
    );
  log(`apt packages installed (${secs(t0)})`);
  if (wanted.includes('chromium') && !chromiumInstalled(h))
    throw new HostInstallError(`apt installed chromium but ${h.chromium} is still missing.`);
  if (wanted.includes('libkrb5-dev') && !fs.existsSync(h.gssapiHeader))
    throw new HostInstallError(`apt installed libkrb5-dev but ${h.gssapiHeader} is still missing.`);
  for (const { pkg, file } of h.host.apt)
    if (wanted.includes(pkg) && !fs.existsSync(file))
      throw new HostInstallError(`apt installed ${pkg} but ${file} is still missing.`);
}

async function installNode(h) {
  log(`installing node@${h.nodeVersion} into ${h.nodeDir} ...`);
  const t0 = Date.now();
  ensurePrefixDir(h.nodeDir);
  await runNpm(h.nodeDir, ['install', '--no-audit', '--no-fund', '--save-exact', `node@${h.nodeVersion}`], npmEnv());
  if (!hostNodeInstalled(h))
    throw new HostInstallError(`node@${h.nodeVersion} was installed but ${h.node} does not report v${h.nodeVersion}`);
  log(`node ${h.nodeVersion} ready (${secs(t0)})`);
}

/**
 * @vscode/ripgrep's postinstall takes `<TMPDIR>/vscode-ripgrep-cache-<pkg version>/<asset>` when it
 * exists instead of asking api.github.com: put Debian's rg there, packed as that asset.
 */
function seedRipgrep(h, tmpDir) {
  const rg = h.host.ripgrep;
  if (!rg) return;
  const target = { x64: 'x86_64-unknown-linux-musl', arm64: 'aarch64-unknown-linux-musl' }[process.arch];
  if (process.platform !== 'linux' || !target)
    throw new HostInstallError(
      `The ${h.host.id} host is installed here only on Linux x64/arm64 (its ripgrep download is replaced by Debian's rg).`,
    );
  const dir = path.join(tmpDir, `vscode-ripgrep-cache-${rg.pkgVersion}`);
  const asset = path.join(dir, `ripgrep-${rg.tag}-${target}.tar.gz`);
  if (fs.existsSync(asset)) return;
  const src = fs.mkdtempSync(path.join(tmpDir, 'rg-'));
  try {
    fs.copyFileSync('/usr/bin/rg', path.join(src, 'rg'));
    fs.chmodSync(path.join(src, 'rg'), 0o755);
    fs.mkdirSync(dir, { recursive: true });
    const r = spawnSync('tar', ['czf', `${asset}.part`, '-C', src, 'rg'], { encoding: 'utf8' });
    if (r.status !== 0) throw new HostInstallError(`Could not pack /usr/bin/rg for @vscode/ripgrep: ${r.stderr}`);
    fs.renameSync(`${asset}.part`, asset);
  } finally {
    fs.rmSync(src, { recursive: true, force: true });
  }
}

async function installCodeServer(h) {
  log(
    `installing code-server@${h.codeServerVersion} (VS Code ${h.vscodeVersion}) into ${h.codeServerDir} (compiles native modules: ${h.host.buildTime} on 2 cores) ...`,
  );
  const t0 = Date.now();
  ensurePrefixDir(h.codeServerDir);
  const env = { ...npmEnv(h.nodeBinDir), ...h.host.env }; // the host's Node first on PATH: npm, the postinstall and node-gyp run on it
  if (fs.existsSync(path.join(h.nodeHeadersDir, 'include', 'node', 'node_version.h')))
    env.npm_config_nodedir = h.nodeHeadersDir;
  env.JOBS = String(Math.max(1, os.availableParallelism?.() ?? os.cpus().length));
  // code-server's first run writes config.yaml under XDG_CONFIG_HOME; keep it out of $HOME.
  env.XDG_CONFIG_HOME = path.join(h.codeServerDir, '.xdg-config');
  if (h.host.ripgrep) {
    env.TMPDIR = path.join(h.codeServerDir, '.tmp');
    fs.mkdirSync(env.TMPDIR, { recursive: true });
    seedRipgrep(h, env.TMPDIR);
  }
  await runNpm(
    h.codeServerDir,
    ['install', '--no-audit', '--no-fund', '--save-exact', `code-server@${h.codeServerVersion}`],
    env,
  );
  if (!codeServerInstalled(h)) {
    throw new HostInstallError(
      `code-server@${h.codeServerVersion} installed, but its postinstall did not finish (${postinstallMarker(h)} is missing). ` +
        `If npm skipped install scripts, allow them (npm install-scripts approve code-server argon2) and re-run; see ${path.join(h.codeServerDir, 'install.log')}.`,
    );
  }
  log(`code-server ${h.codeServerVersion} ready (${secs(t0)})`);
}

/** Runs `code-server --version` under the host's Node with a throwaway config dir. */
export function codeServerVersion(h = resolveHostPaths()) {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'oca-csv-'));
  try {
    const r = spawnSync(h.node, [h.codeServerEntry, '--version'], {
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...process.env, XDG_CONFIG_HOME: tmp, XDG_DATA_HOME: tmp, HOME: tmp, TMPDIR: tmp },
    });
    if (r.status !== 0)
      throw new HostInstallError(
        `"code-server --version" failed (exit ${r.status ?? r.signal}): ${(r.stdout + r.stderr).trim().slice(0, 2000)}`,
      );
    // The first run also logs "Wrote default config file …"; the version line is "4.139.1 <commit> with Code 1.139.1".
    const line = r.stdout.split('\n').find((l) => /^\d+\.\d+\.\d+ [0-9a-f]{40}/.test(l.trim()));
    if (!line)
      throw new HostInstallError(`"code-server --version" printed no version line: ${r.stdout.trim().slice(0, 2000)}`);
    return line.trim();
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

function result(h) {
  return {
    host: h.host.id,
    node: h.node,
    codeServer: h.codeServerEntry,
    chromium: h.chromium,
    codeServerVersion: h.codeServerVersion,
    vscodeVersion: h.vscodeVersion,
  };
}

export async function installVscodeHost(id = selectedHostId()) {
  const h = resolveHostPaths(resolveCacheDir(), id);
  if (!resolvePlaywrightCore()) {
    throw new HostInstallError(
      `playwright-core is missing: it is a devDependency of this package; run "npm ci" (or "npm install") in ${ROOT}.`,
    );
  }
  if (hostInstalled(h)) {
    log(
      `already installed: code-server ${h.codeServerVersion} (VS Code ${h.vscodeVersion}), node ${h.nodeVersion}, ${h.chromium}`,
    );
    return result(h);
  }
  fs.mkdirSync(h.cacheDir, { recursive: true });
  // apt first: without gssapi.h the code-server install fails after ~100 s and npm rolls it all back.
  await ensureAptPackages(h, { needKrb5: !codeServerInstalled(h) });
  const release = await acquireLock(h);
  try {
    if (!hostNodeInstalled(h)) await installNode(h);
    else log(`node ${h.nodeVersion} already present`);
    if (!codeServerInstalled(h)) await installCodeServer(h);
    else log(`code-server ${h.codeServerVersion} already present`);
    const v = codeServerVersion(h);
    if (!v.startsWith(`${h.codeServerVersion} `) || !v.endsWith(`Code ${h.vscodeVersion}`))
      throw new HostInstallError(
        `code-server reports "${v}", expected ${h.codeServerVersion} with Code ${h.vscodeVersion}`,
      );
    log(`verified: code-server ${v}`);
    return result(h);
  } finally {
    release();
  }
}

const secs = (t0) => `${((Date.now() - t0) / 1000).toFixed(1)} s`;
const tail = (s) => s.trim().split('\n').slice(-25).join('\n');

/**
 * The hosts `--vscode newest|oldest|all` names in `argv`; without the flag, `dflt` ('all', or the
 * selected host when undefined).
 */
export function hostIdsFromArgs(argv, dflt) {
  const i = argv.indexOf('--vscode');
  const v = i >= 0 ? argv[i + 1] : (dflt ?? selectedHostId());
  if (v === 'all') return Object.keys(HOSTS);
  if (!v || !Object.hasOwn(HOSTS, v))
    throw new HostInstallError(`--vscode takes one of: ${[...Object.keys(HOSTS), 'all'].join(', ')}.`, 4);
  return [v];
}

/** A suite's name for the selected host: `base` in the newest VS Code, `base-oldest` in the oldest. */
export function suiteName(base) {
  const id = selectedHostId();
  return id === 'newest' ? base : `${base}-${id}`;
}

async function main() {
  const t0 = Date.now();
  try {
    const ids = hostIdsFromArgs(process.argv);
    if (process.argv.includes('--check')) {
      let code = 0;
      for (const id of ids) {
        const h = resolveHostPaths(resolveCacheDir(), id);
        const missing = missingParts(h);
        log(missing.length ? `${id}: not installed: ${missing.join('; ')}` : `${id}: installed`);
        if (missing.length) code = 3;
        else process.stdout.write(`${JSON.stringify(result(h))}\n`);
      }
      process.exitCode = code;
      return;
    }
    for (const id of ids) {
      const r = await installVscodeHost(id);
      process.stdout.write(`${JSON.stringify(r)}\n`);
    }
    log(`done (${secs(t0)})`);
  } catch (e) {
    process.stderr.write(`[install-vscode-host] ERROR: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = e?.network ? 2 : (e?.exitCode ?? 1);
  }
}

if (isMainModule(import.meta.url)) await main();
