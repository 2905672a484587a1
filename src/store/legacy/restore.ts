/**
 * Putting back what a run wrote: whole files from backup, the auth cells and receipt rows of a DB
 * (in place, through the store's writer), and the keys of openclaw.json the run changed.
 */
import fs from 'node:fs';
import { sha256, isObj, type Obj } from '../../auth/legacyMigration';
import { loadConfig, serializeConfig, type JsonObject } from '../config';
import { readAuthCells, readRowsIn } from '../authCells';
import type { SqlValue } from '../sqliteReader';
import { hasTable, mutateDb, writeCell, type SqlConn } from '../dbWriter';
import { atomicWrite } from '../fileio';
import {
  AUTH_CELLS,
  DELETE_RECEIPT_SQL,
  DELETE_RUN_SQL,
  MARKER_CELL,
  MIGRATION_RUNS,
  MIGRATION_SOURCES,
  SELECT_RECEIPT_RUN_SQL,
  STATE_DB_MARKER,
  type DbKind,
} from '../layout';
import { readTarget } from './detect';
import { copyPrivate, fileSha, type JournalDb, type JournalFile } from './journal';
import { MigrationError } from './options';

/** The file holds what this run wrote (or its pre-run bytes): it is safe to restore from backup. */
export function restoreFile(
  f: JournalFile,
  ours: (current: string | undefined) => boolean,
): 'restored' | 'unchanged' | 'foreign' {
  const cur = fileSha(f.path);
  if (f.existed ? cur === f.beforeSha : cur === undefined) return 'unchanged';
  if (!ours(cur)) return 'foreign';
  if (f.existed && f.backup) copyPrivate(f.backup, f.path);
  else fs.rmSync(f.path, { force: true });
  return 'restored';
}

/** sha256 of JSON text with object keys sorted: the same data written in another key order matches. */
export function canonSha(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  const canon = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(canon)
      : isObj(v)
        ? Object.fromEntries(
            Object.keys(v)
              .sort()
              .map((k) => [k, canon(v[k])]),
          )
        : v;
  try {
    return sha256(JSON.stringify(canon(JSON.parse(text))));
  } catch {
    return sha256(text);
  }
}

type Rows = Array<Record<string, SqlValue>>;
interface BeforeCells {
  storeText?: string;
  stateText?: string;
  marker?: string;
  sources: Rows;
  runs: Rows;
}

/** Reads what a DB holds before the run (cells and the receipt rows the run may replace). */
export function captureBefore(dbPath: string, kind: DbKind, receiptKeys: string[]): BeforeCells {
  if (!fs.existsSync(dbPath)) return { sources: [], runs: [] };
  const c = readAuthCells(dbPath, kind);
  const S = MIGRATION_SOURCES;
  const sources = receiptKeys.length ? readRowsIn(dbPath, S.name, S.col.key, receiptKeys) : [];
  const runIds = sources.map((r) => r[S.col.lastRunId]).filter((v): v is string => typeof v === 'string');
  const runs = runIds.length ? readRowsIn(dbPath, MIGRATION_RUNS.name, MIGRATION_RUNS.col.id, runIds) : [];
  return { storeText: c.storeText, stateText: c.stateText, marker: c.marker, sources, runs };
}

export function readBefore(d: JournalDb): BeforeCells {
  if (!d.cells) return { sources: [], runs: [] };
  const v = JSON.parse(fs.readFileSync(d.cells, 'utf8'), (_k, x: unknown) =>
    isObj(x) && x.$bytes !== undefined && Object.keys(x).length === 1 ? Buffer.from(String(x.$bytes), 'base64') : x,
  ) as BeforeCells;
  return v;
}

export function writeBefore(file: string, b: BeforeCells): void {
  const text = JSON.stringify(b, (_k, x: unknown) =>
    x instanceof Uint8Array ? { $bytes: Buffer.from(x).toString('base64') } : typeof x === 'bigint' ? Number(x) : x,
  );
  atomicWrite(file, text, { mode: 0o600 });
}

/**
 * Puts back the auth cells (and receipt rows) a run wrote into one DB, in place, through the
 * store's writer: rows openclaw wrote since (its own machine state) are kept. A cell that holds
 * neither what the run wrote nor what was there before changed after the run: it is named in the
 * returned list and nothing is written, unless `force`.
 */
export async function restoreDbCells(
  d: JournalDb,
  force: boolean,
  now: number,
): Promise<{ restored: boolean; changed: string[] }> {
  if (!fs.existsSync(d.path)) return { restored: false, changed: [] };
  if (!d.cells)
    throw new MigrationError(
      `This migration run was made by an older version that kept a whole-file copy of ${d.path}; restore ${d.backup ?? 'the backup'} by hand while OpenClaw is stopped.`,
      'OLD_JOURNAL',
    );
  const before = readBefore(d);
  const cur = readTarget(d.path, d.kind);
  if (cur.error) throw new MigrationError(`${cur.error} Nothing was changed.`, 'UNREADABLE');
  const changed: string[] = [];
  const sAddr = AUTH_CELLS[d.kind].store;
  const tAddr = AUTH_CELLS[d.kind].state;
  const cell = (
    want: string | undefined,
    wroteCanon: string | undefined,
    current: string | undefined,
    addr: { table: string; key: string },
  ) => {
    if (wroteCanon === undefined) return false;
    const c = canonSha(current);
    if (c === canonSha(want)) return false; // already as before
    if (c !== wroteCanon) changed.push(`${d.path} ${addr.table} "${addr.key}"`);
    return true;
  };
  const doStore = cell(before.storeText, d.storeCanon, cur.storeText, sAddr);
  const doState = cell(before.stateText, d.stateCanon, cur.stateText, tAddr);
  const doMarker = Boolean(d.markerAdded) && before.marker === undefined && cur.marker !== undefined;
  if (doMarker && cur.marker !== STATE_DB_MARKER) changed.push(`${d.path} ${MARKER_CELL.table} "${MARKER_CELL.key}"`);
  const keys = d.receiptKeys ?? [];
  if (changed.length && !force) return { restored: false, changed };
  if (!doStore && !doState && !doMarker && !keys.length) return { restored: false, changed };
  await mutateDb(
    d.path,
    (db) => {
      if (doStore) writeCell(db, sAddr, before.storeText, now);
      if (doState) writeCell(db, tAddr, before.stateText, now);
      if (doMarker) writeCell(db, MARKER_CELL, undefined, now);
      if (keys.length) restoreReceipts(db, keys, before);
    },
    { kind: d.kind === 'shared' ? 'shared' : 'agent', now: () => now },
  );
  return { restored: true, changed };
}

/**
 * Puts back the receipt rows of `keys` (and the runs they point at) as they were before the run;
 * a receipt that still points at the run it had then is left alone.
 */
function restoreReceipts(db: SqlConn, keys: string[], before: BeforeCells): void {
  const S = MIGRATION_SOURCES;
  const R = MIGRATION_RUNS;
  if (!hasTable(db, S.name)) return;
  for (const key of keys) {
    const row = db.get(SELECT_RECEIPT_RUN_SQL, [key]);
    const prev = before.sources.find((r) => r[S.col.key] === key);
    if (!row && !prev) continue;
    if (row && prev && row[S.col.lastRunId] === prev[S.col.lastRunId]) continue;
    if (row) {
      const runId = row[S.col.lastRunId];
      if (typeof runId === 'string' && hasTable(db, R.name)) db.run(DELETE_RUN_SQL, [runId]);
      db.run(DELETE_RECEIPT_SQL, [key]);
    }
    if (prev) insertRow(db, S.name, prev);
    for (const r of before.runs)
      if (prev && r[R.col.id] === prev[S.col.lastRunId] && hasTable(db, R.name)) {
        db.run(DELETE_RUN_SQL, [r[R.col.id] as string]);
        insertRow(db, R.name, r);
      }
  }
}

function insertRow(db: SqlConn, table: string, row: Record<string, SqlValue>): void {
  const cols = Object.keys(row);
  db.run(
    `INSERT INTO "${table}" (${cols.map((c) => `"${c.replaceAll('"', '""')}"`).join(',')}) VALUES (${cols.map(() => '?').join(',')})`,
    cols.map((c) => row[c] ?? null) as never,
  );
}

/** The config paths a migration changed, as key lists (leaves of the before/after difference). */
export function diffPaths(a: unknown, b: unknown, at: string[] = [], out: string[][] = []): string[][] {
  if (isObj(a) && isObj(b)) {
    for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) diffPaths(a[k], b[k], [...at, k], out);
  } else if (!deepEqual(a, b)) out.push(at);
  return out;
}
export function getPath(o: unknown, p: string[]): unknown {
  let v = o;
  for (const k of p) {
    if (!isObj(v) || !Object.hasOwn(v, k)) return undefined;
    v = v[k];
  }
  return v;
}
function setPath(o: Obj, p: string[], value: unknown): void {
  let v: Obj = o;
  for (const k of p.slice(0, -1)) {
    if (!isObj(v[k])) v[k] = {};
    v = v[k] as Obj;
  }
  const last = p[p.length - 1] as string;
  if (value === undefined) delete v[last];
  else v[last] = value;
}

/**
 * openclaw.json: its exact pre-run bytes when it still holds what the run wrote; otherwise only
 * the keys the run changed are put back, when each still holds the run's value (openclaw may have
 * written other keys since). Returns the keys that changed after the run.
 */
export function restoreConfig(
  c: JournalFile & { afterText: string },
  force: boolean,
): { restored: boolean; changed: string[] } {
  const cur = fileSha(c.path);
  if (c.existed ? cur === c.beforeSha : cur === undefined) return { restored: false, changed: [] };
  if (cur === sha256(c.afterText)) {
    restoreFile(c, () => true);
    return { restored: true, changed: [] };
  }
  const loaded = loadConfig(c.path);
  if (loaded.error || !loaded.plainJson || !loaded.exists) {
    if (!force)
      return { restored: false, changed: [`${c.path} (it was rewritten with comments, removed or cannot be parsed)`] };
    restoreFile(c, () => true);
    return { restored: true, changed: [] };
  }
  const beforeData: unknown = c.existed && c.backup ? loadConfig(c.backup).data : {};
  const afterData: unknown = JSON.parse(c.afterText);
  const paths = diffPaths(beforeData, afterData);
  const changed = paths.filter(
    (p) =>
      !deepEqual(getPath(loaded.data, p), getPath(afterData, p)) &&
      !deepEqual(getPath(loaded.data, p), getPath(beforeData, p)),
  );
  if (changed.length && !force) return { restored: false, changed: changed.map((p) => `${c.path} ${p.join('.')}`) };
  const next = JSON.parse(JSON.stringify(loaded.data)) as Obj;
  for (const p of paths) setPath(next, p, getPath(beforeData, p));
  atomicWrite(c.path, serializeConfig(next as JsonObject), { mode: 0o600 });
  return { restored: true, changed: [] };
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b))
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  if (isObj(a) && isObj(b)) {
    const ka = Object.keys(a);
    const kb = Object.keys(b);
    return ka.length === kb.length && ka.every((k) => Object.hasOwn(b, k) && deepEqual(a[k], b[k]));
  }
  return false;
}
