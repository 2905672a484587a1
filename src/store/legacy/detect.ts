/**
 * Detection and planning: every legacy source file openclaw knows, per agent, with the target
 * DB cells they go to; runs interrupted earlier; the migration plan. Changes nothing.
 */
import fs from 'node:fs';
import path from 'node:path';
import {
  planMigration,
  sha256,
  SOURCE_FILE,
  type AgentInput,
  type MigrationPlan,
  type SourceFileInput,
  type SourceKind,
} from '../../auth/legacyMigration';
import { agentDbPath, agentDir as resolveAgentDir, displayPath, type ResolvedPaths, pathsFor } from '../paths';
import { configAgents, configWriteRefusal, loadConfig, type JsonObject } from '../config';
import { readAuthCells } from '../authCells';
import type { EngineName } from '../engine';
import { RECEIPT_COMPLETED, type DbKind } from '../layout';
import { migrationsDir, readJournal } from './journal';
import { type LegacyOptions, MAX_LEGACY_FILE_BYTES } from './options';

interface TargetCells {
  exists: boolean;
  storeText?: string;
  stateText?: string;
  marker?: string;
  receipts: Map<string, string>;
  error?: string;
}

export function readTarget(dbPath: string, kind: DbKind, engine?: EngineName): TargetCells {
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
