/**
 * A read-only snapshot of everything auth-related for one agent: the shared store (state DB),
 * the agent's own store (agent DB) with read-through inheritance, the stored state, the config
 * metadata and `~/.openclaw/.env`. Reads go through SqliteReader (page-on-demand, WAL-aware), so
 * their cost follows the auth data, not the DB size, and never touch -wal/-shm.
 */
import fs from 'node:fs';
import path from 'node:path';
import { loadAuthState, loadAuthStore, type AuthState, type AuthStore, type Credential, type LoadWarning } from '../auth/schemas';
import { agentDbPath, agentDir, DEFAULT_AGENT_ID, displayPath, resolvePaths, type Env, type ResolvedPaths } from './paths';
import { authMeta, configAgents, loadConfig, type LoadedConfig } from './config';
import { dotenvValues } from './dotenv';
import { SqliteFormatError, SqliteReader } from './sqliteReader';
import { identity, type FileIdentity } from './fileio';
import type { AuthConfigMeta } from '../auth/order';

export const SHARED_STORE_KEY = 'authProfiles.store';
export const SHARED_STATE_KEY = 'authProfiles.state';
export const PRIMARY_ROW_KEY = 'primary';

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
  secretStore: Map<string, string>;
}

export interface AgentSnapshot {
  agentId: string;
  isDefaultAgent: boolean;
  paths: ResolvedPaths;
  agentDir: string;
  agentDb: DbRead;
  sharedDb: DbRead;
  /** Merged credentials: agent-local wins over shared. */
  store: AuthStore;
  /** Where each profile id of `store` is saved. */
  location: Record<string, ProfileLocation>;
  /** Merged state: agent-local order/lastGood/usageStats entries win over shared ones. */
  state: AuthState;
  config: LoadedConfig;
  meta: AuthConfigMeta;
  /** Process env overlaid with `~/.openclaw/.env` for missing keys (openclaw never overrides). */
  env: Record<string, string | undefined>;
  dotenv: Record<string, string>;
  warnings: LoadWarning[];
  /** The DB openclaw reports as `authStatePath`. */
  authStatePath: string;
  /** File identities the snapshot was read from (cache key / change detection). */
  fingerprint: string;
}

function readDb(dbPath: string, kind: 'shared' | 'agent', warnings: LoadWarning[], home: string): DbRead {
  const out: DbRead = { path: dbPath, exists: false, hasStateRow: false, hasStoreRow: false, walCommitted: false, secretStore: new Map() };
  if (!fs.existsSync(dbPath)) return out;
  out.exists = true;
  let reader: SqliteReader | undefined;
  const where = displayPath(dbPath, home);
  try {
    reader = SqliteReader.open(dbPath);
    out.walCommitted = reader.info.walCommitted;
    if (kind === 'shared') {
      if (reader.hasTable('config_machine_state')) {
        const wanted = new Set([SHARED_STORE_KEY, SHARED_STATE_KEY]);
        for (const row of reader.rowsWhere('config_machine_state', 'state_key', (v) => typeof v === 'string' && wanted.has(v))) {
          if (row.state_key === SHARED_STORE_KEY && typeof row.value_json === 'string') { out.storeText = row.value_json; out.hasStoreRow = true; }
          if (row.state_key === SHARED_STATE_KEY && typeof row.value_json === 'string') { out.stateText = row.value_json; out.hasStateRow = true; }
        }
      }
      if (reader.hasTable('secret_store_entries')) {
        for (const row of reader.rowsWhere('secret_store_entries', 'scope_kind', (v) => v === 'team')) {
          if (row.scope_kind === 'team' && row.deleted_at_ms == null && typeof row.name === 'string' && typeof row.value === 'string') out.secretStore.set(row.name, row.value);
        }
      }
    } else {
      if (reader.hasTable('auth_profile_store')) {
        for (const row of reader.rows('auth_profile_store')) if (row.store_key === PRIMARY_ROW_KEY && typeof row.store_json === 'string') { out.storeText = row.store_json; out.hasStoreRow = true; }
      }
      if (reader.hasTable('auth_profile_state')) {
        for (const row of reader.rows('auth_profile_state')) if (row.state_key === PRIMARY_ROW_KEY && typeof row.state_json === 'string') { out.stateText = row.state_json; out.hasStateRow = true; }
      }
    }
  } catch (e) {
    const msg = e instanceof SqliteFormatError ? e.message : `${where} could not be read: ${(e as Error).message}`;
    out.error = msg;
    warnings.push({ source: where, reason: 'unreadable_db', message: msg });
  } finally {
    reader?.close();
  }
  return out;
}

function fileFingerprint(p: string): string {
  const f = (x: FileIdentity) => (x.exists ? `${x.size}:${x.mtimeMs}:${x.ino}` : '-');
  return [p, `${p}-wal`].map((x) => f(identity(x))).join('/');
}

export interface SnapshotOptions {
  stateDirSetting?: string;
  env?: Env;
  agentId?: string;
}

export function listAgents(opts: SnapshotOptions = {}): { paths: ResolvedPaths; config: LoadedConfig; agents: string[]; defaultAgentId: string } {
  const paths = resolvePaths({ stateDirSetting: opts.stateDirSetting, env: opts.env });
  const config = loadConfig(paths.configPath);
  const { entries, defaultAgentId } = configAgents(config.data);
  const ids = new Set<string>([defaultAgentId, ...entries.map((e) => e.id)]);
  try {
    for (const d of fs.readdirSync(path.join(paths.stateDir, 'agents'))) if (fs.existsSync(path.join(paths.stateDir, 'agents', d, 'agent'))) ids.add(d);
  } catch { /* no agents dir yet */ }
  return { paths, config, agents: [...ids].sort((a, b) => (a === defaultAgentId ? -1 : b === defaultAgentId ? 1 : a.localeCompare(b))), defaultAgentId };
}

export function readSnapshot(opts: SnapshotOptions = {}): AgentSnapshot {
  const env = opts.env ?? process.env;
  const paths = resolvePaths({ stateDirSetting: opts.stateDirSetting, env });
  const config = loadConfig(paths.configPath);
  const warnings: LoadWarning[] = [];
  if (config.error) warnings.push({ source: displayPath(paths.configPath, paths.home), reason: 'invalid_config', message: config.error });
  const agents = configAgents(config.data);
  const agentId = opts.agentId ?? agents.defaultAgentId ?? DEFAULT_AGENT_ID;
  const entry = agents.entries.find((e) => e.id === agentId);
  const dir = agentDir(paths, agentId, entry?.agentDir, env);
  const agentDbFile = agentDbPath(dir);
  const sharedDb = readDb(paths.sharedDb, 'shared', warnings, paths.home);
  const agentDb = readDb(agentDbFile, 'agent', warnings, paths.home);

  const sharedWhere = `${displayPath(paths.sharedDb, paths.home)} ${SHARED_STORE_KEY}`;
  const agentWhere = `${displayPath(agentDbFile, paths.home)} auth_profile_store`;
  const shared = loadAuthStore(sharedDb.storeText, sharedWhere);
  const local = loadAuthStore(agentDb.storeText, agentWhere);
  const sharedState = loadAuthState(sharedDb.stateText, `${displayPath(paths.sharedDb, paths.home)} ${SHARED_STATE_KEY}`);
  const localState = loadAuthState(agentDb.stateText, `${displayPath(agentDbFile, paths.home)} auth_profile_state`);
  warnings.push(...shared.warnings, ...local.warnings, ...sharedState.warnings, ...localState.warnings);

  const profiles: Record<string, Credential> = { ...local.store.profiles };
  const location: Record<string, ProfileLocation> = {};
  for (const id of Object.keys(local.store.profiles)) location[id] = 'local';
  const isDefaultAgent = agentId === agents.defaultAgentId;
  for (const [id, c] of Object.entries(shared.store.profiles)) {
    if (id in profiles) continue;
    profiles[id] = c;
    // The default agent owns the shared store: its profiles are its own, not inherited.
    location[id] = isDefaultAgent ? 'local' : 'inherited';
  }
  const s = sharedState.state;
  const l = localState.state;
  const merge = <V>(a: Record<string, V> | undefined, b: Record<string, V> | undefined) => (a || b ? { ...(a ?? {}), ...(b ?? {}) } : undefined);
  const state: AuthState = {
    version: 1,
    order: merge(s.order, l.order),
    lastGood: merge(s.lastGood, l.lastGood),
    usageStats: merge(s.usageStats, l.usageStats),
  };

  let dotenv: Record<string, string> = {};
  try { dotenv = dotenvValues(fs.readFileSync(paths.envFile, 'utf8')); } catch { /* no .env */ }
  const mergedEnv: Record<string, string | undefined> = { ...dotenv, ...Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== '')) };

  return {
    agentId,
    isDefaultAgent,
    paths,
    agentDir: dir,
    agentDb,
    sharedDb,
    store: { version: 1, profiles },
    location,
    state,
    config,
    meta: authMeta(config.data),
    env: mergedEnv,
    dotenv,
    warnings,
    authStatePath: agentDb.hasStateRow ? agentDbFile : paths.sharedDb,
    fingerprint: [fileFingerprint(paths.sharedDb), fileFingerprint(agentDbFile), String(config.mtimeMs), String(identity(paths.envFile).mtimeMs)].join('|'),
  };
}
