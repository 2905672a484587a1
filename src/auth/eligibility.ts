/**
 * Credential eligibility and display status, with openclaw's stable reason codes.
 */
import type { Credential } from './schemas';

export const REASON_CODES = [
  'ok',
  'excluded_by_auth_order',
  'missing_credential',
  'invalid_expires',
  'expired',
  'unresolved_ref',
  'no_model',
] as const;
export type ReasonCode =
  | (typeof REASON_CODES)[number]
  | 'malformed_api_key'
  | 'setup_inactive'
  | 'mode_mismatch'
  | 'provider_mismatch'
  | 'profile_missing';

export const EXPIRING_WARN_MS = 24 * 60 * 60 * 1000;
/** openclaw treats OAuth access tokens as due for refresh 5 minutes before they expire. */
export const OAUTH_REFRESH_MARGIN_MS = 5 * 60 * 1000;

export type ExpiryState = 'missing' | 'invalid_expires' | 'expired' | 'expiring' | 'valid';

export function expiryState(expires: unknown, now: number, expiringWithinMs = 0): ExpiryState {
  if (expires === undefined) return 'missing';
  if (typeof expires !== 'number' || !Number.isFinite(expires) || expires <= 0 || expires > 8.64e15)
    return 'invalid_expires';
  const remaining = expires - now;
  if (remaining <= 0) return 'expired';
  if (expiringWithinMs > 0 && remaining <= expiringWithinMs) return 'expiring';
  return 'valid';
}

const REFRESH_FENCE_ACCESS = /^openclaw-oauth-refresh-fence:v1:([a-f0-9]{32}):(failed:)?access:[a-f0-9]{64}$/;
const REFRESH_FENCE_REFRESH = /^openclaw-oauth-refresh-fence:v1:([a-f0-9]{32}):(failed:)?refresh:[a-f0-9]{64}$/;
/**
 * A failed or pending OAuth refresh leaves this marker in place of the tokens (expires = 1): both
 * the access and the refresh marker, with the same claim id and the same failed/pending state.
 */
export function isOAuthRefreshFence(c: Credential): boolean {
  if (c.type !== 'oauth' || c.expires !== 1) return false;
  const a = REFRESH_FENCE_ACCESS.exec(c.access ?? '');
  const r = REFRESH_FENCE_REFRESH.exec(c.refresh ?? '');
  return Boolean(a && r && a[1] === r[1] && a[2] === r[2]);
}

function isMalformedApiKey(key: string | undefined): boolean {
  return key !== undefined && /^openclaw\s+onboard(?:\s+.*)?\s+--auth-choice(?:\s|=|$)/i.test(key);
}

/** Stored-credential eligibility (no SecretRef resolution: see `unresolved_ref` in status). */
export function credentialEligibility(c: Credential, now: number): { eligible: boolean; reasonCode: ReasonCode } {
  if (c.type === 'api_key') {
    if (isMalformedApiKey(c.key)) return { eligible: false, reasonCode: 'malformed_api_key' };
    if (!c.key && !c.keyRef) return { eligible: false, reasonCode: 'missing_credential' };
    return { eligible: true, reasonCode: 'ok' };
  }
  if (c.type === 'token') {
    if (!c.token && !c.tokenRef) return { eligible: false, reasonCode: 'missing_credential' };
    const st = expiryState(c.expires, now);
    if (st === 'invalid_expires') return { eligible: false, reasonCode: 'invalid_expires' };
    if (st === 'expired') return { eligible: false, reasonCode: 'expired' };
    return { eligible: true, reasonCode: 'ok' };
  }
  if (isOAuthRefreshFence(c)) return { eligible: false, reasonCode: 'expired' };
  if (!c.access && !c.refresh)
    return { eligible: false, reasonCode: c.oauthRef ? 'unresolved_ref' : 'missing_credential' };
  return { eligible: true, reasonCode: 'ok' };
}

/**
 * openclaw's `models status` profile status: ok / static / expiring / expired / missing. We add
 * `refreshable`: an OAuth profile whose access token expired but that holds a refresh token
 * (openclaw shows these as "ok", its issue 42721; they work only if the refresh succeeds).
 */
export type HealthStatus = 'ok' | 'static' | 'expiring' | 'expired' | 'missing';
export interface CredentialHealth {
  status: HealthStatus;
  reasonCode?: ReasonCode;
  expiresAt?: number;
  remainingMs?: number;
  /** OAuth only: access token past expiry but a refresh token is stored. */
  refreshable?: boolean;
}

export function credentialHealth(c: Credential, now: number, warnAfterMs = EXPIRING_WARN_MS): CredentialHealth {
  if (c.setup && typeof c.setup === 'object' && (c.setup as { replacement?: unknown }).replacement) {
    return { status: 'missing', reasonCode: 'setup_inactive' };
  }
  const el = credentialEligibility(c, now);
  if (c.type === 'api_key')
    return el.eligible ? { status: 'static' } : { status: 'missing', reasonCode: el.reasonCode };
  if (c.type === 'token') {
    if (!el.eligible) return { status: el.reasonCode === 'expired' ? 'expired' : 'missing', reasonCode: el.reasonCode };
    if (expiryState(c.expires, now) !== 'valid') return { status: 'static' };
    const expires = c.expires as number;
    const st = expiryState(expires, now, warnAfterMs);
    return { status: st === 'expiring' ? 'expiring' : 'ok', expiresAt: expires, remainingMs: expires - now };
  }
  if (!el.eligible) return { status: el.reasonCode === 'expired' ? 'expired' : 'missing', reasonCode: el.reasonCode };
  // `models status` passes its 24 h warning window explicitly, so it applies with or without a
  // refresh token (openclaw falls back to 0 for refreshable profiles only when no window is given).
  const warn = Math.max(warnAfterMs, OAUTH_REFRESH_MARGIN_MS);
  const ex = c.expires;
  if (typeof ex !== 'number' || ex <= 0) return { status: 'missing' };
  const st = expiryState(ex, now, warn);
  if (st === 'invalid_expires' || st === 'missing') return { status: 'missing' };
  const base = { expiresAt: ex, remainingMs: ex - now };
  // An OAuth access token past its expiry is still eligible (it may refresh): no reason code.
  if (st === 'expired') return { status: 'expired', ...base, refreshable: Boolean(c.refresh) };
  if (st === 'expiring') return { status: 'expiring', ...base, refreshable: Boolean(c.refresh) };
  return { status: 'ok', ...base };
}

/** Compact duration as openclaw prints it: 45m, 12h, 30d. */
export function formatRemainingShort(ms: number | undefined): string {
  if (ms === undefined || Number.isNaN(ms)) return 'unknown';
  if (ms <= 0) return '0m';
  const minutes = Math.round(ms / 60000);
  if (minutes < 1) return '1m';
  if (minutes < 60) return `${minutes}m`;
  const hours = Math.round(minutes / 60);
  if (hours < 48) return `${hours}h`;
  return `${Math.round(hours / 24)}d`;
}
