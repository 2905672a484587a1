/**
 * Apply: back up, journal "prepared", write through the safe writer, read back and verify,
 * journal "verified", archive the originals, journal "complete" (see src/store/legacy.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { publicPlan, sha256, type MigrationPlan, type TargetPlan } from '../../auth/legacyMigration';
import { loadConfig, serializeConfig, type JsonObject } from '../config';
import { assertNotBusy, mutateDb, writeCell, readCell, StoreBusyError, type SqlConn } from '../dbWriter';
import { atomicWrite, ensurePrivateDir } from '../fileio';
import { AUTH_CELLS, MARKER_CELL, STATE_DB_MARKER, type DbKind } from '../layout';
import { type Detection, planLegacyMigration, readTarget, receiptKey } from './detect';
import {
  copyPrivate,
  fileSha,
  type Journal,
  type JournalDb,
  type JournalFile,
  type JournalSource,
  type JournalTarget,
  migrationsDir,
  writeJournal,
} from './journal';
import { type LegacyOptions, MigrationError } from './options';
import { buildReceipts } from './receipts';
import { archiveSources, recoverMigrations, rollBack } from './recover';
import { canonSha, captureBefore, deepEqual, writeBefore } from './restore';

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

function sleep(ms: number): void {
  if (ms > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
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
