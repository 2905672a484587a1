/**
 * Undo of one complete run: refuses when a cell or config key the run wrote changed since
 * (unless forced), then puts back the pre-run cells, config and original files.
 */
import fs from 'node:fs';
import path from 'node:path';
import { sha256 } from '../../auth/legacyMigration';
import { pathsFor } from '../paths';
import { loadConfig } from '../config';
import { quoteId } from '../../auth/providerId';
import { assertNotBusy } from '../dbWriter';
import { AUTH_CELLS, MARKER_CELL, STATE_DB_MARKER } from '../layout';
import { readTarget } from './detect';
import {
  copyPrivate,
  fileSha,
  type JournalDb,
  type JournalFile,
  migrationsDir,
  readJournal,
  writeJournal,
} from './journal';
import { type LegacyOptions, MigrationError } from './options';
import { journalDbs, recoverMigrations, unarchive } from './recover';
import { canonSha, deepEqual, diffPaths, getPath, readBefore, restoreConfig, restoreDbCells } from './restore';

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
