/**
 * SqliteReader: the public reader class (open, read, tableNames, columns, rows, rowsWhere),
 * its per-call validation and retries, schema and table layouts, and the page cache over the
 * main file and the WAL overlay. How it stays consistent without locks: src/store/sqliteReader.ts.
 */
import * as fs from 'node:fs';
import { type PageSource, scanTable } from './btree';
import { type ColumnDefault, parseCreateTable } from './createTable';
import { readExactly, stampOf } from './files';
import { isWalModeHeader, WAL_FRAME_HEADER_SIZE } from './format';
import { asciiLower, decodeRecord, NOT_LOCAL, peekColumn, setProp } from './record';
import { cloneResult, resolveOptions, Retry, retrying, sameResult } from './retry';
import { closeSnapshot, filesChanged, openSnapshot, type Snapshot } from './snapshot';
import { createdTableName } from './sqlText';
import {
  SqliteBusyError,
  SqliteChangedError,
  SqliteFormatError,
  type SqliteReadOptions,
  type SqliteSnapshotInfo,
  SqliteUnsupportedError,
  type SqlValue,
} from './types';
import { pageOffset, walIndexFor } from './wal';

const PAGE_CACHE_BYTES = 8 * 1024 * 1024;

const SCHEMA_COLUMNS = ['type', 'name', 'tbl_name', 'rootpage', 'sql'];

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
  /** The b-tree walk (./btree.ts) reads this reader's pages through this. */
  private readonly pages: PageSource;

  private constructor(path: string, snap: Snapshot, opts: Required<SqliteReadOptions>, managed: boolean) {
    this.path = path;
    this.walPath = `${path}-wal`;
    this.s = snap;
    this.lastInfo = snap.info;
    this.opts = opts;
    this.managed = managed;
    this.cacheCapacity = Math.max(16, Math.floor(PAGE_CACHE_BYTES / snap.pageSize));
    this.pages = {
      path: this.path,
      snap: () => this.snap(),
      getPage: (pgno, cacheIt) => this.getPage(pgno, cacheIt),
    };
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
   * the file comment of src/store/sqliteReader.ts), and the result is returned once two consecutive valid
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
    for (const { rowid, payload } of scanTable(this.pages, layout.rootPage))
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
    for (const { rowid, payload } of scanTable(this.pages, layout.rootPage, keep)) {
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
    for (const { payload } of scanTable(this.pages, 1, onlyTables)) {
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
