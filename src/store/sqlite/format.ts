/**
 * The SQLite file format's constants and the 100-byte database header: magic, page size, reserved
 * bytes, text encoding, user_version, in-header page count, WAL mode flag
 * (https://www.sqlite.org/fileformat2.html).
 */
import { SqliteFormatError, type SqliteTextEncoding } from './types';

const DB_MAGIC = Buffer.from('SQLite format 3\0', 'latin1');
export const JOURNAL_MAGIC = Buffer.from('d9d505f920a163d7', 'hex');
export const DB_HEADER_SIZE = 100;
export const WAL_HEADER_SIZE = 32;
export const WAL_FRAME_HEADER_SIZE = 24;
export const WAL_MAGIC_LE = 0x377f0682;
export const WAL_MAGIC_BE = 0x377f0683;
export const WAL_FORMAT_VERSION = 3007000;
export const PAGE_TYPE_TABLE_INTERIOR = 0x05;
export const PAGE_TYPE_TABLE_LEAF = 0x0d;
/** SQLite's own hard upper bound for a string/blob/row (SQLITE_MAX_LENGTH max). */
export const MAX_PAYLOAD = 0x7fffffff;
/** SQLite's BTCURSOR_MAX_DEPTH: a deeper table b-tree is corrupt. */
export const MAX_BTREE_DEPTH = 20;

export interface DbHeader {
  pageSize: number;
  reservedBytes: number;
  encoding: SqliteTextEncoding;
  userVersion: number;
  /** In-header database size, or 0 when it is not trustworthy. */
  headerPageCount: number;
}

/** A zero-length main file is an empty database, as in SQLite (which would write this header first). */
export const EMPTY_DB_HEADER: DbHeader = {
  pageSize: 4096,
  reservedBytes: 0,
  encoding: 'utf8',
  userVersion: 0,
  headerPageCount: 0,
};

export function headerMissing(path: string): SqliteFormatError {
  return new SqliteFormatError(`${path} is not a SQLite database (header missing)`);
}

export function hasDbMagic(buf: Buffer): boolean {
  return buf.length >= DB_MAGIC.length && buf.subarray(0, DB_MAGIC.length).equals(DB_MAGIC);
}

export function isValidPageSize(n: number): boolean {
  return n >= 512 && n <= 65536 && (n & (n - 1)) === 0;
}

export function parseDbHeader(buf: Buffer, path: string, where: string): DbHeader {
  const raw = buf.readUInt16BE(16);
  // A 2-byte field cannot hold 65536, so the format encodes it as 1.
  const pageSize = raw === 1 ? 65536 : raw;
  if (!isValidPageSize(pageSize)) throw new SqliteFormatError(`${path}: invalid page size ${raw} in ${where}`);
  const reservedBytes = buf[20] ?? 0;
  // The format requires at least 480 usable bytes per page.
  if (pageSize - reservedBytes < 480) {
    throw new SqliteFormatError(`${path}: ${reservedBytes} reserved bytes leave too little usable space per page`);
  }
  const enc = buf.readUInt32BE(56);
  let encoding: SqliteTextEncoding;
  // 0 means "not yet decided" (no schema stored yet); SQLite then uses UTF-8.
  if (enc === 0 || enc === 1) encoding = 'utf8';
  else if (enc === 2) encoding = 'utf16le';
  else if (enc === 3) encoding = 'utf16be';
  else throw new SqliteFormatError(`${path}: unknown text encoding ${enc} in ${where}`);
  // The in-header size is only trusted if the file was last written by a
  // version that maintains it: version-valid-for (92) == change counter (24).
  const headerPageCount = buf.readUInt32BE(92) === buf.readUInt32BE(24) ? buf.readUInt32BE(28) : 0;
  return { pageSize, reservedBytes, encoding, userVersion: buf.readInt32BE(60), headerPageCount };
}

/** Header bytes 18/19 (read/write version) are 2 in WAL mode; then only checkpoints write the main file. */
export function isWalModeHeader(head: Buffer): boolean {
  return head.length >= DB_HEADER_SIZE && head[18] === 2 && head[19] === 2;
}
