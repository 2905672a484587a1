/**
 * Interop harness: runs the real OpenClaw CLI (pinned 2026.9.6 on Node 24) against throw-away
 * HOME directories. No vscode imports; usable from any mocha test.
 *
 * Installation is delegated to scripts/install-openclaw.mjs (the same script CI runs before the
 * tests), which installs into ${OPENCLAW_AUTH_TEST_CACHE ?? ~/.cache/openclaw-auth-tests} under a
 * lock. When everything is already installed no child process is started.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { shiftFixtureClock } from '../helpers/clock';

export const OPENCLAW_VERSION = '2026.9.6';
export const NODE_VERSION = '24.21.0';

export const REPO_ROOT = path.resolve(__dirname, '..', '..');
export const FIXTURES_DIR = path.join(REPO_ROOT, 'test', 'fixtures', `openclaw-${OPENCLAW_VERSION}`);
const INSTALL_SCRIPT = path.join(REPO_ROOT, 'scripts', 'install-openclaw.mjs');

export interface OpenclawInstall {
  /** Absolute path of the Node 24 binary. */
  node: string;
  /** Absolute path of node_modules/openclaw/openclaw.mjs. */
  openclawMjs: string;
  /** Installed openclaw version (e.g. "2026.9.6"). */
  version: string;
}

export interface RunOpenclawOptions {
  /** Written to stdin (stdin is a pipe, never a TTY, and is always closed). */
  input?: string;
  /** Extra environment variables, applied last. */
  env?: Record<string, string>;
  /** Kill the whole process group after this many ms (default 120 000). */
  timeoutMs?: number;
}

export interface RunOpenclawResult {
  /** Exit code; 128+signal number when killed by a signal, 124 on timeout. */
  code: number;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON when it is JSON (undefined otherwise). */
  json?: unknown;
  timedOut?: boolean;
}

export function resolveCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env.OPENCLAW_AUTH_TEST_CACHE?.trim();
  return path.resolve(fromEnv || path.join(os.homedir(), '.cache', 'openclaw-auth-tests'));
}

function expectedPaths(cacheDir: string) {
  const nodeDir = path.join(cacheDir, 'node24');
  const openclawDir = path.join(cacheDir, 'openclaw');
  return {
    nodeDir,
    openclawDir,
    node: path.join(nodeDir, 'node_modules', 'node', 'bin', process.platform === 'win32' ? 'node.exe' : 'node'),
    openclawMjs: path.join(openclawDir, 'node_modules', 'openclaw', 'openclaw.mjs'),
  };
}

function readJson(file: string): unknown {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

/** Same rule as the install script: the hidden lockfile and the package agree on the version. */
function installedVersion(prefixDir: string, pkg: string): string | undefined {
  const hidden = readJson(path.join(prefixDir, 'node_modules', '.package-lock.json')) as
    { packages?: Record<string, { version?: string }> } | undefined;
  const fromLock = hidden?.packages?.[`node_modules/${pkg}`]?.version;
  const fromPkg = (
    readJson(path.join(prefixDir, 'node_modules', pkg, 'package.json')) as { version?: string } | undefined
  )?.version;
  return fromLock && fromLock === fromPkg ? fromPkg : undefined;
}

function findInstalled(cacheDir: string): OpenclawInstall | undefined {
  const p = expectedPaths(cacheDir);
  if (installedVersion(p.nodeDir, 'node') !== NODE_VERSION || !fs.existsSync(p.node)) return undefined;
  if (installedVersion(p.openclawDir, 'openclaw') !== OPENCLAW_VERSION || !fs.existsSync(p.openclawMjs))
    return undefined;
  const v = spawnSync(p.node, ['--version'], { encoding: 'utf8', timeout: 30_000 });
  if (v.status !== 0 || v.stdout.trim() !== `v${NODE_VERSION}`) return undefined;
  return { node: p.node, openclawMjs: p.openclawMjs, version: OPENCLAW_VERSION };
}

function runInstallScript(): Promise<OpenclawInstall> {
  return new Promise((resolve, reject) => {
    process.stderr.write(
      `[openclaw-harness] openclaw ${OPENCLAW_VERSION} not found in ${resolveCacheDir()}; running ${INSTALL_SCRIPT}\n`,
    );
    // process.execPath is the Node running the tests (>= 20 is enough for the script).
    const child = spawn(process.execPath, [INSTALL_SCRIPT], { stdio: ['ignore', 'pipe', 'pipe'], env: process.env });
    let stdout = '';
    let stderrTail = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => {
      process.stderr.write(c);
      stderrTail = (stderrTail + c.toString()).slice(-4000);
    });
    child.on('error', (e) => reject(new Error(`Could not start ${INSTALL_SCRIPT}: ${e.message}`)));
    child.on('close', (code) => {
      if (code !== 0) {
        const why = code === 2 ? 'the npm registry is unreachable' : `exit code ${code}`;
        reject(
          new Error(
            `Installing openclaw@${OPENCLAW_VERSION} for the interop tests failed (${why}).\n${stderrTail.trim()}`,
          ),
        );
        return;
      }
      const last = stdout.trim().split('\n').pop() ?? '';
      try {
        const parsed = JSON.parse(last) as OpenclawInstall;
        resolve(parsed);
      } catch {
        reject(new Error(`${INSTALL_SCRIPT} printed no JSON result: ${stdout.slice(-2000)}`));
      }
    });
  });
}

let ensured: Promise<OpenclawInstall> | undefined;

/**
 * Locates (or installs) Node 24 and openclaw@2026.9.6 in the test cache. Idempotent and memoised per
 * process; the install script's lock serialises concurrent installs across processes.
 */
export function ensureOpenclaw(): Promise<OpenclawInstall> {
  ensured ??= (async () => {
    const found = findInstalled(resolveCacheDir());
    if (found) return found;
    await runInstallScript();
    const after = findInstalled(resolveCacheDir());
    if (!after)
      throw new Error(`openclaw@${OPENCLAW_VERSION} still not usable in ${resolveCacheDir()} after installing`);
    return after;
  })();
  ensured.catch(() => (ensured = undefined)); // allow a retry after a failure
  return ensured;
}

function tryParseJson(stdout: string): unknown {
  const text = stdout.trim();
  if (!text) return undefined;
  const attempt = (s: string): unknown => {
    try {
      return JSON.parse(s);
    } catch {
      return undefined;
    }
  };
  if (text.startsWith('{') || text.startsWith('[')) {
    const whole = attempt(text);
    if (whole !== undefined) return whole;
  }
  // Some commands print banners/notes before the JSON document: take the last line that starts one.
  const lines = text.split('\n');
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i] ?? '';
    if (line.startsWith('{') || line.startsWith('[')) {
      const tail = attempt(lines.slice(i).join('\n'));
      if (tail !== undefined) return tail;
    }
  }
  return undefined;
}

/**
 * Runs `openclaw <args>` with `env -i` semantics: only HOME, PATH (Node 24 first), npm_config_offline,
 * TMPDIR=<home>/tmp and opts.env are set. cwd is the home directory.
 */
export async function runOpenclaw(
  home: string,
  args: string[],
  opts: RunOpenclawOptions = {},
): Promise<RunOpenclawResult> {
  const oc = await ensureOpenclaw();
  const tmp = path.join(home, 'tmp');
  fs.mkdirSync(tmp, { recursive: true });
  const env: Record<string, string> = {
    HOME: home,
    PATH: [path.dirname(oc.node), '/usr/bin', '/bin'].join(path.delimiter),
    npm_config_offline: 'true',
    TMPDIR: tmp,
    ...opts.env,
  };
  const timeoutMs = opts.timeoutMs ?? 120_000;
  return await new Promise<RunOpenclawResult>((resolve, reject) => {
    const child = spawn(oc.node, [oc.openclawMjs, ...args], {
      cwd: home,
      env,
      stdio: ['pipe', 'pipe', 'pipe'],
      // Own process group, so a timeout can kill openclaw's helper processes too.
      detached: process.platform !== 'win32',
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.stdin.on('error', () => undefined); // EPIPE when the CLI exits without reading stdin
    child.stdin.end(opts.input ?? '');
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        if (child.pid !== undefined && process.platform !== 'win32') process.kill(-child.pid, 'SIGKILL');
        else child.kill('SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    }, timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const stdout = Buffer.concat(out).toString('utf8');
      const stderr = Buffer.concat(err).toString('utf8');
      let exit = code ?? -1;
      if (timedOut) exit = 124;
      else if (code === null && signal) exit = 128 + (os.constants.signals[signal] ?? 0);
      const json = tryParseJson(stdout);
      resolve({
        code: exit,
        stdout,
        stderr: timedOut
          ? `${stderr}\n[openclaw-harness] killed after ${timeoutMs} ms: openclaw ${args.join(' ')}\n`
          : stderr,
        ...(json !== undefined ? { json } : {}),
        ...(timedOut ? { timedOut } : {}),
      });
    });
  });
}

function makeWritable(target: string): void {
  const st = fs.lstatSync(target);
  if (st.isSymbolicLink()) return;
  if (st.isDirectory()) {
    fs.chmodSync(target, (st.mode & 0o7777) | 0o700);
    for (const entry of fs.readdirSync(target)) makeWritable(path.join(target, entry));
  } else {
    fs.chmodSync(target, (st.mode & 0o7777) | 0o600);
  }
}

/**
 * Copies test/fixtures/openclaw-2026.9.6/<scenario>/home (including SQLite -wal/-shm files) into a new
 * temp directory and returns it as the HOME to use. The fixtures are read-only in git; the copy is
 * made owner-writable. Its auth times are shifted (test/helpers/clock.ts) so that, seen from now,
 * the home is as it was at capture: openclaw runs with the real clock. The caller removes it
 * (fs.rmSync(home, { recursive: true, force: true })).
 */
export function copyFixtureHome(scenario: string): string {
  const src = path.join(FIXTURES_DIR, scenario, 'home');
  if (!fs.existsSync(src)) throw new Error(`No fixture home for scenario "${scenario}" at ${src}`);
  const home = fs.mkdtempSync(
    path.join(os.tmpdir(), `openclaw-auth-home-${scenario.replace(/[^A-Za-z0-9_-]/g, '_')}-`),
  );
  fs.cpSync(src, home, { recursive: true, preserveTimestamps: true });
  makeWritable(home);
  shiftFixtureClock(home, scenario);
  fs.mkdirSync(path.join(home, 'tmp'), { recursive: true });
  return home;
}

/** Creates an empty temp HOME (no .openclaw) for scenarios that start from scratch. */
export function makeEmptyHome(prefix = 'openclaw-auth-home-'): string {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  fs.mkdirSync(path.join(home, 'tmp'), { recursive: true });
  return home;
}
