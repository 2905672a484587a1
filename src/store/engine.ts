/**
 * Which SQLite engine this process uses for openclaw's DBs, decided at run time.
 *
 * - `native`: the runtime's built-in SQLite (`node:sqlite`, the engine openclaw itself runs on;
 *   Node 22.13+ and 24 have it without a flag). A real connection takes SQLite's file locks and
 *   joins the WAL protocol, so a write is an in-place transaction beside a running gateway or
 *   CLI, and a read is a consistent snapshot.
 * - `sqljs`: sql.js (wasm) on an in-memory copy, for runtimes without a built-in SQLite (Node 20,
 *   some editor hosts). It cannot take locks, so its writes replace the file and are allowed only
 *   while nothing can hold it (see dbWriter.ts).
 *
 * `OPENCLAW_AUTH_SQLITE_ENGINE=sqljs` forces the fallback (tests run every store suite on both);
 * `=native` insists on the built-in one and fails clearly when the runtime lacks it.
 */
import type { SqlValue } from './sqliteReader';

export type EngineName = 'native' | 'sqljs';
export type SqlParam = null | number | bigint | string | Uint8Array;
export type Row = Record<string, SqlValue>;

/** The part of a SQLite connection the store code uses, the same on both engines. */
export interface SqlConn {
  readonly engine: EngineName;
  all(sql: string, params?: SqlParam[]): Row[];
  get(sql: string, params?: SqlParam[]): Row | undefined;
  run(sql: string, params?: SqlParam[]): void;
  exec(sql: string): void;
}

/** The subset of `node:sqlite` used here (its types are not in @types/node 20). */
export interface NativeStatement {
  all(...params: SqlParam[]): Row[];
  get(...params: SqlParam[]): Row | undefined;
  run(...params: SqlParam[]): unknown;
}
export interface NativeDatabase {
  exec(sql: string): void;
  prepare(sql: string): NativeStatement;
  close(): void;
  readonly isOpen?: boolean;
}
export interface NativeSqlite {
  DatabaseSync: new (path: string | URL, options?: { readOnly?: boolean; open?: boolean }) => NativeDatabase;
}

let cached: { mod: NativeSqlite | undefined; error?: string } | undefined;

/** Loads `node:sqlite` once, without the ExperimentalWarning some Node versions print for it. */
export function loadNativeSqlite(): NativeSqlite | undefined {
  if (cached) return cached.mod;
  const emit = process.emitWarning;
  try {
    process.emitWarning = ((w: string | Error, ...rest: unknown[]) => {
      const text = typeof w === 'string' ? w : w.message;
      if (/sqlite/i.test(text)) return;
      (emit as (...a: unknown[]) => void).call(process, w, ...rest);
    }) as typeof process.emitWarning;
    const getBuiltin = (process as unknown as { getBuiltinModule?: (id: string) => unknown }).getBuiltinModule;
    let mod: unknown;
    if (getBuiltin) mod = getBuiltin('node:sqlite');
    else mod = (require as (id: string) => unknown)('node:sqlite');
    const ok = mod && typeof (mod as NativeSqlite).DatabaseSync === 'function';
    cached = { mod: ok ? (mod as NativeSqlite) : undefined, error: ok ? undefined : 'node:sqlite is not available' };
  } catch (e) {
    cached = { mod: undefined, error: (e as Error).message };
  } finally {
    process.emitWarning = emit;
  }
  return cached.mod;
}

export class EngineUnavailableError extends Error {
  readonly code = 'ENGINE_UNAVAILABLE';
}

/** The engine this process uses (see the file comment for the override). */
export function engineName(env: NodeJS.ProcessEnv = process.env): EngineName {
  const forced = env.OPENCLAW_AUTH_SQLITE_ENGINE?.trim().toLowerCase();
  if (forced === 'sqljs') return 'sqljs';
  const native = loadNativeSqlite();
  if (forced === 'native' && !native) {
    throw new EngineUnavailableError(
      `OPENCLAW_AUTH_SQLITE_ENGINE=native, but this Node (${process.version}) has no built-in SQLite (node:sqlite needs Node 22.13+).`,
    );
  }
  return native ? 'native' : 'sqljs';
}

/** A file: URL that opens an existing DB read-write and never creates one (`mode=rw`). */
export function dbUrl(dbPath: string, mode: 'rw' | 'ro'): URL {
  const u = new URL('file://');
  u.pathname = dbPath.split('\\').join('/');
  u.searchParams.set('mode', mode);
  return u;
}

/** Wraps a node:sqlite connection. */
export function nativeConn(db: NativeDatabase): SqlConn {
  return {
    engine: 'native',
    all: (sql, params = []) => db.prepare(sql).all(...params),
    get: (sql, params = []) => db.prepare(sql).get(...params),
    run: (sql, params = []) => {
      db.prepare(sql).run(...params);
    },
    exec: (sql) => db.exec(sql),
  };
}

/** The sql.js Database methods used here. */
export interface SqlJsDatabaseLike {
  exec(sql: string, params?: SqlParam[]): Array<{ columns: string[]; values: SqlValue[][] }>;
  run(sql: string, params?: SqlParam[]): unknown;
}

/** Wraps a sql.js Database. */
export function sqljsConn(db: SqlJsDatabaseLike): SqlConn {
  const all = (sql: string, params: SqlParam[] = []): Row[] => {
    const res = db.exec(sql, params as never)[0];
    if (!res) return [];
    return res.values.map((vals) => Object.fromEntries(res.columns.map((c, i) => [c, vals[i] ?? null])) as Row);
  };
  return {
    engine: 'sqljs',
    all,
    get: (sql, params) => all(sql, params)[0],
    run: (sql, params = []) => {
      db.run(sql, params as never);
    },
    exec: (sql) => {
      db.exec(sql);
    },
  };
}

/** SQLite error text → a kind the store maps to its own errors. */
export function classifySqliteError(e: unknown): 'busy' | 'corrupt' | 'readonly' | 'full' | 'cantopen' | 'other' {
  const m = `${(e as { code?: string })?.code ?? ''} ${(e as { errstr?: string })?.errstr ?? ''} ${(e as Error)?.message ?? String(e)}`;
  if (/SQLITE_BUSY|SQLITE_LOCKED|database is locked|database table is locked/i.test(m)) return 'busy';
  if (/SQLITE_CORRUPT|SQLITE_NOTADB|malformed|not a database|file is encrypted/i.test(m)) return 'corrupt';
  if (/SQLITE_READONLY|readonly database|read-only/i.test(m)) return 'readonly';
  if (/SQLITE_FULL|database or disk is full|ENOSPC/i.test(m)) return 'full';
  if (/SQLITE_CANTOPEN|unable to open/i.test(m)) return 'cantopen';
  return 'other';
}
