/**
 * The one way this project changes an openclaw SQLite DB.
 *
 * Native engine (`node:sqlite`, see engine.ts): open the file in place, `BEGIN IMMEDIATE` with a
 * busy timeout, change the cells, commit. SQLite's own locks and WAL protect both sides, so this
 * is safe beside a running gateway or openclaw command; nothing is copied or renamed, and a
 * 200 MB agent DB costs what its auth rows cost.
 *
 * sql.js engine (runtimes without a built-in SQLite): sql.js works on an in-memory copy and takes
 * no file locks, so its result must replace the file. That is allowed only while no SQLite
 * connection can hold the file: no `-wal`, `-shm` or non-empty `-journal` beside it (every
 * openclaw connection in WAL mode has them while open). Our own lock is held across the whole
 * read-modify-write, the temp file is integrity-checked before the rename, and the file's
 * identity and the absence of those files are checked again immediately before the rename.
 * Otherwise the write is refused with what to do. No decision here reads /proc (macOS and Windows
 * have none); on Linux it may only name the holder in a message.
 *
 * New DBs (no OpenClaw yet) are created from openclaw's schema templates, without ever replacing
 * an existing file (hard link of a verified temp file).
 */
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import crypto from 'node:crypto';
import type { Database } from 'sql.js';
import { loadSqlJs } from './sqljs';
import {
  atomicWrite,
  FileWriteError,
  cleanStaleTemps,
  ensurePrivateDir,
  identity,
  processesHoldingAny,
  sameIdentity,
  withLock,
  type FileIdentity,
} from './fileio';
import { companionsInUse, replaceDecision } from '../os/platform';
import {
  classifySqliteError,
  dbUrl,
  engineName,
  loadNativeSqlite,
  nativeConn,
  sqljsConn,
  type EngineName,
  type SqlJsDatabaseLike,
  type NativeDatabase,
  type SqlConn,
} from './engine';
import {
  CELL_TABLES,
  cellSql,
  CONFIG_MACHINE_STATE,
  COUNT_SCHEMA_SQL,
  HAS_TABLE_SQL,
  insertOrReplaceSql,
  MARKER_CELL,
  PRIMARY_ROW_KEY,
  rowValues,
  SCHEMA_META,
  STATE_DB_MARKER,
  type CellAddress,
  type CellTableName,
  type DbKind,
} from './layout';

export type { DbKind } from './layout';
export type { SqlConn } from './engine';

export class StoreBusyError extends Error {
  readonly code = 'STORE_BUSY';
  constructor(message: string) {
    super(message);
    this.name = 'StoreBusyError';
  }
}

export class StoreConflictError extends Error {
  readonly code = 'STORE_CONFLICT';
  constructor(message: string) {
    super(message);
    this.name = 'StoreConflictError';
  }
}

export class StoreCorruptError extends Error {
  readonly code = 'STORE_CORRUPT';
  constructor(message: string) {
    super(message);
    this.name = 'StoreCorruptError';
  }
}

/** A write that failed for a reason of the file system (full disk, read-only, permissions). */
export class StoreWriteError extends Error {
  readonly code = 'STORE_WRITE';
  constructor(message: string, cause?: unknown) {
    super(message, { cause });
    this.name = 'StoreWriteError';
  }
}

/** How long a native write waits for another connection's write lock. */
export const BUSY_TIMEOUT_MS = 5000;

/**
 * Linux only, and only for a message: who has the file open (" It is open in openclaw (pid 12).").
 * '' where `procRoot` (/proc) is absent or empty (macOS, Windows, a hidden /proc): never an error,
 * never a safety decision.
 */
export function holderText(dbPath: string, procRoot = '/proc'): string {
  const pids = processesHoldingAny([dbPath, `${dbPath}-wal`, `${dbPath}-shm`], procRoot);
  if (!pids.length) return '';
  const comm = (pid: number) => {
    try {
      return fs.readFileSync(`${procRoot}/${pid}/comm`, 'utf8').trim();
    } catch {
      return 'unknown';
    }
  };
  return ` It is open in ${pids.map((p) => `${comm(p)} (pid ${p})`).join(', ')}.`;
}

/** What the file system shows beside `dbPath`, for companionsInUse / replaceDecision. */
function companionFiles(dbPath: string): { wal: FileIdentity; shm: FileIdentity; journal: FileIdentity } {
  return { wal: identity(`${dbPath}-wal`), shm: identity(`${dbPath}-shm`), journal: identity(`${dbPath}-journal`) };
}

/** The files that show a SQLite connection may hold `dbPath` (or a transaction is in flight). */
export function sqliteCompanions(dbPath: string): string[] {
  return companionsInUse(process.platform, path.basename(dbPath), companionFiles(dbPath));
}

/**
 * For the sql.js engine: throws StoreBusyError unless the file can be replaced (no -wal, -shm or
 * hot -journal). The native engine never needs this: SQLite's locks decide there.
 */
export function assertReplaceable(dbPath: string): void {
  const present = sqliteCompanions(dbPath);
  if (!present.length) return;
  throw new StoreBusyError(
    `${path.basename(dbPath)} is in use: ${present.join(' and ')} exist beside it, so the OpenClaw gateway or an openclaw command has it open ` +
      `(or one stopped without cleaning up).${holderText(dbPath)} This runtime (Node ${process.version}) has no built-in SQLite to write beside it safely, ` +
      'so nothing was changed. Run the openclaw-auth CLI with Node 22.13 or newer (openclaw itself needs Node 24), which writes beside ' +
      'OpenClaw safely, or connect the extension to the running gateway so the change goes through its control plane. ' +
      '(openclaw commands can leave an empty -wal and -shm behind after they exit, so this can happen with no OpenClaw running.)',
  );
}

/** @deprecated name kept for callers: the check the current engine needs before a write. */
export function assertNotBusy(dbPath: string): void {
  if (engineName() === 'sqljs') assertReplaceable(dbPath);
}

function templateBytes(kind: DbKind): Uint8Array {
  const candidates = [
    path.join(__dirname, 'templates', `${kind}.sqlite.gz`),
    path.join(__dirname, '..', 'src', 'store', 'templates', `${kind}.sqlite.gz`),
  ];
  const file = candidates.find((c) => fs.existsSync(c));
  if (!file) throw new Error(`Database template ${kind}.sqlite.gz is missing from the extension.`);
  return new Uint8Array(zlib.gunzipSync(fs.readFileSync(file)));
}

export const APP_VERSION = '2026.9.6';

/** A new DB with openclaw's schema, `user_version` and its `schema_meta` row. */
async function createDb(kind: DbKind, agentId: string | undefined, now: number): Promise<Database> {
  const SQL = await loadSqlJs();
  const bytes = templateBytes(kind);
  bytes[18] = 1;
  bytes[19] = 1;
  const db = new SQL.Database(bytes);
  db.run(
    insertOrReplaceSql(SCHEMA_META),
    rowValues(SCHEMA_META, {
      meta_key: PRIMARY_ROW_KEY,
      role: SCHEMA_META.role[kind],
      schema_version: SCHEMA_META.version[kind],
      agent_id: kind === 'shared' ? null : (agentId ?? 'main'),
      app_version: APP_VERSION,
      created_at: now,
      updated_at: now,
    }),
  );
  if (kind === 'shared') {
    db.run(
      insertOrReplaceSql(CONFIG_MACHINE_STATE),
      rowValues(CONFIG_MACHINE_STATE, {
        state_key: MARKER_CELL.key,
        value_json: STATE_DB_MARKER,
        updated_at_ms: now,
      }),
    );
  }
  return db;
}

const SQLITE_MAGIC = 'SQLite format 3\u0000';

function sqliteHeaderOk(bytes: Uint8Array): boolean {
  return bytes.length >= 100 && Buffer.from(bytes.subarray(0, 16)).toString('latin1') === SQLITE_MAGIC;
}

/** Runs `PRAGMA integrity_check` on DB bytes with sql.js; throws when it is not "ok". */
async function assertIntegrity(bytes: Uint8Array, what: string): Promise<void> {
  const SQL = await loadSqlJs();
  const copy = new Uint8Array(bytes);
  copy[18] = 1;
  copy[19] = 1;
  const db = new SQL.Database(copy);
  try {
    const r = db.exec('PRAGMA integrity_check')[0]?.values[0]?.[0];
    if (r !== 'ok')
      throw new StoreWriteError(
        `${what} failed its integrity check before it was put in place (${String(r)}); nothing was changed.`,
      );
  } finally {
    db.close();
  }
}

/**
 * Puts a new DB file at `dbPath` only if none exists: a verified temp file is hard-linked into
 * place (link never replaces). Returns false when another process created the file meanwhile.
 */
async function createDbFile(dbPath: string, kind: DbKind, agentId: string | undefined, now: number): Promise<boolean> {
  const db = await createDb(kind, agentId, now);
  let out: Uint8Array;
  try {
    out = db.export();
  } finally {
    db.close();
  }
  out[18] = 2;
  out[19] = 2; // openclaw's DBs are WAL
  await assertIntegrity(out, `The new ${path.basename(dbPath)}`);
  const dir = path.dirname(dbPath);
  ensurePrivateDir(dir);
  const tmp = path.join(
    dir,
    `.${path.basename(dbPath)}.openclaw-auth-${process.pid}-${crypto.randomBytes(4).toString('hex')}.tmp`,
  );
  try {
    const fd = fs.openSync(tmp, 'wx', 0o600);
    try {
      let off = 0;
      while (off < out.length) off += fs.writeSync(fd, out, off, out.length - off);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    const back = fs.readFileSync(tmp);
    if (back.length !== out.length || !back.equals(Buffer.from(out)))
      throw new StoreWriteError(`The new ${path.basename(dbPath)} did not read back as written; nothing was changed.`);
    try {
      fs.linkSync(tmp, dbPath);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw e;
    }
    return true;
  } catch (e) {
    throw fileError(e, dbPath);
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

/** A raw errno from writing `file` as a sentence that says nothing was changed. */
function fileError(e: unknown, file: string): Error {
  if (
    e instanceof StoreWriteError ||
    e instanceof StoreBusyError ||
    e instanceof StoreCorruptError ||
    e instanceof StoreConflictError ||
    e instanceof FileWriteError
  )
    return e;
  const code = (e as NodeJS.ErrnoException).code;
  const why: Record<string, string> = {
    ENOSPC: 'there is no space left on the disk',
    EDQUOT: 'the disk quota is used up',
    EROFS: 'the file system is read-only',
    EACCES: 'permission denied',
    EPERM: 'the operation is not permitted (the file may be immutable)',
    EIO: 'an input/output error occurred',
  };
  const reason = (code && why[code]) ?? (e as Error).message;
  return new StoreWriteError(`Could not write ${file}: ${reason}${code ? ` (${code})` : ''}. Nothing was changed.`, e);
}

export interface MutateOptions {
  kind: DbKind;
  agentId?: string;
  now?: () => number;
  /** Test hook: runs after the change is computed and before the commit (native) or the identity re-check (sql.js). */
  beforeCommit?: () => void;
  /** The engine to use; default: engineName() (the runtime's, or the forced one). */
  engine?: EngineName;
}

/**
 * Applies `change` to the DB at `dbPath` (creating it when missing) in one transaction. On the
 * sql.js engine `change` may run more than once (after a concurrent modification it is re-applied
 * to the fresh contents), so it must be a pure function of the DB it is given. Returns whatever
 * `change` returned on the committed run.
 */
export async function mutateDb<T>(dbPath: string, change: (db: SqlConn) => T, opts: MutateOptions): Promise<T> {
  const engine = opts.engine ?? engineName();
  const now = opts.now ?? Date.now;
  // A writer of ours killed mid-write may have left a temp copy (with credentials) or a lock.
  cleanStaleTemps(path.dirname(dbPath));
  if (!fs.existsSync(dbPath)) await createDbFile(dbPath, opts.kind, opts.agentId, now());
  return engine === 'native' ? mutateNative(dbPath, change, opts) : mutateSqlJs(dbPath, change, opts);
}

function checkHeader(dbPath: string): void {
  let head: Buffer;
  try {
    const fd = fs.openSync(dbPath, 'r');
    try {
      head = Buffer.alloc(100);
      const n = fs.readSync(fd, head, 0, 100, 0);
      head = head.subarray(0, n);
    } finally {
      fs.closeSync(fd);
    }
  } catch (e) {
    throw new StoreWriteError(`Could not open ${dbPath}: ${(e as Error).message}. Nothing was changed.`, e);
  }
  if (head.length === 0)
    throw new StoreCorruptError(
      `${dbPath} is empty (0 bytes), so it is not an OpenClaw database; nothing was changed. Start openclaw once to initialise it, or remove the empty file.`,
    );
  if (!sqliteHeaderOk(head))
    throw new StoreCorruptError(`${dbPath} is not a SQLite database (bad header); nothing was changed.`);
}

function openNative(dbPath: string): NativeDatabase {
  const sqlite = loadNativeSqlite();
  if (!sqlite) throw new StoreWriteError(`This runtime has no built-in SQLite (Node ${process.version}).`);
  try {
    const db = new sqlite.DatabaseSync(dbUrl(dbPath, 'rw'));
    db.exec(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
    return db;
  } catch (e) {
    throw nativeError(e, dbPath);
  }
}

function nativeError(e: unknown, dbPath: string): Error {
  if (e instanceof StoreWriteError || e instanceof StoreBusyError || e instanceof StoreCorruptError) return e;
  const name = path.basename(dbPath);
  const msg = (e as Error).message;
  switch (classifySqliteError(e)) {
    case 'busy':
      return new StoreBusyError(
        `${name} stayed locked by another program for ${BUSY_TIMEOUT_MS / 1000} s (OpenClaw is writing it), so nothing was changed.${holderText(dbPath)} Try again in a moment.`,
      );
    case 'corrupt':
      return new StoreCorruptError(
        `${dbPath} is damaged (${msg}); nothing was changed. Check it with \`openclaw doctor\` or restore it from a backup.`,
      );
    case 'full':
      return new StoreWriteError(
        `Could not write ${dbPath}: there is no space left on the disk (SQLITE_FULL). Nothing was changed.`,
        e,
      );
    case 'readonly':
      return new StoreWriteError(
        `Could not write ${dbPath}: it is read-only for this user (${msg}). Nothing was changed.`,
        e,
      );
    case 'cantopen':
      return new StoreWriteError(`Could not open ${dbPath} (${msg}). Nothing was changed.`, e);
    default:
      return e as Error;
  }
}

async function mutateNative<T>(dbPath: string, change: (db: SqlConn) => T, opts: MutateOptions): Promise<T> {
  checkHeader(dbPath);
  const db = openNative(dbPath);
  try {
    const conn = nativeConn(db);
    try {
      conn.exec('BEGIN IMMEDIATE');
    } catch (e) {
      throw nativeError(e, dbPath);
    }
    try {
      const result = change(conn);
      opts.beforeCommit?.();
      conn.exec('COMMIT');
      return result;
    } catch (e) {
      try {
        conn.exec('ROLLBACK');
      } catch {
        /* SQLite already rolled back (SQLITE_FULL, I/O error) */
      }
      throw nativeError(e, dbPath);
    }
  } finally {
    try {
      db.close();
    } catch {
      /* closed */
    }
  }
}

/** How long the sql.js path waits for a short-lived connection (an openclaw command, a reader) to go. */
export const REPLACE_WAIT_MS = 3000;
/**
 * The pause between the two last checks before a rename: SQLite creates `-shm` as soon as a
 * connection first reads, so a connection that opened the file just before the first check shows
 * up by the second one.
 */
const SETTLE_MS = 25;

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Waits (bounded) until the DB is replaceable; then throws StoreBusyError if it still is not. */
function waitReplaceable(dbPath: string, maxMs: number): void {
  const until = Date.now() + maxMs;
  for (let delay = 10; sqliteCompanions(dbPath).length && Date.now() < until; delay = Math.min(delay * 2, 200))
    sleepSync(delay);
  assertReplaceable(dbPath);
}

async function mutateSqlJs<T>(dbPath: string, change: (db: SqlConn) => T, opts: MutateOptions): Promise<T> {
  const SQL = await loadSqlJs();
  // Our own lock across the whole read-modify-write: two of our writers never interleave. A
  // sql.js write of a big DB takes a while, so a queue of them waits longer than the default.
  return withLock(
    dbPath,
    () => {
      for (let attempt = 0; attempt < 5; attempt++) {
        waitReplaceable(dbPath, attempt === 0 ? REPLACE_WAIT_MS : 500);
        const before = identity(dbPath);
        const bytes = new Uint8Array(fs.readFileSync(dbPath));
        if (!sameIdentity(before, identity(dbPath))) continue;
        if (bytes.length === 0)
          throw new StoreCorruptError(
            `${dbPath} is empty (0 bytes), so it is not an OpenClaw database; nothing was changed. Start openclaw once to initialise it, or remove the empty file.`,
          );
        if (!sqliteHeaderOk(bytes))
          throw new StoreCorruptError(`${dbPath} is not a SQLite database (bad header); nothing was changed.`);
        const wasWal = bytes[18] === 2;
        // sql.js has no shared memory for WAL; the file is loaded as a rollback-journal DB and
        // switched back to WAL in the exported bytes.
        bytes[18] = 1;
        bytes[19] = 1;
        let db: Database;
        try {
          db = new SQL.Database(bytes);
          db.exec(COUNT_SCHEMA_SQL);
        } catch (e) {
          throw new StoreCorruptError(`${dbPath} could not be opened (${(e as Error).message}); nothing was changed.`);
        }
        let result: T;
        let out: Uint8Array;
        try {
          db.exec('BEGIN');
          result = change(sqljsConn(db as unknown as SqlJsDatabaseLike));
          db.exec('COMMIT');
          const check = db.exec('PRAGMA integrity_check')[0]?.values[0]?.[0];
          if (check !== 'ok')
            throw new StoreCorruptError(
              `${dbPath} fails SQLite's integrity check (${String(check)}); nothing was changed.`,
            );
          out = db.export();
        } finally {
          db.close();
        }
        if (wasWal) {
          out[18] = 2;
          out[19] = 2;
        }
        let conflict = false;
        try {
          opts.beforeCommit?.();
          atomicWrite(dbPath, out, {
            mode: 0o600,
            beforeRename: () => {
              for (let i = 0; i < 2; i++) {
                if (i) sleepSync(SETTLE_MS);
                if (
                  replaceDecision(process.platform, before, identity(dbPath), companionFiles(dbPath)) === 'conflict'
                ) {
                  conflict = true;
                  throw new StoreConflictError('changed');
                }
              }
            },
          });
        } catch (e) {
          if (conflict) continue;
          throw fileError(e, dbPath);
        }
        return result;
      }
      assertReplaceable(dbPath);
      throw new StoreConflictError(
        `${path.basename(dbPath)} kept changing while it was being written (another program is writing it); nothing was changed. Try again.`,
      );
    },
    { timeoutMs: 30_000, staleMs: 120_000 },
  );
}

// ---- cell helpers for the two auth layouts (layout.ts) ----

export type { CellAddress } from './layout';

export function readCell(db: SqlConn, a: CellAddress): string | undefined {
  if (!hasTable(db, a.table)) return undefined;
  const v = db.get(cellSql(a.table).select, [a.key])?.v;
  return typeof v === 'string' ? v : undefined;
}

export function hasTable(db: SqlConn, table: string): boolean {
  return db.get(HAS_TABLE_SQL, ['table', table]) !== undefined;
}

/** Upserts (or with `undefined` deletes) a JSON cell, as openclaw does. */
export function writeCell(db: SqlConn, a: CellAddress, value: string | undefined, now: number): void {
  ensureAuthTable(db, a.table);
  const sql = cellSql(a.table);
  if (value === undefined) db.run(sql.delete, [a.key]);
  else db.run(sql.upsert, [a.key, value, now]);
}

/** An older agent DB may lack the auth tables; create them with openclaw's exact definitions. */
function ensureAuthTable(db: SqlConn, table: CellTableName): void {
  if (hasTable(db, table)) return;
  db.run(CELL_TABLES[table].ddl);
}
