/**
 * The legacy migration's data: what the caller hands in (PlanInput: agents, their source files
 * and target cells, the config) and the plan that comes out (MigrationPlan: refusals, sources,
 * profile / state items, config changes, target cells).
 */
import type { Obj } from '../obj';

export type SourceKind = 'auth-profiles' | 'auth-state' | 'legacy-auth' | 'legacy-oauth';
export const SOURCE_FILE: Record<SourceKind, string> = {
  'auth-profiles': 'auth-profiles.json',
  'auth-state': 'auth-state.json',
  'legacy-auth': 'auth.json',
  'legacy-oauth': 'oauth.json',
};

export interface SourceFileInput {
  kind: SourceKind;
  path: string;
  /** File text when it could be read. */
  text?: string;
  sha256?: string;
  size?: number;
  /** Why it could not be read (a directory, too large, I/O error). */
  unreadable?: string;
  /** openclaw already imported these exact bytes (a completed receipt): archive only. */
  alreadyImported?: boolean;
}

export interface AgentInput {
  agentId: string;
  isDefault: boolean;
  agentDir: string;
  /** The DB the agent's credentials go to. */
  targetDb: string;
  targetKind: 'shared' | 'agent';
  sources: SourceFileInput[];
  /** Raw JSON text of the target's store / state cells (undefined = no row). */
  storeText?: string;
  stateText?: string;
  /**
   * The store openclaw checks before refusing this agent (its agent DB; for the default agent
   * that is `agents/<id>/agent/openclaw-agent.sqlite`, not the shared store) and its path.
   */
  ownerDb?: string;
  ownerStoreText?: string;
  /** Target DB could not be read: nothing is imported for this agent. */
  targetError?: string;
  /** Archive files found next to the sources (`.migrated-…`, `.sqlite-import.….bak`). */
  archives: string[];
}

export interface PlanInput {
  agents: AgentInput[];
  config: Obj;
  configPath: string;
  /** The config can be rewritten (plain JSON, readable). */
  configWritable: boolean;
  configError?: string;
}

export type ProfileAction = 'add' | 'rename' | 'keep-existing' | 'move-to-config' | 'skip';

export interface ProfileItem {
  agentId: string;
  source: string;
  sourceKind: SourceKind | 'store';
  fromId: string;
  toId?: string;
  provider?: string;
  type?: string;
  action: ProfileAction;
  /** What the user sees of the secret: masked value or the SecretRef label. */
  secret?: string;
  destination?: string;
  reason?: string;
}

export interface StateItem {
  agentId: string;
  source: string;
  field: 'order' | 'lastGood' | 'usageStats';
  key: string;
  toKey?: string;
  action: 'add' | 'rename' | 'keep-existing' | 'skip';
  destination?: string;
  reason?: string;
}

export interface ConfigChange {
  path: string;
  before?: unknown;
  after?: unknown;
  reason: string;
}

export interface SourceReport {
  agentId: string;
  kind: SourceKind;
  path: string;
  sha256?: string;
  size?: number;
  status: 'import' | 'archive-only' | 'left-in-place';
  reason?: string;
}

export interface Refusal {
  agentId: string;
  ownerDb: string;
  /** null = every provider ("legacy provider scope unavailable"). */
  affectedProviders: string[] | null;
  message: string;
}

/** What the target cells become. Holds secrets: never printed (see publicPlan). */
export interface TargetPlan {
  agentId: string;
  dbPath: string;
  kind: 'shared' | 'agent';
  changed: boolean;
  store: { version: number; profiles: Obj };
  /** undefined = the state row is deleted/absent. */
  state?: Obj;
  storeTextBefore?: string;
  stateTextBefore?: string;
  /** Source files (paths) that feed this target, with their receipt data. */
  sources: SourceFileInput[];
  /** Imported profile ids (for receipts). */
  importedIds: string[];
}

export interface MigrationPlan {
  needed: boolean;
  refusals: Refusal[];
  sources: SourceReport[];
  profiles: ProfileItem[];
  state: StateItem[];
  config: { path: string; changes: ConfigChange[]; after?: Obj; blocked?: string };
  targets: TargetPlan[];
  archivesFound: string[];
  warnings: string[];
}
