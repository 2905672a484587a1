/**
 * Finding the openclaw command (and the Node that runs it), and the process-tree helpers the
 * supervisor uses to stop what it started and nothing else.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

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
}

export class CommandError extends Error {
  constructor(message: string, readonly kind: 'not-found' | 'node-too-old' | 'node-not-found') {
    super(message);
    this.name = 'CommandError';
  }
}

function which(name: string, envPath: string | undefined): string | undefined {
  for (const dir of (envPath ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const p = path.join(dir, name);
    try { fs.accessSync(p, fs.constants.X_OK); if (fs.statSync(p).isFile()) return p; } catch { /* next */ }
  }
  return undefined;
}

/** True when `file` is JavaScript run by `node` (a .js/.mjs/.cjs file or an `env node` shebang). */
function isNodeScript(file: string): boolean {
  if (/\.(m|c)?js$/.test(file)) return true;
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
 * Resolves the openclaw command: the setting (a path), else `openclaw` on PATH. A JS entry is run
 * with `nodePath` (setting) or the `node` on PATH, whose version is checked: openclaw refuses
 * Node < 24.16 with an engines error that is easy to miss in a log.
 */
export function resolveCommand(opts: { setting?: string; nodePath?: string; env: NodeJS.ProcessEnv }): ResolvedCommand {
  const setting = opts.setting?.trim();
  const openclaw = setting ? path.resolve(setting) : which('openclaw', opts.env.PATH);
  if (!openclaw || !fs.existsSync(openclaw)) {
    throw new CommandError(setting
      ? `openclawAuth.openclawPath points to ${setting}, which does not exist.`
      : 'The openclaw command was not found on PATH. Install it (`npm install -g openclaw`, needs Node 24.16+) or set openclawAuth.openclawPath.', 'not-found');
  }
  const real = fs.realpathSync(openclaw);
  if (!isNodeScript(real)) return { file: openclaw, prefixArgs: [], openclaw };
  const node = opts.nodePath?.trim() ? path.resolve(opts.nodePath.trim()) : which('node', opts.env.PATH);
  if (!node || !fs.existsSync(node)) {
    throw new CommandError(opts.nodePath?.trim()
      ? `openclawAuth.gateway.nodePath points to ${opts.nodePath}, which does not exist.`
      : 'openclaw needs Node.js 24.16 or newer, and no `node` was found on PATH. Install Node 24 or set openclawAuth.gateway.nodePath.', 'node-not-found');
  }
  const out = spawnSync(node, ['--version'], { encoding: 'utf8', timeout: 10_000 });
  const version = (out.stdout ?? '').trim();
  const parsed = parseNodeVersion(version);
  if (!parsed || !nodeSupported(parsed)) {
    throw new CommandError(`openclaw needs Node.js 24.16+ (or 26.1+), but ${node} is ${version || 'not runnable'}. Install Node 24 and put it first on PATH, or set openclawAuth.gateway.nodePath to it.`, 'node-too-old');
  }
  return { file: node, prefixArgs: [real], openclaw, node, nodeVersion: version };
}

/** All descendants of `pid` (Linux /proc; empty elsewhere). Taken before a stop, since a child may start its own process group. */
export function descendants(pid: number): number[] {
  let entries: string[];
  try { entries = fs.readdirSync('/proc'); } catch { return []; }
  const children = new Map<number, number[]>();
  for (const e of entries) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${e}/stat`, 'utf8');
      // pid (comm) state ppid ...: comm may contain spaces and parens, so split after the last ')'.
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ppid = Number(rest[1]);
      const list = children.get(ppid) ?? [];
      list.push(Number(e));
      children.set(ppid, list);
    } catch { /* exited meanwhile */ }
  }
  const out: number[] = [];
  const walk = (p: number) => { for (const c of children.get(p) ?? []) { out.push(c); walk(c); } };
  walk(pid);
  return out;
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
  try { process.kill(pid, 0); return true; } catch (e) { return (e as NodeJS.ErrnoException).code === 'EPERM'; }
}

/** Signals a process group (negative pid); falls back to the pid when groups are not available. */
export function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try { process.kill(process.platform === 'win32' ? pgid : -pgid, signal); } catch { /* gone */ }
}

/** Runs the resolved openclaw command once (stdin from `input`, never a TTY) in its own process group. */
export function runOpenclawCli(cmd: ResolvedCommand, args: string[], opts: { env: NodeJS.ProcessEnv; input?: string; timeoutMs?: number }): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const env = { ...opts.env };
    if (cmd.node) env.PATH = [path.dirname(cmd.node), env.PATH ?? ''].join(path.delimiter);
    const child = spawn(cmd.file, [...cmd.prefixArgs, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'], detached: process.platform !== 'win32', windowsHide: true });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.stdin.on('error', () => undefined);
    child.stdin.end(opts.input ?? '');
    const timer = setTimeout(() => { if (child.pid) signalGroup(child.pid, 'SIGKILL'); }, opts.timeoutMs ?? 120_000);
    child.on('error', (e) => { clearTimeout(timer); reject(e); });
    child.on('close', (code) => { clearTimeout(timer); resolve({ code: code ?? -1, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') }); });
  });
}
