/**
 * Minimal, strictly read-only SQLite file reader with WAL overlay.
 *
 * Why this exists: OpenClaw keeps its auth data in a few tiny tables inside
 * SQLite databases that can grow to hundreds of MB (sessions, transcripts).
 * sql.js must load the whole file into memory and cannot see transactions that
 * are committed only to the `-wal` file. This reader opens the files read-only,
 * reads b-tree pages on demand (cost proportional to the tables actually read)
 * and overlays the committed frames of the write-ahead log. It is the read
 * engine where the runtime has no built-in SQLite.
 *
 * Implemented from the SQLite file format description
 * (https://www.sqlite.org/fileformat2.html). It never writes, creates or
 * deletes any file, and it deliberately ignores `-shm` (the wal-index is a
 * cache that can be stale or absent; the WAL itself is authoritative).
 *
 * Consistency without locks. The reader takes no SQLite locks, so a writer (a
 * running gateway) may commit, checkpoint (copy WAL pages into the main file)
 * or restart the WAL while pages are being read. Every read is validated
 * instead. Before reading, the identity of both files is captured (dev/ino,
 * size, mtime, ctime, the 100-byte database header, the 32-byte WAL header with
 * its salts and checkpoint sequence, the WAL size, no hot rollback journal);
 * after reading it is captured again. The read counts only if the WAL header
 * and identity are unchanged, the WAL did not shrink, no rollback journal
 * appeared, and no page taken from the main file was committed again in the
 * WAL since the snapshot (the WAL is re-indexed for that: only new frames).
 * In WAL mode that last check replaces the main file's mtime/size/header,
 * which every checkpoint changes: SQLite writes the main file only by copying
 * committed WAL frames, and only after restarting the WAL (new header) does it
 * overwrite frames. Outside WAL mode the main file's stamp and header bytes
 * must be unchanged, as they must when a -wal file appeared, was removed (a
 * last connection closing) or was replaced. A failed validation, or a format error while the files
 * changed, retries the read after a short back-off. `SqliteReader.read()`
 * also requires two consecutive valid passes to agree, which covers writers
 * that bypass SQLite's protocol within the mtime granularity. A hot rollback
 * journal (a writer mid-transaction in rollback mode) is SqliteBusyError.
 *
 * The WAL frame index is cached per file (by WAL header, file identities and
 * indexed length), so reopening a grown WAL checksums only the new frames.
 *
 * Not supported (SqliteUnsupportedError, so callers can fall back to sql.js):
 * WITHOUT ROWID tables, virtual tables, tables with VIRTUAL generated columns,
 * non-literal column defaults needed to fill rows written before ADD COLUMN.
 *
 * This file is the public entry; the reader lives in src/store/sqlite/:
 *   types.ts        public types and errors
 *   reader.ts       the SqliteReader class: validation, retries per call, schema, page cache
 *   snapshot.ts     opening one consistent snapshot; did the files change under it
 *   retry.ts        the Retry signal, the back-off loop, comparing results of two passes
 *   wal.ts          WAL header, checksum, committed-frame index (cached per -wal file)
 *   files.ts        file I/O and identity stamps
 *   format.ts       file-format constants and the database header
 *   btree.ts        table b-tree walk and overflow chains
 *   record.ts       record (row) decoding
 *   sqlText.ts      tokenizer and the table name of a CREATE statement
 *   createTable.ts  CREATE TABLE parsing: columns, rowid alias, defaults
 */
export { SqliteReader } from './sqlite/reader';
export {
  SqliteBusyError,
  SqliteChangedError,
  SqliteFormatError,
  SqliteUnsupportedError,
  type SqliteReadOptions,
  type SqliteSnapshotInfo,
  type SqliteTextEncoding,
  type SqlValue,
} from './sqlite/types';
