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
 */
import * as fs from 'node:fs';
import * as nodePath from 'node:path';

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

const DB_MAGIC = Buffer.from('SQLite format 3\0', 'latin1');
const JOURNAL_MAGIC = Buffer.from('d9d505f920a163d7', 'hex');
const DB_HEADER_SIZE = 100;
const WAL_HEADER_SIZE = 32;
const WAL_FRAME_HEADER_SIZE = 24;
const WAL_MAGIC_LE = 0x377f0682;
const WAL_MAGIC_BE = 0x377f0683;
const WAL_FORMAT_VERSION = 3007000;
const PAGE_TYPE_TABLE_INTERIOR = 0x05;
const PAGE_TYPE_TABLE_LEAF = 0x0d;
/** SQLite's own hard upper bound for a string/blob/row (SQLITE_MAX_LENGTH max). */
const MAX_PAYLOAD = 0x7fffffff;
/** SQLite's BTCURSOR_MAX_DEPTH: a deeper table b-tree is corrupt. */
const MAX_BTREE_DEPTH = 20;
const PAGE_CACHE_BYTES = 8 * 1024 * 1024;
const WAL_READ_BATCH_BYTES = 1024 * 1024;
const WAL_CACHE_ENTRIES = 32;
const DEFAULT_MAX_ATTEMPTS = 20;
const DEFAULT_MAX_WAIT_MS = 1000;
const MAX_BACKOFF_MS = 64;

const SCHEMA_COLUMNS = ['type', 'name', 'tbl_name', 'rootpage', 'sql'];

interface DbHeader {
  pageSize: number;
  reservedBytes: number;
  encoding: SqliteTextEncoding;
  userVersion: number;
  /** In-header database size, or 0 when it is not trustworthy. */
  headerPageCount: number;
}

/** A zero-length main file is an empty database, as in SQLite (which would write this header first). */
const EMPTY_DB_HEADER: DbHeader = {
  pageSize: 4096,
  reservedBytes: 0,
  encoding: 'utf8',
  userVersion: 0,
  headerPageCount: 0,
};

/** The parts of a file's stat that change when it is written or replaced. */
interface Stamp {
  dev: bigint;
  ino: bigint;
  size: bigint;
  mtimeNs: bigint;
  ctimeNs: bigint;
}

/** What the files looked like before a snapshot was read; compared again afterwards. */
interface Baseline {
  main: Stamp;
  /** First min(100, size) bytes of the main file. */
  mainHead: Buffer;
  wal: Stamp | null;
  /** First min(32, size) bytes of the -wal file (empty when there is none). */
  walHead: Buffer;
}

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
interface PageMap {
  base: ReadonlyMap<number, number>;
  recent: ReadonlyMap<number, number>;
}

const EMPTY_PAGE_MAP: PageMap = { base: new Map(), recent: new Map() };
const RECENT_PAGES_MAX = 2048;

function pageOffset(m: PageMap, pgno: number): number | undefined {
  return m.recent.get(pgno) ?? m.base.get(pgno);
}

/**
 * Committed-frame index of one WAL generation, immutable once built: a refresh
 * that finds new commits makes a new object, so a snapshot keeps its own.
 */
interface WalIndex {
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

/** One consistent view of the database: open file handles, what they looked like, the WAL index. */
interface Snapshot {
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

interface SchemaEntry {
  type: string;
  name: string;
  rootPage: number;
  sql: string | null;
}

/** What is needed to turn a table record into a row object. */
interface TableLayout {
  rootPage: number;
  columns: string[];
  /** Index of the INTEGER PRIMARY KEY column (stored as NULL, value is the rowid), or -1. */
  rowidAlias: number;
  /** Value used when a (shorter, pre-ADD COLUMN) record lacks the column. */
  defaults: ColumnDefault[];
  /** Set when rows() cannot be served; columns() still works. */
  unsupported: string | null;
}

type ColumnDefault = { kind: 'value'; value: SqlValue } | { kind: 'expr'; text: string };

/**
 * Internal signal, thrown and caught within this module: this attempt saw the
 * files change, or could not be confirmed yet; try again. Not an Error, so
 * throwing it (on every pass of read()) captures no stack trace.
 */
class Retry {
  constructor(
    readonly reason: string,
    /** count: uses up one of maxAttempts; sleep: back off before the next attempt. */
    readonly policy: { count: boolean; sleep: boolean } = { count: true, sleep: true },
    readonly cause?: unknown,
  ) {}
}

export class SqliteReader {
  private readonly path: string;
  private readonly walPath: string;
  private readonly opts: Required<SqliteReadOptions>;
  /**
   * Inside SqliteReader.read() the whole callback is validated (and retried) at
   * once; a reader from open() validates each call on its own.
   */
  private readonly managed: boolean;
  private s: Snapshot | null;
  private lastInfo: SqliteSnapshotInfo;
  private readonly cache = new Map<number, Buffer>();
  private cacheCapacity: number;
  private schema: Map<string, SchemaEntry> | null = null;
  private schemaOrder: SchemaEntry[] = [];
  private readonly layouts = new Map<string, TableLayout>();
  private pageReads = 0;
  /** Pages taken from the main file: a checkpoint may overwrite them, the validation checks for that. */
  private readonly mainPagesRead = new Set<number>();
  /** Results an open() reader already returned, replayed when it has to move to a new snapshot. */
  private readonly served: Array<{ run: () => unknown; result: unknown }> = [];

  private constructor(path: string, snap: Snapshot, opts: Required<SqliteReadOptions>, managed: boolean) {
    this.path = path;
    this.walPath = `${path}-wal`;
    this.s = snap;
    this.lastInfo = snap.info;
    this.opts = opts;
    this.managed = managed;
    this.cacheCapacity = Math.max(16, Math.floor(PAGE_CACHE_BYTES / snap.pageSize));
  }

  /**
   * Opens `dbPath` (and `dbPath-wal` if present) read-only and takes a snapshot:
   * header and WAL frame index (checksums verified; only frames not indexed by
   * an earlier open are read). Every later call is validated against the files;
   * if a writer invalidated the snapshot, the reader moves to a new one, provided
   * everything it already returned is still the same there (else it throws
   * SqliteChangedError). To read several tables as one snapshot with retries,
   * prefer SqliteReader.read().
   */
  static open(dbPath: string, options: SqliteReadOptions = {}): SqliteReader {
    const opts = resolveOptions(options);
    return new SqliteReader(
      dbPath,
      retrying(dbPath, opts, () => openSnapshot(dbPath)),
      opts,
      false,
    );
  }

  /**
   * Runs `fn` on one consistent snapshot of `dbPath` and returns its result.
   *
   * The callback runs once per pass on a fresh reader that is closed afterwards.
   * A pass counts only if it validates (the files did not change under it; see
   * the file comment), and the result is returned once two consecutive valid
   * passes over the same main file returned equal results (compared
   * structurally: primitives, bigint, byte arrays, arrays, plain objects, Map,
   * Set). The second pass guards against what the validation cannot see (a
   * non-SQLite writer within the mtime granularity). Under a writer the whole
   * callback is retried with a short, jittered back-off: at most
   * options.maxAttempts (20) invalid passes within options.maxWaitMs (1000 ms),
   * then SqliteChangedError ("<file> kept changing while it was read; try
   * again"); a hot rollback journal that does not go away gives SqliteBusyError.
   * Two valid passes that disagree (a commit landed between them) use no
   * attempt. Errors that repeat on unchanged files (corruption, a missing table,
   * an exception of the callback) are thrown as they are.
   *
   * The callback must therefore be pure: read through `r`, compute, return plain
   * data; no side effects, no use of `r` after it returns.
   */
  static read<T>(dbPath: string, fn: (r: SqliteReader) => T, options: SqliteReadOptions = {}): T {
    const opts = resolveOptions(options);
    let prev: { key: string; value: T } | undefined;
    return retrying(dbPath, opts, () => {
      const r = new SqliteReader(dbPath, openSnapshot(dbPath), opts, true);
      try {
        let value: T;
        try {
          value = fn(r);
        } catch (e) {
          throw r.classify(e);
        }
        const why = r.changedSince();
        if (why !== null) throw new Retry(why);
        const key = `${r.snap().base.main.dev}:${r.snap().base.main.ino}`;
        const before = prev;
        prev = { key, value };
        if (before === undefined) throw new Retry('not confirmed by a second pass', { count: false, sleep: false });
        if (before.key !== key)
          throw new Retry('the database file was replaced between two passes', { count: true, sleep: false });
        // Two clean passes that disagree saw a commit land between them: progress, not a failed
        // read, so it uses no attempt (the time budget and the pass cap still bound it).
        if (!sameResult(before.value, value))
          throw new Retry('two passes returned different results', { count: false, sleep: false });
        return value;
      } finally {
        r.close();
      }
    });
  }

  /** Snapshot metadata (of the newest snapshot this reader used). */
  get info(): SqliteSnapshotInfo {
    return this.lastInfo;
  }

  /** Number of pages loaded from disk (cache misses) since open; for cost assertions. */
  get pagesRead(): number {
    return this.pageReads;
  }

  /** Names of all tables (type 'table' in sqlite_schema), in schema order. */
  tableNames(): string[] {
    return this.guarded(() => {
      this.loadSchema();
      return this.schemaOrder.filter((e) => e.type === 'table').map((e) => e.name);
    });
  }

  /** ASCII case-insensitive; also true for sqlite_schema/sqlite_master, which rows() can read. */
  hasTable(name: string): boolean {
    return this.guarded(() => this.findTable(name) !== null);
  }

  columns(table: string): string[] {
    return this.guarded(() => [...this.layout(table).columns]);
  }

  /** Full scan of a rowid table, in rowid order. */
  rows(table: string): Array<Record<string, SqlValue>> {
    return this.guarded(() => this.rowsImpl(table));
  }

  /**
   * Rows whose `column` satisfies `accept`. The column is read from the part of each cell stored
   * on the leaf page, so rows that do not match never have their overflow pages read: reading the
   * two auth rows of `config_machine_state` skips its other (possibly huge) cells. `accept` must
   * be pure (it may run again when a read is retried).
   */
  rowsWhere(table: string, column: string, accept: (v: SqlValue) => boolean): Array<Record<string, SqlValue>> {
    return this.guarded(() => this.rowsWhereImpl(table, column, accept));
  }

  close(): void {
    const s = this.s;
    if (s === null) return;
    this.s = null;
    closeSnapshot(s);
    this.cache.clear();
  }

  // ---------------------------------------------------------------- validation

  private snap(): Snapshot {
    if (this.s === null) throw new Error(`${this.path}: reader is closed`);
    return this.s;
  }

  /**
   * Why the files no longer match this snapshot, or null when every page read so
   * far belongs to it. The WAL is re-indexed first and its header compared after,
   * so a restart during the re-index cannot hide a checkpoint.
   */
  private changedSince(): string | null {
    const s = this.snap();
    // In WAL mode the main file is written only by checkpoints, which copy committed WAL frames.
    // A frame committed after this snapshot that touches a page taken from the main file is
    // exactly what such a copy could have overwritten, so the WAL is re-indexed (cheap: only new
    // frames) and checked instead of the main file's mtime, which every checkpoint changes.
    const walMode = s.wal !== null && s.walFd !== null && s.base.wal !== null && isWalModeHeader(s.base.mainHead);
    if (s.wal !== null && s.walFd !== null && s.base.wal !== null) {
      const now = stampOf(fs.fstatSync(s.walFd, { bigint: true }));
      const grew = now.size > s.base.wal.size;
      if ((walMode || grew) && this.mainPagesRead.size > 0 && now.size >= s.base.wal.size) {
        const latest = walIndexFor(s.walFd, this.walPath, { ...s.base, wal: now }, s.wal.hdr).index;
        for (const pgno of this.mainPagesRead) {
          if (pageOffset(latest.pages, pgno) !== undefined)
            return `page ${pgno} was committed again while it was read from the database file`;
        }
      }
    }
    // The WAL header is compared after the re-index: unchanged, no restart can have hidden frames from it.
    return filesChanged(this.path, s.fd, s.walFd, s.base, walMode);
  }

  /** An error from reading turns into a retry when the files changed meanwhile. */
  private classify(e: unknown): unknown {
    if (e instanceof Retry || e instanceof SqliteBusyError || e instanceof SqliteChangedError || this.s === null)
      return e;
    let why: string | null;
    try {
      why = this.changedSince();
    } catch {
      return e;
    }
    return why === null ? e : new Retry(why, undefined, e);
  }

  /**
   * Runs one public call of an open() reader and validates it. When the snapshot
   * was invalidated, the reader takes a new one, replays what it already returned
   * (all of it must come out the same, so every result stays one consistent view)
   * and runs the call again.
   */
  private guarded<T>(run: () => T): T {
    this.snap();
    if (this.managed) return run();
    const value = retrying(this.path, this.opts, (attempt) => {
      try {
        let stale = false;
        if (attempt > 0) {
          this.resnapshot();
          stale = this.served.some((c) => !sameResult(c.run(), c.result));
        }
        const v = run();
        const why = this.changedSince();
        if (why !== null) throw new Retry(why);
        if (stale) {
          throw new SqliteChangedError(
            `${this.path} changed while it was read: data this reader already returned is out of date; read it again`,
          );
        }
        return v;
      } catch (e) {
        throw this.classify(e);
      }
    });
    this.served.push({ run, result: cloneResult(value) });
    return value;
  }

  private resnapshot(): void {
    const next = openSnapshot(this.path);
    const old = this.s;
    this.s = next;
    if (old !== null) closeSnapshot(old);
    this.lastInfo = next.info;
    this.cache.clear();
    this.cacheCapacity = Math.max(16, Math.floor(PAGE_CACHE_BYTES / next.pageSize));
    this.schema = null;
    this.schemaOrder = [];
    this.layouts.clear();
    this.mainPagesRead.clear();
  }

  // ---------------------------------------------------------------- rows

  private rowsImpl(table: string): Array<Record<string, SqlValue>> {
    const layout = this.layout(table);
    if (layout.unsupported !== null)
      throw new SqliteUnsupportedError(`${this.path}: table ${table}: ${layout.unsupported}`);
    const out: Array<Record<string, SqlValue>> = [];
    for (const { rowid, payload } of this.scanTable(layout.rootPage))
      out.push(this.buildRow(layout, table, rowid, payload));
    return out;
  }

  private rowsWhereImpl(
    table: string,
    column: string,
    accept: (v: SqlValue) => boolean,
  ): Array<Record<string, SqlValue>> {
    const layout = this.layout(table);
    if (layout.unsupported !== null)
      throw new SqliteUnsupportedError(`${this.path}: table ${table}: ${layout.unsupported}`);
    const idx = layout.columns.findIndex((c) => asciiLower(c) === asciiLower(column));
    if (idx < 0) throw new Error(`${this.path}: table ${table} has no column ${column}`);
    const enc = this.lastInfo.textEncoding;
    const keep =
      idx === layout.rowidAlias
        ? undefined
        : (local: Buffer): boolean => {
            const v = peekColumn(local, idx, enc);
            return v === NOT_LOCAL || accept(v);
          };
    const out: Array<Record<string, SqlValue>> = [];
    for (const { rowid, payload } of this.scanTable(layout.rootPage, keep)) {
      const row = this.buildRow(layout, table, rowid, payload);
      if (accept(row[layout.columns[idx] as string] ?? null)) out.push(row);
    }
    return out;
  }

  /** One row object: the rowid alias column gets the rowid; columns added later get their default. */
  private buildRow(
    layout: TableLayout,
    table: string,
    rowid: number | bigint,
    payload: Buffer,
  ): Record<string, SqlValue> {
    const values = decodeRecord(payload, this.lastInfo.textEncoding, this.path);
    const row: Record<string, SqlValue> = {};
    layout.columns.forEach((col, i) => {
      let v: SqlValue;
      if (i === layout.rowidAlias) v = rowid;
      else if (i < values.length) v = values[i] ?? null;
      else v = this.defaultValue(layout, i, table);
      setProp(row, col, v);
    });
    return row;
  }

  // ---------------------------------------------------------------- schema

  private loadSchema(): Map<string, SchemaEntry> {
    if (this.schema !== null) return this.schema;
    const map = new Map<string, SchemaEntry>();
    const order: SchemaEntry[] = [];
    const pageCount = this.snap().pageCount;
    // Only tables are looked up; skipping index/trigger/view rows before their (often
    // overflowing) SQL text is read keeps schema loading cheap on openclaw's 300-object DBs.
    const enc = this.lastInfo.textEncoding;
    const onlyTables = (local: Buffer): boolean => {
      const t = peekColumn(local, 0, enc);
      return t === NOT_LOCAL || t === 'table';
    };
    for (const { payload } of this.scanTable(1, onlyTables)) {
      const [type, name, , rootPage, sql] = decodeRecord(payload, enc, this.path);
      if (typeof type !== 'string' || typeof name !== 'string') {
        throw new SqliteFormatError(`${this.path}: malformed sqlite_schema row`);
      }
      if (type === 'table' && typeof sql === 'string') {
        // A row whose name is not the one its CREATE statement creates, or whose root page lies
        // outside the database, is damage (or pages of two different versions): never use it.
        const created = createdTableName(sql);
        if (created === null || asciiLower(created.name) !== asciiLower(name)) {
          const holds =
            created === null ? 'no CREATE TABLE statement' : `the CREATE TABLE statement of "${created.name}"`;
          throw new SqliteFormatError(
            `${this.path}: malformed sqlite_schema: the row of table "${name}" holds ${holds}`,
          );
        }
        const rootOk = created.virtual
          ? rootPage === 0 || rootPage === null
          : typeof rootPage === 'number' && Number.isInteger(rootPage) && rootPage >= 2 && rootPage <= pageCount;
        if (!rootOk) {
          throw new SqliteFormatError(
            `${this.path}: malformed sqlite_schema: table "${name}" has root page ${String(rootPage)} (database has ${pageCount} pages)`,
          );
        }
      }
      const entry: SchemaEntry = {
        type,
        name,
        rootPage: typeof rootPage === 'number' ? rootPage : 0,
        sql: typeof sql === 'string' ? sql : null,
      };
      order.push(entry);
      if (type === 'table') map.set(asciiLower(name), entry);
    }
    this.schema = map;
    this.schemaOrder = order;
    return map;
  }

  /** Table lookup is ASCII case-insensitive, like SQLite identifiers. */
  private findTable(name: string): SchemaEntry | null {
    const key = asciiLower(name);
    if (key === 'sqlite_schema' || key === 'sqlite_master') {
      return { type: 'table', name, rootPage: 1, sql: null };
    }
    return this.loadSchema().get(key) ?? null;
  }

  private layout(table: string): TableLayout {
    const key = asciiLower(table);
    const cached = this.layouts.get(key);
    if (cached) return cached;
    const entry = this.findTable(table);
    if (entry === null) throw new Error(`${this.path}: no such table: ${table}`);
    let layout: TableLayout;
    if (entry.rootPage === 1 && entry.sql === null) {
      layout = {
        rootPage: 1,
        columns: SCHEMA_COLUMNS,
        rowidAlias: -1,
        defaults: SCHEMA_COLUMNS.map(() => ({ kind: 'value', value: null })),
        unsupported: null,
      };
    } else {
      if (entry.sql === null) throw new SqliteFormatError(`${this.path}: table ${entry.name} has no CREATE statement`);
      const def = parseCreateTable(entry.sql);
      let unsupported: string | null = null;
      if (def.virtual) unsupported = 'virtual tables are not supported';
      else if (def.withoutRowid) unsupported = 'WITHOUT ROWID tables are not supported';
      else if (def.hasVirtualGenerated) unsupported = 'VIRTUAL generated columns are not supported';
      else if (!Number.isInteger(entry.rootPage) || entry.rootPage < 1) {
        throw new SqliteFormatError(`${this.path}: table ${entry.name} has invalid root page ${entry.rootPage}`);
      }
      layout = {
        rootPage: entry.rootPage,
        columns: def.columns.map((c) => c.name),
        rowidAlias: def.rowidAlias,
        defaults: def.columns.map((c) => c.dflt),
        unsupported,
      };
    }
    this.layouts.set(key, layout);
    return layout;
  }

  private defaultValue(layout: TableLayout, i: number, table: string): SqlValue {
    const d = layout.defaults[i];
    if (d === undefined) return null;
    if (d.kind === 'value') return d.value;
    throw new SqliteUnsupportedError(
      `${this.path}: table ${table}: row predates column ${layout.columns[i] ?? i} whose default is an expression (${d.text})`,
    );
  }

  // ---------------------------------------------------------------- b-tree

  /**
   * In-order walk of a table b-tree. Iterative (no recursion depth issues) and
   * every page may be visited once, so corrupt child pointers that form a cycle
   * are reported instead of looping forever.
   */
  private *scanTable(
    rootPage: number,
    keep?: (local: Buffer) => boolean,
  ): Generator<{ rowid: number | bigint; payload: Buffer }> {
    const { pageCount, usableSize } = this.snap();
    if (pageCount === 0) return; // empty database: not even sqlite_schema has a page yet
    const visited = new Set<number>();
    const stack: number[] = [rootPage];
    const depths: number[] = [1];
    while (stack.length > 0) {
      const pgno = stack.pop() as number;
      const depth = depths.pop() as number;
      if (visited.has(pgno)) throw new SqliteFormatError(`${this.path}: b-tree cycle at page ${pgno}`);
      if (depth > MAX_BTREE_DEPTH)
        throw new SqliteFormatError(`${this.path}: b-tree deeper than ${MAX_BTREE_DEPTH} levels at page ${pgno}`);
      visited.add(pgno);
      const page = this.getPage(pgno, true);
      const hdr = pgno === 1 ? DB_HEADER_SIZE : 0;
      const type = page[hdr];
      if (type !== PAGE_TYPE_TABLE_INTERIOR && type !== PAGE_TYPE_TABLE_LEAF) {
        throw new SqliteFormatError(`${this.path}: page ${pgno} is not a table b-tree page (type ${type})`);
      }
      const interior = type === PAGE_TYPE_TABLE_INTERIOR;
      const nCells = page.readUInt16BE(hdr + 3);
      const ptrArray = hdr + (interior ? 12 : 8);
      const cellsStart = ptrArray + 2 * nCells;
      if (cellsStart > usableSize) {
        throw new SqliteFormatError(`${this.path}: page ${pgno} claims ${nCells} cells, more than fit`);
      }
      const cellAt = (i: number): number => {
        const off = page.readUInt16BE(ptrArray + 2 * i);
        if (off < cellsStart || off >= usableSize) {
          throw new SqliteFormatError(`${this.path}: page ${pgno} cell ${i} offset ${off} out of range`);
        }
        return off;
      };
      if (interior) {
        // Push children in reverse so the left-most subtree is popped first.
        stack.push(page.readUInt32BE(hdr + 8));
        depths.push(depth + 1);
        for (let i = nCells - 1; i >= 0; i--) {
          const off = cellAt(i);
          if (off + 4 > usableSize) throw new SqliteFormatError(`${this.path}: page ${pgno} cell ${i} truncated`);
          stack.push(page.readUInt32BE(off));
          depths.push(depth + 1);
        }
      } else {
        for (let i = 0; i < nCells; i++) {
          const cell = this.readLeafCell(page, pgno, cellAt(i), keep);
          if (cell) yield cell;
        }
      }
    }
  }

  private readLeafCell(
    page: Buffer,
    pgno: number,
    off: number,
    keep?: (local: Buffer) => boolean,
  ): { rowid: number | bigint; payload: Buffer } | null {
    const { usableSize: U, availablePages } = this.snap();
    const size = readVarint(page, off, U, this.path);
    const P = size.value;
    if (typeof P !== 'number' || P < 0 || P > MAX_PAYLOAD) {
      throw new SqliteFormatError(`${this.path}: page ${pgno}: bad payload size ${String(P)}`);
    }
    const key = readVarint(page, size.next, U, this.path);
    const start = key.next;
    // Spill rules for table leaf cells (fileformat2 §1.6): X is the largest
    // payload kept entirely on the page; otherwise M..X bytes stay local,
    // chosen so the overflow part fills whole overflow pages when possible.
    const X = U - 35;
    let local = P;
    if (P > X) {
      const M = Math.floor(((U - 12) * 32) / 255) - 23;
      const K = M + ((P - M) % (U - 4));
      local = K <= X ? K : M;
    }
    const localEnd = start + local;
    if (localEnd + (local < P ? 4 : 0) > U) {
      throw new SqliteFormatError(`${this.path}: page ${pgno}: cell payload runs past the page`);
    }
    if (local === P) return { rowid: key.value, payload: page.subarray(start, localEnd) };
    if (keep && !keep(page.subarray(start, localEnd))) return null;

    // The chain length is fixed by P, which bounds the loop even if corrupt;
    // checking it against the pages that really exist first also stops a corrupt
    // size from forcing a huge allocation.
    const chunk = U - 4;
    const needed = Math.ceil((P - local) / chunk);
    if (needed > availablePages) {
      throw new SqliteFormatError(
        `${this.path}: page ${pgno}: payload of ${P} bytes needs ${needed} overflow pages, more than the database holds (${availablePages})`,
      );
    }
    const payload = Buffer.allocUnsafe(P);
    page.copy(payload, 0, start, localEnd);
    let filled = local;
    let next = page.readUInt32BE(localEnd);
    const seen = new Set<number>();
    while (filled < P) {
      if (next === 0 || seen.has(next)) {
        throw new SqliteFormatError(`${this.path}: page ${pgno}: broken overflow chain (next page ${next})`);
      }
      seen.add(next);
      const ovfl = this.getPage(next, false);
      const n = Math.min(chunk, P - filled);
      ovfl.copy(payload, filled, 4, 4 + n);
      filled += n;
      next = ovfl.readUInt32BE(0);
    }
    return { rowid: key.value, payload };
  }

  // ---------------------------------------------------------------- pages

  /** Newest committed copy of a page: WAL frame if any, else the main file. */
  private getPage(pgno: number, cacheIt: boolean): Buffer {
    const s = this.snap();
    if (!Number.isInteger(pgno) || pgno < 1 || pgno > s.pageCount) {
      throw new SqliteFormatError(`${this.path}: page ${pgno} out of range (database has ${s.pageCount} pages)`);
    }
    const hit = this.cache.get(pgno);
    if (hit) {
      // Refresh LRU position (Map iterates in insertion order).
      this.cache.delete(pgno);
      this.cache.set(pgno, hit);
      return hit;
    }
    let page: Buffer;
    const walOffset = pageOffset(s.walPages, pgno);
    if (walOffset !== undefined && s.walFd !== null && s.wal !== null) {
      // Re-read the frame header too: if a writer restarted the WAL since the
      // snapshot, the salts differ and the indexed frames are gone.
      const frame = Buffer.allocUnsafe(WAL_FRAME_HEADER_SIZE + s.pageSize);
      readExactly(s.walFd, frame, frame.length, walOffset - WAL_FRAME_HEADER_SIZE, this.walPath);
      if (frame.readUInt32BE(8) !== s.wal.hdr.salt1 || frame.readUInt32BE(12) !== s.wal.hdr.salt2) {
        throw new SqliteFormatError(
          `${this.walPath} was reset by a writer while reading; reopen to get a new snapshot`,
        );
      }
      page = frame.subarray(WAL_FRAME_HEADER_SIZE);
    } else {
      page = Buffer.allocUnsafe(s.pageSize);
      readExactly(s.fd, page, s.pageSize, (pgno - 1) * s.pageSize, this.path);
      this.mainPagesRead.add(pgno);
    }
    this.pageReads++;
    if (cacheIt) {
      if (this.cache.size >= this.cacheCapacity) {
        const oldest = this.cache.keys().next();
        if (!oldest.done) this.cache.delete(oldest.value);
      }
      this.cache.set(pgno, page);
    }
    return page;
  }
}

// ------------------------------------------------------------------ snapshots

function resolveOptions(o: SqliteReadOptions): Required<SqliteReadOptions> {
  return {
    maxAttempts: Math.max(1, Math.floor(o.maxAttempts ?? DEFAULT_MAX_ATTEMPTS)),
    maxWaitMs: Math.max(0, o.maxWaitMs ?? DEFAULT_MAX_WAIT_MS),
  };
}

/**
 * Captures the files' identity, then builds a snapshot (header, WAL index) and
 * checks the files did not change meanwhile. Errors of an attempt during which
 * the files changed become a Retry.
 */
function openSnapshot(dbPath: string): Snapshot {
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

function closeSnapshot(s: Snapshot): void {
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
function filesChanged(
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

/** Header bytes 18/19 (read/write version) are 2 in WAL mode; then only checkpoints write the main file. */
function isWalModeHeader(head: Buffer): boolean {
  return head.length >= DB_HEADER_SIZE && head[18] === 2 && head[19] === 2;
}

function stampOf(st: fs.BigIntStats): Stamp {
  return { dev: st.dev, ino: st.ino, size: st.size, mtimeNs: st.mtimeNs, ctimeNs: st.ctimeNs };
}

function sameStamp(a: Stamp, b: Stamp): boolean {
  return a.dev === b.dev && a.ino === b.ino && a.size === b.size && a.mtimeNs === b.mtimeNs && a.ctimeNs === b.ctimeNs;
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

// ------------------------------------------------------------------ retries

const sleepCell = new Int32Array(new SharedArrayBuffer(4));
function sleepMs(ms: number): void {
  Atomics.wait(sleepCell, 0, 0, ms);
}

/**
 * Runs `attempt` until it returns. A Retry or SqliteBusyError backs off (1, 2,
 * 4 ... 64 ms, jittered) and tries again, at most opts.maxAttempts times within
 * opts.maxWaitMs. Any other error is tried once more (a torn read can look like
 * corruption even when the file identity did not visibly change) and thrown if
 * it repeats.
 */
function retrying<T>(file: string, opts: Required<SqliteReadOptions>, attempt: (n: number) => T): T {
  const t0 = Date.now();
  let failures = 0;
  let delay = 1;
  let genuine: unknown;
  for (let n = 0; ; n++) {
    try {
      return attempt(n);
    } catch (e) {
      if (e instanceof SqliteChangedError) throw e;
      if (!(e instanceof Retry) && !(e instanceof SqliteBusyError)) {
        if ((genuine !== undefined && sameError(genuine, e)) || ++failures >= opts.maxAttempts) throw e;
        genuine = e;
        continue;
      }
      genuine = undefined;
      const policy = e instanceof Retry ? e.policy : { count: true, sleep: true };
      if (policy.count) failures++;
      const elapsed = Date.now() - t0;
      if (
        failures >= opts.maxAttempts ||
        elapsed + (policy.sleep ? delay : 0) > opts.maxWaitMs ||
        n >= 4 * opts.maxAttempts
      ) {
        if (e instanceof SqliteBusyError) throw e;
        throw new SqliteChangedError(
          `${file} kept changing while it was read; try again (${failures} attempts in ${elapsed} ms; last: ${e.reason})`,
          { cause: e.cause ?? e },
        );
      }
      if (policy.sleep) {
        // Jitter keeps retries from falling into step with a writer's commit rhythm.
        sleepMs(delay * (0.5 + Math.random()));
        delay = Math.min(delay * 2, MAX_BACKOFF_MS);
      }
    }
  }
}

function sameError(a: unknown, b: unknown): boolean {
  return a instanceof Error && b instanceof Error && a.constructor === b.constructor && a.message === b.message;
}

/** Structural equality for callback results (primitives, bigint, byte arrays, arrays, objects, Map, Set). */
function sameResult(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (ArrayBuffer.isView(a) || ArrayBuffer.isView(b)) {
    if (!ArrayBuffer.isView(a) || !ArrayBuffer.isView(b)) return false;
    return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((v, i) => sameResult(v, b[i]));
  }
  if (a instanceof Map || b instanceof Map) {
    if (!(a instanceof Map) || !(b instanceof Map) || a.size !== b.size) return false;
    for (const [k, v] of a) if (!b.has(k) || !sameResult(v, b.get(k))) return false;
    return true;
  }
  if (a instanceof Set || b instanceof Set) {
    if (!(a instanceof Set) || !(b instanceof Set) || a.size !== b.size) return false;
    for (const v of a) if (!b.has(v)) return false;
    return true;
  }
  if (a instanceof Date || b instanceof Date)
    return a instanceof Date && b instanceof Date && a.getTime() === b.getTime();
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  return ka.every((k, i) => kb[i] === k && sameResult(ra[k], rb[k]));
}

/** A copy for sameResult() that later mutation by the caller cannot affect. */
function cloneResult(v: unknown): unknown {
  if (typeof v !== 'object' || v === null) return v;
  if (ArrayBuffer.isView(v)) return Uint8Array.from(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
  if (Array.isArray(v)) return v.map(cloneResult);
  if (v instanceof Map) return new Map([...v].map(([k, x]) => [k, cloneResult(x)]));
  if (v instanceof Set) return new Set(v);
  if (v instanceof Date) return new Date(v.getTime());
  const out = Object.create(Object.getPrototypeOf(v) as object | null) as Record<string, unknown>;
  for (const k of Object.keys(v)) {
    Object.defineProperty(out, k, {
      value: cloneResult((v as Record<string, unknown>)[k]),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}

// ------------------------------------------------------------------ file I/O

function openIfExists(path: string): number | null {
  try {
    return fs.openSync(path, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

function statIfExists(path: string): fs.BigIntStats | null {
  return fs.statSync(path, { bigint: true, throwIfNoEntry: false }) ?? null;
}

/** Up to `n` bytes from the start of the file (fewer only at EOF). */
function readHead(fd: number, n: number): Buffer {
  const buf = Buffer.alloc(n);
  const got = readAt(fd, buf, 0, n, 0);
  return got === n ? buf : buf.subarray(0, got);
}

/** Reads up to `length` bytes at `position`; returns how many were read (short only at EOF). */
function readAt(fd: number, buf: Buffer, offset: number, length: number, position: number): number {
  let done = 0;
  while (done < length) {
    const n = fs.readSync(fd, buf, offset + done, length - done, position + done);
    if (n === 0) break;
    done += n;
  }
  return done;
}

function readExactly(fd: number, buf: Buffer, length: number, position: number, what: string): void {
  if (readAt(fd, buf, 0, length, position) !== length) {
    throw new SqliteFormatError(`${what}: unexpected end of file reading ${length} bytes at offset ${position}`);
  }
}

function headerMissing(path: string): SqliteFormatError {
  return new SqliteFormatError(`${path} is not a SQLite database (header missing)`);
}

function hasDbMagic(buf: Buffer): boolean {
  return buf.length >= DB_MAGIC.length && buf.subarray(0, DB_MAGIC.length).equals(DB_MAGIC);
}

function isValidPageSize(n: number): boolean {
  return n >= 512 && n <= 65536 && (n & (n - 1)) === 0;
}

function parseDbHeader(buf: Buffer, path: string, where: string): DbHeader {
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

// ------------------------------------------------------------------ WAL

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
function parseWalHeader(
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
function walIndexFor(
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

/**
 * The table a stored "CREATE [TEMP] [VIRTUAL] TABLE [IF NOT EXISTS] [schema.]name ..."
 * statement creates (identifier unquoted), or null when it is not such a statement.
 */
function createdTableName(sql: string): { name: string; virtual: boolean } | null {
  let i = 0;
  const skipSpace = (): void => {
    for (;;) {
      while (i < sql.length && /\s/.test(sql[i] as string)) i++;
      if (sql.startsWith('--', i)) {
        const nl = sql.indexOf('\n', i);
        i = nl < 0 ? sql.length : nl + 1;
      } else if (sql.startsWith('/*', i)) {
        const end = sql.indexOf('*/', i + 2);
        i = end < 0 ? sql.length : end + 2;
      } else return;
    }
  };
  const bareWord = (): string | null => {
    const m = /^[A-Za-z_\u0080-\uffff][A-Za-z0-9_$\u0080-\uffff]*/.exec(sql.slice(i, i + 2048));
    if (m === null) return null;
    i += m[0].length;
    return m[0];
  };
  const keyword = (w: string): boolean => {
    const save = i;
    skipSpace();
    const word = bareWord();
    if (word !== null && word.toUpperCase() === w) return true;
    i = save;
    return false;
  };
  const ident = (): string | null => {
    skipSpace();
    const c = sql[i];
    const close = c === '"' ? '"' : c === '`' ? '`' : c === "'" ? "'" : c === '[' ? ']' : null;
    if (close === null) return bareWord();
    let s = '';
    for (i++; i < sql.length; i++) {
      const ch = sql[i] as string;
      if (ch !== close) s += ch;
      else if (close !== ']' && sql[i + 1] === close) {
        s += close;
        i++;
      } else {
        i++;
        return s;
      }
    }
    return null;
  };
  if (!keyword('CREATE')) return null;
  if (!keyword('TEMP')) keyword('TEMPORARY');
  const virtual = keyword('VIRTUAL');
  if (!keyword('TABLE')) return null;
  const save = i;
  if (!(keyword('IF') && keyword('NOT') && keyword('EXISTS'))) i = save;
  let name = ident();
  if (name === null) return null;
  skipSpace();
  if (sql[i] === '.') {
    i++;
    name = ident();
  }
  return name === null ? null : { name, virtual };
}

// ------------------------------------------------------------------ records

interface Varint {
  value: number | bigint;
  next: number;
}

/**
 * SQLite varint: 1-9 bytes, big-endian, 7 bits per byte with a continuation
 * high bit, except the 9th byte which contributes all 8 bits. The result is a
 * signed 64-bit integer (rowids may be negative).
 */
function readVarint(buf: Buffer, pos: number, end: number, path: string): Varint {
  let v = 0;
  for (let i = 0; i < 7; i++) {
    if (pos + i >= end) throw new SqliteFormatError(`${path}: varint runs past the end of its page/record`);
    const b = buf[pos + i] as number;
    v = v * 128 + (b & 0x7f);
    if (b < 0x80) return { value: v, next: pos + i + 1 };
  }
  // 8th/9th byte: beyond 49 bits, switch to exact bigint arithmetic.
  if (pos + 8 >= end) throw new SqliteFormatError(`${path}: varint runs past the end of its page/record`);
  let big = BigInt(v);
  const b7 = buf[pos + 7] as number;
  big = (big << 7n) | BigInt(b7 & 0x7f);
  let next = pos + 8;
  if (b7 >= 0x80) {
    big = (big << 8n) | BigInt(buf[pos + 8] as number);
    next = pos + 9;
  }
  return { value: narrow(BigInt.asIntN(64, big)), next };
}

function narrow(v: bigint): number | bigint {
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

function decodeText(buf: Buffer, start: number, end: number, enc: SqliteTextEncoding): string {
  if (enc === 'utf8') return buf.toString('utf8', start, end);
  if (enc === 'utf16le') return buf.toString('utf16le', start, end);
  const copy = Buffer.from(buf.subarray(start, start + ((end - start) & ~1)));
  return copy.swap16().toString('utf16le');
}

/** Decodes a record (fileformat2 §2.1): header of serial types, then the values. */
const NOT_LOCAL: unique symbol = Symbol('not local');

/** Decodes column `idx` from the local (on-page) prefix of a record, or NOT_LOCAL if it is not all there. */
function peekColumn(local: Buffer, idx: number, enc: SqliteTextEncoding): SqlValue | typeof NOT_LOCAL {
  try {
    const hs = readVarint(local, 0, local.length, '');
    if (typeof hs.value !== 'number' || hs.value > local.length) return NOT_LOCAL;
    let pos = hs.next;
    let body = hs.value;
    for (let i = 0; pos < hs.value; i++) {
      const st = readVarint(local, pos, hs.value, '');
      pos = st.next;
      const t = Number(st.value);
      const size = t >= 12 ? Math.floor((t - 12) / 2) : ([0, 1, 2, 3, 4, 6, 8, 8, 0, 0, 0, 0][t] ?? 0);
      if (i === idx) {
        if (body + size > local.length) return NOT_LOCAL;
        if (t >= 13 && t % 2 === 1) return decodeText(local, body, body + size, enc);
        if (t === 0) return null;
        return NOT_LOCAL; // only TEXT/NULL keys are filtered early; others decode fully
      }
      body += size;
    }
    return null; // fewer columns than idx: the column is absent (NULL or default)
  } catch {
    return NOT_LOCAL;
  }
}

function decodeRecord(payload: Buffer, enc: SqliteTextEncoding, path: string): SqlValue[] {
  const bad = (why: string): SqliteFormatError => new SqliteFormatError(`${path}: malformed record: ${why}`);
  const h = readVarint(payload, 0, payload.length, path);
  const headerSize = h.value;
  if (typeof headerSize !== 'number' || headerSize < h.next || headerSize > payload.length) throw bad('header size');
  const out: SqlValue[] = [];
  let hp = h.next;
  let bp = headerSize;
  while (hp < headerSize) {
    const st = readVarint(payload, hp, headerSize, path);
    hp = st.next;
    const t = st.value;
    if (typeof t !== 'number' || t < 0) throw bad(`serial type ${String(t)}`);
    const need = t >= 12 ? (t - (t & 1 ? 13 : 12)) / 2 : (([0, 1, 2, 3, 4, 6, 8, 8, 0, 0] as const)[t] ?? -1);
    if (need < 0) throw bad(`reserved serial type ${t}`);
    if (bp + need > payload.length) throw bad('value runs past the payload');
    let v: SqlValue;
    switch (t) {
      case 0:
        v = null;
        break;
      case 1:
        v = payload.readInt8(bp);
        break;
      case 2:
        v = payload.readInt16BE(bp);
        break;
      case 3:
        v = payload.readIntBE(bp, 3);
        break;
      case 4:
        v = payload.readInt32BE(bp);
        break;
      case 5:
        v = payload.readIntBE(bp, 6);
        break;
      case 6:
        v = narrow(payload.readBigInt64BE(bp));
        break;
      case 7:
        v = payload.readDoubleBE(bp);
        break;
      case 8:
        v = 0;
        break;
      case 9:
        v = 1;
        break;
      default:
        if (t & 1) v = decodeText(payload, bp, bp + need, enc);
        else {
          // Copy so callers never hold (or mutate) a view into the page cache.
          const blob = new Uint8Array(need);
          blob.set(payload.subarray(bp, bp + need));
          v = blob;
        }
    }
    out.push(v);
    bp += need;
  }
  return out;
}

function setProp(row: Record<string, SqlValue>, key: string, v: SqlValue): void {
  // A column literally named "__proto__" must become an own property.
  if (key === '__proto__')
    Object.defineProperty(row, key, { value: v, enumerable: true, writable: true, configurable: true });
  else row[key] = v;
}

function asciiLower(s: string): string {
  return s.replace(/[A-Z]/g, (c) => c.toLowerCase());
}

// ------------------------------------------------------------------ CREATE TABLE parsing

interface Token {
  kind: 'word' | 'id' | 'str' | 'num' | 'blob' | 'punct';
  /** Unquoted value for id/str/blob(hex digits); raw text otherwise. */
  text: string;
}

interface ColumnDef {
  name: string;
  dflt: ColumnDefault;
}

interface TableDef {
  columns: ColumnDef[];
  rowidAlias: number;
  withoutRowid: boolean;
  virtual: boolean;
  hasVirtualGenerated: boolean;
}

function unsupportedSql(why: string, sql: string): SqliteUnsupportedError {
  return new SqliteUnsupportedError(`cannot parse CREATE TABLE (${why}): ${sql.slice(0, 200)}`);
}

function tokenize(sql: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  const quoted = (close: string, doubled: boolean): string => {
    // i points at the opening quote; a doubled closing quote is an escape.
    let s = '';
    i++;
    for (;;) {
      if (i >= sql.length) throw unsupportedSql('unterminated quote', sql);
      const c = sql[i] as string;
      if (c === close) {
        if (doubled && sql[i + 1] === close) {
          s += close;
          i += 2;
          continue;
        }
        i++;
        return s;
      }
      s += c;
      i++;
    }
  };
  while (i < sql.length) {
    const c = sql[i] as string;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === '-' && sql[i + 1] === '-') {
      while (i < sql.length && sql[i] !== '\n') i++;
      continue;
    }
    if (c === '/' && sql[i + 1] === '*') {
      const end = sql.indexOf('*/', i + 2);
      i = end < 0 ? sql.length : end + 2;
      continue;
    }
    if (c === "'") {
      out.push({ kind: 'str', text: quoted("'", true) });
      continue;
    }
    if (c === '"') {
      out.push({ kind: 'id', text: quoted('"', true) });
      continue;
    }
    if (c === '`') {
      out.push({ kind: 'id', text: quoted('`', true) });
      continue;
    }
    if (c === '[') {
      out.push({ kind: 'id', text: quoted(']', false) });
      continue;
    }
    if ((c === 'x' || c === 'X') && sql[i + 1] === "'") {
      i++;
      out.push({ kind: 'blob', text: quoted("'", false) });
      continue;
    }
    const num = /^(?:0[xX][0-9a-fA-F]+|(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)/.exec(sql.slice(i, i + 400));
    if (num && /[\d.]/.test(c)) {
      out.push({ kind: 'num', text: num[0] });
      i += num[0].length;
      continue;
    }
    const word = /^[A-Za-z_\u0080-\uffff][A-Za-z0-9_$\u0080-\uffff]*/.exec(sql.slice(i, i + 400));
    if (word) {
      out.push({ kind: 'word', text: word[0] });
      i += word[0].length;
      continue;
    }
    out.push({ kind: 'punct', text: c });
    i++;
  }
  return out;
}

const isWord = (t: Token | undefined, w: string): boolean =>
  t !== undefined && t.kind === 'word' && t.text.toUpperCase() === w;
const isPunct = (t: Token | undefined, p: string): boolean => t !== undefined && t.kind === 'punct' && t.text === p;

const TABLE_CONSTRAINT_START = new Set(['CONSTRAINT', 'PRIMARY', 'UNIQUE', 'CHECK', 'FOREIGN']);
/** Keywords that end a column's type name and start its constraints. */
const COLUMN_CONSTRAINT_START = new Set([
  'CONSTRAINT',
  'PRIMARY',
  'NOT',
  'NULL',
  'UNIQUE',
  'CHECK',
  'DEFAULT',
  'COLLATE',
  'REFERENCES',
  'GENERATED',
  'AS',
]);

/** Parses the column list of a CREATE TABLE statement as stored in sqlite_schema. */
function parseCreateTable(sql: string): TableDef {
  const toks = tokenize(sql);
  const open = toks.findIndex((t) => isPunct(t, '('));
  const virtual = toks.slice(0, open < 0 ? toks.length : open).some((t) => isWord(t, 'VIRTUAL'));
  if (virtual) return { columns: [], rowidAlias: -1, withoutRowid: false, virtual, hasVirtualGenerated: false };
  if (!isWord(toks[0], 'CREATE') || open < 0) throw unsupportedSql('no column list', sql);

  // Split the parenthesised body into top-level comma-separated definitions.
  const defs: Token[][] = [];
  let cur: Token[] = [];
  let depth = 0;
  let close = -1;
  for (let i = open + 1; i < toks.length; i++) {
    const t = toks[i] as Token;
    if (isPunct(t, '(')) depth++;
    else if (isPunct(t, ')')) {
      if (depth === 0) {
        close = i;
        break;
      }
      depth--;
    } else if (depth === 0 && isPunct(t, ',')) {
      defs.push(cur);
      cur = [];
      continue;
    }
    cur.push(t);
  }
  if (close < 0) throw unsupportedSql('unbalanced parentheses', sql);
  defs.push(cur);

  // Table options after the closing parenthesis: STRICT, WITHOUT ROWID.
  const tail = toks.slice(close + 1);
  const withoutRowid = tail.some((t, i) => isWord(t, 'WITHOUT') && isWord(tail[i + 1], 'ROWID'));

  const columns: ColumnDef[] = [];
  const declTypes: string[] = [];
  let rowidAlias = -1;
  let tablePk: string[] | null = null;
  let hasVirtualGenerated = false;

  for (const d of defs) {
    const first = d[0];
    if (first === undefined) throw unsupportedSql('empty definition', sql);
    if (first.kind === 'word' && TABLE_CONSTRAINT_START.has(first.text.toUpperCase())) {
      const pk = d.findIndex((t) => isWord(t, 'PRIMARY'));
      if (pk >= 0 && isPunct(d[pk + 2], '(')) tablePk = indexedColumnNames(d, pk + 2);
      continue;
    }
    if (first.kind === 'punct' || first.kind === 'num' || first.kind === 'blob')
      throw unsupportedSql('bad column name', sql);
    const name = first.text;

    // Type name: everything up to the first constraint keyword at depth 0.
    let i = 1;
    const typeToks: string[] = [];
    let tdepth = 0;
    for (; i < d.length; i++) {
      const t = d[i] as Token;
      if (tdepth === 0 && t.kind === 'word' && COLUMN_CONSTRAINT_START.has(t.text.toUpperCase())) break;
      if (isPunct(t, '(')) tdepth++;
      if (isPunct(t, ')')) tdepth--;
      typeToks.push(t.text);
    }
    const declType = typeToks.join(' ');

    let dflt: ColumnDefault = { kind: 'value', value: null };
    let depthC = 0;
    for (let j = i; j < d.length; j++) {
      const t = d[j] as Token;
      if (isPunct(t, '(')) {
        depthC++;
        continue;
      }
      if (isPunct(t, ')')) {
        depthC--;
        continue;
      }
      if (depthC !== 0 || t.kind !== 'word') continue;
      const kw = t.text.toUpperCase();
      if (kw === 'PRIMARY' && isWord(d[j + 1], 'KEY')) {
        // Quirk kept for compatibility: "INTEGER PRIMARY KEY DESC" is not a rowid alias.
        if (declType.toUpperCase() === 'INTEGER' && !isWord(d[j + 2], 'DESC')) rowidAlias = columns.length;
      } else if (kw === 'DEFAULT') {
        dflt = parseDefault(d, j + 1, affinityOf(declType));
      } else if (kw === 'AS' && isPunct(d[j + 1], '(')) {
        // Generated column: VIRTUAL (the default) ones are not stored in the record.
        let k = j + 1;
        let dd = 0;
        for (; k < d.length; k++) {
          if (isPunct(d[k], '(')) dd++;
          else if (isPunct(d[k], ')') && --dd === 0) break;
        }
        if (!isWord(d[k + 1], 'STORED')) hasVirtualGenerated = true;
      }
    }
    columns.push({ name, dflt });
    declTypes.push(declType);
  }

  // "PRIMARY KEY(x)" as a table constraint on a single INTEGER column is also a rowid alias.
  if (tablePk !== null && tablePk.length === 1) {
    const target = asciiLower(tablePk[0] as string);
    const idx = columns.findIndex((c) => asciiLower(c.name) === target);
    if (idx >= 0 && (declTypes[idx] ?? '').toUpperCase() === 'INTEGER') rowidAlias = idx;
  }
  if (withoutRowid) rowidAlias = -1;
  return { columns, rowidAlias, withoutRowid, virtual: false, hasVirtualGenerated };
}

/** Column names from "( col [COLLATE x] [ASC|DESC], ... )" starting at the '(' token. */
function indexedColumnNames(d: Token[], open: number): string[] {
  const names: string[] = [];
  let expectName = true;
  let depth = 0;
  for (let i = open + 1; i < d.length; i++) {
    const t = d[i] as Token;
    if (isPunct(t, '(')) depth++;
    else if (isPunct(t, ')')) {
      if (depth === 0) break;
      depth--;
    } else if (depth === 0 && isPunct(t, ',')) expectName = true;
    else if (expectName && depth === 0) {
      names.push(t.text);
      expectName = false;
    }
  }
  return names;
}

type Affinity = 'INTEGER' | 'TEXT' | 'BLOB' | 'REAL' | 'NUMERIC';

/** Column affinity from the declared type (rules of "Datatypes In SQLite" §3.1). */
function affinityOf(declType: string): Affinity {
  const t = declType.toUpperCase();
  if (t.includes('INT')) return 'INTEGER';
  if (t.includes('CHAR') || t.includes('CLOB') || t.includes('TEXT')) return 'TEXT';
  if (t === '' || t.includes('BLOB')) return 'BLOB';
  if (t.includes('REAL') || t.includes('FLOA') || t.includes('DOUB')) return 'REAL';
  return 'NUMERIC';
}

/**
 * Literal DEFAULT value, with the column affinity applied as SQLite does when
 * it substitutes a default for a column missing from an older, shorter record.
 */
function parseDefault(d: Token[], at: number, aff: Affinity): ColumnDefault {
  // "DEFAULT (-1)" is a parenthesised literal, which ADD COLUMN accepts.
  let parens = 0;
  while (isPunct(d[at + parens], '(')) parens++;
  let i = at + parens;
  let t = d[i];
  let sign = '';
  if (isPunct(t, '-') || isPunct(t, '+')) {
    sign = (t as Token).text;
    t = d[++i];
  }
  if (t === undefined) return { kind: 'expr', text: '' };
  for (let k = 1; k <= parens; k++) {
    if (!isPunct(d[i + k], ')'))
      return {
        kind: 'expr',
        text: d
          .slice(at, i + k + 1)
          .map((x) => x.text)
          .join(' '),
      };
  }
  if (t.kind === 'num') {
    const n = parseNumber(sign + t.text);
    if (aff !== 'TEXT') return { kind: 'value', value: aff === 'REAL' && typeof n === 'bigint' ? Number(n) : n };
    const isReal = !/^0x/i.test(t.text) && /[.eE]/.test(t.text);
    return { kind: 'value', value: isReal ? formatReal(Number(n)) : String(n) };
  }
  if (sign !== '') return { kind: 'expr', text: sign + t.text };
  if (t.kind === 'blob') return { kind: 'value', value: Uint8Array.from(Buffer.from(t.text, 'hex')) };
  if (t.kind === 'word') {
    const w = t.text.toUpperCase();
    if (w === 'NULL') return { kind: 'value', value: null };
    if (w === 'TRUE' || w === 'FALSE') return parseDefault([{ kind: 'num', text: w === 'TRUE' ? '1' : '0' }], 0, aff);
    if (w.startsWith('CURRENT_')) return { kind: 'expr', text: t.text };
  }
  if (t.kind === 'punct') return { kind: 'expr', text: t.text };
  // A string literal (or a bare identifier, which SQLite accepts as a string).
  return { kind: 'value', value: textWithAffinity(t.text, aff) };
}

function parseNumber(text: string): number | bigint {
  const neg = text.startsWith('-');
  const body = text.replace(/^[+-]/, '');
  if (/^0x/i.test(body)) {
    const v = BigInt.asIntN(64, BigInt(body));
    return narrow(neg ? -v : v);
  }
  if (/^\d+$/.test(body)) {
    const v = BigInt(body) * (neg ? -1n : 1n);
    if (v >= -(2n ** 63n) && v < 2n ** 63n) return narrow(v);
  }
  return Number(text);
}

/** Approximates SQLite's "%!.15g" rendering of a REAL converted to TEXT. */
function formatReal(n: number): string {
  if (Number.isInteger(n) && Math.abs(n) < 1e15) return n.toFixed(1);
  return String(Number(n.toPrecision(15)));
}

/** A text default stored into a numeric-affinity column becomes a number if it looks like one. */
function textWithAffinity(s: string, aff: Affinity): SqlValue {
  if (aff === 'TEXT' || aff === 'BLOB') return s;
  const trimmed = s.trim();
  if (!/^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(trimmed)) return s;
  const n = parseNumber(trimmed);
  return aff === 'REAL' && typeof n === 'bigint' ? Number(n) : n;
}
