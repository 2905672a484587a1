/**
 * The write-ahead log: header parsing, the running checksum, and the committed-frame index
 * (page number -> newest committed copy), cached per -wal file and extended with appended frames.
 */
import * as nodePath from 'node:path';
import { type Baseline, readAt, type Stamp } from './files';
import {
  isValidPageSize,
  WAL_FORMAT_VERSION,
  WAL_FRAME_HEADER_SIZE,
  WAL_HEADER_SIZE,
  WAL_MAGIC_BE,
  WAL_MAGIC_LE,
} from './format';

const WAL_READ_BATCH_BYTES = 1024 * 1024;
const WAL_CACHE_ENTRIES = 32;

interface WalHeader {
  pageSize: number;
  bigEndian: boolean;
  salt1: number;
  salt2: number;
  /** Checksum of the header, where the frame checksum chain starts. */
  s0: number;
  s1: number;
}

/**
 * Page number -> data offset of the newest committed copy, in two immutable
 * layers: a large base and the pages committed since it was built. A refresh
 * that finds new commits copies only `recent` (folded into a new base once it
 * exceeds RECENT_PAGES_MAX), so reopening a big, slowly growing WAL is cheap.
 */
export interface PageMap {
  base: ReadonlyMap<number, number>;
  recent: ReadonlyMap<number, number>;
}

export const EMPTY_PAGE_MAP: PageMap = { base: new Map(), recent: new Map() };
const RECENT_PAGES_MAX = 2048;

export function pageOffset(m: PageMap, pgno: number): number | undefined {
  return m.recent.get(pgno) ?? m.base.get(pgno);
}

/**
 * Committed-frame index of one WAL generation, immutable once built: a refresh
 * that finds new commits makes a new object, so a snapshot keeps its own.
 */
export interface WalIndex {
  walDev: bigint;
  walIno: bigint;
  mainDev: bigint;
  mainIno: bigint;
  /** The 32-byte WAL header this index belongs to (magic, salts, checkpoint sequence, checksum). */
  head: Buffer;
  hdr: WalHeader;
  /** page number -> file offset of the newest committed copy of the page data */
  pages: PageMap;
  pageCount: number;
  framesApplied: number;
  /** Running checksum after the last commit frame, to continue with appended frames. */
  s0: number;
  s1: number;
}

/** Running WAL checksum (fileformat2 §4.2). */
class WalChecksum {
  s0: number;
  s1: number;
  constructor(
    private readonly bigEndian: boolean,
    s0 = 0,
    s1 = 0,
  ) {
    this.s0 = s0;
    this.s1 = s1;
  }
  /** Adds buf[start, end) (length a multiple of 8) interpreted as 32-bit words. */
  update(buf: Buffer, start: number, end: number): void {
    let s0 = this.s0;
    let s1 = this.s1;
    for (let i = start; i < end; i += 8) {
      const a = this.bigEndian ? buf.readUInt32BE(i) : buf.readUInt32LE(i);
      const b = this.bigEndian ? buf.readUInt32BE(i + 4) : buf.readUInt32LE(i + 4);
      s0 = (s0 + a + s1) >>> 0;
      s1 = (s1 + b + s0) >>> 0;
    }
    this.s0 = s0;
    this.s1 = s1;
  }
}

/** The WAL header, or null (with a warning when it is there but unusable) when the WAL must be ignored. */
export function parseWalHeader(
  head: Buffer,
  walPath: string,
  dbPageSize: number | null,
  warnings: string[],
): WalHeader | null {
  if (head.length < WAL_HEADER_SIZE) return null;
  const magic = head.readUInt32BE(0);
  if (magic !== WAL_MAGIC_LE && magic !== WAL_MAGIC_BE) {
    warnings.push(`${walPath}: bad WAL magic 0x${magic.toString(16)}; WAL ignored`);
    return null;
  }
  const version = head.readUInt32BE(4);
  if (version !== WAL_FORMAT_VERSION) {
    warnings.push(`${walPath}: unsupported WAL version ${version}; WAL ignored`);
    return null;
  }
  // The magic's low bit says which byte order the checksum words use;
  // the stored header fields themselves are always big-endian.
  const bigEndian = magic === WAL_MAGIC_BE;
  const sum = new WalChecksum(bigEndian);
  sum.update(head, 0, 24);
  if (sum.s0 !== head.readUInt32BE(24) || sum.s1 !== head.readUInt32BE(28)) {
    warnings.push(`${walPath}: WAL header checksum mismatch; WAL ignored`);
    return null;
  }
  const rawPageSize = head.readUInt32BE(8);
  const pageSize = rawPageSize === 1 ? 65536 : rawPageSize;
  if (!isValidPageSize(pageSize)) {
    warnings.push(`${walPath}: invalid WAL page size ${rawPageSize}; WAL ignored`);
    return null;
  }
  if (dbPageSize !== null && pageSize !== dbPageSize) {
    warnings.push(`${walPath}: WAL page size ${pageSize} differs from database page size ${dbPageSize}; WAL ignored`);
    return null;
  }
  return { pageSize, bigEndian, salt1: head.readUInt32BE(16), salt2: head.readUInt32BE(20), s0: sum.s0, s1: sum.s1 };
}

/**
 * WAL indexes by absolute -wal path, least recently used first. An entry is
 * reused only for the same files (dev/ino of -wal and main file), the same WAL
 * header (magic, checkpoint sequence, salts, checksum) and a WAL at least as
 * long as what it indexed; then only frames after its last commit are read.
 */
const walIndexCache = new Map<string, WalIndex>();

/** The committed-frame index of the WAL as of `base.wal.size`, from the cache plus the frames appended since. */
export function walIndexFor(
  walFd: number,
  walPath: string,
  base: Baseline,
  hdr: WalHeader,
): { index: WalIndex; scanned: number } {
  const wal = base.wal as Stamp;
  const key = nodePath.resolve(walPath);
  let from = walIndexCache.get(key);
  if (from !== undefined) {
    walIndexCache.delete(key);
    const indexedEnd = WAL_HEADER_SIZE + from.framesApplied * (WAL_FRAME_HEADER_SIZE + from.hdr.pageSize);
    const same =
      from.walDev === wal.dev &&
      from.walIno === wal.ino &&
      from.mainDev === base.main.dev &&
      from.mainIno === base.main.ino;
    if (!same || !from.head.equals(base.walHead) || BigInt(indexedEnd) > wal.size) from = undefined;
  }
  from ??= {
    walDev: wal.dev,
    walIno: wal.ino,
    mainDev: base.main.dev,
    mainIno: base.main.ino,
    head: Buffer.from(base.walHead),
    hdr,
    pages: EMPTY_PAGE_MAP,
    pageCount: 0,
    framesApplied: 0,
    s0: hdr.s0,
    s1: hdr.s1,
  };
  const result = scanWalFrames(walFd, Number(wal.size), from);
  walIndexCache.set(key, result.index);
  while (walIndexCache.size > WAL_CACHE_ENTRIES) {
    const oldest = walIndexCache.keys().next();
    if (oldest.done) break;
    walIndexCache.delete(oldest.value);
  }
  return result;
}

/**
 * Extends `from` with the frames after its last commit, up to `walSize`. Mirrors
 * SQLite's WAL recovery: frames are valid while salts and the cumulative checksum
 * match; only frames up to the last valid commit frame form the snapshot.
 * Frames after the last commit are re-read next time (a writer may still rewrite
 * them), so the index only ever covers committed, immutable frames.
 */
function scanWalFrames(walFd: number, walSize: number, from: WalIndex): { index: WalIndex; scanned: number } {
  const { pageSize, bigEndian, salt1, salt2 } = from.hdr;
  const frameSize = WAL_FRAME_HEADER_SIZE + pageSize;
  // The frame count comes from the real file size, which bounds every allocation below.
  const frameCount = Math.floor((walSize - WAL_HEADER_SIZE) / frameSize);
  let frame = from.framesApplied;
  if (frame >= frameCount) return { index: from, scanned: 0 };
  const batch = Math.max(1, Math.floor(WAL_READ_BATCH_BYTES / frameSize));
  const buf = Buffer.allocUnsafe(Math.min(batch, frameCount - frame) * frameSize);
  const sum = new WalChecksum(bigEndian, from.s0, from.s1);
  let recent: Map<number, number> | null = null; // copy of from.pages.recent, made at the first new commit
  const pending: number[] = []; // pairs: page number, data offset
  let pageCount = from.pageCount;
  let framesApplied = from.framesApplied;
  let c0 = from.s0;
  let c1 = from.s1;
  let scanned = 0;

  scan: while (frame < frameCount) {
    const n = Math.min(batch, frameCount - frame);
    const fileOffset = WAL_HEADER_SIZE + frame * frameSize;
    if (readAt(walFd, buf, 0, n * frameSize, fileOffset) !== n * frameSize) break;
    for (let j = 0; j < n; j++, frame++) {
      const at = j * frameSize;
      const pgno = buf.readUInt32BE(at);
      const commitSize = buf.readUInt32BE(at + 4);
      // Salts from an older WAL generation mean the frame is stale leftovers.
      if (pgno === 0 || buf.readUInt32BE(at + 8) !== salt1 || buf.readUInt32BE(at + 12) !== salt2) break scan;
      scanned++;
      sum.update(buf, at, at + 8);
      sum.update(buf, at + WAL_FRAME_HEADER_SIZE, at + frameSize);
      if (sum.s0 !== buf.readUInt32BE(at + 16) || sum.s1 !== buf.readUInt32BE(at + 20)) break scan;
      pending.push(pgno, WAL_HEADER_SIZE + frame * frameSize + WAL_FRAME_HEADER_SIZE);
      if (commitSize !== 0) {
        // Later frames overwrite earlier ones: the newest copy of a page wins.
        recent ??= new Map(from.pages.recent);
        for (let k = 0; k < pending.length; k += 2) recent.set(pending[k] as number, pending[k + 1] as number);
        pending.length = 0;
        pageCount = commitSize;
        framesApplied = frame + 1;
        c0 = sum.s0;
        c1 = sum.s1;
      }
    }
  }
  if (recent === null) return { index: from, scanned };
  let pages: PageMap = { base: from.pages.base, recent };
  if (recent.size > RECENT_PAGES_MAX) {
    // Fold the recent pages into a new base now and then, so a refresh copies little.
    const base = new Map(from.pages.base);
    for (const [pgno, off] of recent) base.set(pgno, off);
    pages = { base, recent: new Map() };
  }
  return { index: { ...from, pages, pageCount, framesApplied, s0: c0, s1: c1 }, scanned };
}
