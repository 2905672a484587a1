/**
 * The one way this project changes an openclaw SQLite DB: load it into sql.js, apply a change,
 * export, and replace the file atomically, only when no other process can be writing it.
 *
 * Why not open it in place: sql.js works on an in-memory copy and takes no file locks, so it
 * cannot join openclaw's WAL protocol. Instead we refuse while anything else holds the DB or
 * has committed pages in `-wal` that the main file does not have yet, and we re-check the
 * file's identity just before the rename (re-reading and re-applying the change if it moved).
 */
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import type { Database } from 'sql.js';
import { loadSqlJs } from './sqljs';
import { atomicWrite, identity, processesHoldingAny, sameIdentity, withLock } from './fileio';
import { SqliteReader } from './sqliteReader';

export type DbKind = 'shared' | 'agent';

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

function comm(pid: number): string {
  try { return fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim(); } catch { return 'unknown'; }
}

/** Throws StoreBusyError when another process may be writing `dbPath`. */
export function assertNotBusy(dbPath: string): void {
  const holders = new Set<number>(processesHoldingAny([dbPath, `${dbPath}-wal`, `${dbPath}-shm`]));
  if (holders.size > 0) {
    const who = [...holders].map((p) => `${comm(p)} (pid ${p})`).join(', ');
    throw new StoreBusyError(
      `${path.basename(dbPath)} is open in ${who}. OpenClaw may be writing it, so nothing was changed. ` +
        'Stop the OpenClaw gateway (or connect the extension to it so changes go through its control plane), then try again.',
    );
  }
  const wal = `${dbPath}-wal`;
  if (fs.existsSync(wal) && fs.statSync(wal).size > 0 && fs.existsSync(dbPath)) {
    let committed = false;
    try {
      const r = SqliteReader.open(dbPath);
      committed = r.info.walCommitted;
      r.close();
    } catch { committed = true; }
    if (committed) {
      throw new StoreBusyError(
        `${path.basename(dbPath)} has committed changes in its -wal file that are not in the database file yet ` +
          '(a gateway is running, or OpenClaw stopped without a checkpoint). Nothing was changed. Stop the gateway, ' +
          'run `openclaw models auth list` once so OpenClaw checkpoints it, then try again.',
      );
    }
  }
}

function templateBytes(kind: DbKind): Uint8Array {
  const candidates = [path.join(__dirname, 'templates', `${kind}.sqlite.gz`), path.join(__dirname, '..', 'src', 'store', 'templates', `${kind}.sqlite.gz`)];
  const file = candidates.find((c) => fs.existsSync(c));
  if (!file) throw new Error(`Database template ${kind}.sqlite.gz is missing from the extension.`);
  return new Uint8Array(zlib.gunzipSync(fs.readFileSync(file)));
}

export const APP_VERSION = '2026.9.6';

/** A new DB with openclaw's schema, `user_version` and its `schema_meta` row. */
async function createDb(kind: DbKind, agentId: string | undefined, now: number): Promise<Database> {
  const SQL = await loadSqlJs();
  const bytes = templateBytes(kind);
  bytes[18] = 1; bytes[19] = 1;
  const db = new SQL.Database(bytes);
  const version = kind === 'shared' ? 18 : 23;
  db.run(
    'INSERT OR REPLACE INTO schema_meta (meta_key, role, schema_version, agent_id, app_version, created_at, updated_at) VALUES (?,?,?,?,?,?,?)',
    ['primary', kind === 'shared' ? 'global' : 'agent', version, kind === 'shared' ? null : agentId ?? 'main', APP_VERSION, now, now],
  );
  if (kind === 'shared') {
    db.run('INSERT OR REPLACE INTO config_machine_state (state_key, value_json, updated_at_ms) VALUES (?,?,?)', ['auth.sharedStore', '{"location":"state-db"}', now]);
  }
  return db;
}

export interface MutateOptions {
  kind: DbKind;
  agentId?: string;
  now?: () => number;
  /** Test hook: runs after the change is computed and before the identity re-check. */
  beforeCommit?: () => void;
}

/**
 * Applies `change` to the DB at `dbPath` (creating it when missing). `change` may run more than
 * once (after a concurrent modification it is re-applied to the fresh contents), so it must be a
 * pure function of the DB it is given. Returns whatever `change` returned on the committed run.
 */
export async function mutateDb<T>(dbPath: string, change: (db: Database) => T, opts: MutateOptions): Promise<T> {
  const SQL = await loadSqlJs();
  const now = opts.now ?? Date.now;
  for (let attempt = 0; attempt < 3; attempt++) {
    assertNotBusy(dbPath);
    const before = identity(dbPath);
    let db: Database;
    let wasWal = true;
    if (before.exists) {
      const bytes = new Uint8Array(fs.readFileSync(dbPath));
      if (bytes.length < 100 || Buffer.from(bytes.subarray(0, 16)).toString('latin1') !== 'SQLite format 3\u0000') {
        throw new StoreCorruptError(`${dbPath} is not a SQLite database (bad header); nothing was changed.`);
      }
      wasWal = bytes[18] === 2;
      // sql.js has no shared memory for WAL; the file is loaded as a rollback-journal DB and
      // switched back to WAL in the exported bytes.
      bytes[18] = 1; bytes[19] = 1;
      try {
        db = new SQL.Database(bytes);
        db.exec('SELECT count(*) FROM sqlite_schema');
      } catch (e) {
        throw new StoreCorruptError(`${dbPath} could not be opened (${(e as Error).message}); nothing was changed.`);
      }
    } else {
      db = await createDb(opts.kind, opts.agentId, now());
    }
    let result: T;
    let out: Uint8Array;
    try {
      db.exec('BEGIN');
      result = change(db);
      db.exec('COMMIT');
      out = db.export();
    } finally {
      db.close();
    }
    if (wasWal) { out[18] = 2; out[19] = 2; }
    let conflict = false;
    try {
      withLock(dbPath, () => {
        opts.beforeCommit?.();
        atomicWrite(dbPath, out, {
          mode: 0o600,
          beforeRename: () => {
            if (!sameIdentity(before, identity(dbPath))) { conflict = true; throw new StoreConflictError('changed'); }
            assertNotBusy(dbPath);
          },
        });
      });
    } catch (e) {
      if (conflict) continue;
      throw e;
    }
    return result;
  }
  throw new StoreConflictError(`${path.basename(dbPath)} kept changing while it was being written (another program is writing it); nothing was changed. Try again.`);
}

// ---- cell helpers for the two auth layouts ----

export interface CellAddress {
  table: 'config_machine_state' | 'auth_profile_store' | 'auth_profile_state';
  key: string;
}

export function readCell(db: Database, a: CellAddress): string | undefined {
  const [keyCol, valCol] = a.table === 'config_machine_state' ? ['state_key', 'value_json'] : a.table === 'auth_profile_store' ? ['store_key', 'store_json'] : ['state_key', 'state_json'];
  ensureAuthTable(db, a.table);
  const res = db.exec(`SELECT ${valCol} FROM ${a.table} WHERE ${keyCol} = ?`, [a.key]);
  const v = res[0]?.values[0]?.[0];
  return typeof v === 'string' ? v : undefined;
}

/** Upserts (or with `undefined` deletes) a JSON cell, as openclaw does. */
export function writeCell(db: Database, a: CellAddress, value: string | undefined, now: number): void {
  ensureAuthTable(db, a.table);
  const [keyCol, valCol, tsCol] = a.table === 'config_machine_state' ? ['state_key', 'value_json', 'updated_at_ms'] : a.table === 'auth_profile_store' ? ['store_key', 'store_json', 'updated_at'] : ['state_key', 'state_json', 'updated_at'];
  if (value === undefined) db.run(`DELETE FROM ${a.table} WHERE ${keyCol} = ?`, [a.key]);
  else db.run(`INSERT INTO ${a.table} (${keyCol}, ${valCol}, ${tsCol}) VALUES (?,?,?) ON CONFLICT(${keyCol}) DO UPDATE SET ${valCol} = excluded.${valCol}, ${tsCol} = excluded.${tsCol}`, [a.key, value, now]);
}

/** An older agent DB may lack the auth tables; create them with openclaw's exact definitions. */
function ensureAuthTable(db: Database, table: CellAddress['table']): void {
  const exists = db.exec('SELECT 1 FROM sqlite_schema WHERE type = ? AND name = ?', ['table', table]).length > 0;
  if (exists) return;
  if (table === 'config_machine_state') {
    db.run('CREATE TABLE config_machine_state (state_key TEXT NOT NULL PRIMARY KEY, value_json TEXT NOT NULL, updated_at_ms INTEGER NOT NULL) STRICT');
  } else if (table === 'auth_profile_store') {
    db.run('CREATE TABLE auth_profile_store (store_key TEXT NOT NULL PRIMARY KEY, store_json TEXT NOT NULL, updated_at INTEGER NOT NULL) STRICT');
  } else {
    db.run('CREATE TABLE auth_profile_state (state_key TEXT NOT NULL PRIMARY KEY, state_json TEXT NOT NULL, updated_at INTEGER NOT NULL) STRICT');
  }
}
