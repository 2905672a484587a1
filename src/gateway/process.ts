/**
 * Finding the openclaw command (and the Node that runs it), and the process-tree helpers the
 * supervisor uses to stop what it started and nothing else.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {
  cmdShellSpawn,
  commandCandidates,
  commandSpawnPlan,
  ownProcessGroup,
  pathFor,
  treeKillPlan,
  type Platform,
} from '../os/platform';
import { descendantsIn, parentLinks } from '../os/procTree';

/** openclaw 2026.9's engines.node: ">=24.16.0 <25 || >=26.1.0". */
export const MIN_NODE = { major: 24, minor: 16 };

export interface ResolvedCommand {
  /** What is spawned. */
  file: string;
  /** Arguments before `gateway run ...` (the script when openclaw is run through node). */
  prefixArgs: string[];
  /** The openclaw entry found (for messages). */
  openclaw: string;
  /** The Node running it, when it is a JS entry. */
  node?: string;
  nodeVersion?: string;
  /** Windows: `file` is a `.cmd`/`.bat` that is not an npm shim, run through cmd.exe (spawnArgs). */
  cmdShell?: boolean;
}

export class CommandError extends Error {
  constructor(
    message: string,
    readonly kind: 'not-found' | 'node-too-old' | 'node-not-found',
  ) {
    super(message);
    this.name = 'CommandError';
  }
}

function which(name: string, env: NodeJS.ProcessEnv, platform: Platform): string | undefined {
  for (const p of commandCandidates(platform, name, env)) {
    try {
      fs.accessSync(p, fs.constants.X_OK);
      if (fs.statSync(p).isFile()) return p;
    } catch {
      /* next */
    }
  }
  return undefined;
}

/** True when `file` starts with a `#!... node` shebang (read for commandSpawnPlan on POSIX). */
function hasNodeShebang(file: string): boolean {
  try {
    const fd = fs.openSync(file, 'r');
    const buf = Buffer.alloc(128);
    const n = fs.readSync(fd, buf, 0, 128, 0);
    fs.closeSync(fd);
    const first = buf.subarray(0, n).toString('utf8').split('\n')[0] ?? '';
    return /^#!.*\bnode\b/.test(first);
  } catch {
    return false;
  }
}

/** The text of a Windows `.cmd`/`.bat` (an npm shim is a few hundred bytes), for commandSpawnPlan. */
function shimText(file: string, platform: Platform): string | undefined {
  if (platform !== 'win32' || !/\.(cmd|bat)$/i.test(file)) return undefined;
  try {
    return fs.readFileSync(file, 'utf8').slice(0, 64 * 1024);
  } catch {
    return undefined;
  }
}

export function parseNodeVersion(v: string): { major: number; minor: number } | undefined {
  const m = /^v?(\d+)\.(\d+)/.exec(v.trim());
  return m ? { major: Number(m[1]), minor: Number(m[2]) } : undefined;
}

/** openclaw's engines rule: >=24.16 <25, or >=26.1. */
export function nodeSupported(v: { major: number; minor: number }): boolean {
  if (v.major === 24) return v.minor >= 16;
  if (v.major === 25) return false;
  if (v.major === 26) return v.minor >= 1;
  return v.major > 26;
}

/**
 * Another program the extension runs in a terminal (`claude`): the setting (a path) when it
 * exists, else `name` on PATH (with PATHEXT on Windows). openclaw itself goes through
 * resolveCommand, which also checks the Node it needs.
 */
export function findExecutable(
  name: string,
  opts: { setting?: string; env: NodeJS.ProcessEnv; platform?: Platform },
): string | undefined {
  const setting = opts.setting?.trim();
  if (setting) return fs.existsSync(setting) ? setting : undefined;
  return which(name, opts.env, opts.platform ?? process.platform);
}

/**
 * Resolves the openclaw command: the setting (a path), else `openclaw` on PATH. A JS entry is run
 * with `nodePath` (setting) or the `node` on PATH, whose version is checked: openclaw refuses
 * Node < 24.16 with an engines error that is easy to miss in a log.
 */
export function resolveCommand(opts: {
  setting?: string;
  nodePath?: string;
  env: NodeJS.ProcessEnv;
  platform?: Platform;
}): ResolvedCommand {
  const platform = opts.platform ?? process.platform;
  const p = pathFor(platform);
  const setting = opts.setting?.trim();
  const openclaw = setting ? p.resolve(setting) : which('openclaw', opts.env, platform);
  if (!openclaw || !fs.existsSync(openclaw)) {
    throw new CommandError(
      setting
        ? `openclawAuth.openclawPath points to ${setting}, which does not exist.`
        : 'The openclaw command was not found on PATH. Install it (`npm install -g openclaw`, needs Node 24.16+) or set openclawAuth.openclawPath.',
      'not-found',
    );
  }
  const real = fs.realpathSync(openclaw);
  const plan = commandSpawnPlan(platform, real, {
    nodeShebang: platform !== 'win32' && hasNodeShebang(real),
    shimText: shimText(real, platform),
  });
  if (plan.kind === 'direct') return { file: openclaw, prefixArgs: [], openclaw };
  if (plan.kind === 'cmd-shell') return { file: plan.file, prefixArgs: [], openclaw, cmdShell: true };
  const script = plan.script;
  if (!fs.existsSync(script)) {
    throw new CommandError(
      `${openclaw} runs ${script}, which does not exist. Reinstall openclaw (\`npm install -g openclaw\`) or set openclawAuth.openclawPath to its openclaw.mjs.`,
      'not-found',
    );
  }
  const node = opts.nodePath?.trim() ? p.resolve(opts.nodePath.trim()) : which('node', opts.env, platform);
  if (!node || !fs.existsSync(node)) {
    throw new CommandError(
      opts.nodePath?.trim()
        ? `openclawAuth.gateway.nodePath points to ${opts.nodePath}, which does not exist.`
        : 'openclaw needs Node.js 24.16 or newer, and no `node` was found on PATH. Install Node 24 or set openclawAuth.gateway.nodePath.',
      'node-not-found',
    );
  }
  const out = spawnSync(node, ['--version'], { encoding: 'utf8', timeout: 10_000 });
  const version = (out.stdout ?? '').trim();
  const parsed = parseNodeVersion(version);
  if (!parsed || !nodeSupported(parsed)) {
    throw new CommandError(
      `openclaw needs Node.js 24.16+ (or 26.1+), but ${node} is ${version || 'not runnable'}. Install Node 24 and put it first on PATH, or set openclawAuth.gateway.nodePath to it.`,
      'node-too-old',
    );
  }
  return { file: node, prefixArgs: [script], openclaw, node, nodeVersion: version };
}

/**
 * What to spawn for `cmd` with `args`: the file with its prefix arguments, or (a `.cmd` that is not
 * an npm shim, Windows) cmd.exe with the quoted line.
 */
export function spawnArgs(
  cmd: ResolvedCommand,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
): { file: string; args: string[]; windowsVerbatimArguments?: boolean } {
  if (cmd.cmdShell) return cmdShellSpawn(env.ComSpec ?? env.COMSPEC, cmd.file, [...cmd.prefixArgs, ...args]);
  return { file: cmd.file, args: [...cmd.prefixArgs, ...args] };
}

/**
 * All descendants of `pid` (/proc on Linux, `ps` on macOS; none on Windows, where the taskkill /T
 * of signalGroup stops the tree). Taken before a stop, since a child may start its own process group.
 */
export function descendants(pid: number, platform: Platform = process.platform): number[] {
  return descendantsIn(parentLinks(platform), pid);
}

/** Process group id of `pid` (Linux), or undefined. */
export function processGroup(pid: number): number | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
  } catch {
    return undefined;
  }
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Stops a process tree as treeKillPlan says: signals the process group (POSIX), or taskkill /T /F (Windows). */
export function signalGroup(pgid: number, signal: NodeJS.Signals, platform: Platform = process.platform): void {
  const plan = treeKillPlan(platform, pgid, signal);
  if (plan.kind === 'taskkill') {
    spawnSync(plan.file, plan.args, { stdio: 'ignore', windowsHide: true, timeout: 10_000 });
    return;
  }
  try {
    process.kill(plan.pid, plan.signal);
  } catch {
    /* gone */
  }
}

/** Runs the resolved openclaw command once (stdin from `input`, never a TTY) in its own process group. */
export function runOpenclawCli(
  cmd: ResolvedCommand,
  args: string[],
  opts: { env: NodeJS.ProcessEnv; input?: string; timeoutMs?: number },
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const env = { ...opts.env };
    if (cmd.node) env.PATH = [path.dirname(cmd.node), env.PATH ?? ''].join(path.delimiter);
    const run = spawnArgs(cmd, args, env);
    const child = spawn(run.file, run.args, {
      env,
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: ownProcessGroup(process.platform),
      windowsHide: true,
      windowsVerbatimArguments: run.windowsVerbatimArguments,
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.stdin.on('error', () => undefined);
    child.stdin.end(opts.input ?? '');
    const timer = setTimeout(() => {
      if (child.pid) signalGroup(child.pid, 'SIGKILL');
    }, opts.timeoutMs ?? 120_000);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({
        code: code ?? -1,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      });
    });
  });
}
