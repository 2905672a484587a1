/**
 * Atomic, private file writes and file identity, shared by the DB and config writers.
 */
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';

export interface FileIdentity {
  exists: boolean;
  size: number;
  mtimeMs: number;
  ino: number;
}

export function identity(p: string): FileIdentity {
  try {
    const s = fs.statSync(p);
    return { exists: true, size: s.size, mtimeMs: s.mtimeMs, ino: s.ino };
  } catch {
    return { exists: false, size: 0, mtimeMs: 0, ino: 0 };
  }
}

export function sameIdentity(a: FileIdentity, b: FileIdentity): boolean {
  return a.exists === b.exists && a.size === b.size && a.mtimeMs === b.mtimeMs && a.ino === b.ino;
}

/** Creates the directory chain with mode 0700 (openclaw's dirs are private). */
export function ensurePrivateDir(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
}

/**
 * Writes `data` to a temp file in the same directory, fsyncs it, renames it over `target`, and
 * fsyncs the directory: a reader (or a crash) sees the old file or the new one, never a mix.
 * `beforeRename` runs last and may throw to abort (used to detect a concurrent change).
 */
export function atomicWrite(target: string, data: Uint8Array | string, opts: { mode?: number; beforeRename?: () => void } = {}): void {
  const dir = path.dirname(target);
  ensurePrivateDir(dir);
  const tmp = path.join(dir, `.${path.basename(target)}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`);
  const fd = fs.openSync(tmp, 'wx', opts.mode ?? 0o600);
  try {
    fs.writeSync(fd, typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  try {
    fs.chmodSync(tmp, opts.mode ?? 0o600);
    opts.beforeRename?.();
    fs.renameSync(tmp, target);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
  try {
    const dfd = fs.openSync(dir, 'r');
    try { fs.fsyncSync(dfd); } finally { fs.closeSync(dfd); }
  } catch { /* some filesystems cannot fsync a directory */ }
}

/**
 * A lock file next to the target, so two of our own writers (two windows, the CLI) never
 * interleave. Stale locks (dead pid, or older than 60 s) are taken over.
 */
export function withLock<T>(target: string, fn: () => T): T {
  const lock = `${target}.openclaw-auth.lock`;
  ensurePrivateDir(path.dirname(lock));
  for (let attempt = 0; ; attempt++) {
    try {
      const fd = fs.openSync(lock, 'wx', 0o600);
      fs.writeSync(fd, String(process.pid));
      fs.closeSync(fd);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      let stale = false;
      try {
        const pid = Number(fs.readFileSync(lock, 'utf8'));
        const age = Date.now() - fs.statSync(lock).mtimeMs;
        stale = age > 60_000 || !Number.isInteger(pid) || pid <= 0 || !alive(pid);
      } catch { stale = true; }
      if (stale) { fs.rmSync(lock, { force: true }); continue; }
      if (attempt > 50) throw new Error(`${path.basename(target)} is being changed by another OpenClaw Auth process (lock ${lock}); try again.`);
      sleepSync(20);
    }
  }
  try {
    return fn();
  } finally {
    fs.rmSync(lock, { force: true });
  }
}

function alive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch (e) { return (e as NodeJS.ErrnoException).code === 'EPERM'; }
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Processes (Linux /proc) that have `file` open; empty where /proc is not available. */
export function processesHolding(file: string): number[] {
  return processesHoldingAny([file]);
}

/** Processes that have any of `files` open, in one pass over /proc (it costs ~30 ms per pass). */
export function processesHoldingAny(files: string[]): number[] {
  const out: number[] = [];
  const reals = new Set<string>();
  for (const f of files) { try { reals.add(fs.realpathSync(f)); } catch { /* missing */ } }
  if (reals.size === 0) return out;
  let pids: string[];
  try { pids = fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d)); } catch { return out; }
  for (const pid of pids) {
    if (Number(pid) === process.pid) continue;
    let fds: string[];
    try { fds = fs.readdirSync(`/proc/${pid}/fd`); } catch { continue; }
    for (const fd of fds) {
      try {
        if (reals.has(fs.readlinkSync(`/proc/${pid}/fd/${fd}`))) { out.push(Number(pid)); break; }
      } catch { /* fd closed meanwhile */ }
    }
  }
  return out;
}
