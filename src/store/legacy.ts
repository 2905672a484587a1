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
 *
 * This file is the public entry; the code lives in src/store/legacy/:
 *   options.ts   LegacyOptions, MigrationError, the source file size limit
 *   detect.ts    detection (sources, targets, receipts) and the plan
 *   journal.ts   the run journal: shape, read, write, list runs
 *   apply.ts     apply: back up, journal, write, verify, archive
 *   receipts.ts  openclaw's migration_runs / migration_sources rows
 *   restore.ts   putting back files, DB cells and receipts, config keys
 *   recover.ts   recovery of interrupted runs (roll back or forward)
 *   undo.ts      undo of one complete run
 */
export { RECEIPT_KIND } from './layout';
export { MAX_LEGACY_FILE_BYTES, MigrationError, type LegacyOptions } from './legacy/options';
export {
  detectLegacy,
  interruptedRuns,
  planLegacyMigration,
  receiptKey,
  type Detection,
  type PlanResult,
} from './legacy/detect';
export { listRuns, migrationsDir, readJournal, type Journal } from './legacy/journal';
export { canonSha } from './legacy/restore';
export { recoverMigrations } from './legacy/recover';
export { applyLegacyMigration, type ApplyResult } from './legacy/apply';
export { undoLegacyMigration, type UndoResult } from './legacy/undo';
