#!/usr/bin/env node
// Installs the pinned OpenClaw CLI used by the interop tests, plus the Node 24 it needs.
//
//   node scripts/install-openclaw.mjs [--check] [--quiet]
//
// Layout (cache = $OPENCLAW_AUTH_TEST_CACHE or ~/.cache/openclaw-auth-tests):
//   <cache>/node24/node_modules/node/bin/node              (npm package node@24.21.0)
//   <cache>/openclaw/node_modules/openclaw/openclaw.mjs    (openclaw@2026.9.6)
//
// openclaw's preinstall refuses Node < 24.16, so its install runs with the Node 24 bin directory
// first on PATH. The script is idempotent (skips whatever is already installed at the pinned
// version) and holds a lock directory so parallel test processes do not install at the same time.
// Progress goes to stderr; the last stdout line is JSON: {"node","openclawMjs","version"}.
// Exit codes: 0 ok, 1 install/verify failure, 2 registry unreachable, 3 --check and not installed.
// Runs on Node >= 20 and uses only built-in modules.

import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const NODE_VERSION = '24.21.0';
export const OPENCLAW_VERSION = '2026.9.6';

const LOCK_STALE_MS = 30 * 60 * 1000;
const LOCK_WAIT_MS = 30 * 60 * 1000;
const NPM_TIMEOUT_MS = 15 * 60 * 1000;
const NETWORK_ERROR_RE =
  /\b(ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENETUNREACH|EHOSTUNREACH|ENOTCACHED|CERT_|UNABLE_TO_GET_ISSUER_CERT|SELF_SIGNED_CERT)|network request to|request to https?:\/\/\S+ failed/i;

const quiet = process.argv.includes('--quiet');
const log = (msg) => {
  if (!quiet) process.stderr.write(`[install-openclaw] ${msg}\n`);
};

export function resolveCacheDir(env = process.env) {
  const fromEnv = env.OPENCLAW_AUTH_TEST_CACHE?.trim();
  return path.resolve(fromEnv || path.join(os.homedir(), '.cache', 'openclaw-auth-tests'));
}

export function resolvePaths(cacheDir = resolveCacheDir()) {
  const nodeDir = path.join(cacheDir, 'node24');
  const openclawDir = path.join(cacheDir, 'openclaw');
  const nodeBinDir = path.join(nodeDir, 'node_modules', 'node', 'bin');
  return {
    cacheDir,
    nodeDir,
    openclawDir,
    nodeBinDir,
    node: path.join(nodeBinDir, process.platform === 'win32' ? 'node.exe' : 'node'),
    openclawPkgDir: path.join(openclawDir, 'node_modules', 'openclaw'),
    openclawMjs: path.join(openclawDir, 'node_modules', 'openclaw', 'openclaw.mjs'),
    lockDir: path.join(cacheDir, '.install.lock'),
  };
}

function readJson(file) {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

/** npm writes node_modules/.package-lock.json only at the end of a successful install. */
export function installedVersion(prefixDir, pkg) {
  const hidden = readJson(path.join(prefixDir, 'node_modules', '.package-lock.json'));
  const fromLock = hidden?.packages?.[`node_modules/${pkg}`]?.version;
  const fromPkg = readJson(path.join(prefixDir, 'node_modules', pkg, 'package.json'))?.version;
  return fromLock && fromLock === fromPkg ? fromPkg : undefined;
}

export function nodeInstalled(p = resolvePaths()) {
  if (installedVersion(p.nodeDir, 'node') !== NODE_VERSION || !fs.existsSync(p.node)) return false;
  const r = spawnSync(p.node, ['--version'], { encoding: 'utf8', timeout: 30_000 });
  return r.status === 0 && r.stdout.trim() === `v${NODE_VERSION}`;
}

export function openclawInstalled(p = resolvePaths()) {
  return installedVersion(p.openclawDir, 'openclaw') === OPENCLAW_VERSION && fs.existsSync(p.openclawMjs);
}

function result(p) {
  return { node: p.node, openclawMjs: p.openclawMjs, version: OPENCLAW_VERSION };
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function pidAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return e.code === 'EPERM';
  }
}

export async function acquireLock(p) {
  const started = Date.now();
  let lastNote = 0;
  for (;;) {
    try {
      fs.mkdirSync(p.lockDir);
      fs.writeFileSync(
        path.join(p.lockDir, 'owner.json'),
        JSON.stringify({ pid: process.pid, host: os.hostname(), startedAt: new Date().toISOString() }),
      );
      return () => fs.rmSync(p.lockDir, { recursive: true, force: true });
    } catch (e) {
      if (e.code !== 'EEXIST') throw e;
    }
    const owner = readJson(path.join(p.lockDir, 'owner.json'));
    let ageMs = 0;
    try {
      ageMs = Date.now() - fs.statSync(p.lockDir).mtimeMs;
    } catch {
      continue; // released meanwhile
    }
    const deadOwner = owner && owner.host === os.hostname() && !pidAlive(owner.pid);
    // An owner.json that never appeared (crash between mkdir and write) is stale after 60 s.
    if (deadOwner || ageMs > LOCK_STALE_MS || (!owner && ageMs > 60_000)) {
      log(`removing stale install lock ${p.lockDir} (owner ${JSON.stringify(owner ?? null)})`);
      fs.rmSync(p.lockDir, { recursive: true, force: true });
      continue;
    }
    if (Date.now() - started > LOCK_WAIT_MS) {
      throw new Error(`Timed out waiting for install lock ${p.lockDir} held by ${JSON.stringify(owner ?? null)}`);
    }
    if (Date.now() - lastNote > 15_000) {
      log(`waiting for another install to finish (lock ${p.lockDir}, owner pid ${owner?.pid ?? '?'})`);
      lastNote = Date.now();
    }
    await sleep(500);
  }
}

class NpmError extends Error {
  constructor(message, network) {
    super(message);
    this.network = network;
  }
}

export function runNpm(cwd, args, env) {
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const logFile = path.join(cwd, 'install.log');
  fs.appendFileSync(logFile, `\n$ npm ${args.join(' ')}  (${new Date().toISOString()})\n`);
  return new Promise((resolve, reject) => {
    const child = spawn(npm, args, {
      cwd,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      shell: process.platform === 'win32',
    });
    let output = '';
    const onData = (chunk) => {
      output += chunk.toString();
      fs.appendFileSync(logFile, chunk);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    const timer = setTimeout(() => {
      output += `\n[install-openclaw] npm timed out after ${NPM_TIMEOUT_MS / 1000}s\n`;
      child.kill('SIGKILL');
    }, NPM_TIMEOUT_MS);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(new NpmError(`Could not run npm (${e.message}). Is npm on PATH?`, false));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) return resolve(output);
      const tail = output.trim().split('\n').slice(-25).join('\n');
      const network = NETWORK_ERROR_RE.test(output);
      const registry = env.npm_config_registry || env.NPM_CONFIG_REGISTRY || 'https://registry.npmjs.org/';
      const head = network
        ? `npm could not reach the package registry (${registry}) while running "npm ${args.join(' ')}" in ${cwd}. ` +
          'Check network/proxy settings (npm_config_registry, HTTPS_PROXY), or pre-populate the cache directory ' +
          '(OPENCLAW_AUTH_TEST_CACHE) on a machine with access.'
        : `"npm ${args.join(' ')}" failed in ${cwd} (exit ${code ?? signal}).`;
      reject(new NpmError(`${head}\nSee ${logFile}. Last npm output:\n${tail}`, network));
    });
  });
}

/**
 * The environment for an inner npm: the outer npm's own variables are dropped. `npm test` (npm on
 * Node 20) passes `npm_config_user_agent` ("npm/10 node/v20 …"), `npm_node_execpath` and its
 * lifecycle keys down; code-server's postinstall reads the Node version from the user agent and
 * refuses "node v20" although it runs on Node 24. Only keys the user set for the registry or a
 * proxy are kept.
 */
export function cleanEnv(env = process.env) {
  const keep =
    /^npm_config_(registry|proxy|https_proxy|http_proxy|noproxy|cafile|ca|strict_ssl|cache|userconfig|globalconfig)$/i;
  const out = {};
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) continue;
    if (/^npm_/i.test(k) && !keep.test(k)) continue;
    if (k === 'INIT_CWD' || k === 'NODE' || k === 'npm_execpath') continue;
    out[k] = v;
  }
  return out;
}

export function npmEnv(extraPath) {
  const env = {
    ...cleanEnv(),
    npm_config_fund: 'false',
    npm_config_audit: 'false',
    npm_config_update_notifier: 'false',
    npm_config_save_exact: 'true',
  };
  // An inherited offline flag (the openclaw runner sets one) would make every install fail.
  delete env.npm_config_offline;
  delete env.NPM_CONFIG_OFFLINE;
  if (extraPath) {
    const key = Object.keys(env).find((k) => k.toUpperCase() === 'PATH') ?? 'PATH';
    env[key] = `${extraPath}${path.delimiter}${env[key] ?? ''}`;
  }
  return env;
}

export function ensurePrefixDir(dir) {
  fs.mkdirSync(dir, { recursive: true });
  const pkg = path.join(dir, 'package.json');
  if (!fs.existsSync(pkg)) fs.writeFileSync(pkg, '{"private":true}\n');
}

export async function installOpenclaw() {
  const p = resolvePaths();
  if (nodeInstalled(p) && openclawInstalled(p)) {
    log(`already installed: openclaw ${OPENCLAW_VERSION}, node ${NODE_VERSION} in ${p.cacheDir}`);
    return result(p);
  }
  fs.mkdirSync(p.cacheDir, { recursive: true });
  const release = await acquireLock(p);
  try {
    if (!nodeInstalled(p)) {
      log(`installing node@${NODE_VERSION} into ${p.nodeDir} ...`);
      const t0 = Date.now();
      ensurePrefixDir(p.nodeDir);
      await runNpm(p.nodeDir, ['install', '--no-audit', '--no-fund', '--save-exact', `node@${NODE_VERSION}`], npmEnv());
      if (!nodeInstalled(p))
        throw new Error(`node@${NODE_VERSION} was installed but ${p.node} does not report v${NODE_VERSION}`);
      log(`node ${NODE_VERSION} ready (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
    } else {
      log(`node ${NODE_VERSION} already present`);
    }
    if (!openclawInstalled(p)) {
      log(`installing openclaw@${OPENCLAW_VERSION} into ${p.openclawDir} (about 330 packages / 330 MB) ...`);
      const t0 = Date.now();
      ensurePrefixDir(p.openclawDir);
      await runNpm(
        p.openclawDir,
        ['install', '--no-audit', '--no-fund', '--save-exact', `openclaw@${OPENCLAW_VERSION}`],
        npmEnv(p.nodeBinDir),
      );
      if (!openclawInstalled(p))
        throw new Error(`openclaw@${OPENCLAW_VERSION} install finished but ${p.openclawMjs} is missing`);
      log(`openclaw ${OPENCLAW_VERSION} ready (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
    } else {
      log(`openclaw ${OPENCLAW_VERSION} already present`);
    }
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'openclaw-version-'));
    try {
      const r = spawnSync(p.node, [p.openclawMjs, '--version'], {
        encoding: 'utf8',
        timeout: 120_000,
        cwd: home,
        env: {
          HOME: home,
          PATH: `${p.nodeBinDir}${path.delimiter}/usr/bin${path.delimiter}/bin`,
          npm_config_offline: 'true',
          TMPDIR: home,
        },
      });
      if (r.status !== 0 || !r.stdout.includes(OPENCLAW_VERSION)) {
        throw new Error(
          `"openclaw --version" failed (exit ${r.status}): ${(r.stdout + r.stderr).trim().slice(0, 2000)}`,
        );
      }
      log(`verified: ${r.stdout.trim()}`);
    } finally {
      fs.rmSync(home, { recursive: true, force: true });
    }
    return result(p);
  } finally {
    release();
  }
}

async function main() {
  const p = resolvePaths();
  if (process.argv.includes('--check')) {
    const ok = nodeInstalled(p) && openclawInstalled(p);
    log(ok ? 'installed' : `not installed in ${p.cacheDir}`);
    if (ok) process.stdout.write(`${JSON.stringify(result(p))}\n`);
    process.exitCode = ok ? 0 : 3;
    return;
  }
  try {
    const r = await installOpenclaw();
    process.stdout.write(`${JSON.stringify(r)}\n`);
  } catch (e) {
    process.stderr.write(`[install-openclaw] ERROR: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = e instanceof NpmError && e.network ? 2 : 1;
  }
}

/** True when the module at `metaUrl` is the script node was started with (not imported). */
export function isMainModule(metaUrl) {
  try {
    return Boolean(process.argv[1]) && fs.realpathSync(process.argv[1]) === fs.realpathSync(fileURLToPath(metaUrl));
  } catch {
    return false;
  }
}

if (isMainModule(import.meta.url)) await main();
