/**
 * Resolution: one ref (validated, its provider looked up, handed to its source), a batch of refs
 * side by side within one overall deadline, and checkSecretRef (whether a ref resolves).
 */
import { type SecretRef, formatRef, validateSecretRef } from './validate';
import { SecretRefError, type SecretRefErrorCode, unresolved } from './errors';
import { type ResolveContext, lookupProvider } from './providers';
import { resolveEnv, resolveStore } from './envStore';
import { resolveFile } from './file';
import { resolveExec } from './exec';

export interface ResolveOptions {
  /**
   * Ends a file read or an exec command early (its process group is killed) with a `timeout`
   * error: the overall deadline of a batch (resolveSecretRefs), or a cancel.
   */
  signal?: AbortSignal;
}

/** Resolves a ref to its secret value. Throws SecretRefError (never containing the value). */
export async function resolveSecretRef(
  ref: SecretRef,
  ctx: ResolveContext,
  opts: ResolveOptions = {},
): Promise<string> {
  const valid = validateSecretRef(ref);
  if (!valid.ok) throw new SecretRefError('invalid_ref', valid.message);
  const r = valid.ref;
  const provider = lookupProvider(r, ctx);
  switch (provider.source) {
    case 'env':
      return resolveEnv(r, provider.allowlist, ctx);
    case 'store':
      return resolveStore(r, ctx);
    case 'file':
      return resolveFile(r, provider, ctx, opts.signal);
    case 'exec':
      return resolveExec(r, provider, ctx, opts.signal);
  }
}

export type RefOutcome = { ok: true; value: string } | { ok: false; error: SecretRefError };

export interface ResolveManyOptions {
  /** How many refs resolve at once (exec commands running side by side). Default 4. */
  concurrency?: number;
  /**
   * One bound for the whole batch, in ms. Default: the longest `timeoutMs` of the file/exec
   * providers involved (5000 when there are none), so N slow refs take one timeout, not N.
   */
  deadlineMs?: number;
  /** Cancels the batch: running commands are killed, queued refs are not started. */
  signal?: AbortSignal;
}

export const DEFAULT_REF_CONCURRENCY = 4;
const DEFAULT_REF_DEADLINE_MS = 5000;

function asRefError(err: unknown, ref: SecretRef): SecretRefError {
  if (err instanceof SecretRefError) return err;
  // Unexpected: report without the original message, which we do not control.
  return unresolved('exec_failed', ref, `Unexpected ${err instanceof Error ? err.name : 'error'}.`);
}

/** The timeoutMs of the provider a ref names, 0 for env/store or a ref that does not look up. */
function providerTimeoutMs(ref: SecretRef, ctx: ResolveContext): number {
  try {
    const p = lookupProvider(ref, ctx);
    return p.source === 'exec' || p.source === 'file' ? p.timeoutMs : 0;
  } catch {
    return 0;
  }
}

/**
 * Resolves several refs concurrently (at most `concurrency` at a time) within one overall
 * deadline. Identical refs (same `source:provider:id`) resolve once. The result maps
 * `formatRef(ref)` to the value or the error; it never throws. A ref still queued at the deadline
 * is not started and fails with `timeout`; a command still running is killed (process group and
 * descendants, see runExec) and fails with `timeout`.
 */
export async function resolveSecretRefs(
  refs: Iterable<SecretRef>,
  ctx: ResolveContext,
  opts: ResolveManyOptions = {},
): Promise<Map<string, RefOutcome>> {
  const unique = new Map<string, SecretRef>();
  for (const r of refs) {
    const k = formatRef(r);
    if (!unique.has(k)) unique.set(k, r);
  }
  const out = new Map<string, RefOutcome>();
  if (!unique.size) return out;
  const budget =
    opts.deadlineMs ??
    ([...unique.values()].reduce((m, r) => Math.max(m, providerTimeoutMs(r, ctx)), 0) || DEFAULT_REF_DEADLINE_MS);
  const ac = new AbortController();
  let why = `the overall deadline of ${budget} ms`;
  const timer = setTimeout(() => ac.abort(), budget);
  const onCancel = (): void => {
    why = 'a cancel';
    ac.abort();
  };
  if (opts.signal?.aborted) onCancel();
  else opts.signal?.addEventListener('abort', onCancel, { once: true });
  const queue = [...unique.entries()];
  const worker = async (): Promise<void> => {
    for (let item = queue.shift(); item; item = queue.shift()) {
      const [k, r] = item;
      if (ac.signal.aborted) {
        out.set(k, { ok: false, error: unresolved('timeout', r, `Not started before ${why}.`) });
        continue;
      }
      try {
        out.set(k, { ok: true, value: await resolveSecretRef(r, ctx, { signal: ac.signal }) });
      } catch (err) {
        const e = asRefError(err, r);
        out.set(k, { ok: false, error: e });
      }
    }
  };
  const n = Math.max(1, Math.min(Math.floor(opts.concurrency ?? DEFAULT_REF_CONCURRENCY) || 1, queue.length));
  try {
    await Promise.all(Array.from({ length: n }, worker));
  } finally {
    clearTimeout(timer);
    opts.signal?.removeEventListener('abort', onCancel);
  }
  return out;
}

/** Like resolveSecretRef but only reports whether the ref resolves; never returns the value. */
export async function checkSecretRef(
  ref: unknown,
  ctx: ResolveContext,
): Promise<{ ok: true } | { ok: false; code: SecretRefErrorCode; message: string }> {
  const valid = validateSecretRef(ref);
  if (!valid.ok) return { ok: false, code: valid.code, message: valid.message };
  try {
    await resolveSecretRef(valid.ref, ctx);
    return { ok: true };
  } catch (err) {
    const e = asRefError(err, valid.ref);
    return { ok: false, code: e.code, message: e.message };
  }
}
