/**
 * File I/O of the reader: opening and stat-ing without following a missing file, exact positional
 * reads, and the identity stamps (dev/ino, size, mtime, ctime) that say whether a file changed.
 */
import * as fs from 'node:fs';
import { SqliteFormatError } from './types';

/** The parts of a file's stat that change when it is written or replaced. */
export interface Stamp {
  dev: bigint;
  ino: bigint;
  size: bigint;
  mtimeNs: bigint;
  ctimeNs: bigint;
}

/** What the files looked like before a snapshot was read; compared again afterwards. */
export interface Baseline {
  main: Stamp;
  /** First min(100, size) bytes of the main file. */
  mainHead: Buffer;
  wal: Stamp | null;
  /** First min(32, size) bytes of the -wal file (empty when there is none). */
  walHead: Buffer;
}

export function stampOf(st: fs.BigIntStats): Stamp {
  return { dev: st.dev, ino: st.ino, size: st.size, mtimeNs: st.mtimeNs, ctimeNs: st.ctimeNs };
}

export function sameStamp(a: Stamp, b: Stamp): boolean {
  return a.dev === b.dev && a.ino === b.ino && a.size === b.size && a.mtimeNs === b.mtimeNs && a.ctimeNs === b.ctimeNs;
}

export function openIfExists(path: string): number | null {
  try {
    return fs.openSync(path, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

export function statIfExists(path: string): fs.BigIntStats | null {
  return fs.statSync(path, { bigint: true, throwIfNoEntry: false }) ?? null;
}

/** Up to `n` bytes from the start of the file (fewer only at EOF). */
export function readHead(fd: number, n: number): Buffer {
  const buf = Buffer.alloc(n);
  const got = readAt(fd, buf, 0, n, 0);
  return got === n ? buf : buf.subarray(0, got);
}

/** Reads up to `length` bytes at `position`; returns how many were read (short only at EOF). */
export function readAt(fd: number, buf: Buffer, offset: number, length: number, position: number): number {
  let done = 0;
  while (done < length) {
    const n = fs.readSync(fd, buf, offset + done, length - done, position + done);
    if (n === 0) break;
    done += n;
  }
  return done;
}

export function readExactly(fd: number, buf: Buffer, length: number, position: number, what: string): void {
  if (readAt(fd, buf, 0, length, position) !== length) {
    throw new SqliteFormatError(`${what}: unexpected end of file reading ${length} bytes at offset ${position}`);
  }
}
