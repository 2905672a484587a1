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

export const SHARED_STORE_KEY = 'authProfiles.store';
export const SHARED_STATE_KEY = 'authProfiles.state';
export const PRIMARY_ROW_KEY = 'primary';
export const SHARED_MARKER_KEY = 'auth.sharedStore';
export const RECEIPT_KIND = 'auth-profile-json-to-sqlite-v2';

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

function extract(src: RowSource, kind: 'shared' | 'agent', wantReceipts: boolean): Omit<AuthCells, 'walCommitted'> {
  const out: Omit<AuthCells, 'walCommitted'> = {
    hasStateRow: false,
    hasStoreRow: false,
    secretStore: new Map(),
    receipts: new Map(),
  };
  if (kind === 'shared') {
    if (src.hasTable('config_machine_state')) {
      for (const row of src.rowsIn('config_machine_state', 'state_key', [
        SHARED_STORE_KEY,
        SHARED_STATE_KEY,
        SHARED_MARKER_KEY,
      ])) {
        if (typeof row.value_json !== 'string') continue;
        if (row.state_key === SHARED_STORE_KEY) {
          out.storeText = row.value_json;
          out.hasStoreRow = true;
        }
        if (row.state_key === SHARED_STATE_KEY) {
          out.stateText = row.value_json;
          out.hasStateRow = true;
        }
        if (row.state_key === SHARED_MARKER_KEY) out.marker = row.value_json;
      }
    }
    if (src.hasTable('secret_store_entries')) {
      for (const row of src.rowsIn('secret_store_entries', 'scope_kind', ['team'])) {
        if (row.deleted_at_ms == null && typeof row.name === 'string' && typeof row.value === 'string')
          out.secretStore.set(row.name, row.value);
      }
    }
    if (wantReceipts && src.hasTable('migration_sources')) {
      for (const row of src.rowsIn('migration_sources', 'migration_kind', [RECEIPT_KIND])) {
        if (typeof row.source_key === 'string' && typeof row.status === 'string')
          out.receipts.set(row.source_key, row.status);
      }
    }
  } else {
    if (src.hasTable('auth_profile_store')) {
      for (const row of src.rowsIn('auth_profile_store', 'store_key', [PRIMARY_ROW_KEY]))
        if (typeof row.store_json === 'string') {
          out.storeText = row.store_json;
          out.hasStoreRow = true;
        }
    }
    if (src.hasTable('auth_profile_state')) {
      for (const row of src.rowsIn('auth_profile_state', 'state_key', [PRIMARY_ROW_KEY]))
        if (typeof row.state_json === 'string') {
          out.stateText = row.state_json;
          out.hasStateRow = true;
        }
    }
  }
  return out;
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
    hasTable: (t) =>
      conn.get('SELECT 1 AS x FROM sqlite_schema WHERE type = ? AND name = ?', ['table', t]) !== undefined,
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

function readNative(dbPath: string, kind: 'shared' | 'agent', wantReceipts: boolean): AuthCells {
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

function readPages(dbPath: string, kind: 'shared' | 'agent', wantReceipts: boolean): AuthCells {
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
  kind: 'shared' | 'agent',
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
