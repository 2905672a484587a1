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
import { planMigration, publicPlan, sha256, SOURCE_FILE, isObj, type AgentInput, type MigrationPlan, type Obj, type SourceFileInput, type SourceKind, type TargetPlan } from '../auth/legacyMigration';
import { agentDbPath, agentDir as resolveAgentDir, displayPath, resolvePaths, type Env, type ResolvedPaths } from './paths';
import { configAgents, loadConfig, serializeConfig, type JsonObject } from './config';
import { SqliteReader } from './sqliteReader';
import { assertNotBusy, mutateDb, writeCell, readCell, StoreBusyError } from './dbWriter';
import { atomicWrite, ensurePrivateDir } from './fileio';
import { PRIMARY_ROW_KEY, SHARED_MARKER_KEY, SHARED_STATE_KEY, SHARED_STORE_KEY } from './snapshot';

export const MAX_LEGACY_FILE_BYTES = 8 * 1024 * 1024;
export const RECEIPT_KIND = 'auth-profile-json-to-sqlite-v2';

export interface LegacyOptions {
  stateDirSetting?: string;
  env?: Env;
  now?: () => number;
  onProgress?: (message: string, done: number, total: number) => void;
  /** Test hook for the kill-fault suite: a pause (ms) between steps so a kill can land anywhere. */
  stepDelayMs?: number;
}

export class MigrationError extends Error {
  constructor(message: string, readonly code: string) {
    super(message);
    this.name = 'MigrationError';
  }
}

// ---------------------------------------------------------------- detection

interface TargetCells { exists: boolean; storeText?: string; stateText?: string; marker?: string; receipts: Map<string, string>; error?: string }

function readTarget(dbPath: string, kind: 'shared' | 'agent'): TargetCells {
  const out: TargetCells = { exists: fs.existsSync(dbPath), receipts: new Map() };
  if (!out.exists) return out;
  let r: SqliteReader | undefined;
  try {
    r = SqliteReader.open(dbPath);
    if (kind === 'shared') {
      if (r.hasTable('config_machine_state')) {
        const want = new Set([SHARED_STORE_KEY, SHARED_STATE_KEY, SHARED_MARKER_KEY]);
        for (const row of r.rowsWhere('config_machine_state', 'state_key', (v) => typeof v === 'string' && want.has(v))) {
          if (typeof row.value_json !== 'string') continue;
          if (row.state_key === SHARED_STORE_KEY) out.storeText = row.value_json;
          if (row.state_key === SHARED_STATE_KEY) out.stateText = row.value_json;
          if (row.state_key === SHARED_MARKER_KEY) out.marker = row.value_json;
        }
      }
      if (r.hasTable('migration_sources')) {
        for (const row of r.rowsWhere('migration_sources', 'migration_kind', (v) => v === RECEIPT_KIND)) {
          if (typeof row.source_key === 'string' && typeof row.status === 'string') out.receipts.set(row.source_key, row.status);
        }
      }
    } else {
      if (r.hasTable('auth_profile_store')) for (const row of r.rows('auth_profile_store')) if (row.store_key === PRIMARY_ROW_KEY && typeof row.store_json === 'string') out.storeText = row.store_json;
      if (r.hasTable('auth_profile_state')) for (const row of r.rows('auth_profile_state')) if (row.state_key === PRIMARY_ROW_KEY && typeof row.state_json === 'string') out.stateText = row.state_json;
    }
  } catch (e) {
    out.error = (e as Error).message;
  } finally {
    r?.close();
  }
  return out;
}

function readSource(kind: SourceKind, p: string): SourceFileInput | undefined {
  let st: fs.Stats;
  try { st = fs.statSync(p); } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    return { kind, path: p, unreadable: `cannot be opened (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})` };
  }
  if (!st.isFile()) return { kind, path: p, size: st.size, unreadable: 'is not a regular file (a directory or device is in its place)' };
  if (st.size > MAX_LEGACY_FILE_BYTES) return { kind, path: p, size: st.size, unreadable: `is ${(st.size / 1048576).toFixed(1)} MB, larger than any credential file (limit ${MAX_LEGACY_FILE_BYTES / 1048576} MB); left untouched` };
  try {
    const bytes = fs.readFileSync(p);
    return { kind, path: p, size: bytes.length, sha256: sha256(bytes), text: bytes.toString('utf8') };
  } catch (e) {
    return { kind, path: p, size: st.size, unreadable: `cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})` };
  }
}

export function receiptKey(sourcePath: string, sourceSha: string): string {
  return `auth-profile-v2:${sha256(`${path.resolve(sourcePath)}\0${sourceSha}`)}`;
}

function listArchives(dir: string): string[] {
  let entries: string[];
  try { entries = fs.readdirSync(dir); } catch { return []; }
  const out: string[] = [];
  for (const base of Object.values(SOURCE_FILE)) {
    for (const e of entries) if (e.startsWith(`${base}.migrated-`) || (e.startsWith(`${base}.sqlite-import.`) && e.endsWith('.bak'))) out.push(path.join(dir, e));
  }
  return out.sort();
}

export interface Detection {
  paths: ResolvedPaths;
  input: { agents: AgentInput[]; config: JsonObject; configPath: string; configWritable: boolean; configError?: string };
  /** The shared store needs its `auth.sharedStore` marker (fresh state-db store). */
  sharedMarkerNeeded: boolean;
  sharedKind: 'shared' | 'agent';
  configText?: string;
}

/** Every legacy source openclaw knows, per agent, with the target cells they go to. */
export function detectLegacy(opts: LegacyOptions = {}): Detection {
  const env = opts.env ?? process.env;
  const paths = resolvePaths({ stateDirSetting: opts.stateDirSetting, env });
  const config = loadConfig(paths.configPath);
  const { entries, defaultAgentId } = configAgents(config.data);
  const ids = new Set<string>([defaultAgentId, ...entries.map((e) => e.id)]);
  try {
    for (const d of fs.readdirSync(path.join(paths.stateDir, 'agents'))) if (fs.existsSync(path.join(paths.stateDir, 'agents', d, 'agent'))) ids.add(d);
  } catch { /* no agents dir */ }
  const shared = readTarget(paths.sharedDb, 'shared');
  const dirOf = (id: string) => resolveAgentDir(paths, id, entries.find((e) => e.id === id)?.agentDir, env);
  const mainDb = agentDbPath(dirOf(defaultAgentId));
  // Where the default agent's credentials go: the state DB (marker state-db, or a fresh store),
  // or the main agent DB when an older install keeps them there without a marker.
  let markerLoc: string | undefined;
  try { markerLoc = shared.marker ? ((JSON.parse(shared.marker) as { location?: string }).location) : undefined; } catch { markerLoc = 'invalid'; }
  const mainCells = readTarget(mainDb, 'agent');
  const legacyMain = markerLoc === 'legacy-main' || (markerLoc === undefined && (mainCells.storeText !== undefined || mainCells.stateText !== undefined));
  const sharedKind: 'shared' | 'agent' = legacyMain ? 'agent' : 'shared';
  const agents: AgentInput[] = [];
  const seenDirs = new Set<string>();
  for (const id of [...ids].sort((a, b) => (a === defaultAgentId ? -1 : b === defaultAgentId ? 1 : a.localeCompare(b)))) {
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
    for (const s of sources) if (s.sha256 && shared.receipts.get(receiptKey(s.path, s.sha256)) === 'completed') s.alreadyImported = true;
    const targetDb = isDefault ? (legacyMain ? mainDb : paths.sharedDb) : agentDbPath(dir);
    const cells = isDefault ? (legacyMain ? mainCells : shared) : readTarget(targetDb, 'agent');
    agents.push({
      agentId: id, isDefault, agentDir: dir, targetDb, targetKind: isDefault ? 'shared' : 'agent', sources,
      storeText: cells.storeText, stateText: cells.stateText, targetError: cells.error, archives: listArchives(dir),
      // openclaw checks the agent's own DB before it refuses (for the default agent too).
      ownerDb: agentDbPath(dir), ownerStoreText: isDefault ? mainCells.storeText : cells.storeText,
    });
    if (isDefault) agents[agents.length - 1]?.archives.push(...listArchives(path.join(paths.stateDir, 'credentials')));
  }
  return {
    paths,
    input: { agents, config: config.data, configPath: paths.configPath, configWritable: !config.error && config.plainJson, configError: config.error },
    sharedMarkerNeeded: !legacyMain && markerLoc === undefined,
    sharedKind,
    configText: config.exists ? config.text : undefined,
  };
}

export interface PlanResult { detection: Detection; plan: MigrationPlan; recovered: string[]; interrupted: string[] }

/** Runs that were interrupted (a kill, a crash) and are finished or rolled back by the next Apply. */
export function interruptedRuns(opts: LegacyOptions = {}): string[] {
  const paths = resolvePaths({ stateDirSetting: opts.stateDirSetting, env: opts.env ?? process.env });
  const root = migrationsDir(paths);
  let names: string[] = [];
  try { names = fs.readdirSync(root); } catch { return []; }
  return names.filter((n) => { const j = readJournal(path.join(root, n)); return !j || j.status === 'prepared' || j.status === 'verified'; }).sort();
}

/**
 * Plans. With `recover` (Apply, Undo) interrupted runs are first finished or rolled back; without
 * it (the read-only `doctor` plan) nothing at all is changed and they are only listed.
 */
export function planLegacyMigration(opts: LegacyOptions & { recover?: boolean } = {}): PlanResult {
  const interrupted = opts.recover === false ? interruptedRuns(opts) : [];
  const recovered = opts.recover === false ? [] : recoverMigrations(opts);
  const detection = detectLegacy(opts);
  const home = detection.paths.home;
  const plan = planMigration(detection.input, (p) => displayPath(p, home));
  return { detection, plan, recovered, interrupted };
}

// ---------------------------------------------------------------- journal

interface JournalFile { path: string; existed: boolean; beforeSha?: string; backup?: string; afterSha?: string }
/** Cell contents are kept as hashes: the journal holds no credential. */
interface JournalTarget extends JournalFile { kind: 'shared' | 'agent'; agentId: string; storeSha: string; stateSha?: string }
interface JournalSource { path: string; sha256: string; archivePath: string; backup: string; agentId: string; kind: SourceKind }
export interface Journal {
  version: 1;
  runId: string;
  status: 'prepared' | 'verified' | 'complete' | 'rolled-back' | 'undone';
  createdAt: string;
  finishedAt?: string;
  stateDir: string;
  targets: JournalTarget[];
  /** The state DB (receipts), when it is not one of the targets. */
  receiptsDb?: JournalFile;
  config?: JournalFile & { afterText: string };
  sources: JournalSource[];
  summary: ReturnType<typeof publicPlan>;
}

export function migrationsDir(paths: ResolvedPaths): string {
  return path.join(paths.stateDir, 'openclaw-auth', 'migrations');
}

function fileSha(p: string): string | undefined {
  try { return sha256(fs.readFileSync(p)); } catch { return undefined; }
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
  } catch { return undefined; }
}

export function listRuns(opts: LegacyOptions = {}): Journal[] {
  const paths = resolvePaths({ stateDirSetting: opts.stateDirSetting, env: opts.env ?? process.env });
  const dir = migrationsDir(paths);
  let names: string[] = [];
  try { names = fs.readdirSync(dir); } catch { return []; }
  return names.map((n) => readJournal(path.join(dir, n))).filter((j): j is Journal => Boolean(j)).sort((a, b) => a.createdAt.localeCompare(b.createdAt));
}

function sleep(ms: number): void {
  if (ms > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Removes leftovers of our own writers killed mid-write (temp files and lock files of dead pids). */
function cleanLeftovers(dirs: Iterable<string>): void {
  for (const d of new Set(dirs)) {
    let names: string[];
    try { names = fs.readdirSync(d); } catch { continue; }
    for (const n of names) {
      const tmp = /^\..+\.(\d+)\.[0-9a-f]{8}\.tmp$/.exec(n);
      let pid: number | undefined;
      if (tmp) pid = Number(tmp[1]);
      else if (n.endsWith('.openclaw-auth.lock')) {
        try { pid = Number(fs.readFileSync(path.join(d, n), 'utf8')); } catch { continue; }
      } else continue;
      if (pid === process.pid) continue;
      // An empty or garbled lock (killed before it wrote its pid) is stale, as withLock treats it.
      let alive = false;
      if (Number.isInteger(pid) && pid > 0) {
        try { process.kill(pid, 0); alive = true; } catch (e) { alive = (e as NodeJS.ErrnoException).code === 'EPERM'; }
      }
      if (!alive) fs.rmSync(path.join(d, n), { force: true });
    }
  }
}

/** The file holds what this run wrote (or its pre-run bytes): it is safe to restore from backup. */
function restoreFile(f: JournalFile, ours: (current: string | undefined) => boolean): 'restored' | 'unchanged' | 'foreign' {
  const cur = fileSha(f.path);
  if (f.existed ? cur === f.beforeSha : cur === undefined) return 'unchanged';
  if (!ours(cur)) return 'foreign';
  if (f.existed && f.backup) copyPrivate(f.backup, f.path);
  else {
    fs.rmSync(f.path, { force: true });
    // The writer created the directory (e.g. `state/`) for a new DB: leave no empty trace.
    try { fs.rmdirSync(path.dirname(f.path)); } catch { /* not empty or not ours */ }
  }
  return 'restored';
}

function targetHoldsPlan(t: JournalTarget): boolean {
  const cells = readTarget(t.path, t.kind);
  return cells.storeText !== undefined && sha256(cells.storeText) === t.storeSha && (t.stateSha === undefined || (cells.stateText !== undefined && sha256(cells.stateText) === t.stateSha));
}

function rollBack(dir: string, j: Journal): string {
  const foreign: string[] = [];
  for (const t of j.targets) {
    if (restoreFile(t, (cur) => cur === t.afterSha || targetHoldsPlan(t)) === 'foreign') foreign.push(t.path);
  }
  if (j.receiptsDb) {
    const r = j.receiptsDb;
    const hasOurReceipt = () => { const c = readTarget(r.path, 'shared'); return j.sources.some((s) => c.receipts.has(receiptKey(s.path, s.sha256))); };
    if (restoreFile(r, (cur) => cur === r.afterSha || hasOurReceipt()) === 'foreign') foreign.push(r.path);
  }
  if (j.config) {
    const c = j.config;
    if (restoreFile(c, (cur) => cur === sha256(c.afterText)) === 'foreign') foreign.push(c.path);
  }
  for (const s of j.sources) {
    if (!fs.existsSync(s.path) && fs.existsSync(s.archivePath)) fs.renameSync(s.archivePath, s.path);
  }
  if (foreign.length) throw new MigrationError(`Interrupted migration ${j.runId} could not be rolled back: ${foreign.join(', ')} changed since (another program wrote it). Backups are in ${dir}.`, 'RECOVERY_CONFLICT');
  j.status = 'rolled-back';
  j.finishedAt = new Date().toISOString();
  writeJournal(dir, j);
  return `Rolled back interrupted migration ${j.runId}: nothing was changed.`;
}

function archiveSources(j: Journal): void {
  for (const s of j.sources) {
    if (fs.existsSync(s.archivePath)) continue;
    if (!fs.existsSync(s.path)) throw new MigrationError(`${s.path} disappeared before it was archived; its backup is kept in the run directory.`, 'SOURCE_GONE');
    if (fileSha(s.path) !== s.sha256) throw new MigrationError(`${s.path} changed after it was imported; it was left in place (nothing lost: the imported copy is in the store, the original bytes in the run backup).`, 'SOURCE_CHANGED');
    fs.renameSync(s.path, s.archivePath);
  }
}

/** Finishes or rolls back runs that were interrupted. Returns a message per run handled. */
export function recoverMigrations(opts: LegacyOptions = {}): string[] {
  const paths = resolvePaths({ stateDirSetting: opts.stateDirSetting, env: opts.env ?? process.env });
  const root = migrationsDir(paths);
  let names: string[] = [];
  try { names = fs.readdirSync(root); } catch { return []; }
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
      cleanLeftovers([...j.targets.map((t) => path.dirname(t.path)), ...(j.config ? [path.dirname(j.config.path)] : []), ...(j.receiptsDb ? [path.dirname(j.receiptsDb.path)] : [])]);
      out.push(rollBack(dir, j));
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
  if (Array.isArray(a) || Array.isArray(b)) return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  if (isObj(a) && isObj(b)) {
    const ka = Object.keys(a); const kb = Object.keys(b);
    return ka.length === kb.length && ka.every((k) => Object.hasOwn(b, k) && deepEqual(a[k], b[k]));
  }
  return false;
}

export async function applyLegacyMigration(opts: LegacyOptions = {}): Promise<ApplyResult> {
  const now = opts.now ?? Date.now;
  const progress = opts.onProgress ?? (() => undefined);
  const pause = () => sleep(opts.stepDelayMs ?? 0);
  progress('Checking for interrupted migrations', 0, 6);
  const { detection, plan, recovered } = planLegacyMigration(opts);
  if (!plan.needed) return { changed: false, plan, backups: [], recovered };
  if (plan.config.blocked) throw new MigrationError(plan.config.blocked, 'CONFIG_NOT_WRITABLE');
  const paths = detection.paths;
  const sharedDb = paths.sharedDb;
  // Refuse before changing anything while a gateway (or anything) owns a DB we would write.
  const dbs = new Set([...plan.targets.map((t) => t.dbPath), sharedDb]);
  for (const db of dbs) assertNotBusy(db);

  const t0 = now();
  const runId = `${stamp(t0)}-${randomUUID().slice(0, 8)}`;
  const runDir = path.join(migrationsDir(paths), runId);
  ensurePrivateDir(runDir);
  progress('Backing up', 1, 6);
  let n = 0;
  const backupOf = (p: string, label: string): JournalFile => {
    const existed = fs.existsSync(p);
    if (!existed) return { path: p, existed };
    const backup = path.join(runDir, `${String(++n).padStart(3, '0')}-${label}-${path.basename(p)}`);
    copyPrivate(p, backup);
    return { path: p, existed, beforeSha: fileSha(backup), backup };
  };
  const texts = plan.targets.map((t) => ({ store: JSON.stringify(t.store), state: stateCellText(t) }));
  const targets: JournalTarget[] = plan.targets.map((t, i) => ({
    ...backupOf(t.dbPath, 'db'), kind: t.kind === 'shared' && detection.sharedKind === 'shared' ? 'shared' : 'agent', agentId: t.agentId,
    storeSha: sha256(texts[i]?.store ?? ''), ...(texts[i]?.state !== undefined ? { stateSha: sha256(texts[i]?.state ?? '') } : {}),
  }));
  // Receipts go to the state DB. When an older install keeps the shared store in the main agent
  // DB and has no state DB yet, none is created: a new state DB carries the `state-db` marker,
  // which would send openclaw looking for the shared credentials in the wrong place.
  const receiptsWanted = !plan.targets.some((t) => t.dbPath === sharedDb) && (detection.sharedKind === 'shared' || fs.existsSync(sharedDb));
  const receiptsDb = receiptsWanted ? backupOf(sharedDb, 'db') : undefined;
  const configChanged = plan.config.after !== undefined;
  const config = configChanged ? { ...backupOf(paths.configPath, 'config'), afterText: serializeConfig(plan.config.after as JsonObject) } : undefined;
  const ts = stamp(t0);
  const sources: JournalSource[] = [];
  for (const t of plan.targets) for (const s of t.sources) {
    if (!s.sha256) continue;
    const b = backupOf(s.path, 'source');
    sources.push({ path: s.path, sha256: s.sha256, archivePath: `${s.path}.migrated-${ts}-${randomUUID()}`, backup: b.backup ?? '', agentId: t.agentId, kind: s.kind });
  }
  const journal: Journal = { version: 1, runId, status: 'prepared', createdAt: new Date(t0).toISOString(), stateDir: paths.stateDir, targets, receiptsDb, config, sources, summary: publicPlan(plan) };
  pause();
  writeJournal(runDir, journal);
  pause();

  // ---- write
  progress('Writing the SQLite stores', 2, 6);
  try {
    const receipts = buildReceipts(plan, journal, sharedDb, t0);
    for (const [i, t] of plan.targets.entries()) {
      const jt = targets[i] as JournalTarget;
      const isShared = jt.kind === 'shared';
      await mutateDb(t.dbPath, (db) => {
        const storeAddr = isShared ? { table: 'config_machine_state' as const, key: SHARED_STORE_KEY } : { table: 'auth_profile_store' as const, key: PRIMARY_ROW_KEY };
        const stateAddr = isShared ? { table: 'config_machine_state' as const, key: SHARED_STATE_KEY } : { table: 'auth_profile_state' as const, key: PRIMARY_ROW_KEY };
        const text = texts[i] as { store: string; state?: string };
        writeCell(db, storeAddr, text.store, t0);
        if (text.state !== undefined) writeCell(db, stateAddr, text.state, t0);
        if (isShared && detection.sharedMarkerNeeded && readCell(db, { table: 'config_machine_state', key: SHARED_MARKER_KEY }) === undefined) {
          writeCell(db, { table: 'config_machine_state', key: SHARED_MARKER_KEY }, '{"location":"state-db"}', t0);
        }
        if (t.dbPath === sharedDb) receipts(db);
      }, { kind: isShared ? 'shared' : 'agent', agentId: t.agentId, now });
      pause();
    }
    if (receiptsDb) {
      await mutateDb(sharedDb, (db) => {
        receipts(db);
        if (detection.sharedMarkerNeeded && readCell(db, { table: 'config_machine_state', key: SHARED_MARKER_KEY }) === undefined) writeCell(db, { table: 'config_machine_state', key: SHARED_MARKER_KEY }, '{"location":"state-db"}', t0);
      }, { kind: 'shared', now });
      pause();
    }
    if (config) {
      progress('Updating openclaw.json', 3, 6);
      atomicWrite(config.path, config.afterText, { mode: 0o600 });
      pause();
    }

    // ---- verify
    progress('Verifying', 4, 6);
    const problems: string[] = [];
    for (const [i, t] of targets.entries()) {
      const text = texts[i] as { store: string; state?: string };
      const cells = readTarget(t.path, t.kind);
      if (cells.error) { problems.push(`${t.path}: ${cells.error}`); continue; }
      try {
        if (!deepEqual(JSON.parse(cells.storeText ?? 'null'), JSON.parse(text.store))) problems.push(`${t.path}: the stored profiles differ from the plan`);
        if (text.state !== undefined && !deepEqual(JSON.parse(cells.stateText ?? 'null'), JSON.parse(text.state))) problems.push(`${t.path}: the stored order/lastGood/usageStats differ from the plan`);
      } catch (e) { problems.push(`${t.path}: ${(e as Error).message}`); }
      t.afterSha = fileSha(t.path);
    }
    if (receiptsDb) receiptsDb.afterSha = fileSha(sharedDb);
    if (config) {
      const back = loadConfig(config.path);
      if (!deepEqual(back.data, plan.config.after)) problems.push(`${config.path}: the written config differs from the plan`);
      config.afterSha = fileSha(config.path);
    }
    if (problems.length) {
      journal.status = 'prepared';
      rollBack(runDir, journal);
      throw new MigrationError(`The migration was not kept because the read-back did not match the plan (${problems.join('; ')}). Everything was restored from the backups.`, 'VERIFY_FAILED');
    }
  } catch (e) {
    if (e instanceof MigrationError) throw e;
    // A refusal or I/O error part-way: put back what was written.
    try { rollBack(runDir, journal); } catch (r) { throw new MigrationError(`${(e as Error).message}. Rolling back also failed: ${(r as Error).message}`, 'ROLLBACK_FAILED'); }
    if (e instanceof StoreBusyError) throw e;
    throw new MigrationError(`The migration failed and was rolled back: ${(e as Error).message}`, 'APPLY_FAILED');
  }
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
    changed: true, runId, runDir, plan,
    backups: sources.map((s) => ({ original: s.path, archive: s.archivePath })),
    configBackup: config?.backup,
    recovered,
  };
}

/** openclaw's receipts: one `migration_runs` + `migration_sources` row per archived source. */
function buildReceipts(plan: MigrationPlan, journal: Journal, sharedDb: string, now: number): (db: import('sql.js').Database) => void {
  const rows = journal.sources.map((s) => {
    const t = plan.targets.find((x) => x.agentId === s.agentId) as TargetPlan;
    const isState = s.kind === 'auth-state';
    const key = receiptKey(s.path, s.sha256);
    const runId = `${key}:${randomUUID()}`;
    const src = t.sources.find((x) => x.path === s.path);
    let count = 0;
    try { const v = JSON.parse(src?.text ?? 'null') as unknown; count = isObj(v) ? Object.keys(v).length : 0; } catch { /* 0 */ }
    const digest = (v: unknown) => sha256(JSON.stringify(v) ?? '<undefined>');
    const report: Obj = {
      format: RECEIPT_KIND, archivePath: s.archivePath, targetDatabasePath: t.dbPath,
      targetTable: isState ? 'auth_profile_state' : t.dbPath === sharedDb ? 'auth_profile_stores' : 'auth_profile_store',
      targetStoreKey: t.dbPath === sharedDb ? 'shared' : 'primary',
    };
    if (!isState) report.expectedProfileSha256 = Object.fromEntries(t.importedIds.filter((id) => t.store.profiles[id]).map((id) => [id, digest(t.store.profiles[id])]));
    else report.expectedStateSha256 = digest(t.state ?? null);
    report.completionStatus = 'completed';
    return { key, runId, path: path.resolve(s.path), table: report.targetTable as string, sha: s.sha256, size: src?.size ?? 0, count, report: JSON.stringify(report) };
  });
  return (db) => {
    const has = (t: string) => db.exec('SELECT 1 FROM sqlite_schema WHERE type = ? AND name = ?', ['table', t]).length > 0;
    if (!has('migration_sources') || !has('migration_runs')) return;
    for (const r of rows) {
      db.run('INSERT OR REPLACE INTO migration_runs (id, started_at, finished_at, status, report_json) VALUES (?,?,?,?,?)', [r.runId, now, now, 'completed', r.report]);
      db.run(
        'INSERT OR REPLACE INTO migration_sources (source_key, migration_kind, source_path, target_table, source_sha256, source_size_bytes, source_record_count, last_run_id, status, imported_at, removed_source, report_json) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)',
        [r.key, RECEIPT_KIND, r.path, r.table, r.sha, r.size, r.count, r.runId, 'completed', now, 1, r.report],
      );
    }
  };
}

// ---------------------------------------------------------------- undo

export interface UndoResult { runId: string; restored: string[] }

export function undoLegacyMigration(runId: string, opts: LegacyOptions & { force?: boolean } = {}): UndoResult {
  recoverMigrations(opts);
  const paths = resolvePaths({ stateDirSetting: opts.stateDirSetting, env: opts.env ?? process.env });
  if (!/^[\w.:-]+$/.test(runId)) throw new MigrationError(`"${runId}" is not a migration run id.`, 'NO_RUN');
  const dir = path.join(migrationsDir(paths), runId);
  const j = readJournal(dir);
  if (!j) throw new MigrationError(`No migration run ${runId} in ${migrationsDir(paths)}.`, 'NO_RUN');
  if (j.status === 'undone') throw new MigrationError(`Migration ${runId} was already undone.`, 'ALREADY_UNDONE');
  if (j.status !== 'complete') throw new MigrationError(`Migration ${runId} did not complete (status ${j.status}); there is nothing to undo.`, 'NOT_COMPLETE');
  const files: JournalFile[] = [...j.targets, ...(j.receiptsDb ? [j.receiptsDb] : []), ...(j.config ? [j.config] : [])];
  for (const f of [...j.targets, ...(j.receiptsDb ? [j.receiptsDb] : [])]) if (fs.existsSync(f.path)) assertNotBusy(f.path);
  // Refuse before touching anything when a file changed since the migration.
  const changed = files.filter((f) => { const cur = fileSha(f.path); return cur !== f.afterSha && cur !== (f.existed ? f.beforeSha : undefined); });
  if (changed.length && !opts.force) {
    throw new MigrationError(`These files changed after migration ${runId}, so undoing it would lose those changes: ${changed.map((f) => f.path).join(', ')}. Nothing was changed. Use --force to restore the pre-migration copies anyway.`, 'CHANGED_SINCE');
  }
  const blocked = j.sources.filter((s) => fs.existsSync(s.path) && fileSha(s.path) !== s.sha256);
  if (blocked.length) throw new MigrationError(`A new file exists where an original would go back (${blocked.map((s) => s.path).join(', ')}); move it away first. Nothing was changed.`, 'SOURCE_EXISTS');
  const restored: string[] = [];
  for (const f of files) {
    if (f.existed && f.backup) { if (fileSha(f.path) !== f.beforeSha) { copyPrivate(f.backup, f.path); restored.push(f.path); } }
    else if (fs.existsSync(f.path)) { fs.rmSync(f.path, { force: true }); restored.push(f.path); }
  }
  for (const s of j.sources) {
    if (fs.existsSync(s.path)) { if (fs.existsSync(s.archivePath)) fs.rmSync(s.archivePath); continue; }
    if (fs.existsSync(s.archivePath) && fileSha(s.archivePath) === s.sha256) fs.renameSync(s.archivePath, s.path);
    else copyPrivate(s.backup, s.path);
    restored.push(s.path);
  }
  j.status = 'undone';
  j.finishedAt = new Date().toISOString();
  writeJournal(dir, j);
  return { runId, restored };
}
