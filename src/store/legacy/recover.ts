/**
 * Recovery of interrupted runs: a "prepared" journal is rolled back from the backups, a
 * "verified" one is rolled forward (the remaining renames of the originals).
 */
import fs from 'node:fs';
import path from 'node:path';
import { pathsFor } from '../paths';
import { cleanStaleTemps } from '../fileio';
import {
  fileSha,
  type Journal,
  type JournalDb,
  type JournalFile,
  type JournalSource,
  migrationsDir,
  readJournal,
  writeJournal,
} from './journal';
import { type LegacyOptions, MigrationError } from './options';
import { restoreConfig, restoreDbCells, restoreFile } from './restore';

/** Removes leftovers of our own writers killed mid-write (temp files and lock files of dead pids). */
function cleanLeftovers(dirs: Iterable<string>): void {
  for (const d of new Set(dirs)) cleanStaleTemps(d);
}

export function journalDbs(j: Journal): JournalDb[] {
  return [...j.targets, ...(j.receiptsDb ? [j.receiptsDb] : [])];
}

export async function rollBack(dir: string, j: Journal): Promise<string> {
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

export function archiveSources(j: Journal): void {
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
export function unarchive(s: JournalSource): void {
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
