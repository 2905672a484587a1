/**
 * openclaw's migration receipts: the `migration_runs` and `migration_sources` rows written into
 * the state DB for each archived source.
 */
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { sha256, isObj, type MigrationPlan, type Obj, type TargetPlan } from '../../auth/legacyMigration';
import { hasTable, type SqlConn } from '../dbWriter';
import {
  insertOrReplaceSql,
  MIGRATION_RUNS,
  MIGRATION_SOURCES,
  RECEIPT_COMPLETED,
  RECEIPT_KIND,
  RECEIPT_TARGET,
  rowValues,
} from '../layout';
import { receiptKey } from './detect';
import type { Journal, JournalSource } from './journal';

/** openclaw's receipts: one `migration_runs` + `migration_sources` row per archived source. */
export function buildReceipts(
  plan: MigrationPlan,
  journal: Journal,
  sharedDb: string,
  now: number,
): (db: SqlConn) => void {
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
