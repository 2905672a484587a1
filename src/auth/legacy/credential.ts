/**
 * Credential normalisation (openclaw's normalizeRawCredentialEntry and coerceLegacyFlatCredential):
 * a legacy entry becomes a canonical api_key / token / oauth credential or a reason it cannot;
 * REASON_TEXT puts the reasons in words and secretPreview shows the secret masked.
 */
import { SecretRefSchema, formatRef } from '../secretRef';
import { maskSecret } from '../mask';
import { normalizeProviderId } from '../providerId';
import { isObj, type Obj } from '../obj';

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

export const nonBlank = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() ? v.trim() : undefined);
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
export function flatCredential(providerId: string, raw: unknown): Parsed {
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
export const safeKey = (k: string) => k.trim().length > 0 && !UNSAFE.has(k);

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
