#!/usr/bin/env node
// Installs a real VS Code host for the host and e2e tests and for `npm start`:
// code-server (VS Code server + web workbench + Node extension host) running on Node 24,
// Debian's Chromium to open the workbench in, and checks the project's playwright-core.
//
//   node scripts/install-vscode-host.mjs [--check] [--quiet]
//
// Layout (cache = $OPENCLAW_AUTH_TEST_CACHE or ~/.cache/openclaw-auth-tests, shared with
// scripts/install-openclaw.mjs):
//   <cache>/node24/node_modules/node/bin/node                       (npm package node@24.21.0)
//   <cache>/code-server/node_modules/code-server/out/node/entry.js  (code-server@4.139.1 = VS Code 1.139.1)
//   /usr/bin/chromium, /usr/include/gssapi/gssapi.h                 (apt: chromium, libkrb5-dev)
//
// Why: code-server needs Node 24 (postinstall check; HTTP 500 on Node 20) and compiles native
// modules (kerberos needs libkrb5-dev's gssapi.h) in its postinstall; Playwright's own browser
// downloads are unreachable, so the browser is Debian's chromium, driven by playwright-core
// (a devDependency of this package, installed by `npm ci`).
//
// Idempotent: skips whatever is already installed at the pinned version; apt runs only when a
// package is missing (`apt-get update` first, then `apt-get install -y`, no stdin), and only as
// root. Shares the install lock with install-openclaw.mjs. Progress goes to stderr; the last
// stdout line is JSON: {"node","codeServer","chromium","codeServerVersion"}.
// Exit codes: 0 ok, 1 install/verify failure, 2 registry unreachable, 3 --check and not installed.
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
  nodeInstalled,
  npmEnv,
  resolveCacheDir,
  resolvePaths,
  runNpm,
  isMainModule,
} from './install-openclaw.mjs';

export const CODE_SERVER_VERSION = '4.139.1';
/** The VS Code version inside code-server 4.139.1. */
export const VSCODE_VERSION = '1.139.1';

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

/** Every path the host scripts need. Nothing here touches the disk. */
export function resolveHostPaths(cacheDir = resolveCacheDir()) {
  const p = resolvePaths(cacheDir);
  const codeServerDir = path.join(cacheDir, 'code-server');
  const codeServerPkgDir = path.join(codeServerDir, 'node_modules', 'code-server');
  return {
    ...p,
    codeServerDir,
    codeServerPkgDir,
    /** Run as `<node24> <codeServerEntry> …`: the npm bin is `#!/usr/bin/env node`, which would pick Node 20. */
    codeServerEntry: path.join(codeServerPkgDir, 'out', 'node', 'entry.js'),
    /** Headers of the same Node 24 (the node package ships them), for node-gyp. */
    node24HeadersDir: path.join(p.nodeDir, 'node_modules', 'node', 'node_modules', `node-linux-${process.arch}`),
    chromium: resolveChromium(),
    gssapiHeader: '/usr/include/gssapi/gssapi.h',
  };
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
    installedVersion(h.codeServerDir, 'code-server') === CODE_SERVER_VERSION &&
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
  return nodeInstalled(h) && codeServerInstalled(h) && chromiumInstalled(h) && resolvePlaywrightCore() !== undefined;
}

/** What is missing, as sentences (empty when everything is there). */
export function missingParts(h = resolveHostPaths()) {
  const out = [];
  if (!nodeInstalled(h)) out.push(`Node ${NODE_VERSION} (${h.node})`);
  if (!codeServerInstalled(h)) out.push(`code-server ${CODE_SERVER_VERSION} (${h.codeServerEntry})`);
  if (!chromiumInstalled(h)) out.push(`Chromium (${h.chromium}; apt package "chromium", or set OPENCLAW_AUTH_CHROMIUM)`);
  if (!resolvePlaywrightCore()) out.push(`playwright-core (a devDependency: run "npm ci" in ${ROOT})`);
  return out;
}

/** Throws a HostInstallError naming the install command when something is missing. */
export function assertHostInstalled(h = resolveHostPaths()) {
  const missing = missingParts(h);
  if (missing.length) {
    throw new HostInstallError(
      `The VS Code test host is not installed. Missing: ${missing.join('; ')}.\n` +
        `Install it with: node scripts/install-vscode-host.mjs   (cache: ${h.cacheDir}, override with OPENCLAW_AUTH_TEST_CACHE)`,
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
  // code-server's postinstall compiles native modules with node-gyp: a C++ toolchain and python3.
  if (needKrb5) {
    if (!onPath('g++') || !onPath('make')) wanted.push('build-essential');
    if (!onPath('python3')) wanted.push('python3');
  }
  if (!wanted.length) return;
  const manual = `apt-get update && apt-get install -y ${wanted.join(' ')}`;
  if (process.platform !== 'linux' || !isExecutable('/usr/bin/apt-get')) {
    throw new HostInstallError(`Missing system packages: ${wanted.join(', ')}. This script installs them only with apt-get (Debian/Ubuntu); install them by hand.`);
  }
  if (process.getuid?.() !== 0) {
    throw new HostInstallError(`Missing system packages: ${wanted.join(', ')}. Installing them needs root; run:\n  sudo ${manual}`);
  }
  const env = { ...cleanEnv(), DEBIAN_FRONTEND: 'noninteractive' };
  log('apt-get update ...');
  let t0 = Date.now();
  let r = await run('apt-get', ['update'], { env });
  if (r.code !== 0) throw new HostInstallError(`"apt-get update" failed (exit ${r.code ?? r.signal}):\n${tail(r.output)}`);
  log(`apt-get update done (${secs(t0)})`);
  log(`apt-get install -y ${wanted.join(' ')} ...`);
  t0 = Date.now();
  r = await run('apt-get', ['install', '-y', '--no-install-recommends', ...wanted], { env });
  if (r.code !== 0) throw new HostInstallError(`"apt-get install -y ${wanted.join(' ')}" failed (exit ${r.code ?? r.signal}):\n${tail(r.output)}`);
  log(`apt packages installed (${secs(t0)})`);
  if (wanted.includes('chromium') && !chromiumInstalled(h)) throw new HostInstallError(`apt installed chromium but ${h.chromium} is still missing.`);
  if (wanted.includes('libkrb5-dev') && !fs.existsSync(h.gssapiHeader)) throw new HostInstallError(`apt installed libkrb5-dev but ${h.gssapiHeader} is still missing.`);
}

async function installNode(h) {
  log(`installing node@${NODE_VERSION} into ${h.nodeDir} ...`);
  const t0 = Date.now();
  ensurePrefixDir(h.nodeDir);
  await runNpm(h.nodeDir, ['install', '--no-audit', '--no-fund', '--save-exact', `node@${NODE_VERSION}`], npmEnv());
  if (!nodeInstalled(h)) throw new HostInstallError(`node@${NODE_VERSION} was installed but ${h.node} does not report v${NODE_VERSION}`);
  log(`node ${NODE_VERSION} ready (${secs(t0)})`);
}

async function installCodeServer(h) {
  log(`installing code-server@${CODE_SERVER_VERSION} into ${h.codeServerDir} (compiles native modules: about 3 min on 2 cores, 620 MB) ...`);
  const t0 = Date.now();
  ensurePrefixDir(h.codeServerDir);
  const env = npmEnv(h.nodeBinDir); // Node 24 first on PATH: npm, the postinstall and node-gyp run on it
  if (fs.existsSync(path.join(h.node24HeadersDir, 'include', 'node', 'node_version.h'))) env.npm_config_nodedir = h.node24HeadersDir;
  env.JOBS = String(Math.max(1, os.availableParallelism?.() ?? os.cpus().length));
  // code-server's first run writes config.yaml under XDG_CONFIG_HOME; keep it out of $HOME.
  env.XDG_CONFIG_HOME = path.join(h.codeServerDir, '.xdg-config');
  await runNpm(h.codeServerDir, ['install', '--no-audit', '--no-fund', '--save-exact', `code-server@${CODE_SERVER_VERSION}`], env);
  if (!codeServerInstalled(h)) {
    throw new HostInstallError(
      `code-server@${CODE_SERVER_VERSION} installed, but its postinstall did not finish (${postinstallMarker(h)} is missing). ` +
        `If npm skipped install scripts, allow them (npm install-scripts approve code-server argon2) and re-run; see ${path.join(h.codeServerDir, 'install.log')}.`,
    );
  }
  log(`code-server ${CODE_SERVER_VERSION} ready (${secs(t0)})`);
}

/** Runs `code-server --version` under Node 24 with a throwaway config dir. */
export function codeServerVersion(h = resolveHostPaths()) {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'oca-csv-'));
  try {
    const r = spawnSync(h.node, [h.codeServerEntry, '--version'], {
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...process.env, XDG_CONFIG_HOME: tmp, XDG_DATA_HOME: tmp, HOME: tmp, TMPDIR: tmp },
    });
    if (r.status !== 0) throw new HostInstallError(`"code-server --version" failed (exit ${r.status ?? r.signal}): ${(r.stdout + r.stderr).trim().slice(0, 2000)}`);
    // The first run also logs "Wrote default config file …"; the version line is "4.139.1 <commit> with Code 1.139.1".
    const line = r.stdout.split('\n').find((l) => /^\d+\.\d+\.\d+ [0-9a-f]{40}/.test(l.trim()));
    if (!line) throw new HostInstallError(`"code-server --version" printed no version line: ${r.stdout.trim().slice(0, 2000)}`);
    return line.trim();
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

function result(h) {
  return { node: h.node, codeServer: h.codeServerEntry, chromium: h.chromium, codeServerVersion: CODE_SERVER_VERSION };
}

export async function installVscodeHost() {
  const h = resolveHostPaths();
  if (!resolvePlaywrightCore()) {
    throw new HostInstallError(`playwright-core is missing: it is a devDependency of this package; run "npm ci" (or "npm install") in ${ROOT}.`);
  }
  if (hostInstalled(h)) {
    log(`already installed: code-server ${CODE_SERVER_VERSION}, node ${NODE_VERSION}, ${h.chromium}`);
    return result(h);
  }
  fs.mkdirSync(h.cacheDir, { recursive: true });
  // apt first: without gssapi.h the code-server install fails after ~100 s and npm rolls it all back.
  await ensureAptPackages(h, { needKrb5: !codeServerInstalled(h) });
  const release = await acquireLock(h);
  try {
    if (!nodeInstalled(h)) await installNode(h);
    else log(`node ${NODE_VERSION} already present`);
    if (!codeServerInstalled(h)) await installCodeServer(h);
    else log(`code-server ${CODE_SERVER_VERSION} already present`);
    const v = codeServerVersion(h);
    if (!v.startsWith(CODE_SERVER_VERSION)) throw new HostInstallError(`code-server reports "${v}", expected ${CODE_SERVER_VERSION}`);
    log(`verified: code-server ${v}`);
    return result(h);
  } finally {
    release();
  }
}

const secs = (t0) => `${((Date.now() - t0) / 1000).toFixed(1)} s`;
const tail = (s) => s.trim().split('\n').slice(-25).join('\n');

async function main() {
  const h = resolveHostPaths();
  if (process.argv.includes('--check')) {
    const missing = missingParts(h);
    log(missing.length ? `not installed: ${missing.join('; ')}` : 'installed');
    if (!missing.length) process.stdout.write(`${JSON.stringify(result(h))}\n`);
    process.exitCode = missing.length ? 3 : 0;
    return;
  }
  const t0 = Date.now();
  try {
    const r = await installVscodeHost();
    log(`done (${secs(t0)})`);
    process.stdout.write(`${JSON.stringify(r)}\n`);
  } catch (e) {
    process.stderr.write(`[install-vscode-host] ERROR: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = e?.network ? 2 : (e?.exitCode ?? 1);
  }
}

if (isMainModule(import.meta.url)) await main();
