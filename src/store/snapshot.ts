/**
 * A read-only snapshot of everything auth-related for one agent: the shared store (state DB),
 * the agent's own store (agent DB) with read-through inheritance, the stored state, the config
 * metadata and `~/.openclaw/.env`. DB cells are read by authCells.ts (a real SQLite read
 * transaction where the runtime has one, else the validated page reader), so their cost follows
 * the auth data, not the DB size.
 */
import fs from 'node:fs';
import path from 'node:path';
import {
  loadAuthState,
  loadAuthStore,
  type AuthState,
  type AuthStore,
  type Credential,
  type LoadWarning,
} from '../auth/schemas';
import { quoteId } from '../auth/providerId';
import { agentDbPath, agentDir, DEFAULT_AGENT_ID, displayPath, type Env, type ResolvedPaths, pathsFor } from './paths';
import { authMeta, configAgents, loadConfig, type LoadedConfig } from './config';
import { dotenvValues, readDotenvFile } from './dotenv';
import { DbReadError, readAuthCells } from './authCells';
import { AUTH_CELLS, CONFIG_MACHINE_STATE, SHARED_MARKER_KEY, type CellAddress, type DbKind } from './layout';
import { identity, type FileIdentity } from './fileio';
import type { AuthConfigMeta } from '../auth/order';

export { SHARED_STORE_KEY, SHARED_STATE_KEY, PRIMARY_ROW_KEY, SHARED_MARKER_KEY } from './layout';

/**
 * Where openclaw keeps the shared (default agent's) credentials: the `auth.sharedStore` marker row
 * of the state DB says `state-db`; without it (older installs) the store is the main agent DB.
 */
export type SharedLocation = 'state-db' | 'legacy-main';

export type ProfileLocation = 'local' | 'inherited';

export interface DbRead {
  path: string;
  exists: boolean;
  /** The store/state cells as stored (JSON text), undefined when absent. */
  storeText?: string;
  stateText?: string;
  /** The DB has the auth state row (openclaw then reports it as authStatePath). */
  hasStateRow: boolean;
  hasStoreRow: boolean;
  walCommitted: boolean;
  error?: string;
  /** Why it could not be read: busy (a writer kept changing it; try again), corrupt, other. */
  errorKind?: 'busy' | 'corrupt' | 'other';
  secretStore: Map<string, string>;
  /** state DB only: the raw `auth.sharedStore` marker value, when the row exists. */
  marker?: string;
}

export interface AgentSnapshot {
  agentId: string;
  isDefaultAgent: boolean;
  paths: ResolvedPaths;
  agentDir: string;
  agentDb: DbRead;
  /** The state DB (`state/openclaw.sqlite`). */
  sharedDb: DbRead;
  /** Where the shared credentials live, per the marker. */
  sharedLocation: SharedLocation;
  /** The DB holding the shared credentials (state DB, or the default agent's DB for legacy-main). */
  sharedStorePath: string;
  /** The default agent's DB path. */
  defaultAgentDbPath: string;
  /**
   * No marker and no auth rows in the main agent DB: the first shared write starts a fresh
   * state-db store (and writes the marker), as openclaw's initializeFreshSharedAuthStore does.
   */
  freshSharedStore: boolean;
  /** Merged credentials: agent-local wins over shared. */
  store: AuthStore;
  /** Where each profile id of `store` is saved. */
  location: Record<string, ProfileLocation>;
  /** Merged state: agent-local order/lastGood/usageStats entries win over shared ones. */
  state: AuthState;
  config: LoadedConfig;
  /**
   * openclaw.json exists but could not be read, so its auth order, auth profiles and agents are
   * missing from this snapshot: one sentence naming the file and the cause (also in `warnings`).
   */
  configError?: string;
  meta: AuthConfigMeta;
  /** Process env overlaid with `~/.openclaw/.env` for missing keys (openclaw never overrides). */
  env: Record<string, string | undefined>;
  dotenv: Record<string, string>;
  /** `.env` exists but was not read (too large, not a file, no permission): why (also in `warnings`). */
  dotenvError?: string;
  warnings: LoadWarning[];
  /** The DB openclaw reports as `authStatePath`. */
  authStatePath: string;
  /** File identities the snapshot was read from (cache key / change detection). */
  fingerprint: string;
}

function readDb(dbPath: string, kind: DbKind, warnings: LoadWarning[], home: string, cache?: SnapshotCache): DbRead {
  const hit = cache?.dbs.get(dbPath);
  if (hit) {
    if (hit.error) warnings.push({ source: displayPath(dbPath, home), reason: 'unreadable_db', message: hit.error });
    return hit;
  }
  const read = readDbFile(dbPath, kind, warnings, home);
  cache?.dbs.set(dbPath, read);
  return read;
}

function readDbFile(dbPath: string, kind: DbKind, warnings: LoadWarning[], home: string): DbRead {
  const out: DbRead = {
    path: dbPath,
    exists: false,
    hasStateRow: false,
    hasStoreRow: false,
    walCommitted: false,
    secretStore: new Map(),
  };
  if (!fs.existsSync(dbPath)) return out;
  out.exists = true;
  try {
    const c = readAuthCells(dbPath, kind);
    Object.assign(out, {
      storeText: c.storeText,
      stateText: c.stateText,
      hasStoreRow: c.hasStoreRow,
      hasStateRow: c.hasStateRow,
      marker: c.marker,
      secretStore: c.secretStore,
      walCommitted: c.walCommitted,
    });
  } catch (e) {
    const msg =
      e instanceof DbReadError
        ? e.message.replace(dbPath, displayPath(dbPath, home))
        : `${displayPath(dbPath, home)} could not be read: ${(e as Error).message}`;
    out.error = msg;
    out.errorKind = e instanceof DbReadError ? e.kind : 'other';
    warnings.push({ source: displayPath(dbPath, home), reason: 'unreadable_db', message: msg });
  }
  return out;
}

function parseMarker(raw: string | undefined): SharedLocation | 'invalid' | undefined {
  if (raw === undefined) return undefined;
  try {
    const v = JSON.parse(raw) as unknown;
    if (v && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 1) {
      const loc = (v as { location?: unknown }).location;
      if (loc === 'state-db' || loc === 'legacy-main') return loc;
    }
  } catch {
    /* invalid */
  }
  return 'invalid';
}

/** Without a marker, openclaw keeps using the main agent DB when it already holds auth rows. */
function legacyMainHasAuth(
  dbFile: string,
  already: DbRead | undefined,
  warnings: LoadWarning[],
  home: string,
  cache?: SnapshotCache,
): boolean {
  const d = already ?? readDb(dbFile, 'agent', warnings, home, cache);
  return d.hasStoreRow || d.hasStateRow;
}

function hasLegacyJson(dir: string): boolean {
  return ['auth-profiles.json', 'auth-state.json', 'auth.json'].some((f) => fs.existsSync(path.join(dir, f)));
}

function fileFingerprint(p: string): string {
  const f = (x: FileIdentity) => (x.exists ? `${x.size}:${x.mtimeMs}:${x.ino}` : '-');
  return [p, `${p}-wal`].map((x) => f(identity(x))).join('/');
}

export interface SnapshotOptions {
  stateDirSetting?: string;
  env?: Env;
  /** Paths resolved once by the caller (src/store/paths.ts pathsFor). */
  paths?: ResolvedPaths;
  agentId?: string;
  /**
   * Reads shared between the snapshots of one refresh (every agent inherits the same state DB
   * and config): pass one object to all of them so each file is read once. Never keep it longer.
   */
  cache?: SnapshotCache;
}

export interface SnapshotCache {
  dbs: Map<string, DbRead>;
  config?: LoadedConfig;
}

export function newSnapshotCache(): SnapshotCache {
  return { dbs: new Map() };
}

export function listAgents(opts: SnapshotOptions = {}): {
  paths: ResolvedPaths;
  config: LoadedConfig;
  agents: string[];
  defaultAgentId: string;
} {
  const paths = pathsFor(opts);
  const config = opts.cache?.config ?? loadConfig(paths.configPath);
  if (opts.cache) opts.cache.config = config;
  const { entries, defaultAgentId } = configAgents(config.data);
  const ids = new Set<string>([defaultAgentId, ...entries.map((e) => e.id)]);
  try {
    for (const d of fs.readdirSync(path.join(paths.stateDir, 'agents')))
      if (fs.existsSync(path.join(paths.stateDir, 'agents', d, 'agent'))) ids.add(d);
  } catch {
    /* no agents dir yet */
  }
  return {
    paths,
    config,
    agents: [...ids].sort((a, b) => (a === defaultAgentId ? -1 : b === defaultAgentId ? 1 : a.localeCompare(b))),
    defaultAgentId,
  };
}

/** Where a cell's warnings point: "<file> authProfiles.store" (a state DB key) or "<file> auth_profile_store". */
function cellSource(file: string, home: string, a: CellAddress): string {
  return `${displayPath(file, home)} ${a.table === CONFIG_MACHINE_STATE.name ? a.key : a.table}`;
}

function loadSnapshotConfig(
  paths: ResolvedPaths,
  warnings: LoadWarning[],
  cache?: SnapshotCache,
): { config: LoadedConfig; configError?: string } {
  const config = cache?.config ?? loadConfig(paths.configPath);
  if (cache) cache.config = config;
  const configError = config.error
    ? `${config.error.replace(/\.$/, '')}; its auth order and profile settings are not shown.`
    : undefined;
  if (configError)
    warnings.push({
      source: displayPath(paths.configPath, paths.home),
      reason: 'invalid_config',
      message: configError,
    });
  return { config, configError };
}

/** The shared store as the marker places it: its DB, its layout and its cells. */
interface SharedStore {
  location: SharedLocation;
  marker: SharedLocation | 'invalid' | undefined;
  /** The DB holding the shared credentials. */
  file: string;
  /** Its store and state cells (the state DB's keys, or the agent layout of the main agent DB). */
  cells: { store: CellAddress; state: CellAddress };
  storeText?: string;
  stateText?: string;
}

/** The marker decides where the shared store is (openclaw's path-resolve rules). */
function locateSharedStore(
  paths: ResolvedPaths,
  sharedDb: DbRead,
  defaultAgentDbFile: string,
  readDefaultAgentDb: () => DbRead,
  warnings: LoadWarning[],
): SharedStore {
  const marker = parseMarker(sharedDb.marker);
  if (marker === 'invalid') {
    warnings.push({
      source: displayPath(paths.sharedDb, paths.home),
      reason: 'invalid_marker',
      message: `Config machine state ${SHARED_MARKER_KEY} has an invalid shared auth store location (${quoteId(sharedDb.marker, '')}); run openclaw doctor --fix.`,
    });
    return { location: 'state-db', marker, file: paths.sharedDb, cells: AUTH_CELLS.shared };
  }
  if (marker === 'legacy-main' || marker === undefined) {
    const source = readDefaultAgentDb();
    return {
      location: 'legacy-main',
      marker,
      file: defaultAgentDbFile,
      cells: AUTH_CELLS.agent,
      storeText: source.storeText,
      stateText: source.stateText,
    };
  }
  return {
    location: 'state-db',
    marker,
    file: paths.sharedDb,
    cells: AUTH_CELLS.shared,
    storeText: sharedDb.storeText,
    stateText: sharedDb.stateText,
  };
}

/**
 * The agent's view of the credentials and state: agent-local entries win over shared ones. When
 * the shared store is the default agent's own DB (legacy-main), the default agent reads it once.
 */
function mergeAuth(
  shared: SharedStore,
  agentDb: DbRead,
  isDefaultAgent: boolean,
  home: string,
  warnings: LoadWarning[],
): { profiles: Record<string, Credential>; location: Record<string, ProfileLocation>; state: AuthState } {
  const agentWhere = cellSource(agentDb.path, home, AUTH_CELLS.agent.store);
  const sameDb = shared.location === 'legacy-main' && isDefaultAgent;
  const sharedStore = loadAuthStore(shared.storeText, cellSource(shared.file, home, shared.cells.store));
  const local = sameDb ? loadAuthStore(undefined, agentWhere) : loadAuthStore(agentDb.storeText, agentWhere);
  const sharedState = loadAuthState(shared.stateText, cellSource(shared.file, home, shared.cells.state));
  const localState = sameDb
    ? loadAuthState(undefined, '')
    : loadAuthState(agentDb.stateText, cellSource(agentDb.path, home, AUTH_CELLS.agent.state));
  warnings.push(...sharedStore.warnings, ...local.warnings, ...sharedState.warnings, ...localState.warnings);

  const profiles: Record<string, Credential> = { ...local.store.profiles };
  const location: Record<string, ProfileLocation> = {};
  for (const id of Object.keys(local.store.profiles)) location[id] = 'local';
  for (const [id, c] of Object.entries(sharedStore.store.profiles)) {
    if (Object.hasOwn(profiles, id)) continue;
    profiles[id] = c;
    // The default agent owns the shared store: its profiles are its own, not inherited.
    location[id] = isDefaultAgent ? 'local' : 'inherited';
  }
  const s = sharedState.state;
  const l = localState.state;
  const merge = <V>(a: Record<string, V> | undefined, b: Record<string, V> | undefined) =>
    a || b ? { ...(a ?? {}), ...(b ?? {}) } : undefined;
  const state: AuthState = {
    version: 1,
    order: merge(s.order, l.order),
    lastGood: merge(s.lastGood, l.lastGood),
    usageStats: merge(s.usageStats, l.usageStats),
  };
  return { profiles, location, state };
}

/**
 * `~/.openclaw/.env` and the env it yields. As openclaw: a .env it cannot read (or over 1 MiB)
 * contributes no variables; here it also says so. File problems lead the warnings (the tree shows
 * the first five).
 */
function loadSnapshotDotenv(
  paths: ResolvedPaths,
  env: Env,
  warnings: LoadWarning[],
): { dotenv: Record<string, string>; dotenvError?: string; mergedEnv: Record<string, string | undefined> } {
  let dotenv: Record<string, string> = {};
  let dotenvError: string | undefined;
  try {
    dotenv = dotenvValues(readDotenvFile(paths.envFile), paths.envFile);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    dotenvError = err.message.startsWith('.env at ')
      ? err.message
      : `.env at ${paths.envFile} could not be read (${err.code ?? err.message}), so its variables are not used.`;
    warnings.unshift({
      source: displayPath(paths.envFile, paths.home),
      reason: (e as Error).name === 'DotenvTooLargeError' ? 'dotenv_too_large' : 'unreadable_dotenv',
      message: dotenvError,
    });
  }
  const mergedEnv: Record<string, string | undefined> = {
    ...dotenv,
    ...Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== '')),
  };
  return { dotenv, dotenvError, mergedEnv };
}

export function readSnapshot(opts: SnapshotOptions = {}): AgentSnapshot {
  const env = opts.env ?? process.env;
  const paths = pathsFor(opts);
  const home = paths.home;
  const warnings: LoadWarning[] = [];
  const { config, configError } = loadSnapshotConfig(paths, warnings, opts.cache);
  const agents = configAgents(config.data);
  const agentId = opts.agentId ?? agents.defaultAgentId ?? DEFAULT_AGENT_ID;
  const entry = agents.entries.find((e) => e.id === agentId);
  const dir = agentDir(paths, agentId, entry?.agentDir, env);
  const agentDbFile = agentDbPath(dir);
  const sharedDb = readDb(paths.sharedDb, 'shared', warnings, home, opts.cache);
  const agentDb = readDb(agentDbFile, 'agent', warnings, home, opts.cache);
  const defaultEntry = agents.entries.find((e) => e.id === agents.defaultAgentId);
  const defaultAgentDbFile = agentDbPath(agentDir(paths, agents.defaultAgentId, defaultEntry?.agentDir, env));
  const isDefaultAgent = agentId === agents.defaultAgentId;
  const shared = locateSharedStore(
    paths,
    sharedDb,
    defaultAgentDbFile,
    () => (isDefaultAgent ? agentDb : readDb(defaultAgentDbFile, 'agent', warnings, home, opts.cache)),
    warnings,
  );
  const { profiles, location, state } = mergeAuth(shared, agentDb, isDefaultAgent, home, warnings);
  const { dotenv, dotenvError, mergedEnv } = loadSnapshotDotenv(paths, env, warnings);
  const freshSharedStore =
    shared.marker === undefined &&
    !legacyMainHasAuth(defaultAgentDbFile, isDefaultAgent ? agentDb : undefined, warnings, home, opts.cache) &&
    !hasLegacyJson(path.dirname(defaultAgentDbFile));

  return {
    agentId,
    isDefaultAgent,
    paths,
    agentDir: dir,
    agentDb,
    sharedDb,
    sharedLocation: shared.location,
    sharedStorePath: shared.file,
    defaultAgentDbPath: defaultAgentDbFile,
    freshSharedStore,
    store: { version: 1, profiles },
    location,
    state,
    config,
    configError,
    meta: authMeta(config.data),
    env: mergedEnv,
    dotenv,
    dotenvError,
    warnings,
    authStatePath: agentDb.hasStateRow ? agentDbFile : paths.sharedDb,
    fingerprint: [
      fileFingerprint(paths.sharedDb),
      fileFingerprint(agentDbFile),
      String(config.mtimeMs),
      String(identity(paths.envFile).mtimeMs),
    ].join('|'),
  };
}
