/**
 * Durable, private file replacement and file identity, shared by the DB, config and .env writers.
 *
 * `atomicWrite` replaces a file so that a reader, a crash, a full disk or a SIGKILL leaves either
 * the old bytes or the new ones, never a mix, and never a silently truncated file:
 *   temp file next to the real target -> write every byte -> fsync -> read back (size + sha256)
 *   -> caller's checks -> rename over the target -> fsync the directory.
 * A symlinked target stays a symlink (its real file is replaced), and an existing file keeps its
 * mode and, when we run as root, its owner. Temp files carry our pid in their name
 * (`.<name>.openclaw-auth-<pid>-<random>.tmp`) so `cleanStaleTemps` can remove the leftovers of a
 * killed writer, which may hold secrets.
 *
 * `withLock` / `withLockAsync` serialise our own writers (two windows, the CLI) with a lock file
 * next to the real target; openclaw itself does not know these locks.
 */
import fs from 'node:fs';
import os from 'node:os';
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

// ---- errors ----

/**
 * A write that failed before the target was replaced: the message names the file, says what
 * happened and that the file was not changed. `code` is the errno code (ENOSPC, EIO, EACCES...),
 * or EVERIFY when the written copy did not read back the same or the caller's verify hook refused it.
 */
export class FileWriteError extends Error {
  override readonly name = 'FileWriteError';
  constructor(
    message: string,
    readonly code: string,
    readonly path: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Another OpenClaw Auth process held the lock for longer than we were willing to wait. */
export class FileLockError extends Error {
  override readonly name = 'FileLockError';
  readonly code = 'ELOCKED';
  constructor(
    message: string,
    readonly path: string,
    readonly lockPath: string,
    readonly pid: number | undefined,
  ) {
    super(message);
  }
}

const ERRNO_TEXT: Record<string, string> = {
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EFBIG: 'the file is too large for this file system',
  EIO: 'input/output error (the disk reported a failure)',
  EROFS: 'the file system is read-only',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EISDIR: 'it is a directory',
  ENOTDIR: 'a part of the path is not a directory',
  ENOENT: 'the directory does not exist',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files in the system',
  ENAMETOOLONG: 'the file name is too long',
  ELOOP: 'too many levels of symbolic links',
  EBUSY: 'the file is busy',
  EXDEV: 'the temporary file ended up on another file system',
};

/** "~/.openclaw/openclaw.json" for files under the home directory, the full path otherwise. */
function label(p: string): string {
  const home = os.homedir();
  const rel = home ? path.relative(home, p) : '';
  return home && rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? `~/${rel.split(path.sep).join('/')}` : p;
}

function errnoCode(e: unknown): string | undefined {
  const c = (e as NodeJS.ErrnoException | undefined)?.code;
  return typeof c === 'string' ? c : undefined;
}

function explain(e: unknown): { code: string; what: string } {
  const code = errnoCode(e);
  if (code && ERRNO_TEXT[code]) return { code, what: `${ERRNO_TEXT[code]} (${code})` };
  const msg = e instanceof Error ? e.message : String(e);
  return { code: code ?? 'EWRITE', what: code && !msg.includes(code) ? `${msg} (${code})` : msg };
}

function notChanged(target: string, e: unknown): FileWriteError {
  if (e instanceof FileWriteError) return e;
  const { code, what } = explain(e);
  return new FileWriteError(`Could not write ${label(target)}: ${what}. The file was not changed.`, code, target, {
    cause: e,
  });
}

/** An errno-style error for failures we detect ourselves (a short read-back, a zero-byte write). */
function ioError(message: string, code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(message), { code });
}

// ---- paths ----

/**
 * The file a write to `p` must replace: `p` itself, or, when `p` is a symlink (or a chain of
 * them), the file it finally points to, so the link is kept and its target gets the change. A
 * dangling link resolves to where its target would be.
 */
export function resolveWriteTarget(p: string): string {
  let cur = path.resolve(p);
  for (let hops = 0; hops < 40; hops++) {
    let st: fs.Stats;
    try {
      st = fs.lstatSync(cur);
    } catch {
      return cur;
    }
    if (!st.isSymbolicLink()) return cur;
    try {
      return fs.realpathSync(cur);
    } catch {
      /* dangling: follow one hop by hand */
    }
    cur = path.resolve(path.dirname(cur), fs.readlinkSync(cur));
  }
  throw ioError(`too many levels of symbolic links at ${p}`, 'ELOOP');
}

const TEMP_TAG = 'openclaw-auth';
/** `.<name>.openclaw-auth-<pid>-<hex>.tmp` (ours) */
const TEMP_RE = /^\..+\.openclaw-auth-(\d+)-[0-9a-f]+\.tmp$/;
/** `.<name>.<pid>.<8 hex>.tmp`, the temp names of versions before this one. */
const OLD_TEMP_RE = /^\..+\.(\d+)\.[0-9a-f]{8}\.tmp$/;
const LOCK_SUFFIX = '.openclaw-auth.lock';

/** A fresh temp path next to `file`; the basename is shortened so the name fits NAME_MAX. */
function tempPathFor(file: string): string {
  const base = path.basename(file).slice(0, 180);
  return path.join(
    path.dirname(file),
    `.${base}.${TEMP_TAG}-${process.pid}-${crypto.randomBytes(6).toString('hex')}.tmp`,
  );
}

// ---- atomicWrite ----

export interface AtomicWriteOptions {
  /**
   * Permission bits: a NEW file gets exactly these (default 0o600). An existing file keeps its
   * own bits, limited to these when given: `existing & mode`. So a rewrite never widens what was
   * there (a 0400 file stays 0400), and a secrets file the user left at 0644 becomes 0600 once we
   * write a secret into it. Without `mode` an existing file keeps its bits unchanged.
   */
  mode?: number;
  /**
   * Extra check of the fully written, fsynced, closed temp file (e.g. a SQLite integrity check);
   * throw to refuse it. The write then fails with code EVERIFY and the target is not changed.
   */
  verify?: (tmpPath: string) => void;
  /**
   * Runs last, just before the rename; throw to abort (used to detect a concurrent change). Its
   * error is rethrown as is (the caller's own type and message), after the temp file is removed.
   */
  beforeRename?: () => void;
}

const CHUNK = 1 << 20;

/**
 * Replaces `target` with `data` durably (see the top of this file). On any failure before the
 * rename the temp file is removed, the target is untouched and a FileWriteError says so (a
 * `beforeRename` error is rethrown unchanged). A symlinked target keeps its link.
 */
export function atomicWrite(target: string, data: Uint8Array | string, opts: AtomicWriteOptions = {}): void {
  const buf =
    typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  let real: string;
  let dir: string;
  let tmp: string | undefined;
  let fd: number | undefined;
  try {
    real = resolveWriteTarget(target);
    dir = path.dirname(real);
    ensurePrivateDir(dir);
    const { mode, uid, gid } = ownership(real, opts.mode);
    tmp = tempPathFor(real);
    fd = fs.openSync(tmp, 'wx+', 0o600); // read-write: it is read back below
    writeAll(fd, buf);
    let finalMode = mode;
    if (uid !== undefined || gid !== undefined) {
      try {
        fs.fchownSync(fd, uid ?? -1, gid ?? -1);
      } catch (e) {
        const c = errnoCode(e);
        if (c !== 'EPERM' && c !== 'EINVAL') throw e;
        // We could not keep the file's owner or group: do not let our own group read what
        // another group could.
        finalMode &= ~0o070;
      }
    }
    // After fchown (which may clear bits) and regardless of the umask; before the fsync, so the
    // owner and mode are as durable as the bytes.
    fs.fchmodSync(fd, finalMode);
    fs.fsyncSync(fd);
    readBack(fd, buf);
    const closing = fd;
    fd = undefined;
    fs.closeSync(closing); // a network file system may report a write error only here
    if (opts.verify) {
      try {
        opts.verify(tmp);
      } catch (e) {
        throw new FileWriteError(
          `Could not write ${label(target)}: the written copy failed its check (${e instanceof Error ? e.message : String(e)}). The file was not changed.`,
          'EVERIFY',
          target,
          { cause: e },
        );
      }
    }
  } catch (e) {
    cleanup(fd, tmp);
    throw notChanged(target, e);
  }
  try {
    opts.beforeRename?.();
  } catch (e) {
    cleanup(undefined, tmp);
    throw e;
  }
  try {
    fs.renameSync(tmp, real);
  } catch (e) {
    cleanup(undefined, tmp);
    throw notChanged(target, e);
  }
  syncDir(dir, target);
}

/** Mode and owner the new file must get (owner only where it must change from ours). */
function ownership(real: string, newMode: number | undefined): { mode: number; uid?: number; gid?: number } {
  const myUid = process.getuid?.();
  const myGid = process.getgid?.();
  let st: fs.Stats | undefined;
  try {
    st = fs.statSync(real);
  } catch (e) {
    if (errnoCode(e) !== 'ENOENT') throw e;
  }
  if (st) {
    // An existing file keeps its owner and its permission bits, never wider than asked for.
    const mode = st.mode & 0o777 & (newMode ?? 0o777);
    if (myUid === undefined) return { mode };
    if (myUid === 0)
      return { mode, uid: st.uid !== myUid ? st.uid : undefined, gid: st.gid !== myGid ? st.gid : undefined };
    // Not root: we cannot give the file away, but we may keep its group if we are a member.
    return { mode, gid: st.gid !== myGid ? st.gid : undefined };
  }
  const mode = (newMode ?? 0o600) & 0o777;
  if (myUid === 0) {
    // Root creating a file in a user's directory (sudo, a root service editing ~user/.openclaw):
    // the file belongs to the directory's owner, not to root.
    const d = fs.statSync(path.dirname(real));
    if (d.uid !== 0) return { mode, uid: d.uid, gid: d.gid };
  }
  return { mode };
}

/** writeSync may write fewer bytes than asked (a nearly full disk, a signal): loop until all are written. */
function writeAll(fd: number, buf: Buffer): void {
  let off = 0;
  while (off < buf.length) {
    const n = fs.writeSync(fd, buf, off, Math.min(CHUNK, buf.length - off));
    if (n <= 0) throw ioError(`wrote ${off} of ${buf.length} bytes`, 'EIO');
    off += n;
  }
}

/** Reads the temp file back and compares size and sha256 with what we meant to write. */
function readBack(fd: number, buf: Buffer): void {
  const size = fs.fstatSync(fd).size;
  if (size !== buf.length) throw ioError(`the written copy has ${size} of ${buf.length} bytes`, 'EVERIFY');
  const want = crypto.createHash('sha256').update(buf).digest('hex');
  const h = crypto.createHash('sha256');
  const chunk = Buffer.allocUnsafe(Math.min(CHUNK, Math.max(buf.length, 1)));
  let pos = 0;
  while (pos < size) {
    const n = fs.readSync(fd, chunk, 0, Math.min(chunk.length, size - pos), pos);
    if (n <= 0) throw ioError(`the written copy could be read back only up to byte ${pos} of ${size}`, 'EVERIFY');
    h.update(chunk.subarray(0, n));
    pos += n;
  }
  if (h.digest('hex') !== want)
    throw ioError('the written copy did not read back the same (checksum mismatch)', 'EVERIFY');
}

function cleanup(fd: number | undefined, tmp: string | undefined): void {
  if (fd !== undefined) {
    try {
      fs.closeSync(fd);
    } catch {
      /* already failing */
    }
  }
  if (tmp) {
    try {
      fs.rmSync(tmp, { force: true });
    } catch {
      /* cleanStaleTemps removes it later */
    }
  }
}

/** Codes meaning "this file system (or OS) cannot fsync a directory", not a failure of the write. */
const NO_DIR_FSYNC = new Set(['EINVAL', 'ENOTSUP', 'EOPNOTSUPP', 'EISDIR', 'EBADF', 'EPERM', 'EACCES', 'ENOSYS']);

/** Makes the rename itself durable. The target is already replaced here, so errors say so. */
function syncDir(dir: string, target: string): void {
  let dfd: number | undefined;
  try {
    dfd = fs.openSync(dir, 'r');
    fs.fsyncSync(dfd);
  } catch (e) {
    const c = errnoCode(e);
    if (!c || !NO_DIR_FSYNC.has(c)) {
      const { code, what } = explain(e);
      throw new FileWriteError(
        `${label(target)} was replaced, but saving its directory entry failed: ${what}. The change may not survive a crash; check the disk.`,
        code,
        target,
        { cause: e },
      );
    }
  } finally {
    if (dfd !== undefined) {
      try {
        fs.closeSync(dfd);
      } catch {
        /* nothing to do */
      }
    }
  }
}

// ---- leftovers ----

function pidAlive(pid: number): boolean {
  // Signal 0 only checks: EPERM means the process exists under another user.
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return errnoCode(e) === 'EPERM';
  }
}

/**
 * A lock without a pid may be one being created where hard links are not available (create, then
 * write), or one of an earlier version: it counts as stale only once it is this old.
 */
const LOCK_WRITE_GRACE_MS = 2_000;

export interface CleanStaleOptions {
  /** Leftovers older than this are removed even if their pid is alive (pids get reused). Default 10 min. */
  maxAgeMs?: number;
  /** Clock, for tests. */
  now?: number;
}

/**
 * Removes our leftovers in `dir`: temp files (`.<name>.openclaw-auth-<pid>-<hex>.tmp`, and the
 * `.<name>.<pid>.<hex>.tmp` of earlier versions) and `*.openclaw-auth.lock` files whose process is
 * gone or that are older than `maxAgeMs`. Nothing else is touched (no other names, no symlinks, no
 * directories). Returns the removed paths. Run it at start; it never throws.
 */
export function cleanStaleTemps(dir: string, opts: CleanStaleOptions = {}): string[] {
  const maxAge = opts.maxAgeMs ?? 10 * 60_000;
  const now = opts.now ?? Date.now();
  const removed: string[] = [];
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return removed;
  }
  for (const n of names) {
    const isTemp = TEMP_RE.exec(n) ?? OLD_TEMP_RE.exec(n);
    const isLock = !isTemp && n.endsWith(LOCK_SUFFIX);
    if (!isTemp && !isLock) continue;
    const p = path.join(dir, n);
    try {
      const st = fs.lstatSync(p);
      if (!st.isFile()) continue;
      const age = now - st.mtimeMs;
      let pid: number | undefined;
      if (isTemp) pid = Number(isTemp[1]);
      else {
        const text = fs.readFileSync(p, 'utf8').trim();
        pid = /^\d+$/.test(text) ? Number(text) : undefined;
      }
      const stale = age > maxAge || (pid !== undefined && pid > 0 ? !pidAlive(pid) : age > LOCK_WRITE_GRACE_MS);
      if (!stale) continue;
      fs.rmSync(p, { force: true });
      removed.push(p);
    } catch {
      /* vanished meanwhile, or not ours to remove */
    }
  }
  return removed;
}

// ---- locks ----

export interface LockOptions {
  /** How long to wait for another holder, in ms (default 10 s; back-off from 10 ms up to 250 ms). */
  timeoutMs?: number;
  /** A lock older than this is taken over even if its pid is alive (a reused pid). Default 60 s. */
  staleMs?: number;
}

const DEFAULT_LOCK_TIMEOUT_MS = 10_000;
const DEFAULT_LOCK_STALE_MS = 60_000;

interface Held {
  lock: string;
  ino: number;
}
type Attempt = { held: Held } | { holder: number | undefined };

function lockPathFor(target: string): string {
  return `${resolveWriteTarget(target)}${LOCK_SUFFIX}`;
}

/**
 * One try: create the lock with our pid, or take over a stale one, or report who holds it. The
 * lock is made by hard-linking a temp file that already holds our pid, so nobody ever sees a
 * lock without its pid (file systems without hard links fall back to create-then-write).
 */
function tryLock(lock: string, staleMs: number): Attempt {
  for (let i = 0; i < 3; i++) {
    const made = createLock(lock);
    if (made) return { held: made };
    const seen = readLock(lock);
    if (!seen) continue; // removed meanwhile: try again
    const age = Date.now() - seen.mtimeMs;
    const stale = age > staleMs || (seen.pid !== undefined ? !pidAlive(seen.pid) : age > LOCK_WRITE_GRACE_MS);
    if (!stale) return { holder: seen.pid };
    takeOver(lock, seen.ino);
  }
  return { holder: readLock(lock)?.pid };
}

/** Creates the lock holding our pid; undefined when it already exists. */
function createLock(lock: string): Held | undefined {
  const tmp = tempPathFor(lock);
  try {
    fs.writeFileSync(tmp, String(process.pid), { flag: 'wx', mode: 0o600 });
    const ino = fs.statSync(tmp).ino;
    try {
      fs.linkSync(tmp, lock);
      return { lock, ino };
    } catch (e) {
      const c = errnoCode(e);
      if (c === 'EEXIST') return undefined;
      if (c !== 'EPERM' && c !== 'ENOTSUP' && c !== 'EOPNOTSUPP' && c !== 'ENOSYS' && c !== 'EMLINK') throw e;
    }
  } finally {
    fs.rmSync(tmp, { force: true });
  }
  // No hard links here: create, then write (others give a pid-less lock LOCK_WRITE_GRACE_MS).
  let fd: number;
  try {
    fd = fs.openSync(lock, 'wx', 0o600);
  } catch (e) {
    if (errnoCode(e) === 'EEXIST') return undefined;
    throw e;
  }
  try {
    fs.writeSync(fd, String(process.pid));
    return { lock, ino: fs.fstatSync(fd).ino };
  } catch (e) {
    fs.rmSync(lock, { force: true });
    throw e;
  } finally {
    fs.closeSync(fd);
  }
}

function readLock(lock: string): { pid?: number; mtimeMs: number; ino: number } | undefined {
  let fd: number;
  try {
    fd = fs.openSync(lock, 'r');
  } catch {
    return undefined;
  }
  try {
    const st = fs.fstatSync(fd);
    const text = fs.readFileSync(fd, 'utf8').trim();
    return { pid: /^\d+$/.test(text) && Number(text) > 0 ? Number(text) : undefined, mtimeMs: st.mtimeMs, ino: st.ino };
  } catch {
    return undefined;
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Removes the stale lock we inspected (inode `ino`). Two waiters may decide at once that the same
 * lock is stale; a plain rm could then delete the lock the faster one just created. So the lock is
 * first renamed aside (atomic, only one waiter wins it), and put back if it is not the one we saw.
 */
function takeOver(lock: string, ino: number): void {
  const aside = tempPathFor(lock);
  try {
    fs.renameSync(lock, aside);
  } catch {
    return;
  }
  try {
    if (fs.statSync(aside).ino !== ino) {
      try {
        fs.linkSync(aside, lock);
      } catch {
        /* someone locked meanwhile: theirs stands */
      }
    }
  } finally {
    fs.rmSync(aside, { force: true });
  }
}

/** Removes the lock only if it is still ours (it may have been taken over as stale). */
function unlock(h: Held): void {
  const seen = readLock(h.lock);
  if (seen && seen.ino === h.ino && seen.pid === process.pid) fs.rmSync(h.lock, { force: true });
}

function busyError(target: string, lock: string, holder: number | undefined, waitedMs: number): FileLockError {
  const who = holder !== undefined ? `another OpenClaw Auth process (pid ${holder})` : 'another OpenClaw Auth process';
  return new FileLockError(
    `${label(target)} is being changed by ${who}; waited ${(waitedMs / 1000).toFixed(1)} s for it to finish. ` +
      `Nothing was changed; try again (if no such process is running, delete ${lock}).`,
    target,
    lock,
    holder,
  );
}

/** Back-off: 10, 20, 40 ... 250 ms, with jitter so two waiters do not retry in step. */
function backoff(attempt: number): number {
  const base = Math.min(250, 10 * 2 ** attempt);
  return Math.round(base * (0.75 + Math.random() * 0.5));
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** tryLock, with a file-system failure (a full disk, a read-only dir) said as a sentence. */
function lockOrExplain(target: string, lock: string, staleMs: number): Attempt {
  try {
    return tryLock(lock, staleMs);
  } catch (e) {
    const { code, what } = explain(e);
    throw new FileWriteError(
      `Could not write ${label(target)}: its lock file could not be created: ${what}. Nothing was changed.`,
      code,
      target,
      { cause: e },
    );
  }
}

/**
 * Runs `fn` holding a lock file next to `target` (its real file when it is a symlink), so two of
 * our own writers (two windows, the CLI) never interleave. Waits up to `timeoutMs` for another
 * holder, then throws FileLockError naming it. Stale locks (dead pid, or older than `staleMs`)
 * are taken over. Blocks the thread while waiting; use withLockAsync in async code.
 */
export function withLock<T>(target: string, fn: () => T, opts: LockOptions = {}): T {
  const tries = lockTries(target, opts);
  for (let t = tries.next(); ; t = tries.next()) {
    if (t.done) {
      try {
        return fn();
      } finally {
        unlock(t.value);
      }
    }
    sleepSync(t.value);
  }
}

/**
 * withLock for async read-modify-write sections: waits with timers instead of blocking the
 * thread, and holds the lock until `fn`'s promise settles. Two sections of the same process
 * also exclude each other (the lock names a pid, not a caller).
 */
export async function withLockAsync<T>(target: string, fn: () => Promise<T>, opts: LockOptions = {}): Promise<T> {
  const tries = lockTries(target, opts);
  for (let t = tries.next(); ; t = tries.next()) {
    if (t.done) {
      try {
        return await fn();
      } finally {
        unlock(t.value);
      }
    }
    await new Promise((res) => setTimeout(res, t.value));
  }
}

/** The attempts of both lock variants: yields how long to wait before the next try, returns the held lock. */
function* lockTries(target: string, opts: LockOptions): Generator<number, Held> {
  const lock = lockPathFor(target);
  ensurePrivateDir(path.dirname(lock));
  const start = Date.now();
  const timeout = opts.timeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS;
  for (let attempt = 0; ; attempt++) {
    const r = lockOrExplain(target, lock, opts.staleMs ?? DEFAULT_LOCK_STALE_MS);
    if ('held' in r) return r.held;
    const waited = Date.now() - start;
    if (waited >= timeout) throw busyError(target, lock, r.holder, waited);
    yield Math.min(backoff(attempt), timeout - waited);
  }
}

// ---- who holds a file ----

/**
 * Processes (Linux /proc) that have `file` open; empty where /proc is not available. Only for
 * naming a likely holder in a message: it is racy and blind without /proc, so never base a
 * safety decision on an empty answer.
 */
export function processesHolding(file: string): number[] {
  return processesHoldingAny([file]);
}

/** Processes that have any of `files` open, in one pass over /proc (~30 ms). Same caveat as processesHolding. */
export function processesHoldingAny(files: string[], procRoot = '/proc'): number[] {
  const out: number[] = [];
  const reals = new Set<string>();
  for (const f of files) {
    try {
      reals.add(fs.realpathSync(f));
    } catch {
      /* missing */
    }
  }
  if (reals.size === 0) return out;
  let pids: string[];
  try {
    pids = fs.readdirSync(procRoot).filter((d) => /^\d+$/.test(d));
  } catch {
    return out;
  }
  for (const pid of pids) {
    if (Number(pid) === process.pid) continue;
    let fds: string[];
    try {
      fds = fs.readdirSync(`${procRoot}/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        if (reals.has(fs.readlinkSync(`${procRoot}/${pid}/fd/${fd}`))) {
          out.push(Number(pid));
          break;
        }
      } catch {
        /* fd closed meanwhile */
      }
    }
  }
  return out;
}
