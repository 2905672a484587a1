/**
 * Probe planning: which targets a probe would call, and the local verdicts that need no network
 * call (excluded_by_auth_order, missing_credential, expired, invalid_expires, unresolved_ref,
 * ineligible_profile, no_model), following openclaw's buildProbeTargets (src/commands/models/
 * list.probe.ts, 2026.9.6) as `openclaw models status --probe` runs it: auth profiles, and for a
 * provider without profiles the env credential or the `models.providers.<id>.apiKey`
 * ("models.json"). Pure apart from the injected SecretRef resolver; no vscode.
 */
import type { AuthState, AuthStore, Credential } from './schemas';
import { profileEligibility, resolveOrder, type AuthConfigMeta } from './order';
import { normalizeProviderId } from './providerId';
import { formatRef, parseSecretShorthand, type SecretRef } from './secretRef';
import { PROVIDER_ENV_VARS } from './providerEnv';
import { envBaseName } from './envKeys';
import type { ProbeStatus } from './probeClassify';
import { isObj } from './obj';

export type ProbeSource = 'profile' | 'env' | 'models.json';
export type ProbeReasonCode =
  | 'excluded_by_auth_order'
  | 'missing_credential'
  | 'expired'
  | 'invalid_expires'
  | 'unresolved_ref'
  | 'ineligible_profile'
  | 'no_model';

/** One row of openclaw's `auth.probes.results`. */
export interface ProbeResult {
  provider: string;
  model?: string;
  profileId?: string;
  label: string;
  source: ProbeSource;
  mode?: string;
  status: ProbeStatus;
  reasonCode?: ProbeReasonCode;
  error?: string;
  latencyMs?: number;
  /** Ours: the keys a rate-limit rotation tried, masked, in order (only when more than one request was sent). */
  attempts?: Array<{ key: string; source: string; status: ProbeStatus; httpStatus?: number }>;
  /** Ours: openclaw's failover reason behind a failed live probe (what a cooldown records). */
  failureReason?: string;
}

export interface ProbeOptions {
  provider?: string;
  profileIds?: string[];
  timeoutMs?: number;
  concurrency?: number;
  maxTokens?: number;
}

/** A target that needs a live request. The credential is resolved later, at run time. */
export interface ProbeTarget {
  provider: string;
  /** `provider/model` as openclaw prints it, and the bare model id sent to the API. */
  model: { provider: string; id: string };
  profileId?: string;
  label: string;
  source: ProbeSource;
  mode: string;
  /** Where the credential comes from. */
  credential:
    | { kind: 'profile'; credential: Credential }
    | { kind: 'env'; variable: string }
    | { kind: 'config'; value?: string; ref?: SecretRef }
    /** A custom provider on a local address with no key (ollama, LM Studio, vLLM…): no credential is sent. */
    | { kind: 'none' };
}

export interface ProbePlanInput {
  store: AuthStore;
  state: AuthState;
  meta: AuthConfigMeta;
  /** openclaw.json as parsed. */
  config: Record<string, unknown>;
  env: Readonly<Record<string, string | undefined>>;
  /** The agent's own model ref, when it has one (beats agents.defaults.model). */
  agentModel?: string;
  now: number;
  /** Resolves a SecretRef; rejects when it cannot. Never logs the value. */
  resolveRef: (ref: SecretRef) => Promise<string>;
}

export interface ProbePlan {
  targets: ProbeTarget[];
  /** Rows decided locally (no request will be made). */
  results: ProbeResult[];
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() ? v.trim() : undefined);

const DEFAULT_PROVIDER = 'anthropic';

function modelRefs(v: unknown): { primary?: string; fallbacks: string[] } {
  if (typeof v === 'string') return { primary: v, fallbacks: [] };
  if (isObj(v))
    return {
      primary: str(v.primary),
      fallbacks: Array.isArray(v.fallbacks) ? v.fallbacks.filter((x): x is string => typeof x === 'string') : [],
    };
  return { fallbacks: [] };
}

/** openclaw's model-id normalisation for the few providers whose ids carry a prefix. */
function normalizeModelId(provider: string, model: string): string {
  if (provider === 'openrouter' && !model.includes('/')) return `openrouter/${model}`;
  return model;
}

/** `provider/model` (or an alias) → provider + model id; a bare id uses the default provider. */
export function parseModelRef(
  raw: string,
  aliases: Readonly<Record<string, string>>,
): { provider: string; id: string } | undefined {
  const t = raw.trim();
  if (!t) return undefined;
  const resolved = aliases[t] ?? aliases[t.toLowerCase()] ?? t;
  const slash = resolved.indexOf('/');
  if (slash === 0) return undefined;
  const provider = normalizeProviderId(slash > 0 ? resolved.slice(0, slash) : DEFAULT_PROVIDER);
  const id = (slash > 0 ? resolved.slice(slash + 1) : resolved).trim();
  if (!provider || !id) return undefined;
  return { provider, id: normalizeModelId(provider, id) };
}

/** The models `models status` considers: default, fallbacks, image model(s), utility model, allowlist. */
export function modelCandidates(
  config: Record<string, unknown>,
  agentModel?: string,
): { refs: string[]; aliases: Record<string, string> } {
  const agents = isObj(config.agents) ? config.agents : {};
  const d = isObj(agents.defaults) ? agents.defaults : {};
  const aliases: Record<string, string> = {};
  const allow: string[] = [];
  if (isObj(d.models))
    for (const [ref, m] of Object.entries(d.models)) {
      allow.push(ref);
      if (isObj(m) && typeof m.alias === 'string') aliases[m.alias] = ref;
    }
  const model = modelRefs(d.model);
  const image = modelRefs(d.imageModel);
  const utility = modelRefs(d.utilityModel);
  const refs = [
    agentModel ?? model.primary,
    ...model.fallbacks,
    image.primary,
    ...image.fallbacks,
    utility.primary,
    ...allow,
  ].filter((x): x is string => Boolean(x));
  return { refs, aliases };
}

/** openclaw's probePriority: cheap current Anthropic models first. */
function probePriority(provider: string, modelId: string): number {
  const id = modelId.trim().toLowerCase();
  if (provider !== 'anthropic') return 50;
  if (/^claude-haiku-4-5-\d{8}$/.test(id)) return 0;
  if (id === 'claude-haiku-4-5') return 1;
  if (id === 'claude-sonnet-5' || id.startsWith('claude-sonnet-5-')) return 2;
  if (id === 'claude-sonnet-4-6' || id.startsWith('claude-sonnet-4-6-')) return 3;
  if (id.startsWith('claude-sonnet-4-')) return 4;
  if (id.startsWith('claude-3-')) return 100;
  return 50;
}

function providerEntry(config: Record<string, unknown>, provider: string): Record<string, unknown> | undefined {
  const models = isObj(config.models) ? config.models : {};
  if (!isObj(models.providers)) return undefined;
  for (const [k, v] of Object.entries(models.providers)) if (normalizeProviderId(k) === provider && isObj(v)) return v;
  return undefined;
}

/** The probe model for a provider: the first configured candidate, else the configured catalog. */
export function selectProbeModel(
  provider: string,
  candidates: Map<string, string[]>,
  config: Record<string, unknown>,
): { provider: string; id: string } | undefined {
  const direct = candidates.get(provider)?.[0];
  if (direct) return { provider, id: direct };
  const entry = providerEntry(config, provider);
  const catalog =
    entry && Array.isArray(entry.models)
      ? entry.models
          .filter(
            (m): m is Record<string, unknown> =>
              isObj(m) && typeof m.id === 'string' && m.status !== 'deprecated' && m.status !== 'disabled',
          )
          .map((m) => m.id as string)
      : [];
  const best = [...catalog].sort((a, b) => probePriority(provider, a) - probePriority(provider, b))[0];
  return best ? { provider, id: best } : undefined;
}

function findNormalized<T>(entries: Record<string, T> | undefined, provider: string): T | undefined {
  if (!entries) return undefined;
  for (const [k, v] of Object.entries(entries)) if (normalizeProviderId(k) === provider) return v;
  return undefined;
}

function refOf(c: Credential | undefined): SecretRef | undefined {
  if (!c) return undefined;
  if (c.type === 'api_key') return c.keyRef ?? (c.key ? parseSecretShorthand(c.key) : undefined);
  if (c.type === 'token') return c.tokenRef ?? (c.token ? parseSecretShorthand(c.token) : undefined);
  return undefined;
}

const LEGACY_LINE = 'Auth profile credentials are missing or expired.';
export function missingCredentialError(code: ProbeReasonCode): string {
  switch (code) {
    case 'expired':
      return `${LEGACY_LINE}\n↳ Auth reason [expired]: token credentials are expired.`;
    case 'invalid_expires':
      return `${LEGACY_LINE}\n↳ Auth reason [invalid_expires]: token expires must be a positive Unix ms timestamp.`;
    case 'missing_credential':
      return `${LEGACY_LINE}\n↳ Auth reason [missing_credential]: no inline credential or SecretRef is configured.`;
    case 'unresolved_ref':
      return `${LEGACY_LINE}\n↳ Auth reason [unresolved_ref]: configured SecretRef could not be resolved.`;
    default:
      return `${LEGACY_LINE}\n↳ Auth reason [ineligible_profile]: profile is incompatible with provider config.`;
  }
}

function toProbeReason(code: string): ProbeReasonCode {
  return code === 'missing_credential' || code === 'expired' || code === 'invalid_expires' || code === 'unresolved_ref'
    ? code
    : 'ineligible_profile';
}

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '::1', '[::1]', '0.0.0.0', 'host.docker.internal']);

/**
 * openclaw's synthetic local auth: a custom provider (baseUrl, api and models set) on a local
 * address with no apiKey is probed without a credential (hasSyntheticLocalProviderAuthConfig).
 */
export function isSyntheticLocalProvider(entry: Record<string, unknown> | undefined): boolean {
  if (!entry) return false;
  if (typeof entry.auth === 'string' && entry.auth !== 'api-key') return false;
  if (entry.apiKey !== undefined && entry.apiKey !== null && entry.apiKey !== '') return false;
  if (typeof entry.api !== 'string' || !entry.api.trim() || !Array.isArray(entry.models) || entry.models.length === 0)
    return false;
  if (typeof entry.baseUrl !== 'string' || !entry.baseUrl.trim()) return false;
  try {
    const host = new URL(entry.baseUrl.trim()).hostname.toLowerCase();
    return LOCAL_HOSTS.has(host) || host.endsWith('.localhost') || /^127\./.test(host);
  } catch {
    return false;
  }
}

/** Providers `models status` lists: store, models.providers, models in use, env credentials. */
export function probeProviders(input: Pick<ProbePlanInput, 'store' | 'config' | 'env' | 'agentModel'>): string[] {
  const out = new Set<string>();
  for (const c of Object.values(input.store.profiles)) {
    const p = normalizeProviderId(c.provider);
    if (p) out.add(p);
  }
  const models = isObj(input.config.models) ? input.config.models : {};
  if (isObj(models.providers))
    for (const k of Object.keys(models.providers)) {
      const p = normalizeProviderId(k);
      if (p) out.add(p);
    }
  const { refs, aliases } = modelCandidates(input.config, input.agentModel);
  for (const r of refs) {
    const m = parseModelRef(r, aliases);
    if (m) out.add(m.provider);
  }
  for (const [p, vars] of Object.entries(PROVIDER_ENV_VARS)) if (vars.some((v) => input.env[v]?.trim())) out.add(p);
  return [...out].sort((a, b) => a.localeCompare(b));
}

/** The env credential openclaw's probe falls back to for a provider without profiles. */
export function envCredentialFor(
  provider: string,
  env: Readonly<Record<string, string | undefined>>,
): { variable: string; value: string } | undefined {
  const names = PROVIDER_ENV_VARS[provider] ?? [`${envBaseName(provider)}_API_KEY`];
  for (const name of names) {
    const v = env[name]?.trim();
    if (v) return { variable: name, value: v };
  }
  return undefined;
}

/** The model ids configured for each provider, in candidate order (the probe model comes first). */
function candidatesByProvider(config: Record<string, unknown>, agentModel?: string): Map<string, string[]> {
  const { refs, aliases } = modelCandidates(config, agentModel);
  const candidates = new Map<string, string[]>();
  for (const r of refs) {
    const m = parseModelRef(r, aliases);
    if (!m) continue;
    const list = candidates.get(m.provider) ?? [];
    if (!list.includes(m.id)) list.push(m.id);
    candidates.set(m.provider, list);
  }
  return candidates;
}

/** What planning one provider's rows needs: its probe model and the auth order it is held to. */
interface ProviderPlanContext {
  provider: string;
  model: { provider: string; id: string } | undefined;
  modelLabel: string | undefined;
  /** The stored or configured order, when there is one. */
  explicitOrder: string[] | undefined;
  /** The ids that order resolves to (only when there is an explicit order). */
  allowed: Set<string> | undefined;
}

/** One auth profile's row: a local verdict (excluded, ineligible, unresolved ref, no model) or a live target. */
async function planProfile(
  input: ProbePlanInput,
  ctx: ProviderPlanContext,
  profileId: string,
  plan: ProbePlan,
): Promise<void> {
  const { store, meta, now } = input;
  const { provider, model, modelLabel, explicitOrder, allowed } = ctx;
  const { targets, results } = plan;
  const c = store.profiles[profileId] as Credential;
  const label = c.displayName ? `${profileId} (${c.displayName})` : c.email ? `${profileId} (${c.email})` : profileId;
  const base = { provider, profileId, label, source: 'profile' as const, mode: c.type };
  if (explicitOrder && !explicitOrder.includes(profileId)) {
    results.push({
      ...base,
      model: modelLabel,
      status: 'unknown',
      reasonCode: 'excluded_by_auth_order',
      error: 'Excluded by auth.order for this provider.',
    });
    return;
  }
  if (allowed && !allowed.has(profileId)) {
    const code = toProbeReason(profileEligibility(store, meta, provider, profileId, now).reasonCode);
    results.push({
      ...base,
      model: modelLabel,
      status: 'unknown',
      reasonCode: code,
      error: missingCredentialError(code),
    });
    return;
  }
  const ref = refOf(c);
  if (ref) {
    let ok = true;
    try {
      await input.resolveRef(ref);
    } catch {
      ok = false;
    }
    if (!ok) {
      results.push({
        ...base,
        model: modelLabel,
        status: 'unknown',
        reasonCode: 'unresolved_ref',
        error: `${LEGACY_LINE}\n↳ Auth reason [unresolved_ref]: could not resolve SecretRef "${formatRef(ref)}".`,
      });
      return;
    }
  }
  if (!model) {
    results.push({ ...base, status: 'no_model', reasonCode: 'no_model', error: 'No model available for probe' });
    return;
  }
  targets.push({ ...base, model, credential: { kind: 'profile', credential: c } });
}

/**
 * A provider without profiles: its env credential or its models.providers apiKey (or no key for a
 * local provider), or nothing when it has none it may use.
 */
function planProviderCredential(input: ProbePlanInput, ctx: ProviderPlanContext, plan: ProbePlan): void {
  const { config, env } = input;
  const { provider, model, explicitOrder } = ctx;
  const { targets, results } = plan;
  const entry = providerEntry(config, provider);
  const apiKey = entry?.apiKey;
  const configRef =
    typeof apiKey === 'string'
      ? parseSecretShorthand(apiKey)
      : isObj(apiKey) && typeof apiKey.source === 'string'
        ? (apiKey as unknown as SecretRef)
        : undefined;
  const configValue = typeof apiKey === 'string' && !configRef && apiKey.trim() ? apiKey.trim() : undefined;
  const usableConfigKey = Boolean(configValue || configRef);
  const localNoKey = !usableConfigKey && isSyntheticLocalProvider(entry);
  if (explicitOrder !== undefined && !usableConfigKey && !localNoKey) return;
  const envKey = explicitOrder !== undefined || configRef ? undefined : envCredentialFor(provider, env);
  if (!envKey && !usableConfigKey && !localNoKey) return;
  const source: ProbeSource = envKey ? 'env' : 'models.json';
  const label = envKey ? 'env' : 'models.json';
  const mode = envKey?.variable.includes('OAUTH_TOKEN') ? 'oauth' : 'api_key';
  if (!model) {
    results.push({
      provider,
      label,
      source,
      mode,
      status: 'no_model',
      reasonCode: 'no_model',
      error: 'No model available for probe',
    });
    return;
  }
  targets.push({
    provider,
    model,
    label,
    source,
    mode,
    credential: envKey
      ? { kind: 'env', variable: envKey.variable }
      : usableConfigKey
        ? { kind: 'config', value: configValue, ref: configRef }
        : { kind: 'none' },
  });
}

/** Builds the plan. `options.provider` / `options.profileIds` filter as openclaw's flags do. */
export async function planProbes(input: ProbePlanInput, options: ProbeOptions = {}): Promise<ProbePlan> {
  const { store, state, meta, config, now } = input;
  const providerFilter = options.provider?.trim() ? normalizeProviderId(options.provider) : undefined;
  const profileFilter = new Set((options.profileIds ?? []).map((s) => s.trim()).filter(Boolean));
  const candidates = candidatesByProvider(config, input.agentModel);
  const plan: ProbePlan = { targets: [], results: [] };
  for (const provider of probeProviders(input)) {
    if (providerFilter && provider !== providerFilter) continue;
    const model = selectProbeModel(provider, candidates, config);
    const modelLabel = model ? `${model.provider}/${model.id}` : undefined;
    const explicitOrder = findNormalized(state.order, provider) ?? findNormalized(meta.order, provider);
    const order = resolveOrder({ store, state, cfg: meta, provider, now, forModel: model?.id });
    const allowed = explicitOrder !== undefined ? new Set(order.profileIds) : undefined;
    const ctx: ProviderPlanContext = { provider, model, modelLabel, explicitOrder, allowed };
    const profileIds = Object.entries(store.profiles)
      .filter(([, c]) => normalizeProviderId(c.provider) === provider)
      .map(([id]) => id);
    const filtered = profileFilter.size ? profileIds.filter((id) => profileFilter.has(id)) : profileIds;
    if (filtered.length > 0) {
      for (const profileId of filtered) await planProfile(input, ctx, profileId, plan);
      continue;
    }
    if (profileFilter.size > 0) continue;
    planProviderCredential(input, ctx, plan);
  }
  return plan;
}

/** openclaw's result order for display: provider, then label. */
export function sortProbeResults(results: ProbeResult[]): ProbeResult[] {
  return [...results].sort(
    (a, b) =>
      a.provider.localeCompare(b.provider) ||
      (a.label || a.profileId || '').localeCompare(b.label || b.profileId || ''),
  );
}
