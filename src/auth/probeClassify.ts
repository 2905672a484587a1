/**
 * Classifies a provider's answer the way openclaw's failover classifier does
 * (src/agents/failover/classify-core.ts + message-patterns.ts, 2026.9.6), reduced to what one
 * probe request can produce: an HTTP status, an error message/code from the body, or a transport
 * error. The reason then maps to openclaw's probe status buckets.
 */

export type FailoverReason =
  | 'auth'
  | 'auth_permanent'
  | 'format'
  | 'rate_limit'
  | 'overloaded'
  | 'billing'
  | 'server_error'
  | 'timeout'
  | 'model_not_found'
  | 'session_expired'
  | 'empty_response'
  | 'unknown';

export type ProbeStatus = 'ok' | 'auth' | 'rate_limit' | 'billing' | 'timeout' | 'format' | 'unknown' | 'no_model';
export const PROBE_STATUSES: readonly ProbeStatus[] = [
  'ok',
  'auth',
  'rate_limit',
  'billing',
  'timeout',
  'format',
  'unknown',
  'no_model',
];

/** openclaw's PROBE_STATUS_BY_FAILOVER_REASON. */
export function probeStatusForReason(reason: FailoverReason | undefined): ProbeStatus {
  switch (reason) {
    case 'auth':
    case 'auth_permanent':
      return 'auth';
    case 'format':
    case 'model_not_found':
      return 'format';
    case 'rate_limit':
    case 'overloaded':
      return 'rate_limit';
    case 'billing':
      return 'billing';
    case 'timeout':
      return 'timeout';
    default:
      return 'unknown';
  }
}

type Pattern = string | RegExp;
const P = {
  rateLimit: [
    /rate[_ ]limit|too many requests/i,
    /^\s*429\b|\b(?:https?|status(?:[ _-]?code)?|response(?:[ _-]?code)?|http(?:[ _-]?status)?)\b[\s:=#"'(]{0,6}429\b|["'](?:status|code)["']\s*:\s*429\b/i,
    /too many (?:concurrent )?requests/i,
    /\bthrottl(?:ing[_]?exception|ing|ed)\b/i,
    /\bconcurrency limit\b.*\b(?:breached|reached)\b/i,
    'model_cooldown',
    'exceeded your current quota',
    /\bresource[_ -]?exhausted\b/i,
    /\bquota[_ -]?exceeded\b/i,
    'usage limit',
    /\btpm\b/i,
    'tokens per minute',
    'tokens per day',
    '请求过于频繁',
    '调用频率',
    '频率限制',
    '配额不足',
    '配额已用尽',
    '额度不足',
    '额度已用尽',
  ] as Pattern[],
  overloaded: [
    'overloaded',
    /\b(?:selected\s+)?model\s+(?:is\s+)?at capacity\b/i,
    /\bservice(?:[_ ]temporarily)?[_ ]unavailable\b/i,
    'high demand',
    'high load',
  ] as Pattern[],
  serverError: [
    'an error occurred while processing',
    'internal server error',
    'internal_error',
    'server_error',
    'bad gateway',
    'gateway timeout',
    'upstream error',
    'upstream connect error',
  ] as Pattern[],
  timeout: [
    'timeout',
    'timed out',
    'deadline exceeded',
    'connection error',
    'network error',
    'network request failed',
    'fetch failed',
    'socket hang up',
    'connection reset',
    /\b(?:econn(?:refused|reset|aborted)|enet(?:unreach|reset)|ehost(?:unreach|down)|e(?:socket)?timedout|epipe|enotfound|eai_again)\b/i,
    /\boperation was aborted\b/i,
    /\bund_err_(?:socket|connect|headers?|body|aborted|closed)\b/i,
    /^terminated$/i,
  ] as Pattern[],
  billing: [
    /["']?(?:status|code)["']?\s*[:=]\s*402\b|\bhttp\s*402\b|\berror(?:\s+code)?\s*[:=]?\s*402\b|^\s*402\s+payment/i,
    'payment required',
    'insufficient credits',
    /used\s+all\s+available\s+credits/i,
    /(?:monthly\s+)?spend(?:ing)?\s+limit/i,
    /insufficient[_ ]quota/i,
    'available balance',
    'out of budget',
    'credit balance',
    'plans & billing',
    /insufficient[_ ]balance/i,
    /requires?\s+more\s+credits/i,
    '余额不足',
    '欠费',
  ] as Pattern[],
  authPermanent: [
    /api[_ ]?key[_ ]?(?:revoked|deactivated|deleted)/i,
    /deactivated[_ ]workspace/i,
    'key has been disabled',
    'key has been revoked',
    'account has been deactivated',
    'not allowed for this organization',
  ] as Pattern[],
  auth: [
    /(?:invalid[_ ]?api[_ ]?key(?![a-z0-9])|api[_ ]?key(?:[_ ]?(?:is[_ ]?)?(?:invalid(?![a-z0-9])|not[_ ]?valid(?![a-z0-9]))))/i,
    /could not (?:authenticate|validate).*(?:api[_ ]?key|credentials)/i,
    'permission_error',
    'incorrect api key',
    'invalid token',
    'authentication',
    're-authenticate',
    'unauthorized',
    'forbidden',
    'access denied',
    'insufficient permissions',
    'insufficient permission',
    'expired',
    /\b401\b/,
    /\b403\b/,
    'no credentials found',
    'no api key found',
  ] as Pattern[],
  format: [
    'string should match pattern',
    'invalid request format',
    'does not support assistant message prefill',
    'conversation must end with a user message',
  ] as Pattern[],
};

function matches(raw: string | undefined, patterns: Pattern[]): boolean {
  if (!raw) return false;
  const v = raw.toLowerCase();
  return patterns.some((p) => (typeof p === 'string' ? v.includes(p) : p.test(v)));
}

/** openclaw's rate-limit message test (also what decides a key rotation). */
export function isRateLimitMessage(raw: string | undefined): boolean {
  return matches(raw, P.rateLimit);
}

/** Reason from the message text alone, most specific first. */
export function classifyMessage(raw: string | undefined): FailoverReason | undefined {
  if (!raw) return undefined;
  if (matches(raw, P.authPermanent)) return 'auth_permanent';
  if (matches(raw, P.billing) && !isRateLimitMessage(raw)) return 'billing';
  if (isRateLimitMessage(raw)) return 'rate_limit';
  if (matches(raw, P.overloaded)) return 'overloaded';
  if (matches(raw, P.auth)) return 'auth';
  if (matches(raw, P.format)) return 'format';
  if (matches(raw, P.serverError)) return 'server_error';
  if (matches(raw, P.timeout)) return 'timeout';
  return undefined;
}

function reasonFromCode(code: string | undefined): FailoverReason | undefined {
  const c = code?.trim().toUpperCase();
  if (!c) return undefined;
  if (
    [
      'RESOURCE_EXHAUSTED',
      'RATE_LIMIT',
      'RATE_LIMITED',
      'RATE_LIMIT_EXCEEDED',
      'TOO_MANY_REQUESTS',
      'THROTTLED',
      'RATE_LIMIT_ERROR',
    ].includes(c)
  )
    return 'rate_limit';
  if (['OVERLOADED', 'OVERLOADED_ERROR', 'UNAVAILABLE'].includes(c)) return 'overloaded';
  if (['INSUFFICIENT_QUOTA', 'BILLING_HARD_LIMIT_REACHED'].includes(c)) return 'billing';
  if (
    ['UNAUTHENTICATED', 'AUTHENTICATION_ERROR', 'INVALID_API_KEY', 'PERMISSION_DENIED', 'PERMISSION_ERROR'].includes(c)
  )
    return 'auth';
  if (['MODEL_NOT_FOUND', 'NOT_FOUND_ERROR'].includes(c)) return undefined; // the status decides
  if (c === 'UNKNOWN_PARAMETER') return 'format';
  return undefined;
}

function classify402(message: string | undefined): FailoverReason {
  const m = (message ?? '')
    .toLowerCase()
    .replace(/\bhttps?:\/\/[^\s<>"']+/g, ' ')
    .trim();
  if (!m) return 'billing';
  if (matches(m, P.billing)) return 'billing';
  if (isRateLimitMessage(m)) return 'rate_limit';
  if (/\b(?:daily|weekly|monthly)\b/.test(m) && /limit/.test(m) && /reset/.test(m)) return 'rate_limit';
  return 'billing';
}

export interface ProviderSignal {
  /** HTTP status, when the provider answered. */
  status?: number;
  /** Error message (from the body, or the transport error). */
  message?: string;
  /** Error code / type from the body (`rate_limit_error`, `RESOURCE_EXHAUSTED`, ...). */
  code?: string;
}

/** openclaw's classifyFailoverSignalCore, reduced to one HTTP exchange. */
export function classifySignal(s: ProviderSignal): FailoverReason {
  const msgReason = reasonFromCode(s.code) ?? classifyMessage(s.message);
  const status = s.status;
  if (typeof status === 'number') {
    if (status === 402) return classify402(s.message);
    if (status === 429) return msgReason === 'billing' ? 'billing' : 'rate_limit';
    if (status === 401 || status === 403) {
      if (matches(s.message, P.authPermanent)) return 'auth_permanent';
      if (msgReason === 'billing') return 'billing';
      return 'auth';
    }
    if (status === 408) return 'timeout';
    if (status === 410)
      return msgReason === 'billing' || msgReason === 'auth' || msgReason === 'auth_permanent' ? msgReason : 'timeout';
    if (status === 404) {
      if (msgReason === 'billing' || msgReason === 'auth_permanent' || msgReason === 'auth' || msgReason === 'format')
        return msgReason;
      return 'model_not_found';
    }
    if (status === 529) return 'overloaded';
    if (status === 499 || (status >= 500 && status < 600)) {
      if (msgReason === 'overloaded' || msgReason === 'server_error') return msgReason;
      return status === 499 || status === 504 || status === 522 || status === 524 ? 'timeout' : 'server_error';
    }
    if (status === 400 || status === 422) return msgReason && msgReason !== 'server_error' ? msgReason : 'format';
  }
  return msgReason ?? 'unknown';
}

/** Whether a failure may move on to the next key: rate limits only (openclaw's rotation rule). */
export function isRotatable(s: ProviderSignal, reason: FailoverReason): boolean {
  return (
    reason === 'rate_limit' &&
    (s.status === 429 || isRateLimitMessage(s.message) || reasonFromCode(s.code) === 'rate_limit')
  );
}

/**
 * `Retry-After` as milliseconds: delta-seconds or an HTTP date; undefined when absent or invalid.
 * Also honours `retry-after-ms` (OpenAI and Anthropic send it).
 */
export function parseRetryAfter(headers: { get(name: string): string | null }, now = Date.now()): number | undefined {
  const ms = headers.get('retry-after-ms');
  if (ms && /^\d+(?:\.\d+)?$/.test(ms.trim())) return Math.max(0, Math.round(Number(ms)));
  const v = headers.get('retry-after')?.trim();
  if (!v) return undefined;
  if (/^\d+(?:\.\d+)?$/.test(v)) return Math.max(0, Math.round(Number(v) * 1000));
  const t = Date.parse(v);
  return Number.isFinite(t) ? Math.max(0, t - now) : undefined;
}
