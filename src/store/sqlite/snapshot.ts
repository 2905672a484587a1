/**
 * Snapshots: opening the database and its -wal as one consistent view (identity baseline, header,
 * WAL index), and checking afterwards whether the files changed under it (filesChanged), including
 * the hot rollback journal check.
 */
import * as fs from 'node:fs';
import * as nodePath from 'node:path';
import {
  type Baseline,
  openIfExists,
  readExactly,
  readHead,
  sameStamp,
  type Stamp,
  stampOf,
  statIfExists,
} from './files';
import {
  DB_HEADER_SIZE,
  type DbHeader,
  EMPTY_DB_HEADER,
  hasDbMagic,
  headerMissing,
  isWalModeHeader,
  JOURNAL_MAGIC,
  parseDbHeader,
  WAL_HEADER_SIZE,
} from './format';
import { Retry } from './retry';
import { SqliteBusyError, SqliteFormatError, type SqliteSnapshotInfo } from './types';
import { EMPTY_PAGE_MAP, type PageMap, pageOffset, parseWalHeader, type WalIndex, walIndexFor } from './wal';

/** One consistent view of the database: open file handles, what they looked like, the WAL index. */
export interface Snapshot {
  fd: number;
  walFd: number | null;
  base: Baseline;
  /** Index of the -wal when its header is valid (possibly without commits); null when there is none or it is ignored. */
  wal: WalIndex | null;
  /** Committed WAL pages applied to this snapshot (empty without commits). */
  walPages: PageMap;
  pageSize: number;
  usableSize: number;
  pageCount: number;
  /**
   * Pages that can actually exist (main file pages plus WAL pages, at most pageCount).
   * Bounds allocations driven by sizes declared inside the file.
   */
  availablePages: number;
  info: SqliteSnapshotInfo;
}

/**
 * Captures the files' identity, then builds a snapshot (header, WAL index) and
 * checks the files did not change meanwhile. Errors of an attempt during which
 * the files changed become a Retry.
 */
export function openSnapshot(dbPath: string): Snapshot {
  const fd = fs.openSync(dbPath, 'r');
  let walFd: number | null = null;
  let base: Baseline | null = null;
  try {
    const main = stampOf(fs.fstatSync(fd, { bigint: true }));
    const named = statIfExists(dbPath);
    if (named === null || named.dev !== main.dev || named.ino !== main.ino)
      throw new Retry('the database file was replaced while it was opened');
    if (isHotJournal(dbPath)) throw busyError(dbPath);
    const mainHead = readHead(fd, Math.min(Number(main.size), DB_HEADER_SIZE));
    walFd = openIfExists(`${dbPath}-wal`);
    let wal: Stamp | null = null;
    let walHead: Buffer = Buffer.alloc(0);
    if (walFd !== null) {
      wal = stampOf(fs.fstatSync(walFd, { bigint: true }));
      walHead = readHead(walFd, Math.min(Number(wal.size), WAL_HEADER_SIZE));
    }
    base = { main, mainHead, wal, walHead };
    const snap = buildSnapshot(dbPath, fd, walFd, base);
    // Building read nothing from the main file beyond the baseline header: in WAL mode its writes
    // (checkpoints) cannot have affected the snapshot.
    const why = filesChanged(dbPath, fd, walFd, base, snap.wal !== null && isWalModeHeader(base.mainHead));
    if (why !== null) throw new Retry(why);
    return snap;
  } catch (e) {
    let err = e;
    if (base !== null && !(e instanceof Retry) && !(e instanceof SqliteBusyError)) {
      // An error while parsing files that changed meanwhile says nothing about the database.
      try {
        const why = filesChanged(dbPath, fd, walFd, base, base.wal !== null && isWalModeHeader(base.mainHead));
        if (why !== null) err = new Retry(why, undefined, e);
      } catch {
        /* keep the original error */
      }
    }
    if (walFd !== null) fs.closeSync(walFd);
    fs.closeSync(fd);
    throw err;
  }
}

export function closeSnapshot(s: Snapshot): void {
  if (s.walFd !== null) fs.closeSync(s.walFd);
  fs.closeSync(s.fd);
}

function buildSnapshot(dbPath: string, fd: number, walFd: number | null, base: Baseline): Snapshot {
  const warnings: string[] = [];
  const walPath = `${dbPath}-wal`;
  const mainSize = Number(base.main.size);
  let mainHeader: DbHeader | null = null;
  // A zero-length main file is an empty database; the WAL may already hold its pages.
  if (mainSize > 0) {
    if (base.mainHead.length < DB_HEADER_SIZE || !hasDbMagic(base.mainHead)) throw headerMissing(dbPath);
    mainHeader = parseDbHeader(base.mainHead, dbPath, 'main file');
  }

  let wal: WalIndex | null = null;
  let scanned = 0;
  if (walFd !== null && base.wal !== null) {
    const hdr = parseWalHeader(base.walHead, walPath, mainHeader?.pageSize ?? null, warnings);
    if (hdr !== null) ({ index: wal, scanned } = walIndexFor(walFd, walPath, base, hdr));
  }
  const committed = wal !== null && wal.framesApplied > 0 ? wal : null;

  let header: DbHeader;
  let pageCount: number;
  let availablePages: number;
  if (committed !== null && walFd !== null) {
    // Page 1 may itself have been rewritten in the WAL; its header then
    // carries the current user_version, encoding, etc.
    const walPage1 = pageOffset(committed.pages, 1);
    if (walPage1 !== undefined) {
      const buf = Buffer.alloc(DB_HEADER_SIZE);
      readExactly(walFd, buf, DB_HEADER_SIZE, walPage1, walPath);
      if (!hasDbMagic(buf)) throw new SqliteFormatError(`${dbPath}: page 1 in the WAL has no SQLite header`);
      header = parseDbHeader(buf, dbPath, 'WAL page 1');
      if (header.pageSize !== committed.hdr.pageSize) {
        throw new SqliteFormatError(
          `${dbPath}: page size in WAL page 1 (${header.pageSize}) differs from the WAL (${committed.hdr.pageSize})`,
        );
      }
    } else if (mainHeader !== null) {
      header = mainHeader;
    } else {
      throw headerMissing(dbPath);
    }
    pageCount = committed.pageCount;
    const mainPages = mainHeader !== null ? Math.floor(mainSize / mainHeader.pageSize) : 0;
    availablePages = Math.min(pageCount, mainPages + committed.pages.base.size + committed.pages.recent.size);
  } else if (mainHeader !== null) {
    header = mainHeader;
    const mainPages = Math.floor(mainSize / header.pageSize);
    // As in SQLite, a header that declares more pages than the file holds is corrupt.
    if (header.headerPageCount > mainPages) {
      throw new SqliteFormatError(
        `${dbPath}: the header declares ${header.headerPageCount} pages but the file holds only ${mainPages}`,
      );
    }
    pageCount = header.headerPageCount > 0 ? header.headerPageCount : mainPages;
    availablePages = pageCount;
  } else {
    header = EMPTY_DB_HEADER;
    pageCount = 0;
    availablePages = 0;
  }
  return {
    fd,
    walFd,
    base,
    wal,
    walPages: committed?.pages ?? EMPTY_PAGE_MAP,
    pageSize: header.pageSize,
    usableSize: header.pageSize - header.reservedBytes,
    pageCount,
    availablePages,
    info: {
      pageSize: header.pageSize,
      pageCount,
      userVersion: header.userVersion,
      walFramesApplied: committed?.framesApplied ?? 0,
      walCommitted: committed !== null,
      walFramesScanned: scanned,
      textEncoding: header.encoding,
      warnings,
    },
  };
}

/**
 * Why the files differ from `base` (replaced, written, WAL restarted or
 * truncated, rollback journal appeared), or null. Appending to the WAL is not a
 * change here: committed frames are never rewritten before the WAL header
 * changes, and the caller checks what appended frames mean for pages it took
 * from the main file. With `checkpointsChecked` (WAL mode, and the caller
 * re-indexed the WAL) writes to the main file are not a change either.
 */
export function filesChanged(
  dbPath: string,
  fd: number,
  walFd: number | null,
  base: Baseline,
  checkpointsChecked = false,
): string | null {
  const main = statIfExists(dbPath);
  if (main === null) return 'the database file was removed';
  if (main.dev !== base.main.dev || main.ino !== base.main.ino) return 'the database file was replaced';
  // Same inode as `fd` (checked above). The header bytes also catch a rewrite within the mtime granularity.
  const mainWritten = !sameStamp(stampOf(main), base.main)
    ? 'the database file was written'
    : !readHead(fd, base.mainHead.length).equals(base.mainHead)
      ? 'the database header changed'
      : null;
  if (mainWritten !== null && !checkpointsChecked) return mainWritten;
  const wal = statIfExists(`${dbPath}-wal`);
  const sameWal = wal !== null && base.wal !== null && wal.dev === base.wal.dev && wal.ino === base.wal.ino;
  if (!sameWal && (wal !== null || base.wal !== null) && mainWritten !== null) {
    // A -wal that appeared, or replaced or removed the one indexed (a last connection deletes it
    // after a full checkpoint; the next one creates a new file): frames never indexed here can
    // reach the snapshot only through a checkpoint, i.e. a write to the main file.
    const what = wal === null ? 'removed' : base.wal === null ? 'created' : 'replaced';
    return `the -wal file was ${what} and the database file was written`;
  }
  if (base.wal !== null && walFd !== null) {
    // The indexed WAL through its own handle (still readable if it was unlinked meanwhile).
    const size = fs.fstatSync(walFd, { bigint: true }).size;
    if (size < base.wal.size) return 'the -wal file was truncated';
    if (base.walHead.length < WAL_HEADER_SIZE && size !== base.wal.size) return 'a writer started the -wal file';
    if (!readHead(walFd, base.walHead.length).equals(base.walHead)) return 'the -wal file was restarted';
  }
  if (isHotJournal(dbPath)) return 'a rollback journal appeared (a writer is mid-transaction)';
  return null;
}

/**
 * A rollback journal is hot when it holds a valid header: a writer is between
 * its first write to the database and its commit (or crashed there).
 */
function isHotJournal(dbPath: string): boolean {
  const p = `${dbPath}-journal`;
  const st = statIfExists(p);
  if (st === null || !st.isFile() || st.size < BigInt(JOURNAL_MAGIC.length)) return false;
  const fd = openIfExists(p);
  if (fd === null) return false;
  try {
    return readHead(fd, JOURNAL_MAGIC.length).equals(JOURNAL_MAGIC);
  } finally {
    fs.closeSync(fd);
  }
}

function busyError(dbPath: string): SqliteBusyError {
  return new SqliteBusyError(
    `${dbPath} is being written by another process (hot rollback journal ${nodePath.basename(dbPath)}-journal), so it was not read. ` +
      'Try again in a moment; if this persists, a writer stopped mid-transaction: opening the database once with OpenClaw or sqlite3 rolls it back.',
  );
}
