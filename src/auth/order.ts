/**
 * Order resolution as openclaw resolves it (src/agents/auth-profiles/order.ts, 2026.9.6):
 * stored per-agent override, then config `auth.order`, then config `auth.profiles` of the
 * provider, then the stored profiles. Ineligible profiles are dropped; an explicit order keeps
 * its sequence, otherwise oauth < token < api_key, unexpired OAuth first, oldest lastUsed first;
 * profiles in cooldown or disabled go last, soonest end first. An explicit empty list disables
 * the provider.
 */
import type { AuthState, AuthStore } from './schemas';
import { credentialEligibility, expiryState, type ReasonCode } from './eligibility';
import { clearExpiredWindows, isInCooldown, unusableUntil } from './cooldown';
import { normalizeProviderId } from './providerId';

export interface AuthConfigMeta {
  /** config `auth.profiles`: id -> { provider, mode } */
  profiles?: Record<string, { provider?: string; mode?: string }>;
  /** config `auth.order`: provider -> ids */
  order?: Record<string, string[]>;
  /** config `models.providers.<id>.auth` (e.g. "aws-sdk") */
  providerAuthMode?: Record<string, string | undefined>;
}

export type OrderSource = 'stored' | 'config' | 'config-profiles' | 'default';

export interface ResolvedOrder {
  provider: string;
  /** Where the base list came from. */
  source: OrderSource;
  /** The explicit list (stored or config) when there is one, as written. */
  explicit?: string[];
  /** Usable profile ids in the order openclaw would try them. */
  profileIds: string[];
  /** Ids in the base list that were left out, with why. */
  excluded: Array<{ profileId: string; reasonCode: ReasonCode | 'excluded_by_auth_order' }>;
  /** True when an explicit empty list disables the provider. */
  disabled: boolean;
}

function findNormalized<T>(entries: Record<string, T> | undefined, provider: string): T | undefined {
  if (!entries) return undefined;
  const key = normalizeProviderId(provider);
  for (const [k, v] of Object.entries(entries)) if (normalizeProviderId(k) === key) return v;
  return undefined;
}

/** Eligibility of one id for a provider, including config-only aws-sdk profiles. */
export function profileEligibility(
  store: AuthStore,
  cfg: AuthConfigMeta,
  provider: string,
  profileId: string,
  now: number,
): { eligible: boolean; reasonCode: ReasonCode } {
  const p = normalizeProviderId(provider);
  const cred = store.profiles[profileId];
  const meta = cfg.profiles?.[profileId];
  if (!cred) {
    if (
      meta?.mode === 'aws-sdk' &&
      normalizeProviderId(meta.provider) === p &&
      findNormalized(cfg.providerAuthMode, p) === 'aws-sdk'
    ) {
      return { eligible: true, reasonCode: 'ok' };
    }
    return { eligible: false, reasonCode: 'profile_missing' };
  }
  if (cred.setup && typeof cred.setup === 'object' && (cred.setup as { replacement?: unknown }).replacement)
    return { eligible: false, reasonCode: 'setup_inactive' };
  if (normalizeProviderId(cred.provider) !== p) return { eligible: false, reasonCode: 'provider_mismatch' };
  if (meta) {
    if (normalizeProviderId(meta.provider) !== p) return { eligible: false, reasonCode: 'provider_mismatch' };
    if (meta.mode !== cred.type && !(meta.mode === 'oauth' && cred.type === 'token'))
      return { eligible: false, reasonCode: 'mode_mismatch' };
  }
  return credentialEligibility(cred, now);
}

export function storedProfilesFor(store: AuthStore, provider: string): string[] {
  const p = normalizeProviderId(provider);
  return Object.entries(store.profiles)
    .filter(([, c]) => normalizeProviderId(c.provider) === p)
    .map(([id]) => id);
}

export interface ResolveOrderInput {
  store: AuthStore;
  state: AuthState;
  cfg: AuthConfigMeta;
  provider: string;
  now: number;
  /** Model the order is for (model-scoped cooldowns); undefined ignores scoping. */
  forModel?: string | null;
  /** Precomputed provider -> stored profile ids, when resolving many providers at once. */
  storeIndex?: ReadonlyMap<string, string[]>;
  /** The state already went through clearExpiredWindows(now). */
  stateCleared?: boolean;
}

/** provider -> ids of stored profiles, in store order. */
export function indexStoreByProvider(store: AuthStore): Map<string, string[]> {
  const m = new Map<string, string[]>();
  for (const [id, c] of Object.entries(store.profiles)) {
    const p = normalizeProviderId(c.provider);
    const list = m.get(p);
    if (list) list.push(id);
    else m.set(p, [id]);
  }
  return m;
}

export function resolveOrder(input: ResolveOrderInput): ResolvedOrder {
  const { store, cfg, provider, now } = input;
  const state = input.stateCleared ? input.state : clearExpiredWindows(input.state, now);
  const p = normalizeProviderId(provider);
  const stored = findNormalized(state.order, p);
  const configured = findNormalized(cfg.order, p);
  const explicit = stored ?? configured;
  const explicitProfiles = Object.entries(cfg.profiles ?? {})
    .filter(([, m]) => normalizeProviderId(m.provider) === p)
    .map(([id]) => id);
  const storeProfiles = input.storeIndex ? (input.storeIndex.get(p) ?? []) : storedProfilesFor(store, p);
  const source: OrderSource = stored
    ? 'stored'
    : configured
      ? 'config'
      : explicitProfiles.length
        ? 'config-profiles'
        : 'default';
  const base = explicit ?? (explicitProfiles.length > 0 ? explicitProfiles : storeProfiles);
  const result: ResolvedOrder = {
    provider: p,
    source,
    explicit: explicit ? [...explicit] : undefined,
    profileIds: [],
    excluded: [],
    disabled: explicit !== undefined && explicit.length === 0,
  };
  if (base.length === 0) return result;

  const excluded = new Map<string, ReasonCode>();
  const isValid = (id: string) => {
    const e = profileEligibility(store, cfg, p, id, now);
    if (!e.eligible) excluded.set(id, e.reasonCode);
    return e.eligible;
  };
  let filtered = base.filter(isValid);
  let repaired = false;
  // An explicit list naming only profiles that no longer exist falls back to the stored ones.
  if (
    filtered.length === 0 &&
    base.every((id) => !store.profiles[id]) &&
    (stored !== undefined || explicitProfiles.length > 0)
  ) {
    excluded.clear();
    filtered = storeProfiles.filter(isValid);
    repaired = true;
  }
  const deduped = [...new Set(filtered)];
  const cooling = (id: string) => isInCooldown(state, store.profiles[id]?.provider ?? p, id, now, input.forModel);
  const until = (id: string) => unusableUntil(state.usageStats?.[id] ?? {}, input.forModel) ?? now;

  let ordered: string[];
  if (explicit && explicit.length > 0 && !repaired) {
    const available = deduped.filter((id) => !cooling(id));
    const inCooldown = deduped.filter(cooling).sort((a, b) => until(a) - until(b));
    ordered = [...available, ...inCooldown];
  } else {
    const available = deduped.filter((id) => !cooling(id));
    const inCooldown = deduped.filter(cooling).sort((a, b) => until(a) - until(b));
    const score = (id: string) => {
      const c = store.profiles[id];
      return {
        type: c?.type === 'oauth' ? 0 : c?.type === 'token' ? 1 : c?.type === 'api_key' ? 2 : 3,
        expired: c?.type === 'oauth' && expiryState(c.expires, now) === 'expired' ? 1 : 0,
        lastUsed: state.usageStats?.[id]?.lastUsed ?? 0,
      };
    };
    // Array.prototype.sort is stable, which keeps store order for ties as openclaw's toSorted does.
    available.sort((a, b) => {
      const x = score(a),
        y = score(b);
      return x.type - y.type || x.expired - y.expired || x.lastUsed - y.lastUsed;
    });
    ordered = [...available, ...inCooldown];
  }
  result.profileIds = ordered;
  // Profiles of this provider that the explicit order leaves out are "excluded by auth order".
  if (explicit) {
    for (const id of storeProfiles)
      if (!explicit.includes(id) && !excluded.has(id)) excluded.set(id, 'excluded_by_auth_order');
  }
  result.excluded = [...excluded].map(([profileId, reasonCode]) => ({ profileId, reasonCode }));
  return result;
}

/** Moves the item at `from` to index `to` (clamped), returning a new list. Used by drag and drop and Move Up/Down. */
export function move<T>(items: readonly T[], from: number, to: number): T[] {
  const out = [...items];
  if (from < 0 || from >= out.length) return out;
  const [item] = out.splice(from, 1);
  const target = Math.max(0, Math.min(to, out.length));
  out.splice(target, 0, item as T);
  return out;
}
