/**
 * zod schemas of openclaw's auth store (credentials) and auth state (order, lastGood, usageStats),
 * version 1, and the tolerant loaders that drop invalid entries with a warning the way openclaw
 * does ("ignored invalid auth profile entries", reasons non_object / invalid_type /
 * missing_provider) instead of failing the whole read.
 */
import { z } from 'zod';
import { SecretRefSchema, type SecretRef } from './secretRef';
import { normalizeProviderId } from './providerId';

export const CREDENTIAL_TYPES = ['api_key', 'token', 'oauth'] as const;
export type CredentialType = (typeof CREDENTIAL_TYPES)[number];

const nonBlank = z.string().transform((s) => s.trim()).pipe(z.string().min(1));
const optString = z.unknown().transform((v) => (typeof v === 'string' && v.trim() ? v.trim() : undefined)).optional();
/** openclaw keeps a non-positive or non-numeric expiry as 0 (which later reads as invalid_expires). */
const expiryField = z
  .unknown()
  .transform((v) => (v === undefined ? undefined : typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : 0))
  .optional();
const optRef = z.unknown().transform((v): SecretRef | undefined => {
  const r = SecretRefSchema.safeParse(v);
  return r.success ? r.data : undefined;
}).optional();

const common = {
  provider: nonBlank.transform(normalizeProviderId),
  email: optString,
  displayName: optString,
  copyToAgents: z.unknown().transform((v) => (typeof v === 'boolean' ? v : undefined)).optional(),
  setup: z.unknown().optional(),
};

export const ApiKeyCredentialSchema = z.looseObject({
  type: z.literal('api_key'),
  ...common,
  key: optString,
  keyRef: optRef,
  metadata: z
    .unknown()
    .transform((v) =>
      v && typeof v === 'object' && !Array.isArray(v)
        ? Object.fromEntries(Object.entries(v).filter(([, x]) => typeof x === 'string')) as Record<string, string>
        : undefined,
    )
    .optional(),
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
  oauthRef: z.unknown().optional(),
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

const finiteNumber = z.number().finite();
export const UsageStatsSchema = z.looseObject({
  lastUsed: finiteNumber.optional(),
  lastProbeAt: finiteNumber.optional(),
  cooldownUntil: finiteNumber.optional(),
  cooldownReason: z.string().optional(),
  cooldownClassification: z.string().optional(),
  cooldownModel: z.string().optional(),
  disabledUntil: finiteNumber.optional(),
  disabledReason: z.string().optional(),
  blockedUntil: finiteNumber.optional(),
  blockedReason: z.string().optional(),
  blockedSource: z.string().optional(),
  blockedModel: z.string().optional(),
  blockedScope: z.string().optional(),
  errorCount: finiteNumber.optional(),
  failureCounts: z.record(z.string(), finiteNumber).optional(),
  lastFailureAt: finiteNumber.optional(),
});
export type UsageStats = z.output<typeof UsageStatsSchema>;

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
  for (const [valueField, refField] of [['key', 'keyRef'], ['token', 'tokenRef']] as const) {
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
  return { ok: true, credential: r.data };
}

/**
 * Loads a store cell's JSON text. Returns undefined profiles (and a warning) when the text is not
 * JSON or not a store; drops invalid entries one by one, never throwing.
 */
export function loadAuthStore(text: string | undefined, source: string): { store: AuthStore; warnings: LoadWarning[]; valid: boolean } {
  const warnings: LoadWarning[] = [];
  const empty: AuthStore = { version: 1, profiles: {} };
  if (text === undefined) return { store: empty, warnings, valid: true };
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    warnings.push({ source, reason: 'invalid_json', message: `${source}: the auth store cell is not valid JSON; it was ignored.` });
    return { store: empty, warnings, valid: false };
  }
  if (!isRecord(raw) || !isRecord(raw.profiles)) {
    warnings.push({ source, reason: 'invalid_store', message: `${source}: the auth store has no "profiles" object; it was ignored.` });
    return { store: empty, warnings, valid: false };
  }
  const profiles: Record<string, Credential> = {};
  for (const [key, value] of Object.entries(raw.profiles)) {
    const parsed = parseCredentialEntry(value);
    if (parsed.ok) profiles[key] = parsed.credential;
    else {
      const type = isRecord(value) ? JSON.stringify(String(value.type ?? value.mode ?? '')) : 'a non-object';
      warnings.push({
        source,
        key,
        reason: parsed.reason,
        message:
          parsed.reason === 'invalid_type'
            ? `${source}: ignored profile "${key}" with type ${type} (valid types: ${CREDENTIAL_TYPES.join(', ')}).`
            : `${source}: ignored invalid profile "${key}" (${parsed.reason}).`,
      });
    }
  }
  const version = Number(raw.version ?? 1);
  return { store: { version: Number.isFinite(version) && version > 0 ? version : 1, profiles }, warnings, valid: true };
}

export function loadAuthState(text: string | undefined, source: string): { state: AuthState; warnings: LoadWarning[]; valid: boolean } {
  const warnings: LoadWarning[] = [];
  const state: AuthState = { version: 1 };
  if (text === undefined) return { state, warnings, valid: true };
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    warnings.push({ source, reason: 'invalid_json', message: `${source}: the auth state cell is not valid JSON; it was ignored.` });
    return { state, warnings, valid: false };
  }
  if (!isRecord(raw)) {
    warnings.push({ source, reason: 'invalid_state', message: `${source}: the auth state is not an object; it was ignored.` });
    return { state, warnings, valid: false };
  }
  const version = Number(raw.version ?? 1);
  state.version = Number.isFinite(version) && version > 0 ? version : 1;
  if (isRecord(raw.order)) {
    state.order = {};
    for (const [provider, ids] of Object.entries(raw.order)) {
      if (Array.isArray(ids)) state.order[provider] = [...new Set(ids.filter((x): x is string => typeof x === 'string' && x.trim() !== '').map((x) => x.trim()))];
      else warnings.push({ source, key: provider, reason: 'invalid_order', message: `${source}: ignored order for "${provider}" (not a list).` });
    }
  }
  if (isRecord(raw.lastGood)) {
    state.lastGood = {};
    for (const [provider, id] of Object.entries(raw.lastGood)) if (typeof id === 'string') state.lastGood[provider] = id;
  }
  if (isRecord(raw.usageStats)) {
    state.usageStats = {};
    for (const [id, stats] of Object.entries(raw.usageStats)) {
      const r = UsageStatsSchema.safeParse(stats);
      if (r.success) state.usageStats[id] = r.data;
      else warnings.push({ source, key: id, reason: 'invalid_usage_stats', message: `${source}: ignored usage stats of "${id}" (${r.error.issues[0]?.message ?? 'invalid'}).` });
    }
  }
  return { state, warnings, valid: true };
}
