/**
 * The legacy auth migration (openclaw's `doctor --fix` part that imports retired JSON files into
 * SQLite), planned as data. Pure: the caller (src/store/legacy.ts) reads the files and the
 * target cells and hands them in; nothing here touches the disk.
 *
 * Rules follow openclaw 2026.9.6 (dist: doctor-auth-flat-profiles, legacy-flat-credential,
 * persisted, legacy-source-diagnostic):
 * - sources per agent dir: `auth-profiles.json` (canonical `{profiles,…}` or flat
 *   `{provider:{apiKey…}}`), `auth-state.json`, `auth.json` (flat, `<provider>:default`), and for
 *   the default agent `credentials/oauth.json` (`<provider>:default` oauth);
 * - the default agent's data goes to the shared store, other agents' into their own agent DB;
 * - a profile or state entry already in the target wins over the imported one;
 * - `aws-sdk` entries leave the store and become `auth.profiles.<id> = {provider, mode:"aws-sdk"}`;
 * - `openai-codex` ids/providers become `openai` (collision: `openai:chatgpt-<suffix>`, `-2`, …),
 *   in profiles, order, lastGood, usageStats and the config's auth.profiles / auth.order.
 *   openclaw needs a second `doctor --fix` for that rename; we do it in the same run and end in
 *   the same state.
 * Where openclaw would archive a file it could not read ("archived-unparsed"), we leave it in
 * place and report it: nothing we cannot read is moved.
 */
import { createHash } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { coerceUsageStats, readJson } from './schemas';
import { SecretRefSchema, formatRef } from './secretRef';
import { maskSecret } from './mask';
import { normalizeProviderId, quoteId } from './providerId';
import { isObj, type Obj } from './obj';

export { isObj, type Obj };

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

// ---- credential normalisation (openclaw's normalizeRawCredentialEntry) ----

const OAUTH_FIELDS = [
  'access',
  'refresh',
  'idToken',
  'clientId',
  'enterpriseUrl',
  'projectId',
  'accountId',
  'chatgptPlanType',
  'subscriptionType',
  'rateLimitTier',
  'tokenEndpoint',
  'deviceAuthorizationEndpoint',
  'issuer',
  'authFlow',
];

const nonBlank = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() ? v.trim() : undefined);
function secretRef(v: unknown): Obj | undefined {
  const r = SecretRefSchema.safeParse(v);
  return r.success ? (r.data as unknown as Obj) : undefined;
}
function expiry(v: unknown): number | undefined {
  if (v === undefined) return undefined;
  return typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : 0;
}
function isLegacyOAuthRef(v: unknown): boolean {
  return (
    isObj(v) &&
    v.source === 'openclaw-credentials' &&
    v.provider === 'openai-codex' &&
    typeof v.id === 'string' &&
    /^[a-f0-9]{32}$/.test(v.id)
  );
}

function commonFields(e: Obj): Obj {
  const out: Obj = { provider: typeof e.provider === 'string' ? normalizeProviderId(e.provider) : '' };
  const s = e.setup;
  if (isObj(s) && typeof s.replacement === 'boolean' && nonBlank(s.modelRef) && nonBlank(s.configJson)) {
    out.setup = {
      replacement: s.replacement,
      modelRef: nonBlank(s.modelRef),
      configJson: nonBlank(s.configJson),
      ...(s.apiKeyHeader === true ? { apiKeyHeader: true } : {}),
      ...(nonBlank(s.agentRuntimeId) ? { agentRuntimeId: nonBlank(s.agentRuntimeId) } : {}),
      ...(nonBlank(s.authChoice) ? { authChoice: nonBlank(s.authChoice) } : {}),
      ...(nonBlank(s.pluginId) ? { pluginId: nonBlank(s.pluginId) } : {}),
    };
  }
  if (typeof e.copyToAgents === 'boolean') out.copyToAgents = e.copyToAgents;
  if (nonBlank(e.email)) out.email = nonBlank(e.email);
  if (nonBlank(e.displayName)) out.displayName = nonBlank(e.displayName);
  return out;
}

export type Parsed = { ok: true; credential: Obj } | { ok: false; reason: string };

/** openclaw's parseCredentialEntry: aliases resolved, fields normalised, unknown types refused. */
export function parseLegacyCredential(raw: unknown, fallbackProvider?: string): Parsed {
  if (!isObj(raw)) return { ok: false, reason: 'non_object' };
  const e: Obj = { ...raw };
  if (!('type' in e) && typeof e.mode === 'string') e.type = e.mode;
  if (e.type === 'apiKey') e.type = 'api_key';
  if (!('key' in e) && !secretRef(e.keyRef) && typeof e.apiKey === 'string') e.key = e.apiKey;
  for (const [vf, rf] of [
    ['key', 'keyRef'],
    ['token', 'tokenRef'],
  ] as const) {
    const v = e[vf];
    if (v == null || typeof v === 'string') continue;
    const ref = secretRef(v);
    if (ref && !secretRef(e[rf])) e[rf] = ref;
    delete e[vf];
  }
  let c: Obj;
  if (e.type === 'api_key') {
    c = { type: 'api_key', ...commonFields(e) };
    const ref = secretRef(e.keyRef);
    if (ref) c.keyRef = structuredClone(ref);
    else if (nonBlank(e.key) !== undefined) c.key = nonBlank(e.key);
    if (isObj(e.metadata)) {
      const m = Object.fromEntries(Object.entries(e.metadata).filter(([, v]) => typeof v === 'string'));
      if (Object.keys(m).length) c.metadata = m;
    }
  } else if (e.type === 'token') {
    c = { type: 'token', ...commonFields(e) };
    if (nonBlank(e.token) !== undefined) c.token = nonBlank(e.token);
    const ref = secretRef(e.tokenRef);
    if (ref) c.tokenRef = structuredClone(ref);
    const x = expiry(e.expires);
    if (x !== undefined) c.expires = x;
  } else if (e.type === 'oauth') {
    c = { type: 'oauth', ...commonFields(e) };
    if (isLegacyOAuthRef(e.oauthRef)) c.oauthRef = structuredClone(e.oauthRef);
    for (const f of OAUTH_FIELDS) if (nonBlank(e[f]) !== undefined) c[f] = nonBlank(e[f]);
    const x = expiry(e.expires);
    if (x !== undefined) c.expires = x;
  } else {
    return { ok: false, reason: 'invalid_type' };
  }
  const provider = (c.provider as string) || (fallbackProvider ? normalizeProviderId(fallbackProvider) : '');
  if (!provider) return { ok: false, reason: 'missing_provider' };
  c.provider = provider;
  return { ok: true, credential: c };
}

function usable(c: Obj): boolean {
  if (c.type === 'api_key') return Boolean(nonBlank(c.key) || c.keyRef);
  if (c.type === 'token') return Boolean(nonBlank(c.token) || c.tokenRef);
  return Boolean(nonBlank(c.access)) && Boolean(nonBlank(c.refresh)) && typeof c.expires === 'number';
}

/** openclaw's coerceLegacyFlatCredential: `{provider: {apiKey|key|token|access…}}` entries. */
function flatCredential(providerId: string, raw: unknown): Parsed {
  if (!isObj(raw)) return { ok: false, reason: 'non_object' };
  let type = nonBlank(raw.type) ?? nonBlank(raw.mode);
  if (type !== 'api_key' && type !== 'token' && type !== 'oauth') {
    if (nonBlank(raw.key) ?? nonBlank(raw.apiKey)) type = 'api_key';
    else if (secretRef(raw.keyRef)) type = 'api_key';
    else if (nonBlank(raw.token)) type = 'token';
    else if (secretRef(raw.tokenRef)) type = 'token';
    else if (nonBlank(raw.access) && nonBlank(raw.refresh) && typeof raw.expires === 'number') type = 'oauth';
    else return { ok: false, reason: 'no_credential' };
  }
  const p = parseLegacyCredential({ ...raw, type, provider: nonBlank(raw.provider) ?? providerId }, providerId);
  if (!p.ok) return p;
  if (!usable(p.credential)) return { ok: false, reason: 'no_credential' };
  return p;
}

const UNSAFE = new Set(['__proto__', 'constructor', 'prototype']);
const safeKey = (k: string) => k.trim().length > 0 && !UNSAFE.has(k);

export const REASON_TEXT: Record<string, string> = {
  non_object: 'the entry is not an object',
  invalid_type: 'unknown credential type (valid: api_key, token, oauth)',
  missing_provider: 'no provider',
  no_credential: 'no usable key, token or OAuth tokens',
  unsafe_key: 'reserved name',
};

/** Secret shown to the user: masked, or the ref's label. */
export function secretPreview(c: Obj): string | undefined {
  if (c.type === 'api_key')
    return isObj(c.keyRef)
      ? `ref ${formatRef(c.keyRef as never)}`
      : typeof c.key === 'string'
        ? `key ${maskSecret(c.key)}`
        : 'no key';
  if (c.type === 'token')
    return isObj(c.tokenRef)
      ? `ref ${formatRef(c.tokenRef as never)}`
      : typeof c.token === 'string'
        ? `token ${maskSecret(c.token)}`
        : 'no token';
  if (c.type === 'oauth')
    return `oauth access ${maskSecret(c.access as string | undefined)}${isObj(c.oauthRef) ? ' (legacy oauthRef)' : ''}`;
  return undefined;
}

// ---- duplicate keys (JSON.parse keeps the last; openclaw reads it the same) ----

/** Paths of object keys that occur more than once in the same object, e.g. `profiles.a:b`. */
export function duplicateKeys(text: string, limit = 50): string[] {
  const out: string[] = [];
  const stack: { keys: Set<string>; path: string; lastKey?: string; isObj: boolean }[] = [];
  let i = 0;
  const n = text.length;
  let expectKey = false;
  while (i < n && out.length < limit) {
    const ch = text[i];
    if (ch === '"') {
      let j = i + 1;
      let s = '';
      while (j < n && text[j] !== '"') {
        if (text[j] === '\\') {
          s += text.slice(j, j + 2);
          j += 2;
        } else {
          s += text[j];
          j++;
        }
      }
      const top = stack[stack.length - 1];
      if (top?.isObj && expectKey) {
        let key = s;
        try {
          key = JSON.parse(`"${s}"`) as string;
        } catch {
          /* keep raw */
        }
        if (top.keys.has(key)) out.push(top.path ? `${top.path}.${key}` : key);
        top.keys.add(key);
        top.lastKey = key;
        expectKey = false;
      }
      i = j + 1;
      continue;
    }
    if (ch === '{' || ch === '[') {
      const top = stack[stack.length - 1];
      const p = top
        ? top.isObj
          ? top.path
            ? `${top.path}.${top.lastKey ?? ''}`
            : (top.lastKey ?? '')
          : top.path
        : '';
      stack.push({ keys: new Set(), path: p, isObj: ch === '{' });
      expectKey = ch === '{';
    } else if (ch === '}' || ch === ']') {
      stack.pop();
      expectKey = false;
    } else if (ch === ',') {
      expectKey = stack[stack.length - 1]?.isObj ?? false;
    }
    i++;
  }
  return out;
}

// ---- openai-codex -> openai ----

function legacyTarget(id: string): { provider: string; suffix: string } | undefined {
  if (id === 'openai:codex-cli') return { provider: 'openai', suffix: 'default' };
  const sep = id.indexOf(':');
  if (sep <= 0) return undefined;
  const p = id.slice(0, sep).trim().toLowerCase();
  if (p !== 'openai-codex') return undefined;
  return { provider: 'openai', suffix: id.slice(sep + 1).trim() || 'default' };
}
const isLegacyId = (id: string) => legacyTarget(id) !== undefined;

/** openclaw's allocateLegacyAuthProfileId. */
export function allocateId(legacyId: string, occupied: Set<string>): string {
  const t = legacyTarget(legacyId);
  if (!t) return legacyId;
  const direct = `${t.provider}:${t.suffix}`;
  if (!occupied.has(direct)) {
    occupied.add(direct);
    return direct;
  }
  const base = `${t.provider}:${legacyId.toLowerCase().startsWith('openai-codex:') ? 'chatgpt' : 'cli'}-${t.suffix}`;
  if (!occupied.has(base)) {
    occupied.add(base);
    return base;
  }
  for (let k = 2; ; k++) {
    const c = `${base}-${k}`;
    if (!occupied.has(c)) {
      occupied.add(c);
      return c;
    }
  }
}

const canonicalProvider = (p: string) =>
  normalizeProviderId(p) === 'openai-codex' ? 'openai' : normalizeProviderId(p);

/** Renames legacy profile entries in place; returns the id map. */
function renameProfiles(profiles: Obj, map: Map<string, string>): void {
  const occupied = new Set([...Object.keys(profiles).filter((id) => !isLegacyId(id)), ...map.values()]);
  for (const [id, raw] of Object.entries({ ...profiles })) {
    if (!isObj(raw)) continue;
    const t = legacyTarget(id);
    const provider = typeof raw.provider === 'string' ? canonicalProvider(raw.provider) : t?.provider;
    const legacyProvider = typeof raw.provider === 'string' && provider !== raw.provider.trim().toLowerCase();
    if (!t && !legacyProvider) continue;
    if (t && provider !== t.provider) continue;
    const mapped = map.get(id);
    const next = mapped && !Object.hasOwn(profiles, mapped) ? mapped : t ? allocateId(id, occupied) : id;
    occupied.add(next);
    if (next !== id) {
      delete profiles[id];
      map.set(id, next);
    }
    profiles[next] = { ...raw, provider };
  }
}

function renameOrder(order: Obj, map: Map<string, string>): void {
  const occupied = new Set([
    ...Object.values(order).flatMap((v) =>
      Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string' && !isLegacyId(x)) : [],
    ),
    ...map.values(),
  ]);
  const rewrite = (x: unknown) => {
    if (typeof x !== 'string') return x;
    const m = map.get(x);
    if (m) return m;
    if (!isLegacyId(x)) return x;
    const a = allocateId(x, occupied);
    map.set(x, a);
    return a;
  };
  const keys = Object.keys(order);
  for (const p of keys) {
    const ids = order[p];
    if (Array.isArray(ids) && canonicalProvider(p) === p) order[p] = ids.map(rewrite);
  }
  for (const p of keys) {
    const ids = order[p];
    if (!Array.isArray(ids)) continue;
    const c = canonicalProvider(p);
    if (c === p) continue;
    const existing = order[c];
    delete order[p];
    const moved = ids.map(rewrite);
    order[c] =
      Array.isArray(existing) && existing.length === 0
        ? []
        : [...new Set([...moved, ...(Array.isArray(existing) ? existing : [])])];
  }
}

function renameKeys(rec: Obj, map: Map<string, string>): void {
  for (const [k, v] of Object.entries({ ...rec })) {
    const n = map.get(k);
    if (!n || n === k) continue;
    delete rec[k];
    rec[n] = v;
  }
}

function renameLastGood(rec: Obj, map: Map<string, string>): void {
  const before = { ...rec };
  for (const [p, v] of Object.entries(before)) {
    const c = canonicalProvider(p);
    const mapped = typeof v === 'string' ? map.get(v) : undefined;
    if (c !== p) {
      delete rec[p];
      if (Object.hasOwn(before, c)) continue;
    }
    rec[c] = mapped ?? v;
  }
}

// ---- state normalisation (openclaw's coerceAuthProfileState) ----

export function normalizeState(raw: unknown): { order?: Obj; lastGood?: Obj; usageStats?: Obj } {
  if (!isObj(raw)) return {};
  const out: { order?: Obj; lastGood?: Obj; usageStats?: Obj } = {};
  if (isObj(raw.order)) {
    const o: Obj = {};
    for (const [p, v] of Object.entries(raw.order)) {
      if (!Array.isArray(v)) continue;
      const k = normalizeProviderId(p);
      const list = v.filter((x): x is string => typeof x === 'string' && x.trim() !== '').map((x) => x.trim());
      if (k && list.length) o[k] = list;
    }
    if (Object.keys(o).length) out.order = o;
  }
  if (isObj(raw.lastGood)) {
    const o: Obj = {};
    for (const [p, v] of Object.entries(raw.lastGood)) {
      const k = normalizeProviderId(p);
      const id = nonBlank(v);
      if (k && id) o[k] = id;
    }
    if (Object.keys(o).length) out.lastGood = o;
  }
  if (isObj(raw.usageStats)) {
    const o: Obj = {};
    for (const [id, v] of Object.entries(raw.usageStats)) {
      const k = nonBlank(id);
      const s = coerceUsageStats(v).stats;
      if (k && s) o[k] = s;
    }
    if (Object.keys(o).length) out.usageStats = o;
  }
  return out;
}

export function sha256(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

// ---- fail-closed detection (openclaw's assertAuthProfileMigrationReady) ----

function providersOf(sources: SourceFileInput[]): string[] | null {
  const providers = new Set<string>();
  for (const s of sources) {
    if (s.kind === 'auth-state') continue;
    if (s.kind !== 'auth-profiles' || s.text === undefined) return null;
    const read = readJson(s.text);
    if (!read.ok || !isObj(read.value)) return null;
    const raw = read.value;
    const nested = Object.hasOwn(raw, 'profiles');
    const profiles = nested ? raw.profiles : raw;
    if (!isObj(profiles) || Object.keys(profiles).length === 0) return null;
    for (const [k, v] of Object.entries(profiles)) {
      const p = nested ? parseLegacyCredential(v) : flatCredential(k, v);
      if (!p.ok) return null;
      const prov = p.credential.provider as string;
      if (!/^[a-z0-9][a-z0-9._-]{0,127}$/i.test(prov)) return null;
      providers.add(prov.toLowerCase());
      if (prov.toLowerCase() === 'openai-codex') providers.add('openai');
    }
  }
  return providers.size ? [...providers].sort() : null;
}

function storeHasProfiles(text: string | undefined): boolean {
  if (text === undefined) return false;
  const r = readJson(text);
  return r.ok && isObj(r.value) && isObj(r.value.profiles) && Object.keys(r.value.profiles).length > 0;
}

export function refusalFor(a: AgentInput, ownerDisplay: string): Refusal | undefined {
  const cred = a.sources.filter((s) => s.kind !== 'auth-state');
  const ownerDb = a.ownerDb ?? a.targetDb;
  if (cred.length === 0 || storeHasProfiles(a.ownerDb ? a.ownerStoreText : a.storeText)) return undefined;
  const providers = providersOf(cred);
  return {
    agentId: a.agentId,
    ownerDb,
    affectedProviders: providers,
    message: `Auth profile store ${ownerDisplay} requires legacy credential migration; affected providers: ${providers?.join(', ') ?? 'all (legacy provider scope unavailable)'}; run openclaw doctor --fix.`,
  };
}

// ---- the plan ----

interface Ctx {
  plan: MigrationPlan;
  config: Obj;
  configChanged: boolean;
  idMap: Map<string, string>;
}

function parseSource(s: SourceFileInput, agentId: string, plan: MigrationPlan): unknown {
  if (s.unreadable !== undefined || s.text === undefined) {
    plan.sources.push({
      agentId,
      kind: s.kind,
      path: s.path,
      size: s.size,
      status: 'left-in-place',
      reason: s.unreadable ?? 'could not be read',
    });
    return undefined;
  }
  // The reason never quotes the file (JSON.parse's message would): it holds credentials.
  const read = readJson(s.text);
  if (!read.ok) {
    plan.sources.push({
      agentId,
      kind: s.kind,
      path: s.path,
      sha256: s.sha256,
      size: s.size,
      status: 'left-in-place',
      reason: `${read.detail.replace(/^is /, '')}; left untouched`,
    });
    return undefined;
  }
  const raw = read.value;
  if (!isObj(raw)) {
    plan.sources.push({
      agentId,
      kind: s.kind,
      path: s.path,
      sha256: s.sha256,
      size: s.size,
      status: 'left-in-place',
      reason: 'not a JSON object; left untouched',
    });
    return undefined;
  }
  for (const d of duplicateKeys(s.text))
    plan.warnings.push(
      `${s.path}: ${quoteId(d)} appears more than once; the last one is used (openclaw reads it the same way).`,
    );
  return raw;
}

type StateParts = { order?: Obj; lastGood?: Obj; usageStats?: Obj };

/** One agent's planning: its target as read, what the target becomes, and what has been imported so far. */
interface AgentRun {
  a: AgentInput;
  ctx: Ctx;
  plan: MigrationPlan;
  /** The target as the plan names it. */
  dest: string;
  existing: Obj;
  existingState: Obj | undefined;
  existingProfiles: Obj;
  existingIds: Set<string>;
  exState: StateParts;
  profiles: Obj;
  state: StateParts;
  importing: SourceFileInput[];
  importedIds: string[];
  imported: Map<string, ProfileItem>;
}

function planAgent(a: AgentInput, ctx: Ctx): void {
  const target = readTarget(a, ctx.plan);
  if (!target) return;
  const run = startRun(a, ctx, target.existing, target.existingState);
  // auth.json (flat, older) first: auth-profiles.json wins on the same id, as in openclaw.
  for (const kind of ['legacy-auth', 'auth-profiles', 'auth-state', 'legacy-oauth'] as const) {
    const src = a.sources.find((s) => s.kind === kind);
    if (!src) continue;
    planSource(run, kind, src);
  }
  renameCodexIds(run);
  pushTarget(run);
}

/** The target's store and state cells, or undefined (every source left in place) when they cannot be merged into. */
function readTarget(a: AgentInput, plan: MigrationPlan): { existing: Obj; existingState: Obj | undefined } | undefined {
  if (a.targetError) {
    for (const s of a.sources)
      plan.sources.push({
        agentId: a.agentId,
        kind: s.kind,
        path: s.path,
        size: s.size,
        sha256: s.sha256,
        status: 'left-in-place',
        reason: `the target store cannot be read (${a.targetError})`,
      });
    return undefined;
  }
  let existing: Obj = { version: 1, profiles: {} };
  let existingState: Obj | undefined;
  // A target cell that does not parse (or nests too deep) is never merged into: repair it first.
  let problem: string | undefined;
  if (a.storeText !== undefined) {
    const r = readJson(a.storeText);
    if (!r.ok) problem = `the target store ${r.detail}`;
    else if (!isObj(r.value) || !isObj(r.value.profiles)) problem = 'the target store has no profiles object';
    else existing = r.value;
  }
  if (!problem && a.stateText !== undefined) {
    const r = readJson(a.stateText);
    if (!r.ok) problem = `the target auth state ${r.detail}`;
    else if (!isObj(r.value)) problem = 'the target auth state is not an object';
    else existingState = r.value;
  }
  if (problem) {
    for (const s of a.sources)
      plan.sources.push({
        agentId: a.agentId,
        kind: s.kind,
        path: s.path,
        size: s.size,
        sha256: s.sha256,
        status: 'left-in-place',
        reason: `${problem}; repair it first`,
      });
    return undefined;
  }
  return { existing, existingState };
}

/** The agent's run, starting from copies of the target's profiles and state. */
function startRun(a: AgentInput, ctx: Ctx, existing: Obj, existingState: Obj | undefined): AgentRun {
  const existingProfiles = existing.profiles as Obj;
  return {
    a,
    ctx,
    plan: ctx.plan,
    dest: `${a.targetKind === 'shared' ? 'shared store' : `agent ${a.agentId} store`} (${a.targetDb})`,
    existing,
    existingState,
    existingProfiles,
    existingIds: new Set(Object.keys(existingProfiles)),
    exState: normalizeState(existingState),
    profiles: { ...existingProfiles },
    state: {
      ...(existingState
        ? {
            order: isObj(existingState.order) ? { ...existingState.order } : undefined,
            lastGood: isObj(existingState.lastGood) ? { ...existingState.lastGood } : undefined,
            usageStats: isObj(existingState.usageStats) ? { ...existingState.usageStats } : undefined,
          }
        : {}),
    },
    importing: [],
    importedIds: [],
    imported: new Map(),
  };
}

/** Adds an imported credential, unless the target already has its id; a later source replaces an earlier one. */
function addProfile(run: AgentRun, id: string, c: Obj, src: SourceFileInput): void {
  const item: ProfileItem = {
    agentId: run.a.agentId,
    source: src.path,
    sourceKind: src.kind,
    fromId: id,
    toId: id,
    provider: c.provider as string,
    type: c.type as string,
    action: 'add',
    secret: secretPreview(c),
    destination: run.dest,
  };
  if (run.existingIds.has(id)) {
    item.action = 'keep-existing';
    item.toId = undefined;
    item.reason = 'the store already has this id; the stored credential is kept';
    run.plan.profiles.push(item);
    return;
  }
  const prev = run.imported.get(id);
  if (prev) {
    prev.action = 'skip';
    prev.reason = `replaced by the same id from ${src.path}`;
    prev.toId = undefined;
  }
  run.profiles[id] = c;
  run.imported.set(id, item);
  if (!run.importedIds.includes(id)) run.importedIds.push(id);
  run.plan.profiles.push(item);
}

/** Records an entry that is not imported, with its reason in words. */
function skipProfile(
  run: AgentRun,
  src: SourceFileInput,
  id: string,
  reason: string,
  extra: Partial<ProfileItem> = {},
): void {
  run.plan.profiles.push({
    agentId: run.a.agentId,
    source: src.path,
    sourceKind: src.kind,
    fromId: id,
    action: 'skip',
    reason: REASON_TEXT[reason] ?? reason,
    ...extra,
  });
}

/** Merges a source's order / lastGood / usageStats entries; an entry the target already has is kept. */
function addState(run: AgentRun, raw: unknown, src: SourceFileInput): void {
  const incoming = normalizeState(raw);
  for (const field of ['order', 'lastGood', 'usageStats'] as const) {
    const inc = incoming[field];
    if (!inc) continue;
    const target = (run.state[field] ??= {});
    for (const [k, v] of Object.entries(inc)) {
      if (run.exState[field] && Object.hasOwn(run.exState[field], k)) {
        run.plan.state.push({
          agentId: run.a.agentId,
          source: src.path,
          field,
          key: k,
          action: 'keep-existing',
          reason: 'the store already has this entry; it is kept',
        });
        continue;
      }
      target[k] = v;
      run.plan.state.push({
        agentId: run.a.agentId,
        source: src.path,
        field,
        key: k,
        action: 'add',
        destination: run.dest,
      });
    }
  }
}

/** One source file: archived only, left in place, or imported entry by entry (then reportSource). */
function planSource(run: AgentRun, kind: SourceKind, src: SourceFileInput): void {
  const { a, plan } = run;
  if (src.alreadyImported) {
    plan.sources.push({
      agentId: a.agentId,
      kind,
      path: src.path,
      sha256: src.sha256,
      size: src.size,
      status: 'archive-only',
      reason: 'openclaw already imported these exact bytes (completed receipt); archived without importing again',
    });
    run.importing.push(src);
    return;
  }
  const raw = parseSource(src, a.agentId, plan);
  if (!isObj(raw)) return;
  let any: boolean;
  if (kind === 'legacy-auth') {
    if ('profiles' in raw) {
      plan.sources.push({
        agentId: a.agentId,
        kind,
        path: src.path,
        sha256: src.sha256,
        size: src.size,
        status: 'left-in-place',
        reason: 'auth.json with a "profiles" object is not a legacy flat file; openclaw ignores it',
      });
      return;
    }
    any = importLegacyAuth(run, src, raw);
  } else if (kind === 'legacy-oauth') {
    any = importLegacyOAuth(run, src, raw);
  } else if (kind === 'auth-state') {
    addState(run, raw, src);
    any = true;
  } else if (isObj(raw.profiles)) {
    any = importProfiles(run, src, raw.profiles);
    addState(run, raw, src);
  } else {
    // flat shape in auth-profiles.json
    any = importFlatProfiles(run, src, raw);
  }
  reportSource(run, kind, src, any);
}

/** auth.json's `{provider: credential}` entries, as `<provider>:default`; true when any was taken. */
function importLegacyAuth(run: AgentRun, src: SourceFileInput, raw: Obj): boolean {
  let any = false;
  for (const [key, value] of Object.entries(raw)) {
    const p = parseLegacyCredential(value, key);
    if (!p.ok) {
      skipProfile(run, src, key, p.reason);
      continue;
    }
    addProfile(run, `${key}:default`, { ...p.credential, provider: p.credential.provider ?? key }, src);
    any = true;
  }
  return any;
}

/** oauth.json's `{provider: oauth tokens}` entries, as `<provider>:default`; true when any was taken. */
function importLegacyOAuth(run: AgentRun, src: SourceFileInput, raw: Obj): boolean {
  let any = false;
  for (const [provider, value] of Object.entries(raw)) {
    if (!isObj(value)) {
      skipProfile(run, src, provider, 'non_object');
      continue;
    }
    const p = parseLegacyCredential({ ...value, type: 'oauth', provider }, provider);
    if (!p.ok || p.credential.type !== 'oauth') {
      skipProfile(run, src, provider, p.ok ? 'invalid_type' : p.reason);
      continue;
    }
    addProfile(run, `${provider}:default`, p.credential, src);
    any = true;
  }
  return any;
}

/** auth-profiles.json's `profiles` object: aws-sdk markers go to config, credentials are added; true when any was taken. */
function importProfiles(run: AgentRun, src: SourceFileInput, profiles: Obj): boolean {
  let any = false;
  for (const [id, value] of Object.entries(profiles)) {
    if (!safeKey(id)) {
      skipProfile(run, src, id, 'unsafe_key');
      continue;
    }
    if (isObj(value) && (nonBlank(value.type) ?? nonBlank(value.mode)) === 'aws-sdk') {
      if (moveAwsSdkToConfig(run, src, id, value)) any = true;
      continue;
    }
    const p = parseLegacyCredential(value);
    if (!p.ok) {
      skipProfile(run, src, id, p.reason, isObj(value) ? { type: String(value.type ?? value.mode ?? '') } : {});
      continue;
    }
    const c = p.credential;
    if (c.type === 'oauth' && isObj(c.oauthRef) && (!nonBlank(c.access) || !nonBlank(c.refresh))) {
      run.plan.warnings.push(
        `${id}: a legacy OAuth sidecar profile without tokens is imported as configured-unavailable; sign in again to use it.`,
      );
    }
    addProfile(run, id, c, src);
    any = true;
  }
  return any;
}

/** An aws-sdk marker becomes `auth.profiles.<id>` in the config; false (skipped) when it names no provider. */
function moveAwsSdkToConfig(run: AgentRun, src: SourceFileInput, id: string, value: Obj): boolean {
  const { ctx, plan } = run;
  const provider = nonBlank(value.provider) ?? (id.indexOf(':') > 0 ? id.slice(0, id.indexOf(':')).trim() : undefined);
  if (!provider || !safeKey(provider)) {
    skipProfile(run, src, id, 'missing_provider');
    return false;
  }
  const meta: Obj = {
    provider,
    mode: 'aws-sdk',
    ...(nonBlank(value.email) ? { email: nonBlank(value.email) } : {}),
    ...(nonBlank(value.displayName) ? { displayName: nonBlank(value.displayName) } : {}),
  };
  const cfgAuth = isObj(ctx.config.auth) ? ctx.config.auth : (ctx.config.auth = {});
  const cfgProfiles = isObj(cfgAuth.profiles) ? cfgAuth.profiles : (cfgAuth.profiles = {});
  const before = cfgProfiles[id];
  cfgProfiles[id] = meta;
  ctx.configChanged = true;
  plan.config.changes.push({
    path: `auth.profiles.${id}`,
    before,
    after: meta,
    reason: `aws-sdk marker moved out of ${src.path} (the credential store only holds api_key, token and oauth)`,
  });
  plan.profiles.push({
    agentId: run.a.agentId,
    source: src.path,
    sourceKind: src.kind,
    fromId: id,
    toId: id,
    provider,
    type: 'aws-sdk',
    action: 'move-to-config',
    destination: `${ctx.plan.config.path} auth.profiles`,
    reason: 'aws-sdk profiles are config metadata in openclaw 2026.9',
  });
  return true;
}

/** auth-profiles.json in the flat `{provider: credential}` shape, as `<provider>:default`; true when any was taken. */
function importFlatProfiles(run: AgentRun, src: SourceFileInput, raw: Obj): boolean {
  let any = false;
  for (const [key, value] of Object.entries(raw)) {
    const provider = key.trim();
    if (!safeKey(provider)) {
      skipProfile(run, src, key, 'unsafe_key');
      continue;
    }
    const p = flatCredential(provider, value);
    if (!p.ok) {
      skipProfile(run, src, key, p.reason);
      continue;
    }
    addProfile(run, `${provider}:default`, p.credential, src);
    any = true;
  }
  return any;
}

/** What becomes of a read source file: left in place when an entry was skipped, else imported (and archived). */
function reportSource(run: AgentRun, kind: SourceKind, src: SourceFileInput, any: boolean): void {
  const { a, plan } = run;
  const skipped = plan.profiles.filter(
    (p) => p.source === src.path && p.action === 'skip' && !p.reason?.startsWith('replaced by'),
  );
  if (skipped.length > 0) {
    // Nothing we could not read is moved: the good entries are imported, the file stays as it is.
    plan.sources.push({
      agentId: a.agentId,
      kind,
      path: src.path,
      sha256: src.sha256,
      size: src.size,
      status: 'left-in-place',
      reason: `${skipped.length} entr${skipped.length === 1 ? 'y' : 'ies'} could not be imported (see the skipped profiles); ${any ? 'the others are imported and ' : ''}the file is left untouched`,
    });
  } else if (any || kind !== 'auth-state') {
    plan.sources.push({
      agentId: a.agentId,
      kind,
      path: src.path,
      sha256: src.sha256,
      size: src.size,
      status: 'import',
    });
    run.importing.push(src);
  }
}

/** Renames openai-codex ids and providers in the target, and turns the plan's matching items into renames. */
function renameCodexIds(run: AgentRun): void {
  const { a, ctx, plan, profiles, state, importedIds } = run;
  // openai-codex -> openai over the whole resulting store (openclaw's second pass).
  const map = new Map<string, string>();
  const before = new Set(Object.keys(profiles));
  renameProfiles(profiles, map);
  if (state.order) renameOrder(state.order, map);
  if (state.usageStats) renameKeys(state.usageStats, map);
  if (state.lastGood) renameLastGood(state.lastGood, map);
  for (const [from, to] of map) {
    ctx.idMap.set(from, to);
    const item = [...run.imported.values()].find((x) => x.fromId === from && x.action === 'add');
    if (item) {
      item.toId = to;
      item.action = 'rename';
      item.provider = 'openai';
      item.reason = 'openai-codex is now openai';
    } else if (before.has(from))
      plan.profiles.push({
        agentId: a.agentId,
        source: a.targetDb,
        sourceKind: 'store',
        fromId: from,
        toId: to,
        provider: 'openai',
        action: 'rename',
        destination: run.dest,
        reason: 'openai-codex is now openai',
      });
    const idx = importedIds.indexOf(from);
    if (idx >= 0) importedIds[idx] = to;
  }
  for (const it of plan.state)
    if (it.agentId === a.agentId) {
      const m = map.get(it.key);
      if (m && it.field === 'usageStats') {
        it.toKey = m;
        it.action = it.action === 'add' ? 'rename' : it.action;
      }
      if (it.field !== 'usageStats' && canonicalProvider(it.key) !== it.key) {
        it.toKey = canonicalProvider(it.key);
        it.action = it.action === 'add' ? 'rename' : it.action;
      }
    }
}

/** The target plan: the store and state the agent ends with, and whether they differ from the cells as read. */
function pushTarget(run: AgentRun): void {
  const { a, plan, existing, existingState, existingProfiles, profiles, state, importing, importedIds } = run;
  // Providers of renamed profiles are fixed even without an id change.
  // Every other key of the stored documents is kept as it was.
  const storeAfter = { ...existing, version: Math.max(1, Number(existing.version) || 1), profiles };
  const stateAfter: Obj = { ...(existingState ?? {}), version: existingState?.version ?? 1 };
  for (const f of ['order', 'lastGood', 'usageStats'] as const)
    if (state[f] && Object.keys(state[f]).length) stateAfter[f] = state[f];
  const hasState = Object.keys(stateAfter).some((k) => k !== 'version');
  // Compared as values: the same entries in another key order (as openclaw or we wrote them) are no change.
  const storeChanged =
    !isDeepStrictEqual(storeAfter.profiles, existingProfiles) ||
    (a.storeText === undefined && Object.keys(profiles).length > 0);
  const stateChanged = hasState && !isDeepStrictEqual(stateAfter, existingState ?? null);
  const changed = storeChanged || stateChanged || importing.length > 0;
  plan.targets.push({
    agentId: a.agentId,
    dbPath: a.targetDb,
    kind: a.targetKind,
    changed,
    store: storeAfter,
    state: hasState ? stateAfter : existingState,
    storeTextBefore: a.storeText,
    stateTextBefore: a.stateText,
    sources: importing,
    importedIds,
  });
}

/** openclaw.json: openai-codex ids and providers in auth.profiles / auth.order. */
function planConfigRenames(ctx: Ctx): void {
  const auth = ctx.config.auth;
  if (!isObj(auth)) return;
  const map = new Map(ctx.idMap);
  if (isObj(auth.profiles)) {
    const before = JSON.stringify(auth.profiles);
    const snapshot = structuredClone(auth.profiles);
    renameProfiles(auth.profiles, map);
    if (JSON.stringify(auth.profiles) !== before) {
      ctx.configChanged = true;
      for (const [from, to] of map)
        if (Object.hasOwn(snapshot, from))
          ctx.plan.config.changes.push({
            path: `auth.profiles.${from}`,
            before: snapshot[from],
            after: undefined,
            reason: `renamed to auth.profiles.${to} (openai-codex is now openai)`,
          });
    }
  }
  if (isObj(auth.order)) {
    const before = structuredClone(auth.order);
    renameOrder(auth.order, map);
    if (JSON.stringify(auth.order) !== JSON.stringify(before)) {
      ctx.configChanged = true;
      for (const k of new Set([...Object.keys(before), ...Object.keys(auth.order)])) {
        if (JSON.stringify(before[k]) !== JSON.stringify(auth.order[k]))
          ctx.plan.config.changes.push({
            path: `auth.order.${k}`,
            before: before[k],
            after: auth.order[k],
            reason: 'openai-codex is now openai',
          });
      }
    }
  }
}

export function planMigration(input: PlanInput, display: (p: string) => string = (p) => p): MigrationPlan {
  const plan: MigrationPlan = {
    needed: false,
    refusals: [],
    sources: [],
    profiles: [],
    state: [],
    config: { path: input.configPath, changes: [] },
    targets: [],
    archivesFound: [],
    warnings: [],
  };
  const ctx: Ctx = { plan, config: structuredClone(input.config), configChanged: false, idMap: new Map() };
  for (const a of input.agents) {
    const r = refusalFor(a, display(a.ownerDb ?? a.targetDb));
    if (r) plan.refusals.push(r);
    plan.archivesFound.push(...a.archives);
    planAgent(a, ctx);
  }
  planConfigRenames(ctx);
  if (ctx.configChanged) {
    plan.config.after = ctx.config;
    if (!input.configWritable)
      plan.config.blocked =
        input.configError ??
        `${input.configPath} has comments or is not plain JSON, so it cannot be rewritten without losing them; edit it by hand or let openclaw doctor do it.`;
  }
  plan.targets = plan.targets.filter((t) => t.changed);
  plan.needed = plan.targets.length > 0 || ctx.configChanged;
  return plan;
}

/** The plan without credential material: safe to print, log or show. */
export function publicPlan(plan: MigrationPlan): Omit<MigrationPlan, 'targets' | 'config'> & {
  config: { path: string; changes: ConfigChange[]; blocked?: string };
  targets: { agentId: string; dbPath: string; kind: string; profiles: number; importedIds: string[] }[];
} {
  return {
    ...plan,
    config: {
      path: plan.config.path,
      changes: plan.config.changes,
      ...(plan.config.blocked ? { blocked: plan.config.blocked } : {}),
    },
    targets: plan.targets.map((t) => ({
      agentId: t.agentId,
      dbPath: t.dbPath,
      kind: t.kind,
      profiles: Object.keys(t.store.profiles).length,
      importedIds: t.importedIds,
    })),
  };
}
