/**
 * The run journal (`<stateDir>/openclaw-auth/migrations/<runId>/journal.json`): its shape, and
 * reading, writing and listing runs.
 */
import fs from 'node:fs';
import path from 'node:path';
import { publicPlan, sha256, type SourceKind } from '../../auth/legacyMigration';
import { type ResolvedPaths, pathsFor } from '../paths';
import { atomicWrite } from '../fileio';
import type { DbKind } from '../layout';
import type { LegacyOptions } from './options';

export interface JournalFile {
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
export interface JournalDb {
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
export interface JournalTarget extends JournalDb {
  agentId: string;
  storeSha: string;
}
export interface JournalSource {
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

export function fileSha(p: string): string | undefined {
  try {
    return sha256(fs.readFileSync(p));
  } catch {
    return undefined;
  }
}

export function copyPrivate(from: string, to: string): void {
  atomicWrite(to, fs.readFileSync(from), { mode: 0o600 });
}

export function writeJournal(dir: string, j: Journal): void {
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
