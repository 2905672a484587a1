/**
 * The one reader of openclaw's auth cells, shared by the snapshot (what the view shows) and the
 * legacy migration (plan, verify, undo).
 *
 * Native engine: a real SQLite connection, all rows read inside one read transaction, so the
 * result is one committed version of the DB even while the gateway commits and checkpoints. It
 * never creates a DB (`mode=rw`/`mode=ro` URIs). Without -wal/-shm beside the DB it is opened
 * read-write with `query_only`, so that on close SQLite removes the `-wal`/`-shm` it created for
 * the read; otherwise (and for a file we may not write) read-only, which neither checkpoints nor
 * removes anything.
 *
 * sql.js engine (no built-in SQLite): the lock-free page reader (sqliteReader.ts), which never
 * creates or changes a file and validates what it read.
 */
import fs from 'node:fs';
import path from 'node:path';
import { SqliteReader, type SqlValue } from './sqliteReader';
import {
  classifySqliteError,
  dbUrl,
  engineName,
  loadNativeSqlite,
  nativeConn,
  type EngineName,
  type NativeDatabase,
  type Row,
  type SqlConn,
} from './engine';
import {
  AUTH_PROFILE_STATE,
  AUTH_PROFILE_STORE,
  CONFIG_MACHINE_STATE,
  HAS_TABLE_SQL,
  MIGRATION_SOURCES,
  PRIMARY_ROW_KEY,
  RECEIPT_KIND,
  SECRET_STORE_ENTRIES,
  SHARED_MARKER_KEY,
  SHARED_STATE_KEY,
  SHARED_STORE_KEY,
  type DbKind,
} from './layout';

export { PRIMARY_ROW_KEY, RECEIPT_KIND, SHARED_MARKER_KEY, SHARED_STATE_KEY, SHARED_STORE_KEY } from './layout';

export interface AuthCells {
  /** The store/state cells as stored (JSON text), undefined when absent. */
  storeText?: string;
  stateText?: string;
  hasStoreRow: boolean;
  hasStateRow: boolean;
  /** state DB only: the raw `auth.sharedStore` marker value, when the row exists. */
  marker?: string;
  /** state DB only: openclaw's team secret store (name → value). */
  secretStore: Map<string, string>;
  /** state DB only, when asked: legacy-import receipts (source_key → status). */
  receipts: Map<string, string>;
  /** Committed changes sit in the -wal, not yet in the main file (page reader only). */
  walCommitted: boolean;
}

/** What a reader of either engine offers the cell extraction below. */
interface RowSource {
  hasTable(table: string): boolean;
  /** Rows whose `column` is one of `values`. */
  rowsIn(table: string, column: string, values: SqlValue[]): Array<Record<string, SqlValue>>;
}

function extract(src: RowSource, kind: DbKind, wantReceipts: boolean): Omit<AuthCells, 'walCommitted'> {
  const out: Omit<AuthCells, 'walCommitted'> = {
    hasStateRow: false,
    hasStoreRow: false,
    secretStore: new Map(),
    receipts: new Map(),
  };
  if (kind === 'shared') {
    readSharedAuth(src, out);
    readTeamSecrets(src, out.secretStore);
    if (wantReceipts) readReceipts(src, out.receipts);
  } else {
    readAgentAuth(src, out);
  }
  return out;
}

/** State DB: the shared store and state cells and the `auth.sharedStore` marker (config_machine_state). */
function readSharedAuth(src: RowSource, out: Omit<AuthCells, 'walCommitted'>): void {
  const t = CONFIG_MACHINE_STATE;
  if (!src.hasTable(t.name)) return;
  for (const row of src.rowsIn(t.name, t.key, [SHARED_STORE_KEY, SHARED_STATE_KEY, SHARED_MARKER_KEY])) {
    const value = row[t.value];
    if (typeof value !== 'string') continue;
    if (row[t.key] === SHARED_STORE_KEY) {
      out.storeText = value;
      out.hasStoreRow = true;
    }
    if (row[t.key] === SHARED_STATE_KEY) {
      out.stateText = value;
      out.hasStateRow = true;
    }
    if (row[t.key] === SHARED_MARKER_KEY) out.marker = value;
  }
}

/** State DB: openclaw's team secret store (live rows only). */
function readTeamSecrets(src: RowSource, into: Map<string, string>): void {
  const { name, col, teamScope } = SECRET_STORE_ENTRIES;
  if (!src.hasTable(name)) return;
  for (const row of src.rowsIn(name, col.scope, [teamScope])) {
    const [key, value] = [row[col.name], row[col.value]];
    if (row[col.deletedAt] == null && typeof key === 'string' && typeof value === 'string') into.set(key, value);
  }
}

/** State DB: receipts of openclaw's legacy auth import (source_key → status). */
function readReceipts(src: RowSource, into: Map<string, string>): void {
  const { name, col } = MIGRATION_SOURCES;
  if (!src.hasTable(name)) return;
  for (const row of src.rowsIn(name, col.kind, [RECEIPT_KIND])) {
    const [key, status] = [row[col.key], row[col.status]];
    if (typeof key === 'string' && typeof status === 'string') into.set(key, status);
  }
}

/** Agent DB: the `primary` rows of auth_profile_store and auth_profile_state. */
function readAgentAuth(src: RowSource, out: Omit<AuthCells, 'walCommitted'>): void {
  for (const [t, part] of [
    [AUTH_PROFILE_STORE, 'store'],
    [AUTH_PROFILE_STATE, 'state'],
  ] as const) {
    if (!src.hasTable(t.name)) continue;
    for (const row of src.rowsIn(t.name, t.key, [PRIMARY_ROW_KEY])) {
      const value = row[t.value];
      if (typeof value !== 'string') continue;
      if (part === 'store') {
        out.storeText = value;
        out.hasStoreRow = true;
      } else {
        out.stateText = value;
        out.hasStateRow = true;
      }
    }
  }
}

/** A DB could not be read: the message names the file and the cause. */
export class DbReadError extends Error {
  constructor(
    message: string,
    readonly kind: 'busy' | 'corrupt' | 'other',
  ) {
    super(message);
    this.name = 'DbReadError';
  }
}

const READ_BUSY_MS = 2000;

function sqlSource(conn: SqlConn): RowSource {
  return {
    hasTable: (t) => conn.get(HAS_TABLE_SQL, ['table', t]) !== undefined,
    rowsIn: (t, c, values) =>
      (values.length
        ? conn.all(`SELECT * FROM "${t}" WHERE "${c}" IN (${values.map(() => '?').join(',')})`, values as never)
        : []) as Row[],
  };
}

function openForRead(dbPath: string): NativeDatabase {
  const sqlite = loadNativeSqlite();
  if (!sqlite) throw new Error('node:sqlite is not available');
  // With no -wal/-shm beside it, a read-write connection (query_only) removes the ones it creates
  // when it closes, leaving the directory as it found it. When they exist, another connection may
  // hold the DB (or one crashed): a read-only connection then reads the committed WAL without
  // checkpointing it into the main file.
  let writable = !fs.existsSync(`${dbPath}-wal`) && !fs.existsSync(`${dbPath}-shm`);
  try {
    fs.accessSync(dbPath, fs.constants.W_OK);
    fs.accessSync(path.dirname(dbPath), fs.constants.W_OK);
  } catch {
    writable = false;
  }
  const db = new sqlite.DatabaseSync(dbUrl(dbPath, writable ? 'rw' : 'ro'));
  try {
    db.exec(`PRAGMA busy_timeout = ${READ_BUSY_MS}`);
    if (writable) db.exec('PRAGMA query_only = 1');
  } catch (e) {
    db.close();
    throw e;
  }
  return db;
}

function readNative(dbPath: string, kind: DbKind, wantReceipts: boolean): AuthCells {
  // A zero-length file is an empty database to SQLite; opening it read-write would make it one.
  if (fs.statSync(dbPath).size === 0)
    return { hasStateRow: false, hasStoreRow: false, secretStore: new Map(), receipts: new Map(), walCommitted: false };
  const db = openForRead(dbPath);
  try {
    const conn = nativeConn(db);
    conn.exec('BEGIN');
    try {
      return { ...extract(sqlSource(conn), kind, wantReceipts), walCommitted: false };
    } finally {
      conn.exec('COMMIT');
    }
  } finally {
    db.close();
  }
}

function readPages(dbPath: string, kind: DbKind, wantReceipts: boolean): AuthCells {
  // One validated snapshot (retried as a whole while a writer commits or checkpoints under it).
  return SqliteReader.read(dbPath, (reader) => {
    const src: RowSource = {
      hasTable: (t) => reader.hasTable(t),
      rowsIn: (t, c, values) => reader.rowsWhere(t, c, (v) => values.includes(v)),
    };
    return { ...extract(src, kind, wantReceipts), walCommitted: reader.info.walCommitted };
  });
}

/**
 * Reads the auth cells of one DB (which must exist). Throws DbReadError with a sentence naming the
 * file and the cause when it cannot be read.
 */
export function readAuthCells(
  dbPath: string,
  kind: DbKind,
  opts: { receipts?: boolean; engine?: EngineName } = {},
): AuthCells {
  const engine = opts.engine ?? engineName();
  try {
    return engine === 'native'
      ? readNative(dbPath, kind, opts.receipts ?? false)
      : readPages(dbPath, kind, opts.receipts ?? false);
  } catch (e) {
    if (e instanceof DbReadError) throw e;
    const msg = (e as Error).message;
    if (engine === 'native') {
      const k = classifySqliteError(e);
      if (k === 'corrupt')
        throw new DbReadError(`${dbPath} is not a SQLite database or is damaged (${msg}).`, 'corrupt');
      if (k === 'busy')
        throw new DbReadError(
          `${dbPath} stayed locked for ${READ_BUSY_MS / 1000} s while OpenClaw wrote it; try again.`,
          'busy',
        );
      throw new DbReadError(`${dbPath} could not be read: ${msg}`, 'other');
    }
    const name = (e as Error).name;
    if (name === 'SqliteChangedError' || name === 'SqliteBusyError') throw new DbReadError(msg, 'busy');
    if (name === 'SqliteFormatError') throw new DbReadError(msg, 'corrupt');
    throw new DbReadError(`${dbPath} could not be read: ${msg}`, 'other');
  }
}

/** Whole rows of `table` whose `column` is one of `values` (no rows when the table is missing). */
export function readRowsIn(
  dbPath: string,
  table: string,
  column: string,
  values: SqlValue[],
  opts: { engine?: EngineName } = {},
): Array<Record<string, SqlValue>> {
  const engine = opts.engine ?? engineName();
  if (engine === 'native') {
    const db = openForRead(dbPath);
    try {
      const src = sqlSource(nativeConn(db));
      return src.hasTable(table) ? src.rowsIn(table, column, values) : [];
    } finally {
      db.close();
    }
  }
  return SqliteReader.read(dbPath, (reader) =>
    reader.hasTable(table) ? reader.rowsWhere(table, column, (v) => values.includes(v)) : [],
  );
}
