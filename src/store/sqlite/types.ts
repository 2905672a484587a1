/**
 * Public types and errors of the read-only SQLite reader (re-exported by src/store/sqliteReader.ts).
 */

export type SqlValue = null | number | bigint | string | Uint8Array;

/** The file is not a SQLite database, or its structure is corrupt. */
export class SqliteFormatError extends Error {
  override name = 'SqliteFormatError';
}

/**
 * The files kept changing under every attempt to read one consistent snapshot
 * (a writer committing, checkpointing or restarting the WAL), or data that an
 * open() reader had already returned went out of date. Not corruption: reading
 * again a moment later normally works. A SqliteFormatError subclass so callers
 * that only know that class still show a clear message.
 */
export class SqliteChangedError extends SqliteFormatError {
  override name = 'SqliteChangedError';
}

/**
 * A hot rollback journal lies next to the database: another process is in the
 * middle of a transaction (or crashed in one) and the main file may hold torn
 * pages, so it was not read.
 */
export class SqliteBusyError extends Error {
  override name = 'SqliteBusyError';
}

/** A valid database feature this reader does not implement. */
export class SqliteUnsupportedError extends Error {
  override name = 'SqliteUnsupportedError';
}

export type SqliteTextEncoding = 'utf8' | 'utf16le' | 'utf16be';

export interface SqliteSnapshotInfo {
  pageSize: number;
  /** Database size in pages for the snapshot being read (after WAL overlay). */
  pageCount: number;
  userVersion: number;
  /** Number of WAL frames up to and including the last valid commit frame. */
  walFramesApplied: number;
  /** True when committed WAL frames were applied. */
  walCommitted: boolean;
  /**
   * WAL frames whose checksums this open verified. Frames indexed by an earlier
   * open of the same WAL generation come from the cache and are not read again.
   */
  walFramesScanned: number;
  textEncoding: SqliteTextEncoding;
  /** Non-fatal problems, e.g. a WAL that was ignored and why. */
  warnings: string[];
}

export interface SqliteReadOptions {
  /**
   * Failed attempts (files changed, busy, inconsistent pages) before giving up. Default 20; in
   * practice maxWaitMs is the bound that ends a read under a busy writer.
   */
  maxAttempts?: number;
  /** Upper bound on the time spent retrying, in ms. Default 1000. */
  maxWaitMs?: number;
}
