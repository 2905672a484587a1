/**
 * Legacy auth migration on disk: detect, plan, apply (crash-safe), recover and undo.
 *
 * Apply is built so that a kill at any instant leaves either nothing changed or the migration
 * complete (after the next run's recovery):
 *   1. back up: every target DB, openclaw.json and every source file are copied into a run
 *      directory `<stateDir>/openclaw-auth/migrations/<runId>/` (fsynced);
 *   2. a journal (`journal.json`, status "prepared") is written atomically; it names every file
 *      and its sha256 before the run;
 *   3. the target DBs are written through the safe writer (mutateDb) and openclaw.json through
 *      atomicWrite; receipts go into the state DB's `migration_sources` as openclaw writes them;
 *   4. everything is read back and compared with the plan; on a mismatch the backups are put
 *      back and the run fails;
 *   5. journal status "verified" (with the new hashes), then the originals are renamed to
 *      `<file>.migrated-<ISO ts with ':'→'-'>-<uuid>` (openclaw's name), then status "complete".
 * Recovery (run first by plan/apply/undo): a "prepared" journal is rolled back from the backups
 * (only files whose content is ours are restored), a "verified" one is rolled forward (the
 * remaining renames), a run dir without a journal is removed (nothing had been changed yet).
 * Undo puts back the exact original bytes of one complete run.
 */
import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import {
  planMigration,
  publicPlan,
  sha256,
  SOURCE_FILE,
  isObj,
  type AgentInput,
  type MigrationPlan,
  type Obj,
  type SourceFileInput,
  type SourceKind,
  type TargetPlan,
} from '../auth/legacyMigration';
import { agentDbPath, agentDir as resolveAgentDir, displayPath, type Env, type ResolvedPaths, pathsFor } from './paths';
import { configAgents, configWriteRefusal, loadConfig, serializeConfig, type JsonObject } from './config';
import { quoteId } from '../auth/providerId';
import { readAuthCells, readRowsIn } from './authCells';
import type { SqlValue } from './sqliteReader';
import type { EngineName } from './engine';
import { assertNotBusy, hasTable, mutateDb, writeCell, readCell, StoreBusyError, type SqlConn } from './dbWriter';
import { atomicWrite, cleanStaleTemps, ensurePrivateDir } from './fileio';
import {
  AUTH_CELLS,
  DELETE_RECEIPT_SQL,
  DELETE_RUN_SQL,
  insertOrReplaceSql,
  MARKER_CELL,
  MIGRATION_RUNS,
  MIGRATION_SOURCES,
  RECEIPT_COMPLETED,
  RECEIPT_KIND,
  RECEIPT_TARGET,
  rowValues,
  SELECT_RECEIPT_RUN_SQL,
  STATE_DB_MARKER,
  type DbKind,
} from './layout';

export const MAX_LEGACY_FILE_BYTES = 8 * 1024 * 1024;
export { RECEIPT_KIND };

export interface LegacyOptions {
  stateDirSetting?: string;
  env?: Env;
  /** Paths resolved once by the caller (src/store/paths.ts pathsFor). */
  paths?: ResolvedPaths;
  now?: () => number;
  onProgress?: (message: string, done: number, total: number) => void;
  /** Test hook for the kill-fault suite: a pause (ms) between steps so a kill can land anywhere. */
  stepDelayMs?: number;
}

export class MigrationError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
    this.name = 'MigrationError';
  }
}

// ---------------------------------------------------------------- detection

interface TargetCells {
  exists: boolean;
  storeText?: string;
  stateText?: string;
  marker?: string;
  receipts: Map<string, string>;
  error?: string;
}

function readTarget(dbPath: string, kind: DbKind, engine?: EngineName): TargetCells {
  const out: TargetCells = { exists: fs.existsSync(dbPath), receipts: new Map() };
  if (!out.exists) return out;
  try {
    const c = readAuthCells(dbPath, kind, { receipts: true, engine });
    Object.assign(out, { storeText: c.storeText, stateText: c.stateText, marker: c.marker, receipts: c.receipts });
  } catch (e) {
    out.error = (e as Error).message;
  }
  return out;
}

function readSource(kind: SourceKind, p: string): SourceFileInput | undefined {
  let st: fs.Stats;
  try {
    st = fs.statSync(p);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    return {
      kind,
      path: p,
      unreadable: `cannot be opened (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
    };
  }
  if (!st.isFile())
    return {
      kind,
      path: p,
      size: st.size,
      unreadable: 'is not a regular file (a directory or device is in its place)',
    };
  if (st.size > MAX_LEGACY_FILE_BYTES)
    return {
      kind,
      path: p,
      size: st.size,
      unreadable: `is ${(st.size / 1048576).toFixed(1)} MB, larger than any credential file (limit ${MAX_LEGACY_FILE_BYTES / 1048576} MB); left untouched`,
    };
  try {
    const bytes = fs.readFileSync(p);
    return { kind, path: p, size: bytes.length, sha256: sha256(bytes), text: bytes.toString('utf8') };
  } catch (e) {
    return {
      kind,
      path: p,
      size: st.size,
      unreadable: `cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
    };
  }
}

export function receiptKey(sourcePath: string, sourceSha: string): string {
  return `auth-profile-v2:${sha256(`${path.resolve(sourcePath)}\0${sourceSha}`)}`;
}

function listArchives(dir: string): string[] {
  let entries: string[];
  try {
    entries = fs.readdirSync(dir);
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const base of Object.values(SOURCE_FILE)) {
    for (const e of entries)
      if (e.startsWith(`${base}.migrated-`) || (e.startsWith(`${base}.sqlite-import.`) && e.endsWith('.bak')))
        out.push(path.join(dir, e));
  }
  return out.sort();
}

export interface Detection {
  paths: ResolvedPaths;
  input: {
    agents: AgentInput[];
    config: JsonObject;
    configPath: string;
    configWritable: boolean;
    configError?: string;
  };
  /** The shared store needs its `auth.sharedStore` marker (fresh state-db store). */
  sharedMarkerNeeded: boolean;
  sharedKind: 'shared' | 'agent';
  configText?: string;
}

/** Every legacy source openclaw knows, per agent, with the target cells they go to. */
export function detectLegacy(opts: LegacyOptions = {}): Detection {
  const env = opts.env ?? process.env;
  const paths = pathsFor(opts);
  const config = loadConfig(paths.configPath);
  const { entries, defaultAgentId } = configAgents(config.data);
  const ids = new Set<string>([defaultAgentId, ...entries.map((e) => e.id)]);
  try {
    for (const d of fs.readdirSync(path.join(paths.stateDir, 'agents')))
      if (fs.existsSync(path.join(paths.stateDir, 'agents', d, 'agent'))) ids.add(d);
  } catch {
    /* no agents dir */
  }
  const shared = readTarget(paths.sharedDb, 'shared');
  const dirOf = (id: string) => resolveAgentDir(paths, id, entries.find((e) => e.id === id)?.agentDir, env);
  const mainDb = agentDbPath(dirOf(defaultAgentId));
  // Where the default agent's credentials go: the state DB (marker state-db, or a fresh store),
  // or the main agent DB when an older install keeps them there without a marker.
  let markerLoc: string | undefined;
  try {
    markerLoc = shared.marker ? (JSON.parse(shared.marker) as { location?: string }).location : undefined;
  } catch {
    markerLoc = 'invalid';
  }
  const mainCells = readTarget(mainDb, 'agent');
  const legacyMain =
    markerLoc === 'legacy-main' ||
    (markerLoc === undefined && (mainCells.storeText !== undefined || mainCells.stateText !== undefined));
  const sharedKind: 'shared' | 'agent' = legacyMain ? 'agent' : 'shared';
  const agents: AgentInput[] = [];
  const seenDirs = new Set<string>();
  for (const id of [...ids].sort((a, b) =>
    a === defaultAgentId ? -1 : b === defaultAgentId ? 1 : a.localeCompare(b),
  )) {
    const dir = dirOf(id);
    if (seenDirs.has(path.resolve(dir))) continue;
    seenDirs.add(path.resolve(dir));
    const isDefault = id === defaultAgentId;
    const sources: SourceFileInput[] = [];
    for (const kind of ['auth-profiles', 'auth-state', 'legacy-auth'] as const) {
      const s = readSource(kind, path.join(dir, SOURCE_FILE[kind]));
      if (s) sources.push(s);
    }
    if (isDefault) {
      const s = readSource('legacy-oauth', path.join(paths.stateDir, 'credentials', 'oauth.json'));
      if (s) sources.push(s);
    }
    for (const s of sources)
      if (s.sha256 && shared.receipts.get(receiptKey(s.path, s.sha256)) === RECEIPT_COMPLETED) s.alreadyImported = true;
    const targetDb = isDefault ? (legacyMain ? mainDb : paths.sharedDb) : agentDbPath(dir);
    const cells = isDefault ? (legacyMain ? mainCells : shared) : readTarget(targetDb, 'agent');
    agents.push({
      agentId: id,
      isDefault,
      agentDir: dir,
      targetDb,
      targetKind: isDefault ? 'shared' : 'agent',
      sources,
      storeText: cells.storeText,
      stateText: cells.stateText,
      targetError: cells.error,
      archives: listArchives(dir),
      // openclaw checks the agent's own DB before it refuses (for the default agent too).
      ownerDb: agentDbPath(dir),
      ownerStoreText: isDefault ? mainCells.storeText : cells.storeText,
    });
    if (isDefault) agents[agents.length - 1]?.archives.push(...listArchives(path.join(paths.stateDir, 'credentials')));
  }
  return {
    paths,
    input: {
      agents,
      config: config.data,
      configPath: paths.configPath,
      configWritable: !config.error && config.plainJson,
      configError: configWriteRefusal(config),
    },
    sharedMarkerNeeded: !legacyMain && markerLoc === undefined,
    sharedKind,
    configText: config.exists ? config.text : undefined,
  };
}

export interface PlanResult {
  detection: Detection;
  plan: MigrationPlan;
  recovered: string[];
  interrupted: string[];
}

/** Runs that were interrupted (a kill, a crash) and are finished or rolled back by the next Apply. */
export function interruptedRuns(opts: LegacyOptions = {}): string[] {
  const paths = pathsFor(opts);
  const root = migrationsDir(paths);
  let names: string[] = [];
  try {
    names = fs.readdirSync(root);
  } catch {
    return [];
  }
  return names
    .filter((n) => {
      const j = readJournal(path.join(root, n));
      return !j || j.status === 'prepared' || j.status === 'verified';
    })
    .sort();
}

/**
 * Plans; changes nothing. Runs that were interrupted (a kill, a crash) are listed in
 * `interrupted`; Apply and Undo finish or roll them back first (`recoverMigrations`).
 */
export function planLegacyMigration(opts: LegacyOptions & { recover?: boolean } = {}): PlanResult {
  const interrupted = interruptedRuns(opts);
  const detection = detectLegacy(opts);
  const home = detection.paths.home;
  const plan = planMigration(detection.input, (p) => displayPath(p, home));
  return { detection, plan, recovered: [], interrupted };
}

// ---------------------------------------------------------------- journal

interface JournalFile {
  path: string;
  existed: boolean;
  beforeSha?: string;
  backup?: string;
  afterSha?: string;
}
/**
 * A DB the run writes. Its rows are never restored as a file (openclaw may hold it and writes
 * its own rows beside ours): `cells` is a private JSON file in the run directory with the auth
 * cells and receipt rows as they were before the run, and the journal keeps hashes of what the run
 * wrote (canonical JSON, so a rewrite in another key order still counts as ours). The journal
 * itself holds no credential.
 */
interface JournalDb {
  path: string;
  existed: boolean;
  /** Cell layout: the state DB's config_machine_state rows, or an agent DB's tables. */
  kind: DbKind;
  cells?: string;
  storeSha?: string;
  stateSha?: string;
  /** sha256 of the canonical JSON the run wrote to the store / state cell. */
  storeCanon?: string;
  stateCanon?: string;
  /** The run wrote the `auth.sharedStore` marker. */
  markerAdded?: boolean;
  /** Receipt keys the run wrote into this DB's migration_sources. */
  receiptKeys?: string[];
  /** Journals of earlier versions: a whole-file backup and its hashes. */
  backup?: string;
  beforeSha?: string;
  afterSha?: string;
}
interface JournalTarget extends JournalDb {
  agentId: string;
  storeSha: string;
}
interface JournalSource {
  path: string;
  sha256: string;
  archivePath: string;
  backup: string;
  agentId: string;
  kind: SourceKind;
  /** Permission bits of the original (journals of earlier versions lack it); Undo puts them back. */
  mode?: number;
}
export interface Journal {
  version: 1;
  runId: string;
  status: 'prepared' | 'verified' | 'complete' | 'rolled-back' | 'undone';
  createdAt: string;
  finishedAt?: string;
  stateDir: string;
  targets: JournalTarget[];
  /** The state DB (receipts), when it is not one of the targets. */
  receiptsDb?: JournalDb;
  config?: JournalFile & { afterText: string };
  sources: JournalSource[];
  summary: ReturnType<typeof publicPlan>;
}

export function migrationsDir(paths: ResolvedPaths): string {
  return path.join(paths.stateDir, 'openclaw-auth', 'migrations');
}

function fileSha(p: string): string | undefined {
  try {
    return sha256(fs.readFileSync(p));
  } catch {
    return undefined;
  }
}

function copyPrivate(from: string, to: string): void {
  atomicWrite(to, fs.readFileSync(from), { mode: 0o600 });
}

function writeJournal(dir: string, j: Journal): void {
  atomicWrite(path.join(dir, 'journal.json'), JSON.stringify(j, null, 2) + '\n', { mode: 0o600 });
}

export function readJournal(dir: string): Journal | undefined {
  try {
    const j = JSON.parse(fs.readFileSync(path.join(dir, 'journal.json'), 'utf8')) as Journal;
    return j && j.version === 1 && typeof j.runId === 'string' ? j : undefined;
  } catch {
    return undefined;
  }
}

export function listRuns(opts: LegacyOptions = {}): Journal[] {
  const paths = pathsFor(opts);
  const dir = migrationsDir(paths);
  let names: string[] = [];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .map((n) => readJournal(path.join(dir, n)))
    .filter((j): j is Journal => Boolean(j))
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
}

function sleep(ms: number): void {
  if (ms > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Removes leftovers of our own writers killed mid-write (temp files and lock files of dead pids). */
function cleanLeftovers(dirs: Iterable<string>): void {
  for (const d of new Set(dirs)) cleanStaleTemps(d);
}

/** The file holds what this run wrote (or its pre-run bytes): it is safe to restore from backup. */
function restoreFile(
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
function captureBefore(dbPath: string, kind: DbKind, receiptKeys: string[]): BeforeCells {
  if (!fs.existsSync(dbPath)) return { sources: [], runs: [] };
  const c = readAuthCells(dbPath, kind);
  const S = MIGRATION_SOURCES;
  const sources = receiptKeys.length ? readRowsIn(dbPath, S.name, S.col.key, receiptKeys) : [];
  const runIds = sources.map((r) => r[S.col.lastRunId]).filter((v): v is string => typeof v === 'string');
  const runs = runIds.length ? readRowsIn(dbPath, MIGRATION_RUNS.name, MIGRATION_RUNS.col.id, runIds) : [];
  return { storeText: c.storeText, stateText: c.stateText, marker: c.marker, sources, runs };
}

function readBefore(d: JournalDb): BeforeCells {
  if (!d.cells) return { sources: [], runs: [] };
  const v = JSON.parse(fs.readFileSync(d.cells, 'utf8'), (_k, x: unknown) =>
    isObj(x) && x.$bytes !== undefined && Object.keys(x).length === 1 ? Buffer.from(String(x.$bytes), 'base64') : x,
  ) as BeforeCells;
  return v;
}

function writeBefore(file: string, b: BeforeCells): void {
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
async function restoreDbCells(
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
function diffPaths(a: unknown, b: unknown, at: string[] = [], out: string[][] = []): string[][] {
  if (isObj(a) && isObj(b)) {
    for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) diffPaths(a[k], b[k], [...at, k], out);
  } else if (!deepEqual(a, b)) out.push(at);
  return out;
}
function getPath(o: unknown, p: string[]): unknown {
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
function restoreConfig(
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

function journalDbs(j: Journal): JournalDb[] {
  return [...j.targets, ...(j.receiptsDb ? [j.receiptsDb] : [])];
}

async function rollBack(dir: string, j: Journal): Promise<string> {
  const foreign: string[] = [];
  // A run cut short before it wrote anything has nothing to put back; each DB's cells are checked.
  for (const d of journalDbs(j)) {
    if (!d.cells) {
      if (d.backup && restoreFile(d as JournalFile, (cur) => cur === d.afterSha) === 'foreign') foreign.push(d.path);
      continue;
    }
    const r = await restoreDbCells(d, false, Date.now());
    foreign.push(...r.changed);
  }
  if (j.config) {
    const r = restoreConfig(j.config, false);
    foreign.push(...r.changed);
  }
  for (const s of j.sources) {
    if (!fs.existsSync(s.path) && fs.existsSync(s.archivePath)) unarchive(s);
  }
  if (foreign.length)
    throw new MigrationError(
      `Interrupted migration ${j.runId} could not be rolled back: ${foreign.join(', ')} changed since (another program wrote it). Backups are in ${dir}.`,
      'RECOVERY_CONFLICT',
    );
  j.status = 'rolled-back';
  j.finishedAt = new Date().toISOString();
  writeJournal(dir, j);
  return `Rolled back interrupted migration ${j.runId}: nothing was changed.`;
}

function archiveSources(j: Journal): void {
  for (const s of j.sources) {
    if (!fs.existsSync(s.archivePath)) {
      if (!fs.existsSync(s.path))
        throw new MigrationError(
          `${s.path} disappeared before it was archived; its backup is kept in the run directory.`,
          'SOURCE_GONE',
        );
      if (fileSha(s.path) !== s.sha256)
        throw new MigrationError(
          `${s.path} changed after it was imported; it was left in place (nothing lost: the imported copy is in the store, the original bytes in the run backup).`,
          'SOURCE_CHANGED',
        );
      fs.renameSync(s.path, s.archivePath);
    }
    // The archive still holds credentials: private like the run backups, whatever the original's
    // mode (also when a kill came between the rename and this, and recovery finishes the run).
    fs.chmodSync(s.archivePath, 0o600);
  }
}

/** Puts an archived original back under its name, with the permission bits it had. */
function unarchive(s: JournalSource): void {
  fs.renameSync(s.archivePath, s.path);
  if (s.mode !== undefined) fs.chmodSync(s.path, s.mode);
}

/** Finishes or rolls back runs that were interrupted. Returns a message per run handled. */
export async function recoverMigrations(opts: LegacyOptions = {}): Promise<string[]> {
  const paths = pathsFor(opts);
  const root = migrationsDir(paths);
  let names: string[] = [];
  try {
    names = fs.readdirSync(root);
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const n of names.sort()) {
    const dir = path.join(root, n);
    const j = readJournal(dir);
    if (!j) {
      // Killed while backing up: nothing else had been touched yet.
      fs.rmSync(dir, { recursive: true, force: true });
      continue;
    }
    if (j.status === 'prepared') {
      cleanLeftovers([
        ...j.targets.map((t) => path.dirname(t.path)),
        ...(j.config ? [path.dirname(j.config.path)] : []),
        ...(j.receiptsDb ? [path.dirname(j.receiptsDb.path)] : []),
      ]);
      out.push(await rollBack(dir, j));
    } else if (j.status === 'verified') {
      archiveSources(j);
      j.status = 'complete';
      j.finishedAt = new Date().toISOString();
      writeJournal(dir, j);
      out.push(`Finished interrupted migration ${j.runId} (originals archived).`);
    }
  }
  return out;
}

// ---------------------------------------------------------------- apply

export interface ApplyResult {
  changed: boolean;
  runId?: string;
  runDir?: string;
  plan: MigrationPlan;
  backups: { original: string; archive: string }[];
  configBackup?: string;
  recovered: string[];
}

function stamp(now: number): string {
  return new Date(now).toISOString().replaceAll(':', '-');
}

function stateCellText(t: TargetPlan): string | undefined {
  if (!t.state) return undefined;
  const keys = Object.keys(t.state).filter((k) => k !== 'version');
  return keys.length ? JSON.stringify(t.state) : undefined;
}

function deepEqual(a: unknown, b: unknown): boolean {
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

export async function applyLegacyMigration(opts: LegacyOptions = {}): Promise<ApplyResult> {
  const now = opts.now ?? Date.now;
  const progress = opts.onProgress ?? (() => undefined);
  const pause = () => sleep(opts.stepDelayMs ?? 0);
  progress('Checking for interrupted migrations', 0, 6);
  const recovered = await recoverMigrations(opts);
  const { detection, plan } = planLegacyMigration(opts);
  if (!plan.needed) return { changed: false, plan, backups: [], recovered };
  if (plan.config.blocked) throw new MigrationError(plan.config.blocked, 'CONFIG_NOT_WRITABLE');
  const paths = detection.paths;
  const sharedDb = paths.sharedDb;
  // The sql.js engine can write only a DB nothing holds: refuse before changing anything. The
  // native engine writes in place beside a running gateway (SQLite's locks decide).
  const dbs = new Set([...plan.targets.map((t) => t.dbPath), sharedDb]);
  for (const db of dbs) if (fs.existsSync(db)) assertNotBusy(db);

  const t0 = now();
  const runId = `${stamp(t0)}-${randomUUID().slice(0, 8)}`;
  const runDir = path.join(migrationsDir(paths), runId);
  ensurePrivateDir(runDir);
  const run: Run = { detection, plan, sharedDb, runDir, t0, now, progress, pause };
  progress('Backing up', 1, 6);
  const { journal, texts } = backUp(run, runId);
  pause();
  writeJournal(runDir, journal);
  pause();

  await writeVerified(run, journal, texts);
  journal.status = 'verified';
  writeJournal(runDir, journal);
  pause();

  // ---- archive originals (last)
  progress('Archiving the legacy files', 5, 6);
  archiveSources(journal);
  journal.status = 'complete';
  journal.finishedAt = new Date(now()).toISOString();
  writeJournal(runDir, journal);
  progress('Done', 6, 6);
  return {
    changed: true,
    runId,
    runDir,
    plan,
    backups: journal.sources.map((s) => ({ original: s.path, archive: s.archivePath })),
    configBackup: journal.config?.backup,
    recovered,
  };
}

/** One apply run: its plan, its run directory, its start time and how it reports progress. */
interface Run {
  detection: Detection;
  plan: MigrationPlan;
  sharedDb: string;
  runDir: string;
  t0: number;
  now: () => number;
  progress: (message: string, done: number, total: number) => void;
  /** The kill-fault suite's pause between steps. */
  pause: () => void;
}

/** The store / state cell text a run writes into one target (index-aligned with plan.targets). */
interface CellTexts {
  store: string;
  state?: string;
}

/** Numbered private files in the run directory: whole-file backups and DBs' cells as they were. */
function runFiles(runDir: string) {
  let n = 0;
  const next = (label: string, p: string) =>
    path.join(runDir, `${String(++n).padStart(3, '0')}-${label}-${path.basename(p)}`);
  return {
    backupOf(p: string, label: string): JournalFile {
      const existed = fs.existsSync(p);
      if (!existed) return { path: p, existed };
      const backup = next(label, p);
      copyPrivate(p, backup);
      return { path: p, existed, beforeSha: fileSha(backup), backup };
    },
    /** A DB's auth cells (and the receipt rows the run replaces) as they are now, in a private file. */
    cellsOf(dbPath: string, kind: DbKind, keys: string[]): JournalDb {
      const existed = fs.existsSync(dbPath);
      const cells = `${next('cells', dbPath)}.json`;
      writeBefore(cells, captureBefore(dbPath, kind, keys));
      return { path: dbPath, existed, kind, cells, ...(keys.length ? { receiptKeys: keys } : {}) };
    },
  };
}

/** Backs up every source, every target DB's cells and openclaw.json; returns the "prepared" journal. */
function backUp(run: Run, runId: string): { journal: Journal; texts: CellTexts[] } {
  const { detection, plan, sharedDb, t0 } = run;
  const paths = detection.paths;
  const files = runFiles(run.runDir);
  const ts = stamp(t0);
  const sources: JournalSource[] = [];
  for (const t of plan.targets)
    for (const s of t.sources) {
      if (!s.sha256) continue;
      const b = files.backupOf(s.path, 'source');
      sources.push({
        path: s.path,
        sha256: s.sha256,
        archivePath: `${s.path}.migrated-${ts}-${randomUUID()}`,
        backup: b.backup ?? '',
        agentId: t.agentId,
        kind: s.kind,
        mode: fs.statSync(s.path).mode & 0o7777,
      });
    }
  const receiptKeys = sources.map((x) => receiptKey(x.path, x.sha256));
  const texts: CellTexts[] = plan.targets.map((t) => ({ store: JSON.stringify(t.store), state: stateCellText(t) }));
  const targets: JournalTarget[] = plan.targets.map((t, i) => {
    const kind = t.kind === 'shared' && detection.sharedKind === 'shared' ? 'shared' : 'agent';
    const text = texts[i] as CellTexts;
    return {
      ...files.cellsOf(t.dbPath, kind, t.dbPath === sharedDb ? receiptKeys : []),
      agentId: t.agentId,
      storeSha: sha256(text.store),
      storeCanon: canonSha(text.store),
      ...(text.state !== undefined ? { stateSha: sha256(text.state), stateCanon: canonSha(text.state) } : {}),
      ...(kind === 'shared' && detection.sharedMarkerNeeded ? { markerAdded: true } : {}),
    };
  });
  // Receipts go to the state DB. When an older install keeps the shared store in the main agent
  // DB and has no state DB yet, none is created: a new state DB carries the `state-db` marker,
  // which would send openclaw looking for the shared credentials in the wrong place.
  const receiptsWanted =
    !plan.targets.some((t) => t.dbPath === sharedDb) && (detection.sharedKind === 'shared' || fs.existsSync(sharedDb));
  const receiptsDb = receiptsWanted
    ? {
        ...files.cellsOf(sharedDb, 'shared', receiptKeys),
        ...(detection.sharedMarkerNeeded ? { markerAdded: true } : {}),
      }
    : undefined;
  const configChanged = plan.config.after !== undefined;
  const config = configChanged
    ? { ...files.backupOf(paths.configPath, 'config'), afterText: serializeConfig(plan.config.after as JsonObject) }
    : undefined;
  const journal: Journal = {
    version: 1,
    runId,
    status: 'prepared',
    createdAt: new Date(t0).toISOString(),
    stateDir: paths.stateDir,
    targets,
    receiptsDb,
    config,
    sources,
    summary: publicPlan(plan),
  };
  return { journal, texts };
}

/**
 * Writes the run and reads it back; on a mismatch, a refusal or an I/O error part-way, puts back
 * what was written (from the journal's backups) and throws.
 */
async function writeVerified(run: Run, journal: Journal, texts: CellTexts[]): Promise<void> {
  // ---- write
  run.progress('Writing the SQLite stores', 2, 6);
  try {
    await writeRun(run, journal, texts);

    // ---- verify
    run.progress('Verifying', 4, 6);
    const problems = verifyRun(run, journal, texts);
    if (problems.length) {
      journal.status = 'prepared';
      await rollBack(run.runDir, journal);
      throw new MigrationError(
        `The migration was not kept because the read-back did not match the plan (${problems.join('; ')}). Everything was restored from the backups.`,
        'VERIFY_FAILED',
      );
    }
  } catch (e) {
    if (e instanceof MigrationError) throw e;
    // A refusal or I/O error part-way: put back what was written.
    try {
      await rollBack(run.runDir, journal);
    } catch (r) {
      throw new MigrationError(
        `${(e as Error).message}. Rolling back also failed: ${(r as Error).message}`,
        'ROLLBACK_FAILED',
      );
    }
    if (e instanceof StoreBusyError) throw e;
    throw new MigrationError(`The migration failed and was rolled back: ${(e as Error).message}`, 'APPLY_FAILED');
  }
}

/**
 * Writes the planned cells into every target DB (with openclaw's receipts into the state DB and
 * the marker of a fresh shared store) through the safe writer, then openclaw.json.
 */
async function writeRun(run: Run, journal: Journal, texts: CellTexts[]): Promise<void> {
  const { detection, plan, sharedDb, t0, now, pause } = run;
  const receipts = buildReceipts(plan, journal, sharedDb, t0);
  const addMarker = (db: SqlConn) => {
    if (detection.sharedMarkerNeeded && readCell(db, MARKER_CELL) === undefined)
      writeCell(db, MARKER_CELL, STATE_DB_MARKER, t0);
  };
  for (const [i, t] of plan.targets.entries()) {
    const jt = journal.targets[i] as JournalTarget;
    const isShared = jt.kind === 'shared';
    await mutateDb(
      t.dbPath,
      (db) => {
        const cells = AUTH_CELLS[isShared ? 'shared' : 'agent'];
        const text = texts[i] as CellTexts;
        writeCell(db, cells.store, text.store, t0);
        if (text.state !== undefined) writeCell(db, cells.state, text.state, t0);
        if (isShared) addMarker(db);
        if (t.dbPath === sharedDb) receipts(db);
      },
      { kind: isShared ? 'shared' : 'agent', agentId: t.agentId, now },
    );
    pause();
  }
  if (journal.receiptsDb) {
    await mutateDb(
      sharedDb,
      (db) => {
        receipts(db);
        addMarker(db);
      },
      { kind: 'shared', now },
    );
    pause();
  }
  if (journal.config) {
    run.progress('Updating openclaw.json', 3, 6);
    atomicWrite(journal.config.path, journal.config.afterText, { mode: 0o600 });
    pause();
  }
}

/**
 * Reads every target back and compares it with the plan; returns what differs. Records the new
 * hash of openclaw.json in the journal.
 */
function verifyRun(run: Run, journal: Journal, texts: CellTexts[]): string[] {
  const problems: string[] = [];
  for (const [i, t] of journal.targets.entries()) {
    const text = texts[i] as CellTexts;
    const cells = readTarget(t.path, t.kind);
    if (cells.error) {
      problems.push(`${t.path}: ${cells.error}`);
      continue;
    }
    try {
      if (!deepEqual(JSON.parse(cells.storeText ?? 'null'), JSON.parse(text.store)))
        problems.push(`${t.path}: the stored profiles differ from the plan`);
      if (text.state !== undefined && !deepEqual(JSON.parse(cells.stateText ?? 'null'), JSON.parse(text.state)))
        problems.push(`${t.path}: the stored order/lastGood/usageStats differ from the plan`);
    } catch (e) {
      problems.push(`${t.path}: ${(e as Error).message}`);
    }
  }
  const config = journal.config;
  if (config) {
    const back = loadConfig(config.path);
    if (!deepEqual(back.data, run.plan.config.after))
      problems.push(`${config.path}: the written config differs from the plan`);
    config.afterSha = fileSha(config.path);
  }
  return problems;
}

/** openclaw's receipts: one `migration_runs` + `migration_sources` row per archived source. */
function buildReceipts(plan: MigrationPlan, journal: Journal, sharedDb: string, now: number): (db: SqlConn) => void {
  const rows = journal.sources.map((s) => receiptRow(plan, s, sharedDb));
  return (db) => {
    const has = (t: string) => hasTable(db, t);
    if (!has(MIGRATION_SOURCES.name) || !has(MIGRATION_RUNS.name)) return;
    for (const r of rows) insertReceipt(db, r, now);
  };
}

type ReceiptRow = ReturnType<typeof receiptRow>;

/** The receipt of one archived source, with openclaw's report (what it imported, and where). */
function receiptRow(plan: MigrationPlan, s: JournalSource, sharedDb: string) {
  const t = plan.targets.find((x) => x.agentId === s.agentId) as TargetPlan;
  const isState = s.kind === 'auth-state';
  const key = receiptKey(s.path, s.sha256);
  const runId = `${key}:${randomUUID()}`;
  const src = t.sources.find((x) => x.path === s.path);
  let count = 0;
  try {
    const v = JSON.parse(src?.text ?? 'null') as unknown;
    count = isObj(v) ? Object.keys(v).length : 0;
  } catch {
    /* 0 */
  }
  const digest = (v: unknown) => sha256(JSON.stringify(v) ?? '<undefined>');
  const report: Obj = {
    format: RECEIPT_KIND,
    archivePath: s.archivePath,
    targetDatabasePath: t.dbPath,
    targetTable: isState
      ? RECEIPT_TARGET.stateTable
      : t.dbPath === sharedDb
        ? RECEIPT_TARGET.sharedStoreTable
        : RECEIPT_TARGET.agentStoreTable,
    targetStoreKey: t.dbPath === sharedDb ? RECEIPT_TARGET.sharedStoreKey : RECEIPT_TARGET.agentStoreKey,
  };
  if (!isState)
    report.expectedProfileSha256 = Object.fromEntries(
      t.importedIds.filter((id) => t.store.profiles[id]).map((id) => [id, digest(t.store.profiles[id])]),
    );
  else report.expectedStateSha256 = digest(t.state ?? null);
  report.completionStatus = RECEIPT_COMPLETED;
  return {
    key,
    runId,
    path: path.resolve(s.path),
    table: report.targetTable as string,
    sha: s.sha256,
    size: src?.size ?? 0,
    count,
    report: JSON.stringify(report),
  };
}

function insertReceipt(db: SqlConn, r: ReceiptRow, now: number): void {
  db.run(
    insertOrReplaceSql(MIGRATION_RUNS),
    rowValues(MIGRATION_RUNS, {
      id: r.runId,
      started_at: now,
      finished_at: now,
      status: RECEIPT_COMPLETED,
      report_json: r.report,
    }),
  );
  db.run(
    insertOrReplaceSql(MIGRATION_SOURCES),
    rowValues(MIGRATION_SOURCES, {
      source_key: r.key,
      migration_kind: RECEIPT_KIND,
      source_path: r.path,
      target_table: r.table,
      source_sha256: r.sha,
      source_size_bytes: r.size,
      source_record_count: r.count,
      last_run_id: r.runId,
      status: RECEIPT_COMPLETED,
      imported_at: now,
      removed_source: 1,
      report_json: r.report,
    }),
  );
}

// ---------------------------------------------------------------- undo

export interface UndoResult {
  runId: string;
  restored: string[];
}

export async function undoLegacyMigration(
  runId: string,
  opts: LegacyOptions & { force?: boolean } = {},
): Promise<UndoResult> {
  await recoverMigrations(opts);
  const paths = pathsFor(opts);
  if (!/^[\w.:-]+$/.test(runId)) throw new MigrationError(`${quoteId(runId)} is not a migration run id.`, 'NO_RUN');
  const dir = path.join(migrationsDir(paths), runId);
  const j = readJournal(dir);
  if (!j) throw new MigrationError(`No migration run ${quoteId(runId, '')} in ${migrationsDir(paths)}.`, 'NO_RUN');
  if (j.status === 'undone') throw new MigrationError(`Migration ${runId} was already undone.`, 'ALREADY_UNDONE');
  if (j.status !== 'complete')
    throw new MigrationError(
      `Migration ${runId} did not complete (status ${j.status}); there is nothing to undo.`,
      'NOT_COMPLETE',
    );
  const force = Boolean(opts.force);
  const dbs = journalDbs(j);
  for (const d of dbs)
    if (!d.cells)
      throw new MigrationError(
        `Migration ${runId} was made by an older version that kept whole-file copies of the databases; it cannot be undone in place. Its backups are in ${dir}.`,
        'OLD_JOURNAL',
      );
  for (const d of dbs) if (fs.existsSync(d.path)) assertNotBusy(d.path);
  // Refuse before touching anything when an auth cell or a config key the run wrote changed since.
  // Rows openclaw wrote for itself (its plugin index, config health, its own migration runs) do not count.
  const changed: string[] = [];
  for (const d of dbs) changed.push(...(await dryRunDb(d)));
  if (j.config) changed.push(...dryRunConfig(j.config));
  if (changed.length && !force) {
    throw new MigrationError(
      `These changed after migration ${runId}, so undoing it would lose those changes: ${changed.join(', ')}. Nothing was changed. Use --force to restore the pre-migration values anyway.`,
      'CHANGED_SINCE',
    );
  }
  const blocked = j.sources.filter((s) => fs.existsSync(s.path) && fileSha(s.path) !== s.sha256);
  if (blocked.length)
    throw new MigrationError(
      `A new file exists where an original would go back (${blocked.map((s) => s.path).join(', ')}); move it away first. Nothing was changed.`,
      'SOURCE_EXISTS',
    );
  const restored: string[] = [];
  const now = (opts.now ?? Date.now)();
  for (const d of dbs) if ((await restoreDbCells(d, force, now)).restored) restored.push(d.path);
  if (j.config && restoreConfig(j.config, force).restored) restored.push(j.config.path);
  for (const s of j.sources) {
    if (fs.existsSync(s.path)) {
      if (fs.existsSync(s.archivePath)) fs.rmSync(s.archivePath);
      continue;
    }
    if (fs.existsSync(s.archivePath) && fileSha(s.archivePath) === s.sha256) unarchive(s);
    else copyPrivate(s.backup, s.path);
    restored.push(s.path);
  }
  j.status = 'undone';
  j.finishedAt = new Date().toISOString();
  writeJournal(dir, j);
  return { runId, restored };
}

/** The cells of one DB that changed after the run (what restoreDbCells would refuse). */
async function dryRunDb(d: JournalDb): Promise<string[]> {
  if (!fs.existsSync(d.path) || !d.cells) return [];
  const before = readBefore(d);
  const cur = readTarget(d.path, d.kind);
  if (cur.error) return [`${d.path} (${cur.error})`];
  const out: string[] = [];
  const check = (
    want: string | undefined,
    wrote: string | undefined,
    current: string | undefined,
    addr: { table: string; key: string },
  ) => {
    if (wrote === undefined) return;
    const c = canonSha(current);
    if (c !== canonSha(want) && c !== wrote) out.push(`${d.path} ${addr.table} "${addr.key}"`);
  };
  check(before.storeText, d.storeCanon, cur.storeText, AUTH_CELLS[d.kind].store);
  check(before.stateText, d.stateCanon, cur.stateText, AUTH_CELLS[d.kind].state);
  if (d.markerAdded && before.marker === undefined && cur.marker !== undefined && cur.marker !== STATE_DB_MARKER)
    out.push(`${d.path} ${MARKER_CELL.table} "${MARKER_CELL.key}"`);
  return out;
}

function dryRunConfig(c: JournalFile & { afterText: string }): string[] {
  const cur = fileSha(c.path);
  if (c.existed ? cur === c.beforeSha : cur === undefined) return [];
  if (cur === sha256(c.afterText)) return [];
  const loaded = loadConfig(c.path);
  if (loaded.error || !loaded.plainJson) return [`${c.path} (it was rewritten with comments or cannot be parsed)`];
  const beforeData: unknown = c.existed && c.backup ? loadConfig(c.backup).data : {};
  const afterData: unknown = JSON.parse(c.afterText);
  return diffPaths(beforeData, afterData)
    .filter(
      (p) =>
        !deepEqual(getPath(loaded.data, p), getPath(afterData, p)) &&
        !deepEqual(getPath(loaded.data, p), getPath(beforeData, p)),
    )
    .map((p) => `${c.path} ${p.join('.')}`);
}
