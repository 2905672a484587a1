/**
 * Minimal, strictly read-only SQLite file reader with WAL overlay.
 *
 * Why this exists: OpenClaw keeps its auth data in a few tiny tables inside
 * SQLite databases that can grow to hundreds of MB (sessions, transcripts).
 * sql.js must load the whole file into memory and cannot see transactions that
 * are committed only to the `-wal` file. This reader opens the files read-only,
 * reads b-tree pages on demand (cost proportional to the tables actually read)
 * and overlays the committed frames of the write-ahead log.
 *
 * Implemented from the SQLite file format description
 * (https://www.sqlite.org/fileformat2.html). It never writes, creates or
 * deletes any file, and it deliberately ignores `-shm` (the wal-index is a
 * cache that can be stale or absent; the WAL itself is authoritative).
 *
 * Not supported (SqliteUnsupportedError, so callers can fall back to sql.js):
 * WITHOUT ROWID tables, virtual tables, tables with VIRTUAL generated columns,
 * non-literal column defaults needed to fill rows written before ADD COLUMN.
 * Hot rollback journals (`-journal`) are ignored.
 */
import * as fs from 'node:fs';

export type SqlValue = null | number | bigint | string | Uint8Array;

/** The file is not a SQLite database, or its structure is corrupt. */
export class SqliteFormatError extends Error {
  override name = 'SqliteFormatError';
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
  textEncoding: SqliteTextEncoding;
  /** Non-fatal problems, e.g. a WAL that was ignored and why. */
  warnings: string[];
}

const DB_MAGIC = Buffer.from('SQLite format 3\0', 'latin1');
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
const PAGE_CACHE_BYTES = 8 * 1024 * 1024;
const WAL_READ_BATCH_BYTES = 1024 * 1024;

const SCHEMA_COLUMNS = ['type', 'name', 'tbl_name', 'rootpage', 'sql'];

interface DbHeader {
  pageSize: number;
  reservedBytes: number;
  encoding: SqliteTextEncoding;
  userVersion: number;
  /** In-header database size, or 0 when it is not trustworthy. */
  headerPageCount: number;
}

interface WalIndex {
  /** page number -> file offset of the newest committed copy of the page data */
  pages: Map<number, number>;
  pageCount: number;
  framesApplied: number;
  pageSize: number;
  salt1: number;
  salt2: number;
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

export class SqliteReader {
  readonly info: SqliteSnapshotInfo;

  private fd: number | null;
  private walFd: number | null;
  private readonly path: string;
  private readonly pageSize: number;
  private readonly usableSize: number;
  private readonly walPages: Map<number, number>;
  private readonly walSalts: [number, number];
  private readonly cache = new Map<number, Buffer>();
  private readonly cacheCapacity: number;
  private schema: Map<string, SchemaEntry> | null = null;
  private schemaOrder: SchemaEntry[] = [];
  private readonly layouts = new Map<string, TableLayout>();
  private pageReads = 0;

  private constructor(
    path: string,
    fd: number,
    walFd: number | null,
    header: DbHeader,
    wal: WalIndex | null,
    pageCount: number,
    warnings: string[],
  ) {
    this.path = path;
    this.fd = fd;
    this.walFd = walFd;
    this.pageSize = header.pageSize;
    this.usableSize = header.pageSize - header.reservedBytes;
    this.walPages = wal?.pages ?? new Map();
    this.walSalts = [wal?.salt1 ?? 0, wal?.salt2 ?? 0];
    this.cacheCapacity = Math.max(16, Math.floor(PAGE_CACHE_BYTES / header.pageSize));
    this.info = {
      pageSize: header.pageSize,
      pageCount,
      userVersion: header.userVersion,
      walFramesApplied: wal?.framesApplied ?? 0,
      walCommitted: wal !== null,
      textEncoding: header.encoding,
      warnings,
    };
  }

  /**
   * Opens `dbPath` (and `dbPath-wal` if present) read-only and builds the
   * snapshot: header, WAL frame index (checksums verified, whole WAL read once).
   */
  static open(dbPath: string): SqliteReader {
    const fd = fs.openSync(dbPath, 'r');
    let walFd: number | null = null;
    try {
      const warnings: string[] = [];
      const mainSize = fs.fstatSync(fd).size;
      let mainHeader: DbHeader | null = null;
      // A zero-length main file is legitimate when everything still lives in the WAL.
      if (mainSize > 0) {
        const buf = Buffer.alloc(DB_HEADER_SIZE);
        const n = mainSize >= DB_HEADER_SIZE ? readAt(fd, buf, 0, DB_HEADER_SIZE, 0) : 0;
        if (n < DB_HEADER_SIZE || !hasDbMagic(buf)) throw headerMissing(dbPath);
        mainHeader = parseDbHeader(buf, dbPath, 'main file');
      }

      let wal: WalIndex | null = null;
      walFd = openIfExists(`${dbPath}-wal`);
      if (walFd !== null) {
        wal = readWal(walFd, `${dbPath}-wal`, mainHeader?.pageSize ?? null, warnings);
        if (wal === null) {
          fs.closeSync(walFd);
          walFd = null;
        }
      }

      let header: DbHeader;
      let pageCount: number;
      if (wal !== null) {
        // Page 1 may itself have been rewritten in the WAL; its header then
        // carries the current user_version, encoding, etc.
        const walPage1 = wal.pages.get(1);
        if (walPage1 !== undefined && walFd !== null) {
          const pageSize = wal.pageSize;
          const buf = Buffer.alloc(DB_HEADER_SIZE);
          readExactly(walFd, buf, DB_HEADER_SIZE, walPage1, `${dbPath}-wal`);
          if (!hasDbMagic(buf)) {
            throw new SqliteFormatError(`${dbPath}: page 1 in the WAL has no SQLite header`);
          }
          header = parseDbHeader(buf, dbPath, 'WAL page 1');
          if (header.pageSize !== pageSize) {
            throw new SqliteFormatError(`${dbPath}: page size in WAL page 1 (${header.pageSize}) differs from the WAL (${pageSize})`);
          }
        } else if (mainHeader !== null) {
          header = mainHeader;
        } else {
          throw headerMissing(dbPath);
        }
        pageCount = wal.pageCount;
      } else {
        if (mainHeader === null) throw headerMissing(dbPath);
        header = mainHeader;
        pageCount = header.headerPageCount > 0 ? header.headerPageCount : Math.floor(mainSize / header.pageSize);
      }
      return new SqliteReader(dbPath, fd, walFd, header, wal, pageCount, warnings);
    } catch (err) {
      if (walFd !== null) fs.closeSync(walFd);
      fs.closeSync(fd);
      throw err;
    }
  }

  /** Number of pages loaded from disk (cache misses) since open; for cost assertions. */
  get pagesRead(): number {
    return this.pageReads;
  }

  /** Names of all tables (type 'table' in sqlite_schema), in schema order. */
  tableNames(): string[] {
    this.loadSchema();
    return this.schemaOrder.filter((e) => e.type === 'table').map((e) => e.name);
  }

  /** ASCII case-insensitive; also true for sqlite_schema/sqlite_master, which rows() can read. */
  hasTable(name: string): boolean {
    return this.findTable(name) !== null;
  }

  columns(table: string): string[] {
    return [...this.layout(table).columns];
  }

  /** Full scan of a rowid table, in rowid order. */
  rows(table: string): Array<Record<string, SqlValue>> {
    const layout = this.layout(table);
    if (layout.unsupported !== null) throw new SqliteUnsupportedError(`${this.path}: table ${table}: ${layout.unsupported}`);
    const out: Array<Record<string, SqlValue>> = [];
    for (const { rowid, payload } of this.scanTable(layout.rootPage)) out.push(this.buildRow(layout, table, rowid, payload));
    return out;
  }

  /**
   * Rows whose `column` satisfies `accept`. The column is read from the part of each cell stored
   * on the leaf page, so rows that do not match never have their overflow pages read: reading the
   * two auth rows of `config_machine_state` skips its other (possibly huge) cells.
   */
  rowsWhere(table: string, column: string, accept: (v: SqlValue) => boolean): Array<Record<string, SqlValue>> {
    const layout = this.layout(table);
    if (layout.unsupported !== null) throw new SqliteUnsupportedError(`${this.path}: table ${table}: ${layout.unsupported}`);
    const idx = layout.columns.findIndex((c) => asciiLower(c) === asciiLower(column));
    if (idx < 0) throw new Error(`${this.path}: table ${table} has no column ${column}`);
    const enc = this.info.textEncoding;
    const keep = idx === layout.rowidAlias ? undefined : (local: Buffer): boolean => {
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
  private buildRow(layout: TableLayout, table: string, rowid: number | bigint, payload: Buffer): Record<string, SqlValue> {
    const values = decodeRecord(payload, this.info.textEncoding, this.path);
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

  close(): void {
    if (this.walFd !== null) {
      fs.closeSync(this.walFd);
      this.walFd = null;
    }
    if (this.fd !== null) {
      fs.closeSync(this.fd);
      this.fd = null;
    }
    this.cache.clear();
  }

  // ---------------------------------------------------------------- schema

  private loadSchema(): Map<string, SchemaEntry> {
    if (this.schema !== null) return this.schema;
    const map = new Map<string, SchemaEntry>();
    const order: SchemaEntry[] = [];
    // Only tables are looked up; skipping index/trigger/view rows before their (often
    // overflowing) SQL text is read keeps schema loading cheap on openclaw's 300-object DBs.
    const enc = this.info.textEncoding;
    const onlyTables = (local: Buffer): boolean => { const t = peekColumn(local, 0, enc); return t === NOT_LOCAL || t === 'table'; };
    for (const { payload } of this.scanTable(1, onlyTables)) {
      const [type, name, , rootPage, sql] = decodeRecord(payload, this.info.textEncoding, this.path);
      if (typeof type !== 'string' || typeof name !== 'string') {
        throw new SqliteFormatError(`${this.path}: malformed sqlite_schema row`);
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
  private *scanTable(rootPage: number, keep?: (local: Buffer) => boolean): Generator<{ rowid: number | bigint; payload: Buffer }> {
    const visited = new Set<number>();
    const stack: number[] = [rootPage];
    while (stack.length > 0) {
      const pgno = stack.pop() as number;
      if (visited.has(pgno)) throw new SqliteFormatError(`${this.path}: b-tree cycle at page ${pgno}`);
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
      if (cellsStart > this.usableSize) {
        throw new SqliteFormatError(`${this.path}: page ${pgno} claims ${nCells} cells, more than fit`);
      }
      const cellAt = (i: number): number => {
        const off = page.readUInt16BE(ptrArray + 2 * i);
        if (off < cellsStart || off >= this.usableSize) {
          throw new SqliteFormatError(`${this.path}: page ${pgno} cell ${i} offset ${off} out of range`);
        }
        return off;
      };
      if (interior) {
        // Push children in reverse so the left-most subtree is popped first.
        stack.push(page.readUInt32BE(hdr + 8));
        for (let i = nCells - 1; i >= 0; i--) {
          const off = cellAt(i);
          if (off + 4 > this.usableSize) throw new SqliteFormatError(`${this.path}: page ${pgno} cell ${i} truncated`);
          stack.push(page.readUInt32BE(off));
        }
      } else {
        for (let i = 0; i < nCells; i++) {
          const cell = this.readLeafCell(page, pgno, cellAt(i), keep);
          if (cell) yield cell;
        }
      }
    }
  }

  private readLeafCell(page: Buffer, pgno: number, off: number, keep?: (local: Buffer) => boolean): { rowid: number | bigint; payload: Buffer } | null {
    const U = this.usableSize;
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
    // checking it first also stops a corrupt size from forcing a huge allocation.
    const chunk = U - 4;
    const needed = Math.ceil((P - local) / chunk);
    if (needed > this.info.pageCount) {
      throw new SqliteFormatError(`${this.path}: page ${pgno}: payload of ${P} bytes needs more overflow pages than the database has`);
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
    if (this.fd === null) throw new Error(`${this.path}: reader is closed`);
    if (!Number.isInteger(pgno) || pgno < 1 || pgno > this.info.pageCount) {
      throw new SqliteFormatError(`${this.path}: page ${pgno} out of range (database has ${this.info.pageCount} pages)`);
    }
    const hit = this.cache.get(pgno);
    if (hit) {
      // Refresh LRU position (Map iterates in insertion order).
      this.cache.delete(pgno);
      this.cache.set(pgno, hit);
      return hit;
    }
    let page: Buffer;
    const walOffset = this.walPages.get(pgno);
    if (walOffset !== undefined && this.walFd !== null) {
      // Re-read the frame header too: if a writer restarted the WAL since
      // open(), the salts differ and the indexed frames are gone.
      const frame = Buffer.allocUnsafe(WAL_FRAME_HEADER_SIZE + this.pageSize);
      readExactly(this.walFd, frame, frame.length, walOffset - WAL_FRAME_HEADER_SIZE, `${this.path}-wal`);
      if (frame.readUInt32BE(8) !== this.walSalts[0] || frame.readUInt32BE(12) !== this.walSalts[1]) {
        throw new SqliteFormatError(`${this.path}-wal was reset by a writer while reading; reopen to get a new snapshot`);
      }
      page = frame.subarray(WAL_FRAME_HEADER_SIZE);
    } else {
      page = Buffer.allocUnsafe(this.pageSize);
      readExactly(this.fd, page, this.pageSize, (pgno - 1) * this.pageSize, this.path);
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

// ------------------------------------------------------------------ file I/O

function openIfExists(path: string): number | null {
  try {
    return fs.openSync(path, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
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

/**
 * Scans the WAL and returns the committed page map, or null (with a warning)
 * when the WAL must be ignored. Mirrors SQLite's WAL recovery: frames are
 * valid while salts and the cumulative checksum match; only frames up to the
 * last valid commit frame form the snapshot.
 */
function readWal(walFd: number, walPath: string, dbPageSize: number | null, warnings: string[]): WalIndex | null {
  const walSize = fs.fstatSync(walFd).size;
  if (walSize < WAL_HEADER_SIZE) return null;
  const hdr = Buffer.alloc(WAL_HEADER_SIZE);
  readExactly(walFd, hdr, WAL_HEADER_SIZE, 0, walPath);
  const magic = hdr.readUInt32BE(0);
  if (magic !== WAL_MAGIC_LE && magic !== WAL_MAGIC_BE) {
    warnings.push(`${walPath}: bad WAL magic 0x${magic.toString(16)}; WAL ignored`);
    return null;
  }
  const version = hdr.readUInt32BE(4);
  if (version !== WAL_FORMAT_VERSION) {
    warnings.push(`${walPath}: unsupported WAL version ${version}; WAL ignored`);
    return null;
  }
  // The magic's low bit says which byte order the checksum words use;
  // the stored header fields themselves are always big-endian.
  const sum = new WalChecksum(magic === WAL_MAGIC_BE);
  sum.update(hdr, 0, 24);
  if (sum.s0 !== hdr.readUInt32BE(24) || sum.s1 !== hdr.readUInt32BE(28)) {
    warnings.push(`${walPath}: WAL header checksum mismatch; WAL ignored`);
    return null;
  }
  const rawPageSize = hdr.readUInt32BE(8);
  const pageSize = rawPageSize === 1 ? 65536 : rawPageSize;
  if (!isValidPageSize(pageSize)) {
    warnings.push(`${walPath}: invalid WAL page size ${rawPageSize}; WAL ignored`);
    return null;
  }
  if (dbPageSize !== null && pageSize !== dbPageSize) {
    warnings.push(`${walPath}: WAL page size ${pageSize} differs from database page size ${dbPageSize}; WAL ignored`);
    return null;
  }
  const salt1 = hdr.readUInt32BE(16);
  const salt2 = hdr.readUInt32BE(20);

  const frameSize = WAL_FRAME_HEADER_SIZE + pageSize;
  const frameCount = Math.floor((walSize - WAL_HEADER_SIZE) / frameSize);
  const batch = Math.max(1, Math.floor(WAL_READ_BATCH_BYTES / frameSize));
  const buf = Buffer.allocUnsafe(Math.min(batch, Math.max(1, frameCount)) * frameSize);
  const committed = new Map<number, number>();
  const pending: number[] = []; // pairs: page number, data offset
  let pageCount = 0;
  let framesApplied = 0;

  let frame = 0;
  scan: while (frame < frameCount) {
    const n = Math.min(batch, frameCount - frame);
    const fileOffset = WAL_HEADER_SIZE + frame * frameSize;
    if (readAt(walFd, buf, 0, n * frameSize, fileOffset) !== n * frameSize) break;
    for (let j = 0; j < n; j++, frame++) {
      const base = j * frameSize;
      const pgno = buf.readUInt32BE(base);
      const commitSize = buf.readUInt32BE(base + 4);
      // Salts from an older WAL generation mean the frame is stale leftovers.
      if (pgno === 0 || buf.readUInt32BE(base + 8) !== salt1 || buf.readUInt32BE(base + 12) !== salt2) break scan;
      sum.update(buf, base, base + 8);
      sum.update(buf, base + WAL_FRAME_HEADER_SIZE, base + frameSize);
      if (sum.s0 !== buf.readUInt32BE(base + 16) || sum.s1 !== buf.readUInt32BE(base + 20)) break scan;
      pending.push(pgno, WAL_HEADER_SIZE + frame * frameSize + WAL_FRAME_HEADER_SIZE);
      if (commitSize !== 0) {
        // Later frames overwrite earlier ones: the newest copy of a page wins.
        for (let k = 0; k < pending.length; k += 2) committed.set(pending[k] as number, pending[k + 1] as number);
        pending.length = 0;
        pageCount = commitSize;
        framesApplied = frame + 1;
      }
    }
  }
  if (framesApplied === 0) return null;
  // A commit may shrink the database (e.g. VACUUM); pages past the end are dead.
  for (const pgno of committed.keys()) if (pgno > pageCount) committed.delete(pgno);
  return { pages: committed, pageCount, framesApplied, pageSize, salt1, salt2 };
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
      const size = t >= 12 ? Math.floor((t - 12) / 2) : [0, 1, 2, 3, 4, 6, 8, 8, 0, 0, 0, 0][t] ?? 0;
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
    const need = t >= 12 ? (t - (t & 1 ? 13 : 12)) / 2 : ([0, 1, 2, 3, 4, 6, 8, 8, 0, 0] as const)[t] ?? -1;
    if (need < 0) throw bad(`reserved serial type ${t}`);
    if (bp + need > payload.length) throw bad('value runs past the payload');
    let v: SqlValue;
    switch (t) {
      case 0: v = null; break;
      case 1: v = payload.readInt8(bp); break;
      case 2: v = payload.readInt16BE(bp); break;
      case 3: v = payload.readIntBE(bp, 3); break;
      case 4: v = payload.readInt32BE(bp); break;
      case 5: v = payload.readIntBE(bp, 6); break;
      case 6: v = narrow(payload.readBigInt64BE(bp)); break;
      case 7: v = payload.readDoubleBE(bp); break;
      case 8: v = 0; break;
      case 9: v = 1; break;
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
  if (key === '__proto__') Object.defineProperty(row, key, { value: v, enumerable: true, writable: true, configurable: true });
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
    if (/\s/.test(c)) { i++; continue; }
    if (c === '-' && sql[i + 1] === '-') {
      while (i < sql.length && sql[i] !== '\n') i++;
      continue;
    }
    if (c === '/' && sql[i + 1] === '*') {
      const end = sql.indexOf('*/', i + 2);
      i = end < 0 ? sql.length : end + 2;
      continue;
    }
    if (c === "'") { out.push({ kind: 'str', text: quoted("'", true) }); continue; }
    if (c === '"') { out.push({ kind: 'id', text: quoted('"', true) }); continue; }
    if (c === '`') { out.push({ kind: 'id', text: quoted('`', true) }); continue; }
    if (c === '[') { out.push({ kind: 'id', text: quoted(']', false) }); continue; }
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

const isWord = (t: Token | undefined, w: string): boolean => t !== undefined && t.kind === 'word' && t.text.toUpperCase() === w;
const isPunct = (t: Token | undefined, p: string): boolean => t !== undefined && t.kind === 'punct' && t.text === p;

const TABLE_CONSTRAINT_START = new Set(['CONSTRAINT', 'PRIMARY', 'UNIQUE', 'CHECK', 'FOREIGN']);
/** Keywords that end a column's type name and start its constraints. */
const COLUMN_CONSTRAINT_START = new Set([
  'CONSTRAINT', 'PRIMARY', 'NOT', 'NULL', 'UNIQUE', 'CHECK', 'DEFAULT', 'COLLATE', 'REFERENCES', 'GENERATED', 'AS',
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
      if (depth === 0) { close = i; break; }
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
    if (first.kind === 'punct' || first.kind === 'num' || first.kind === 'blob') throw unsupportedSql('bad column name', sql);
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
      if (isPunct(t, '(')) { depthC++; continue; }
      if (isPunct(t, ')')) { depthC--; continue; }
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
    if (!isPunct(d[i + k], ')')) return { kind: 'expr', text: d.slice(at, i + k + 1).map((x) => x.text).join(' ') };
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
