/**
 * Derives the view model of one agent from a snapshot's data: per provider the resolved order,
 * each profile's status and reason code, expiry and cooldown, and the env key chain. Pure: no I/O,
 * no clock (the caller passes `now`), no vscode.
 */
import type { AuthState, AuthStore, Credential } from './schemas';
import { credentialHealth, formatRemainingShort, type HealthStatus, type ReasonCode } from './eligibility';
import { clearExpiredWindows, describeUnusable, isInCooldown, recoveryHint, type UnusableInfo } from './cooldown';
import { indexStoreByProvider, resolveOrder, type AuthConfigMeta, type ResolvedOrder } from './order';
import { normalizeProviderId } from './providerId';
import { maskSecret, shortMask } from './mask';
import { envKeyList, providerEnvCredential, type EnvKeyEntry } from './envKeys';
import { formatRef, formatRefLabel, type SecretRef } from './secretRef';

export type ProfileSource = 'local' | 'inherited' | 'config' | 'env';

/** What the tree and the CLI show for a profile, most important first. */
export type DisplayStatus =
  | 'ok'
  | 'static'
  | 'expiring'
  | 'expired'
  | 'expired-refreshable'
  | 'missing'
  | 'unresolved-ref'
  | 'excluded'
  | 'cooldown'
  | 'disabled';

export interface RefCheck {
  ok: boolean;
  code?: string;
  message?: string;
}

export interface ProfileView {
  id: string;
  provider: string;
  type: Credential['type'] | 'aws-sdk';
  source: ProfileSource;
  label: string;
  /** openclaw's models-status status. */
  health: HealthStatus;
  reasonCode?: ReasonCode | 'excluded_by_auth_order';
  display: DisplayStatus;
  /** One line for a tree description, never containing a secret. */
  summary: string;
  expiresAt?: number;
  remainingMs?: number;
  refreshable?: boolean;
  unusable?: UnusableInfo;
  /** Masked value (openclaw's 8+8 form, as `models status` labels it), or the ref label for SecretRef-backed profiles. */
  credentialHint: string;
  /** What the editor shows: the key's known prefix and last 4 ("sk-or-v1-…c0de"), or the ref label. */
  displayHint?: string;
  ref?: string;
  lastUsed?: number;
  lastGood: boolean;
  /** Position in the resolved order (0-based), undefined when not in it. */
  rank?: number;
}

export interface ProviderView {
  provider: string;
  order: ResolvedOrder;
  /** openclaw's provider rollup: ok / static / expiring / expired / missing. */
  status: HealthStatus;
  profiles: ProfileView[];
  /** openclaw's `effectiveProfiles` ids (models status). */
  effective: string[];
  envCredential?: { source: string; masked: string };
  keyChain: Array<Omit<EnvKeyEntry, 'value'>>;
  inUse: boolean;
}

export interface AgentViewInput {
  agentId: string;
  store: AuthStore;
  location: Record<string, 'local' | 'inherited'>;
  state: AuthState;
  meta: AuthConfigMeta;
  env: Readonly<Record<string, string | undefined>>;
  /** Models the agent uses (`provider/model`): default first, then fallbacks. */
  modelsInUse: string[];
  now: number;
  /** Results of SecretRef checks by profile id (env refs are checked here when absent). */
  refChecks?: Readonly<Record<string, RefCheck>>;
  /** Resolves `store` refs (secret_store_entries) for the local check. */
  hasStoreSecret?: (name: string) => boolean;
}

export interface AgentView {
  agentId: string;
  now: number;
  providers: ProviderView[];
  /** `openclaw models status --check`: 0 ok, 1 expired or missing, 2 expiring. */
  checkCode: 0 | 1 | 2;
  missingProvidersInUse: string[];
  /**
   * A raw tally by display status. What a user is told (badge, agent and provider rows, status
   * bar, probe report: usable / needs attention / failing) comes from src/auth/health.ts instead.
   */
  counts: Record<DisplayStatus, number>;
}

function refOf(c: Credential): SecretRef | undefined {
  if (c.type === 'api_key') return c.keyRef;
  if (c.type === 'token') return c.tokenRef;
  return undefined;
}

function localRefCheck(ref: SecretRef, input: AgentViewInput): RefCheck | undefined {
  if (ref.source === 'env') {
    const v = input.env[ref.id];
    return v && v.trim()
      ? { ok: true }
      : { ok: false, code: 'not_found', message: `could not resolve SecretRef "${formatRef(ref)}".` };
  }
  if (ref.source === 'store' && input.hasStoreSecret) {
    return input.hasStoreSecret(ref.id)
      ? { ok: true }
      : { ok: false, code: 'not_found', message: `could not resolve SecretRef "${formatRef(ref)}".` };
  }
  return undefined;
}

function summaryOf(p: Omit<ProfileView, 'summary'>): string {
  const parts: string[] = [p.type === 'api_key' ? 'api key' : p.type];
  switch (p.display) {
    case 'expiring':
      parts.push(`expires in ${formatRemainingShort(p.remainingMs)}`);
      break;
    case 'expired':
      parts.push('expired');
      break;
    case 'expired-refreshable':
      parts.push('expired (refreshable)');
      break;
    case 'missing':
      parts.push(p.reasonCode === 'invalid_expires' ? 'invalid expiry' : 'missing credential');
      break;
    case 'unresolved-ref':
      parts.push('unresolved ref');
      break;
    case 'excluded':
      parts.push('excluded by order');
      break;
    case 'cooldown':
    case 'disabled': {
      const u = p.unusable;
      if (u)
        parts.push(
          `${u.kind === 'disabled' ? 'disabled' : 'cooling down'}${u.reason ? ` (${u.reason}${u.model ? `, ${u.model}` : ''})` : ''} ${formatRemainingShort(u.remainingMs)}`,
        );
      break;
    }
    case 'ok':
      if (p.remainingMs !== undefined) parts.push(`ok, ${formatRemainingShort(p.remainingMs)} left`);
      else parts.push('ok');
      break;
    case 'static':
      parts.push('ok');
      break;
  }
  parts.push(p.source);
  return parts.join(' · ');
}

export function modelProvider(model: string): string | undefined {
  const i = model.indexOf('/');
  return i > 0 ? normalizeProviderId(model.slice(0, i)) : undefined;
}

export function buildAgentView(input: AgentViewInput): AgentView {
  const { store, state, meta, now } = input;
  const { providers, used } = agentProviders(input);
  const storeIndex = indexStoreByProvider(store);
  const cleared = clearExpiredWindows(state, now);
  const lastGoodIds = lastGoodByProvider(state);
  const counts = Object.fromEntries(
    [
      'ok',
      'static',
      'expiring',
      'expired',
      'expired-refreshable',
      'missing',
      'unresolved-ref',
      'excluded',
      'cooldown',
      'disabled',
    ].map((k) => [k, 0]),
  ) as Record<DisplayStatus, number>;
  const out: ProviderView[] = [];
  let check: 0 | 1 | 2 = 0;
  const missingInUse: string[] = [];

  for (const provider of [...providers].sort()) {
    const order = resolveOrder({ store, state: cleared, cfg: meta, provider, now, storeIndex, stateCleared: true });
    const profiles = providerProfiles(input, provider, order, storeIndex, lastGoodIds);
    for (const p of profiles) counts[p.display]++;

    const envCred = providerEnvCredential(provider, input.env);
    const { effective, status } = effectiveProfiles(order, profiles);
    const inUse = used.has(provider);
    if (inUse) {
      const code = inUseCheckCode(input, provider, used.get(provider), order, profiles, envCred, missingInUse);
      if (code === 1) check = 1;
      else if (code === 2 && check === 0) check = 2;
    }
    out.push({
      provider,
      order,
      status,
      profiles,
      effective,
      envCredential: envCred ? { source: envCred.source, masked: maskSecret(envCred.value) } : undefined,
      keyChain: envKeyList(provider, input.env).map(({ source, masked }) => ({ source, masked })),
      inUse,
    });
  }
  return {
    agentId: input.agentId,
    now,
    providers: out,
    checkCode: check,
    missingProvidersInUse: missingInUse.sort(),
    counts,
  };
}

/** Every provider the agent mentions (profiles, config, orders, models in use) and the model of each in use. */
function agentProviders(input: AgentViewInput): { providers: Set<string>; used: Map<string, string> } {
  const { store, state, meta } = input;
  const providers = new Set<string>();
  for (const c of Object.values(store.profiles)) providers.add(normalizeProviderId(c.provider));
  for (const m of Object.values(meta.profiles ?? {})) if (m.provider) providers.add(normalizeProviderId(m.provider));
  for (const p of Object.keys(state.order ?? {})) providers.add(normalizeProviderId(p));
  for (const p of Object.keys(meta.order ?? {})) providers.add(normalizeProviderId(p));
  const used = new Map<string, string>();
  for (const m of input.modelsInUse) {
    const p = modelProvider(m);
    if (p && !used.has(p)) used.set(p, m.slice(m.indexOf('/') + 1));
  }
  for (const p of used.keys()) providers.add(p);
  return { providers, used };
}

/** The lastGood profile ids by normalised provider. */
function lastGoodByProvider(state: AuthState): Map<string, Set<string>> {
  const lastGoodIds = new Map<string, Set<string>>();
  for (const [p, id] of Object.entries(state.lastGood ?? {})) {
    const k = normalizeProviderId(p);
    (lastGoodIds.get(k) ?? lastGoodIds.set(k, new Set()).get(k))?.add(id);
  }
  return lastGoodIds;
}

/** Which profiles a provider shows (ordered, stored, aws-sdk in config) and in what order. */
function providerProfiles(
  input: AgentViewInput,
  provider: string,
  order: ResolvedOrder,
  storeIndex: ReturnType<typeof indexStoreByProvider>,
  lastGoodIds: Map<string, Set<string>>,
): ProfileView[] {
  const { store, state, meta } = input;
  const ids = new Set<string>(order.explicit ?? []);
  for (const id of storeIndex.get(provider) ?? []) ids.add(id);
  for (const [id, m] of Object.entries(meta.profiles ?? {}))
    if (normalizeProviderId(m.provider) === provider && m.mode === 'aws-sdk') ids.add(id);
  const excluded = new Map(order.excluded.map((e) => [e.profileId, e.reasonCode]));
  const profiles: ProfileView[] = [];
  for (const id of ids) {
    const c = store.profiles[id];
    const lastUsed = state.usageStats?.[id]?.lastUsed;
    const lastGood = lastGoodIds.get(provider)?.has(id) ?? false;
    if (!c) {
      const m = meta.profiles?.[id];
      if (m?.mode !== 'aws-sdk') continue; // an order entry naming a profile that no longer exists
      const rank = order.profileIds.indexOf(id);
      const v: Omit<ProfileView, 'summary'> = {
        id,
        provider,
        type: 'aws-sdk',
        source: 'config',
        label: id,
        health: 'static',
        display: 'static',
        credentialHint: 'AWS SDK credential chain',
        lastUsed,
        lastGood,
        rank: rank >= 0 ? rank : undefined,
      };
      profiles.push({ ...v, summary: summaryOf(v) });
      continue;
    }
    const v = storedProfileView(input, id, c, provider, order, excluded.get(id), lastUsed, lastGood);
    profiles.push({ ...v, summary: summaryOf(v) });
  }
  // Resolved order first, then everything else by id.
  profiles.sort((a, b) => (a.rank ?? 1e9) - (b.rank ?? 1e9) || a.id.localeCompare(b.id));
  return profiles;
}

/** The row of a stored credential: its status over health, ref check, order exclusion and cooldown; its hints. */
function storedProfileView(
  input: AgentViewInput,
  id: string,
  c: Credential,
  provider: string,
  order: ResolvedOrder,
  ex: ResolvedOrder['excluded'][number]['reasonCode'] | undefined,
  lastUsed: number | undefined,
  lastGood: boolean,
): Omit<ProfileView, 'summary'> {
  const { state, now } = input;
  const h = credentialHealth(c, now);
  const ref = refOf(c);
  let reasonCode: ProfileView['reasonCode'] = h.reasonCode;
  let display: DisplayStatus = h.status === 'expired' && h.refreshable ? 'expired-refreshable' : h.status;
  if ((ref && h.status === 'static') || (ref && h.status === 'ok') || (ref && h.status === 'expiring')) {
    const rc = input.refChecks?.[id] ?? localRefCheck(ref, input);
    if (rc && !rc.ok) {
      reasonCode = 'unresolved_ref';
      display = 'unresolved-ref';
    }
  }
  const unusable = describeUnusable(state, c.provider, id, now);
  const credentialOk = display === 'ok' || display === 'static' || display === 'expiring';
  if (credentialOk && ex === 'excluded_by_auth_order') {
    display = 'excluded';
    reasonCode = 'excluded_by_auth_order';
  } else if (credentialOk && unusable) display = unusable.kind === 'disabled' ? 'disabled' : 'cooldown';
  const rank = order.profileIds.indexOf(id);
  const label = c.displayName ? `${id} (${c.displayName})` : c.email ? `${id} (${c.email})` : id;
  const { credentialHint, displayHint } = credentialHints(c, ref);
  return {
    id,
    provider,
    type: c.type,
    source: input.location[id] ?? 'local',
    label,
    health: h.status,
    reasonCode,
    display,
    expiresAt:
      h.expiresAt ?? (c.type !== 'api_key' && typeof c.expires === 'number' && c.expires > 0 ? c.expires : undefined),
    remainingMs: h.remainingMs,
    refreshable: h.refreshable,
    unusable,
    credentialHint,
    displayHint,
    ref: ref ? formatRef(ref) : undefined,
    lastUsed,
    lastGood,
    rank: rank >= 0 ? rank : undefined,
  };
}

/** What a stored credential shows instead of its secret: the masked value (or ref label), long and short. */
function credentialHints(c: Credential, ref: SecretRef | undefined): { credentialHint: string; displayHint: string } {
  const credentialHint = ref
    ? formatRefLabel(ref)
    : c.type === 'api_key'
      ? maskSecret(c.key)
      : c.type === 'token'
        ? `token:${maskSecret(c.token)}`
        : `oauth${c.email ? ` ${c.email}` : ''}`;
  const displayHint = ref
    ? credentialHint
    : c.type === 'api_key'
      ? shortMask(c.key)
      : c.type === 'token'
        ? shortMask(c.token)
        : credentialHint;
  return { credentialHint, displayHint };
}

/** openclaw's effectiveProfiles of a provider, and the provider status rolled up over them. */
function effectiveProfiles(
  order: ResolvedOrder,
  profiles: ProfileView[],
): { effective: string[]; status: HealthStatus } {
  // openclaw's effectiveProfiles: the resolved order; when it is empty, the explicit list's
  // profiles; with no explicit list, every profile of the provider. An explicit [] disables it.
  const byId = new Map(profiles.map((x) => [x.id, x]));
  const storeIds = [...profiles]
    .filter((x) => x.type !== 'aws-sdk')
    .map((x) => x.id)
    .sort();
  const effective = order.disabled
    ? []
    : order.profileIds.length
      ? order.profileIds
      : order.explicit
        ? order.explicit.filter((id) => byId.has(id))
        : storeIds;
  const status = providerRollup(
    effective.map((id) => byId.get(id)).filter((x): x is ProfileView => Boolean(x)),
    order.disabled,
  );
  return { effective, status };
}

/**
 * `models status --check` for a provider a model uses: 1 when its first usable profile is expired,
 * missing or an unresolved ref, or when nothing (not even env) can serve it (then it is listed in
 * `missingInUse`); 2 when that profile is expiring; else 0.
 */
function inUseCheckCode(
  input: AgentViewInput,
  provider: string,
  model: string | undefined,
  order: ResolvedOrder,
  profiles: ProfileView[],
  envCred: ReturnType<typeof providerEnvCredential>,
  missingInUse: string[],
): 0 | 1 | 2 {
  const { state, now } = input;
  const usable = order.profileIds.filter((id) => !isInCooldown(state, provider, id, now, model ?? null));
  let code: 0 | 1 | 2 = 0;
  if (usable.length > 0) {
    const first = profiles.find((p) => p.id === usable[0]);
    if (first?.display === 'unresolved-ref') code = 1;
    else if (first?.health === 'expiring') code = 2;
    else if (first && (first.health === 'expired' || first.health === 'missing')) code = 1;
  } else if (!envCred || order.disabled) {
    code = 1;
    missingInUse.push(provider);
  }
  return code;
}

function providerRollup(effective: ProfileView[], disabled: boolean): HealthStatus {
  if (disabled || effective.length === 0) return 'missing';
  let apiKey = false,
    expirable = false,
    expired = false,
    missing = false,
    expiring = false;
  for (const p of effective) {
    if (p.type === 'api_key' || p.type === 'aws-sdk') {
      if (p.health === 'static') apiKey = true;
      else if (p.health === 'missing') missing = true;
      continue;
    }
    expirable = true;
    if (p.health === 'expired') expired = true;
    else if (p.health === 'missing') missing = true;
    else if (p.health === 'expiring') expiring = true;
  }
  if (!expirable) return missing ? 'missing' : apiKey ? 'static' : 'missing';
  return expired ? 'expired' : missing ? 'missing' : expiring ? 'expiring' : 'ok';
}

/** `openclaw models auth list --json` rows. */
export function listRows(store: AuthStore, state: AuthState, provider?: string): Array<Record<string, string>> {
  // Any Date-valid timestamp is printed, 0 included (openclaw keeps a bad expiry as 0).
  const iso = (v: unknown) =>
    typeof v === 'number' && Number.isFinite(v) && Math.abs(v) <= 8.64e15 ? new Date(v).toISOString() : undefined;
  return (
    Object.entries(store.profiles)
      .filter(([, c]) => !provider || normalizeProviderId(c.provider) === normalizeProviderId(provider))
      // openclaw sorts by provider, then id.
      .sort(
        ([a, ca], [b, cb]) =>
          normalizeProviderId(ca.provider).localeCompare(normalizeProviderId(cb.provider)) || a.localeCompare(b),
      )
      .map(([id, c]) => {
        const row: Record<string, string> = {
          id,
          provider: c.provider,
          type: c.type,
          label: c.displayName ? `${id} (${c.displayName})` : c.email ? `${id} (${c.email})` : id,
        };
        if (c.email) row.email = c.email;
        if (c.displayName) row.displayName = c.displayName;
        const expiresAt = c.type !== 'api_key' ? iso(c.expires) : undefined;
        if (expiresAt) row.expiresAt = expiresAt;
        // Both windows and both reasons are shown as stored (active or not), as openclaw prints them.
        const s = state.usageStats?.[id];
        const cooldownUntil = iso(s?.cooldownUntil);
        const disabledUntil = iso(s?.disabledUntil);
        if (cooldownUntil) row.cooldownUntil = cooldownUntil;
        if (disabledUntil) row.disabledUntil = disabledUntil;
        if (s?.cooldownReason) row.cooldownReason = s.cooldownReason;
        if (s?.cooldownClassification) row.cooldownClassification = s.cooldownClassification;
        if (s?.disabledReason) row.disabledReason = s.disabledReason;
        if (disabledUntil || cooldownUntil) {
          row.recoveryHint = disabledUntil
            ? recoveryHint('disabled', s?.disabledReason, c.provider, id)
            : recoveryHint('cooldown', s?.cooldownReason, c.provider, id);
        }
        return row;
      })
  );
}
