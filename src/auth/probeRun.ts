/**
 * Live probes: one minimal request per target in the provider's own wire format (OpenAI-compatible
 * chat completions, Anthropic messages, Google generateContent), each bounded by a hard timeout
 * (AbortController: the answer, the Retry-After waits and the key rotation all fit inside it),
 * with bounded concurrency and cancellation. Rate limits (and only rate limits) rotate to the next
 * key of the provider's env key list; when every key fails, the last error is the result.
 * Results take the shape of openclaw's `auth.probes`. No vscode; `fetch` is Node's.
 *
 * Response bodies are read as a stream up to MAX_BODY_BYTES (64 KB: a real answer to an 8-token
 * probe, or any error message, is far smaller); at the cap the request is aborted, which closes
 * the socket, and what was read is classified. The timeout covers reading the body too.
 */
import type { Credential } from './schemas';
import { credentialEligibility } from './eligibility';
import type { SecretRef } from './secretRef';
import { envKeyList } from './envKeys';
import { maskSecret, redact } from './mask';
import {
  classifySignal,
  isRotatable,
  parseRetryAfter,
  probeStatusForReason,
  type FailoverReason,
  type ProbeStatus,
} from './probeClassify';
import type { ProbeOptions, ProbePlan, ProbeResult, ProbeTarget } from './probePlan';
import { isObj } from './obj';
import { replyText, requestFor, resolveEndpoint, type Endpoint, type WireApi } from './probeWire';

export const DEFAULT_PROBE_OPTIONS = { timeoutMs: 8000, concurrency: 2, maxTokens: 8 } as const;

export { PROBE_PROMPT, DEFAULT_BASE_URLS, resolveEndpoint, replyText, type Endpoint, type WireApi } from './probeWire';

/** The first `"name": "..."` string value in JSON text that may be cut short (a capped body). */
function partialJsonString(text: string, name: string): string | undefined {
  const m = new RegExp(`"${name}"\\s*:\\s*"((?:[^"\\\\]|\\\\.)*)("?)`).exec(text);
  if (!m) return undefined;
  const raw = m[1] as string;
  // Cut short inside an escape (`\u00`): drop the unfinished tail.
  for (let cut = 0; cut <= (m[2] ? 0 : 5) && cut <= raw.length; cut++) {
    try {
      return JSON.parse(`"${raw.slice(0, raw.length - cut)}"`) as string;
    } catch {
      /* shorter */
    }
  }
  return raw;
}

/** Error message and code from a provider's error body (all three formats use `error`). */
export function errorDetails(text: string, truncated = false): { message?: string; code?: string } {
  if (truncated) {
    // Not parseable as a whole: take the fields from the prefix that was read.
    const t = text.trimStart();
    if (t.startsWith('{') || t.startsWith('[')) {
      const message = partialJsonString(t, 'message');
      const code = partialJsonString(t, 'status') ?? partialJsonString(t, 'type') ?? partialJsonString(t, 'code');
      if (message !== undefined || code !== undefined) {
        return {
          ...(message !== undefined ? { message: message.slice(0, 300) } : {}),
          ...(code !== undefined ? { code: code.slice(0, 64) } : {}),
        };
      }
    }
    const m = t.slice(0, 300).trim();
    return { message: m ? m : undefined };
  }
  try {
    const v = JSON.parse(text) as unknown;
    if (isObj(v)) {
      const e = isObj(v.error)
        ? v.error
        : Array.isArray(v) && isObj(v[0]) && isObj((v[0] as Record<string, unknown>).error)
          ? (v[0] as Record<string, Record<string, unknown>>).error
          : undefined;
      if (e) {
        const code =
          typeof e.status === 'string'
            ? e.status
            : typeof e.type === 'string'
              ? e.type
              : typeof e.code === 'string'
                ? e.code
                : undefined;
        return { message: typeof e.message === 'string' ? e.message : undefined, code };
      }
      if (typeof v.message === 'string') return { message: v.message };
    }
  } catch {
    /* not JSON */
  }
  const t = text.trim();
  return { message: t ? t.slice(0, 300) : undefined };
}

interface Attempt {
  status: ProbeStatus;
  reason?: FailoverReason;
  httpStatus?: number;
  error?: string;
  rotatable: boolean;
  retryAfterMs?: number;
}

const SECRETISH = /\b(?:sk-[A-Za-z0-9_-]{8,}|AIza[0-9A-Za-z_-]{20,})|(Bearer\s+)[^\s"']+/g;
function scrub(text: string, secrets: string[]): string {
  const r = redact(text, secrets).replace(SECRETISH, (m, bearer: string | undefined) =>
    bearer ? `${bearer}${maskSecret(m.slice(bearer.length))}` : maskSecret(m),
  );
  return r.length > 500 ? `${r.slice(0, 500)}…` : r;
}

function transportMessage(e: unknown): string {
  const err = e as { message?: string; cause?: { code?: string; message?: string } };
  const code = err?.cause?.code;
  const msg = err?.cause?.message ?? err?.message ?? String(e);
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN')
    return 'LLM request failed: DNS lookup for the provider endpoint failed.';
  if (code === 'ECONNREFUSED') return 'LLM request failed: connection refused (ECONNREFUSED).';
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET' || /other side closed|socket hang up/i.test(msg))
    return 'LLM request failed: connection reset by the provider (ECONNRESET).';
  return `LLM request failed: ${msg}${code ? ` (${code})` : ''}`;
}

/** The most of a response body a probe reads; a longer body is cut here and the request aborted. */
export const MAX_BODY_BYTES = 64 * 1024;

/**
 * Reads at most `cap` bytes of the body. At the cap the reader is cancelled and `stop` aborts the
 * request, so the connection is closed instead of draining the rest. Rejects when the request's
 * signal aborts (the probe timeout or a cancel) while the body is still arriving.
 */
export async function readBodyCapped(
  res: Response,
  cap: number,
  stop: () => void,
): Promise<{ text: string; truncated: boolean }> {
  const decoder = new TextDecoder('utf-8');
  if (!res.body) return { text: '', truncated: false };
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let truncated = false;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (!value?.byteLength) continue;
      const room = cap - size;
      if (value.byteLength >= room && (value.byteLength > room || !(await atEnd(reader)))) {
        chunks.push(value.subarray(0, room));
        size = cap;
        truncated = true;
        break;
      }
      chunks.push(value);
      size += value.byteLength;
    }
  } finally {
    if (truncated) {
      stop();
      reader.cancel().catch(() => undefined);
    } else reader.releaseLock();
  }
  const all = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    all.set(c, at);
    at += c.byteLength;
  }
  // stream: true holds back a multi-byte character cut at the cap instead of emitting U+FFFD.
  return { text: decoder.decode(all, { stream: truncated }), truncated };
}

/** After a chunk that filled the cap exactly: whether the body ends there. */
async function atEnd(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<boolean> {
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return true;
    if (value?.byteLength) return false;
  }
}

/** A 2xx answer's verdict: ok when it is JSON with visible text (or JSON cut at the cap), else `format`. */
function answerVerdict(api: WireApi, httpStatus: number, text: string, truncated: boolean): Attempt {
  if (truncated) {
    // A 200 whose body runs past the cap: the provider accepted the key and is answering. A JSON
    // answer cut short counts as ok; a body that is not JSON at all is `format`, as it is uncut.
    if (/^\s*[[{]/.test(text)) return { status: 'ok', httpStatus, rotatable: false };
    return {
      status: 'format',
      reason: 'format',
      httpStatus,
      error: `The provider answered with a body that is not valid JSON (more than ${MAX_BODY_BYTES / 1024} KB; the rest was not read).`,
      rotatable: false,
    };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return {
      status: 'format',
      reason: 'format',
      httpStatus,
      error: 'The provider answered with a body that is not valid JSON.',
      rotatable: false,
    };
  }
  if (replyText(api, parsed) === undefined)
    return {
      status: 'format',
      reason: 'format',
      httpStatus,
      error: 'The model did not return a visible probe response.',
      rotatable: false,
    };
  return { status: 'ok', httpStatus, rotatable: false };
}

async function attempt(
  ep: Endpoint,
  target: ProbeTarget,
  key: string,
  maxTokens: number,
  signal: AbortSignal,
): Promise<Attempt> {
  const { headers, body } = requestFor(ep, target.model.id, key, target.mode, maxTokens);
  // This request's own controller: the probe's signal (timeout, cancel) aborts it, and so does
  // reaching the body cap (which must not look like a timeout).
  const rc = new AbortController();
  const onAbort = () => rc.abort(signal.reason);
  if (signal.aborted) rc.abort(signal.reason);
  else signal.addEventListener('abort', onAbort, { once: true });
  let res: Response;
  let text: string;
  let truncated: boolean;
  try {
    res = await fetch(ep.url, { method: 'POST', headers, body, signal: rc.signal, redirect: 'error' });
    ({ text, truncated } = await readBodyCapped(res, MAX_BODY_BYTES, () => rc.abort()));
  } catch (e) {
    if (signal.aborted) throw e;
    const message = transportMessage(e);
    const reason = classifySignal({ message });
    return { status: probeStatusForReason(reason), reason, error: message, rotatable: false };
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
  if (res.ok) return answerVerdict(ep.api, res.status, text, truncated);
  const d = errorDetails(text, truncated);
  const signalIn = { status: res.status, message: d.message, code: d.code };
  const reason = classifySignal(signalIn);
  const error = `HTTP ${res.status}${d.message ? `: ${d.message}` : ''}`;
  return {
    status: probeStatusForReason(reason),
    reason,
    httpStatus: res.status,
    error,
    rotatable: isRotatable(signalIn, reason),
    retryAfterMs: parseRetryAfter(res.headers),
  };
}

export interface KeyChainEntry {
  value: string;
  source: string;
}

export interface RunContext {
  config: Record<string, unknown>;
  env: Readonly<Record<string, string | undefined>>;
  resolveRef: (ref: SecretRef) => Promise<string>;
}

async function primaryKey(
  t: ProbeTarget,
  ctx: RunContext,
): Promise<KeyChainEntry | { error: string; noRequest?: boolean }> {
  const c = t.credential;
  try {
    if (c.kind === 'none') return { value: '', source: 'none (local provider)' };
    if (c.kind === 'env') {
      const v = ctx.env[c.variable]?.trim();
      return v ? { value: v, source: c.variable } : { error: `${c.variable} is not set.` };
    }
    if (c.kind === 'config') {
      if (c.value) return { value: c.value, source: `models.providers.${t.provider}.apiKey` };
      if (c.ref) return { value: await ctx.resolveRef(c.ref), source: `models.providers.${t.provider}.apiKey` };
      return { error: 'Configured API key could not be resolved.' };
    }
    const cred: Credential = c.credential;
    // openclaw does not send an ineligible stored credential (expired, missing): the run refuses the profile.
    if (!credentialEligibility(cred, Date.now()).eligible)
      return { error: `Auth profile "${t.profileId ?? ''}" is not configured for ${t.provider}.`, noRequest: true };
    if (cred.type === 'api_key') {
      if (cred.keyRef) return { value: await ctx.resolveRef(cred.keyRef), source: t.profileId ?? 'profile' };
      if (cred.key) return { value: cred.key, source: t.profileId ?? 'profile' };
    } else if (cred.type === 'token') {
      if (cred.tokenRef) return { value: await ctx.resolveRef(cred.tokenRef), source: t.profileId ?? 'profile' };
      if (cred.token) return { value: cred.token, source: t.profileId ?? 'profile' };
    } else if (cred.access) return { value: cred.access, source: t.profileId ?? 'profile' };
  } catch {
    return {
      error:
        'Auth profile credentials are missing or expired.\n↳ Auth reason [unresolved_ref]: configured SecretRef could not be resolved.',
    };
  }
  return { error: 'Auth profile credentials are missing or expired.' };
}

/**
 * The keys a rate-limited probe walks for a target: its own credential first, then (for env
 * targets) the provider's env key list, deduplicated.
 */
export function rotationChain(
  t: ProbeTarget,
  primary: KeyChainEntry,
  env: Readonly<Record<string, string | undefined>>,
): KeyChainEntry[] {
  const out: KeyChainEntry[] = [primary];
  if (t.source !== 'env') return out;
  const seen = new Set([primary.value]);
  for (const e of envKeyList(t.provider, env))
    if (!seen.has(e.value)) {
      seen.add(e.value);
      out.push({ value: e.value, source: e.source });
    }
  return out;
}

class Cancelled extends Error {}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(new Cancelled());
      return;
    }
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new Cancelled());
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** The fields every row of a target carries, whatever its outcome (no profileId key without a profile). */
function resultBase(t: ProbeTarget): ProbeResult {
  const base: ProbeResult = {
    provider: t.provider,
    model: `${t.model.provider}/${t.model.id}`,
    profileId: t.profileId,
    label: t.label,
    source: t.source,
    mode: t.mode,
    status: 'unknown',
  };
  if (!t.profileId) delete base.profileId;
  return base;
}

/** A probe's own abort signal: it fires at the hard timeout (then `timedOut()` is true) or when the caller cancels. */
function probeAbort(
  timeoutMs: number,
  cancel: AbortSignal | undefined,
): { signal: AbortSignal; whenAborted: Promise<never>; timedOut: () => boolean; dispose: () => void } {
  const ac = new AbortController();
  const whenAborted = new Promise<never>((_, reject) =>
    ac.signal.addEventListener('abort', () => reject(new Error('The probe was aborted.')), { once: true }),
  );
  whenAborted.catch(() => undefined);
  let timedOut = false;
  const timer = setTimeout(
    () => {
      timedOut = true;
      ac.abort();
    },
    Math.max(1, timeoutMs),
  );
  const onCancel = () => ac.abort();
  cancel?.addEventListener('abort', onCancel, { once: true });
  if (cancel?.aborted) ac.abort();
  return {
    signal: ac.signal,
    whenAborted,
    timedOut: () => timedOut,
    dispose: () => {
      clearTimeout(timer);
      cancel?.removeEventListener('abort', onCancel);
    },
  };
}

/**
 * Sends the probe with each key of the chain while the answer is a rate limit, recording every
 * request in `attempts`; the answer to the last request sent.
 */
async function tryKeys(
  ep: Endpoint,
  t: ProbeTarget,
  chain: KeyChainEntry[],
  maxTokens: number,
  signal: AbortSignal,
  deadline: number,
  attempts: NonNullable<ProbeResult['attempts']>,
): Promise<Attempt | undefined> {
  let last: Attempt | undefined;
  for (let i = 0; i < chain.length; i++) {
    const key = chain[i] as KeyChainEntry;
    last = await attempt(ep, t, key.value, maxTokens, signal);
    attempts.push({
      key: maskSecret(key.value),
      source: key.source,
      status: last.status,
      ...(last.httpStatus ? { httpStatus: last.httpStatus } : {}),
    });
    if (!last.rotatable) break;
    if (i < chain.length - 1) continue;
    // The last key is rate limited: wait out Retry-After once when it fits in the timeout.
    const wait = last.retryAfterMs;
    if (wait !== undefined && Date.now() + wait < deadline) {
      await sleep(wait, signal);
      last = await attempt(ep, t, key.value, maxTokens, signal);
      attempts.push({
        key: maskSecret(key.value),
        source: key.source,
        status: last.status,
        ...(last.httpStatus ? { httpStatus: last.httpStatus } : {}),
      });
    }
    break;
  }
  return last;
}

/** Probes one target within `timeoutMs` (hard bound), rotating keys on rate limits only. */
export async function probeTarget(
  t: ProbeTarget,
  ctx: RunContext,
  opts: { timeoutMs: number; maxTokens: number; signal?: AbortSignal },
): Promise<ProbeResult> {
  const start = Date.now();
  const base = resultBase(t);
  const finish = (status: ProbeStatus, error?: string, extra: Partial<ProbeResult> = {}): ProbeResult => ({
    ...base,
    status,
    ...(error ? { error } : {}),
    latencyMs: Date.now() - start,
    ...extra,
  });
  const ep = resolveEndpoint(ctx.config, t.provider, t.model.id);
  if ('error' in ep) return finish('unknown', ep.error);
  const primary = await primaryKey(t, ctx);
  if ('error' in primary) return finish(primary.noRequest ? 'unknown' : 'auth', primary.error);
  const chain = rotationChain(t, primary, ctx.env);
  const secrets = chain.map((k) => k.value);
  const abort = probeAbort(opts.timeoutMs, opts.signal);
  const attempts: NonNullable<ProbeResult['attempts']> = [];
  const deadline = start + opts.timeoutMs;
  let last: Attempt | undefined;
  try {
    // The hard bound does not rely on fetch honouring the abort while a body trickles in: the
    // probe ends when its signal fires, whatever the request is still doing.
    const work = tryKeys(ep, t, chain, opts.maxTokens, abort.signal, deadline, attempts);
    work.catch(() => undefined);
    last = await Promise.race([work, abort.whenAborted]);
  } catch (e) {
    if (abort.timedOut())
      return finish('timeout', `LLM request timed out after ${opts.timeoutMs} ms.`, {
        ...(attempts.length > 1 ? { attempts } : {}),
        failureReason: 'timeout',
      });
    if (opts.signal?.aborted || e instanceof Cancelled)
      return finish('unknown', 'Probe cancelled.', attempts.length > 1 ? { attempts } : {});
    return finish('unknown', scrub(transportMessage(e), secrets));
  } finally {
    abort.dispose();
  }
  const a = last as Attempt;
  const extra: Partial<ProbeResult> = attempts.length > 1 ? { attempts } : {};
  if (a.status === 'ok') return finish('ok', undefined, extra);
  const rotated =
    attempts.length > 1 && chain.length > 1 ? ` (after trying ${new Set(attempts.map((x) => x.key)).size} keys)` : '';
  return finish(a.status, scrub(`${a.error ?? 'Probe failed.'}${rotated}`, secrets), {
    ...extra,
    ...(a.reason ? { failureReason: a.reason } : {}),
  });
}

export interface ProbeSummary {
  startedAt: number;
  finishedAt: number;
  durationMs: number;
  totalTargets: number;
  options: { provider?: string; profileIds: string[]; timeoutMs: number; concurrency: number; maxTokens: number };
  results: ProbeResult[];
  /** Ours: the run was cancelled; unfinished targets read "Probe cancelled.". */
  cancelled?: boolean;
}

export interface RunProbesOptions {
  signal?: AbortSignal;
  onProgress?: (p: { completed: number; total: number; label?: string }) => void;
}

/** Normalised options with openclaw's defaults (timeout 8000, concurrency 2, max tokens 8). */
export function probeOptions(o: ProbeOptions): ProbeSummary['options'] {
  const pos = (v: number | undefined, d: number) => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : d);
  const out: ProbeSummary['options'] = {
    profileIds: (o.profileIds ?? []).map((s) => s.trim()).filter(Boolean),
    timeoutMs: pos(o.timeoutMs, DEFAULT_PROBE_OPTIONS.timeoutMs),
    concurrency: Math.floor(pos(o.concurrency, DEFAULT_PROBE_OPTIONS.concurrency)),
    maxTokens: Math.floor(pos(o.maxTokens, DEFAULT_PROBE_OPTIONS.maxTokens)),
  };
  if (o.provider?.trim()) out.provider = o.provider.trim();
  return out;
}

/** Runs the plan's targets with bounded concurrency; local rows come first, as openclaw lists them. */
export async function runProbes(
  plan: ProbePlan,
  ctx: RunContext,
  options: ProbeOptions,
  run: RunProbesOptions = {},
): Promise<ProbeSummary> {
  const opts = probeOptions(options);
  const startedAt = Date.now();
  const targets = plan.targets;
  const out: ProbeResult[] = new Array<ProbeResult>(targets.length);
  let next = 0;
  let completed = 0;
  run.onProgress?.({ completed: 0, total: targets.length });
  const worker = async () => {
    while (next < targets.length) {
      const i = next++;
      const t = targets[i] as ProbeTarget;
      if (run.signal?.aborted) {
        out[i] = {
          provider: t.provider,
          model: `${t.model.provider}/${t.model.id}`,
          ...(t.profileId ? { profileId: t.profileId } : {}),
          label: t.label,
          source: t.source,
          mode: t.mode,
          status: 'unknown',
          error: 'Probe cancelled.',
        };
        continue;
      }
      run.onProgress?.({
        completed,
        total: targets.length,
        label: `Probing ${t.provider}${t.profileId ? ` (${t.label})` : ''}`,
      });
      out[i] = await probeTarget(t, ctx, { timeoutMs: opts.timeoutMs, maxTokens: opts.maxTokens, signal: run.signal });
      completed++;
      run.onProgress?.({ completed, total: targets.length });
    }
  };
  const n = Math.max(1, Math.min(targets.length || 1, opts.concurrency));
  await Promise.all(Array.from({ length: n }, worker));
  const finishedAt = Date.now();
  const summary: ProbeSummary = {
    startedAt,
    finishedAt,
    durationMs: finishedAt - startedAt,
    totalTargets: targets.length,
    options: opts,
    results: [...plan.results, ...out],
  };
  if (run.signal?.aborted) summary.cancelled = true;
  return summary;
}
