/**
 * zod schemas of openclaw's auth store (credentials) and auth state (order, lastGood, usageStats),
 * version 1, and the tolerant loaders that drop invalid entries with a warning the way openclaw
 * does ("ignored invalid auth profile entries", reasons non_object / invalid_type /
 * missing_provider) instead of failing the whole read.
 */
import * as z from 'zod/mini';

// Parse without compiling validators with new Function: these documents are small and read once,
// so JIT compilation costs more than it saves (and stays clear of CSP-restricted hosts).
z.config({ jitless: true });
import { SecretRefSchema, type SecretRef } from './secretRef';
import { normalizeProviderId, quoteId } from './providerId';

export const CREDENTIAL_TYPES = ['api_key', 'token', 'oauth'] as const;
export type CredentialType = (typeof CREDENTIAL_TYPES)[number];

/** An optional field that reads any value and maps it with `fn` (never failing the entry). */
const optLenient = <O>(fn: (v: unknown) => O) => z.optional(z.pipe(z.unknown(), z.transform(fn)));

const nonBlank = z.pipe(
  z.pipe(
    z.string(),
    z.transform((s: string) => s.trim()),
  ),
  z.string().check(z.minLength(1)),
);
const optString = optLenient((v) => (typeof v === 'string' && v.trim() ? v.trim() : undefined));
/** openclaw keeps a non-positive or non-numeric expiry as 0 (which later reads as invalid_expires). */
const expiryField = optLenient((v) =>
  v === undefined ? undefined : typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : 0,
);
const optRef = optLenient((v): SecretRef | undefined => {
  const r = SecretRefSchema.safeParse(v);
  return r.success ? r.data : undefined;
});

const common = {
  provider: z.pipe(nonBlank, z.transform<string, string>(normalizeProviderId)),
  email: optString,
  displayName: optString,
  copyToAgents: optLenient((v) => (typeof v === 'boolean' ? v : undefined)),
  setup: z.optional(z.unknown()),
};

export const ApiKeyCredentialSchema = z.looseObject({
  type: z.literal('api_key'),
  ...common,
  key: optString,
  keyRef: optRef,
  metadata: optLenient((v) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? (Object.fromEntries(Object.entries(v).filter(([, x]) => typeof x === 'string')) as Record<string, string>)
      : undefined,
  ),
});

export const TokenCredentialSchema = z.looseObject({
  type: z.literal('token'),
  ...common,
  token: optString,
  tokenRef: optRef,
  expires: expiryField,
});

export const OAuthCredentialSchema = z.looseObject({
  type: z.literal('oauth'),
  ...common,
  access: optString,
  refresh: optString,
  expires: expiryField,
  oauthRef: z.optional(z.unknown()),
});

export const CredentialSchema = z.discriminatedUnion('type', [
  ApiKeyCredentialSchema,
  TokenCredentialSchema,
  OAuthCredentialSchema,
]);
export type Credential = z.output<typeof CredentialSchema>;
export type ApiKeyCredential = z.output<typeof ApiKeyCredentialSchema>;
export type TokenCredential = z.output<typeof TokenCredentialSchema>;
export type OAuthCredential = z.output<typeof OAuthCredentialSchema>;

// z.number() already refuses Infinity and NaN (classic zod's .finite() was a no-op).
const optNumber = z.optional(z.number());
const optStr = z.optional(z.string());
export const UsageStatsSchema = z.looseObject({
  lastUsed: optNumber,
  lastProbeAt: optNumber,
  cooldownUntil: optNumber,
  cooldownReason: optStr,
  cooldownClassification: optStr,
  cooldownModel: optStr,
  disabledUntil: optNumber,
  disabledReason: optStr,
  blockedUntil: optNumber,
  blockedReason: optStr,
  blockedSource: optStr,
  blockedModel: optStr,
  blockedScope: optStr,
  errorCount: optNumber,
  failureCounts: z.optional(z.record(z.string(), z.number())),
  lastFailureAt: optNumber,
});
export type UsageStats = z.output<typeof UsageStatsSchema>;

const FAILURE_REASON_VALUES = new Set([
  'auth',
  'auth_permanent',
  'format',
  'overloaded',
  'rate_limit',
  'billing',
  'timeout',
  'model_not_found',
  'session_expired',
  'empty_response',
  'no_error_details',
  'unclassified',
  'unknown',
]);
const enumValue = (v: unknown, allowed: ReadonlySet<string>): string | undefined =>
  typeof v === 'string' && allowed.has(v) ? v : undefined;
const finite = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const trimmed = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() ? v.trim() : undefined);

/**
 * openclaw coerces usage stats field by field (profile-usage-stats.ts): a field with a wrong type or
 * an unknown enum value is dropped and the rest of the entry is kept; an entry left empty is dropped.
 * Returns the kept stats and the names of the fields that were present but dropped.
 */
export function coerceUsageStats(raw: unknown): { stats?: UsageStats; dropped: string[] } {
  if (!isRecord(raw)) return { dropped: ['(not an object)'] };
  const cooldownReason = enumValue(raw.cooldownReason, FAILURE_REASON_VALUES);
  const classification = raw.cooldownClassification;
  let failureCounts: Record<string, number> | undefined;
  let badCounts = raw.failureCounts !== undefined && !isRecord(raw.failureCounts);
  if (isRecord(raw.failureCounts)) {
    for (const [reason, count] of Object.entries(raw.failureCounts)) {
      if (!FAILURE_REASON_VALUES.has(reason) || typeof count !== 'number' || !Number.isFinite(count) || count <= 0) {
        badCounts = true;
        continue;
      }
      (failureCounts ??= {})[reason] = Math.trunc(count);
    }
  }
  const candidate: Record<string, unknown> = {
    lastUsed: finite(raw.lastUsed),
    blockedUntil: finite(raw.blockedUntil),
    blockedReason: enumValue(raw.blockedReason, new Set(['subscription_limit'])),
    blockedSource: enumValue(raw.blockedSource, new Set(['codex_rate_limits', 'wham'])),
    blockedModel: trimmed(raw.blockedModel),
    blockedScope: raw.blockedScope === 'model' ? 'model' : undefined,
    cooldownUntil: finite(raw.cooldownUntil),
    cooldownReason,
    cooldownClassification:
      (classification === 'wham_token_expired' && cooldownReason === 'auth') ||
      (classification === 'wham_account_dead' && cooldownReason === 'auth_permanent')
        ? classification
        : undefined,
    cooldownModel: trimmed(raw.cooldownModel),
    disabledUntil: finite(raw.disabledUntil),
    disabledReason: enumValue(raw.disabledReason, FAILURE_REASON_VALUES),
    errorCount: finite(raw.errorCount),
    failureCounts,
    lastFailureAt: finite(raw.lastFailureAt),
    lastProbeAt: finite(raw.lastProbeAt),
  };
  const dropped = Object.keys(candidate).filter(
    (k) => raw[k] !== undefined && candidate[k] === undefined && k !== 'failureCounts',
  );
  if (badCounts) dropped.push('failureCounts');
  const kept = Object.fromEntries(Object.entries(candidate).filter(([, v]) => v !== undefined));
  return { stats: Object.keys(kept).length ? (kept as UsageStats) : undefined, dropped };
}

export interface AuthStore {
  version: number;
  profiles: Record<string, Credential>;
}

export interface AuthState {
  version: number;
  order?: Record<string, string[]>;
  lastGood?: Record<string, string>;
  usageStats?: Record<string, UsageStats>;
}

export interface LoadWarning {
  /** Where the entry came from, e.g. "state/openclaw.sqlite authProfiles.store". */
  source: string;
  key?: string;
  reason: string;
  message: string;
}

/**
 * Deepest nesting of arrays and objects read in an auth cell, a legacy auth file or openclaw.json.
 * Real auth data nests fewer than 10 levels; JSON.parse itself copes with any depth, but the
 * recursive steps after it (validation, copies, comparisons, JSON.stringify on write) overflow the
 * stack on a cell nested 100 000 deep ("Maximum call stack size exceeded").
 */
export const MAX_JSON_DEPTH = 100;

/**
 * Whether `text` nests `[`/`{` deeper than `max` levels, counted outside strings and JSON5
 * comments, without parsing it. For strict JSON the quote and comment rules never misfire: `'`
 * and `/` cannot occur outside a string of valid JSON.
 */
export function nestsDeeperThan(text: string, max = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  let quote = 0;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (quote) {
      if (c === 92)
        i++; // backslash: the next character is escaped
      else if (c === quote) quote = 0;
      continue;
    }
    if (c === 34 || c === 39) quote = c;
    else if (c === 123 || c === 91) {
      if (++depth > max) return true;
    } else if (c === 125 || c === 93) {
      if (depth > 0) depth--;
    } else if (c === 47 && text.charCodeAt(i + 1) === 47) {
      // A JSON5 line comment ends at a line terminator.
      i += 2;
      for (
        let d = text.charCodeAt(i);
        i < n && d !== 10 && d !== 13 && d !== 0x2028 && d !== 0x2029;
        d = text.charCodeAt(++i)
      );
    } else if (c === 47 && text.charCodeAt(i + 1) === 42) {
      const end = text.indexOf('*/', i + 2);
      i = end < 0 ? n : end + 1;
    }
  }
  return false;
}

export type JsonRead =
  { ok: true; value: unknown } | { ok: false; reason: 'invalid_json' | 'too_deep'; detail: string };

/**
 * JSON.parse with the depth cap. `detail` says what is wrong without quoting the text (V8's
 * messages quote it, and cells hold secrets): "nests deeper than 100 levels", "is not valid JSON
 * (at character 31)".
 */
export function readJson(text: string): JsonRead {
  if (nestsDeeperThan(text))
    return { ok: false, reason: 'too_deep', detail: `nests deeper than ${MAX_JSON_DEPTH} levels` };
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (e) {
    return { ok: false, reason: 'invalid_json', detail: `is not valid JSON${jsonErrorWhere(e)}` };
  }
}

/** Where JSON.parse failed (" (at character 31)", " (it ends too early)"), never the text itself. */
export function jsonErrorWhere(e: unknown): string {
  const msg = e instanceof Error ? e.message : '';
  const pos = /at position (\d+)/.exec(msg);
  if (pos) return ` (at character ${Number(pos[1]) + 1})`;
  if (/Unexpected end/i.test(msg)) return ' (it ends too early)';
  return '';
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** openclaw's legacy aliases: `mode` for `type`, `apiKey` for `api_key`/`key`. */
function normalizeRawEntry(raw: Record<string, unknown>): Record<string, unknown> {
  const e: Record<string, unknown> = { ...raw };
  if (!('type' in e) && typeof e.mode === 'string') e.type = e.mode;
  if (e.type === 'apiKey') e.type = 'api_key';
  if (!('key' in e) && typeof e.apiKey === 'string' && !SecretRefSchema.safeParse(e.keyRef).success) e.key = e.apiKey;
  // A ref written into the value field moves to the ref field, as openclaw does.
  for (const [valueField, refField] of [
    ['key', 'keyRef'],
    ['token', 'tokenRef'],
  ] as const) {
    const v = e[valueField];
    if (v == null || typeof v === 'string') continue;
    const ref = SecretRefSchema.safeParse(v);
    if (ref.success && !SecretRefSchema.safeParse(e[refField]).success) e[refField] = ref.data;
    delete e[valueField];
  }
  return e;
}

export type ParsedEntry = { ok: true; credential: Credential } | { ok: false; reason: string };

export function parseCredentialEntry(raw: unknown): ParsedEntry {
  if (!isRecord(raw)) return { ok: false, reason: 'non_object' };
  const e = normalizeRawEntry(raw);
  if (typeof e.type !== 'string' || !(CREDENTIAL_TYPES as readonly string[]).includes(e.type)) {
    return { ok: false, reason: 'invalid_type' };
  }
  if (!normalizeProviderId(e.provider)) return { ok: false, reason: 'missing_provider' };
  const r = CredentialSchema.safeParse(e);
  if (!r.success) return { ok: false, reason: 'invalid_fields' };
  const c = r.data;
  // A ref wins over an inline value, as openclaw normalises it.
  if (c.type === 'api_key' && c.keyRef) delete c.key;
  return { ok: true, credential: c };
}

/**
 * Loads a store cell's JSON text. Returns undefined profiles (and a warning) when the text is not
 * JSON or not a store; drops invalid entries one by one, never throwing.
 */
export function loadAuthStore(
  text: string | undefined,
  source: string,
): { store: AuthStore; warnings: LoadWarning[]; valid: boolean } {
  const warnings: LoadWarning[] = [];
  const empty: AuthStore = { version: 1, profiles: {} };
  if (text === undefined) return { store: empty, warnings, valid: true };
  const read = readJson(text);
  if (!read.ok) {
    warnings.push({
      source,
      reason: read.reason,
      message: `${source}: the auth store cell ${read.detail}; it was ignored.`,
    });
    return { store: empty, warnings, valid: false };
  }
  const raw = read.value;
  if (!isRecord(raw) || !isRecord(raw.profiles)) {
    warnings.push({
      source,
      reason: 'invalid_store',
      message: `${source}: the auth store has no "profiles" object; it was ignored.`,
    });
    return { store: empty, warnings, valid: false };
  }
  const profiles: Record<string, Credential> = {};
  for (const [key, value] of Object.entries(raw.profiles)) {
    const parsed = parseCredentialEntry(value);
    if (parsed.ok) profiles[key] = parsed.credential;
    else {
      const type = isRecord(value) ? quoteId(String(value.type ?? value.mode ?? '')) : 'a non-object';
      warnings.push({
        source,
        key,
        reason: parsed.reason,
        message:
          parsed.reason === 'invalid_type'
            ? `${source}: ignored profile ${quoteId(key)} with type ${type} (valid types: ${CREDENTIAL_TYPES.join(', ')}).`
            : `${source}: ignored invalid profile ${quoteId(key)} (${parsed.reason}).`,
      });
    }
  }
  const version = Number(raw.version ?? 1);
  return { store: { version: Number.isFinite(version) && version > 0 ? version : 1, profiles }, warnings, valid: true };
}

export function loadAuthState(
  text: string | undefined,
  source: string,
): { state: AuthState; warnings: LoadWarning[]; valid: boolean } {
  const warnings: LoadWarning[] = [];
  const state: AuthState = { version: 1 };
  if (text === undefined) return { state, warnings, valid: true };
  const read = readJson(text);
  if (!read.ok) {
    warnings.push({
      source,
      reason: read.reason,
      message: `${source}: the auth state cell ${read.detail}; it was ignored.`,
    });
    return { state, warnings, valid: false };
  }
  const raw = read.value;
  if (!isRecord(raw)) {
    warnings.push({
      source,
      reason: 'invalid_state',
      message: `${source}: the auth state is not an object; it was ignored.`,
    });
    return { state, warnings, valid: false };
  }
  const version = Number(raw.version ?? 1);
  state.version = Number.isFinite(version) && version > 0 ? version : 1;
  if (isRecord(raw.order)) {
    // As openclaw loads it: provider keys normalised, blank ids dropped, and a list left empty is
    // ignored (a stored [] does not disable a provider; only config auth.order can).
    state.order = {};
    for (const [provider, ids] of Object.entries(raw.order)) {
      const key = normalizeProviderId(provider);
      if (!Array.isArray(ids)) {
        warnings.push({
          source,
          key: provider,
          reason: 'invalid_order',
          message: `${source}: ignored order for ${quoteId(provider)} (not a list).`,
        });
        continue;
      }
      const list = ids.filter((x): x is string => typeof x === 'string' && x.trim() !== '').map((x) => x.trim());
      if (key && list.length > 0) state.order[key] = list;
    }
  }
  if (isRecord(raw.lastGood)) {
    state.lastGood = {};
    for (const [provider, id] of Object.entries(raw.lastGood))
      if (typeof id === 'string') state.lastGood[provider] = id;
  }
  if (isRecord(raw.usageStats)) {
    state.usageStats = {};
    for (const [id, stats] of Object.entries(raw.usageStats)) {
      const r = coerceUsageStats(stats);
      if (r.stats) state.usageStats[id] = r.stats;
      if (r.dropped.length) {
        warnings.push({
          source,
          key: id,
          reason: 'invalid_usage_stats',
          message: r.stats
            ? `${source}: ignored invalid usage stats fields of ${quoteId(id)} (${r.dropped.join(', ')}).`
            : `${source}: ignored usage stats of ${quoteId(id)} (${r.dropped.join(', ')}).`,
        });
      }
    }
  }
  return { state, warnings, valid: true };
}
