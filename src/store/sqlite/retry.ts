/**
 * Retries of the lock-free reader: the internal Retry signal, the back-off loop (retrying), and the
 * structural comparison and copying of callback results that SqliteReader.read() confirms.
 */
import { SqliteBusyError, SqliteChangedError, type SqliteReadOptions } from './types';

const DEFAULT_MAX_ATTEMPTS = 20;
const DEFAULT_MAX_WAIT_MS = 1000;
const MAX_BACKOFF_MS = 64;

/**
 * Internal signal, thrown and caught within the reader (src/store/sqlite/): this attempt saw the
 * files change, or could not be confirmed yet; try again. Not an Error, so
 * throwing it (on every pass of read()) captures no stack trace.
 */
export class Retry {
  constructor(
    readonly reason: string,
    /** count: uses up one of maxAttempts; sleep: back off before the next attempt. */
    readonly policy: { count: boolean; sleep: boolean } = { count: true, sleep: true },
    readonly cause?: unknown,
  ) {}
}

export function resolveOptions(o: SqliteReadOptions): Required<SqliteReadOptions> {
  return {
    maxAttempts: Math.max(1, Math.floor(o.maxAttempts ?? DEFAULT_MAX_ATTEMPTS)),
    maxWaitMs: Math.max(0, o.maxWaitMs ?? DEFAULT_MAX_WAIT_MS),
  };
}

const sleepCell = new Int32Array(new SharedArrayBuffer(4));
function sleepMs(ms: number): void {
  Atomics.wait(sleepCell, 0, 0, ms);
}

/**
 * Runs `attempt` until it returns. A Retry or SqliteBusyError backs off (1, 2,
 * 4 ... 64 ms, jittered) and tries again, at most opts.maxAttempts times within
 * opts.maxWaitMs. Any other error is tried once more (a torn read can look like
 * corruption even when the file identity did not visibly change) and thrown if
 * it repeats.
 */
export function retrying<T>(file: string, opts: Required<SqliteReadOptions>, attempt: (n: number) => T): T {
  const t0 = Date.now();
  let failures = 0;
  let delay = 1;
  let genuine: unknown;
  for (let n = 0; ; n++) {
    try {
      return attempt(n);
    } catch (e) {
      if (e instanceof SqliteChangedError) throw e;
      if (!(e instanceof Retry) && !(e instanceof SqliteBusyError)) {
        if ((genuine !== undefined && sameError(genuine, e)) || ++failures >= opts.maxAttempts) throw e;
        genuine = e;
        continue;
      }
      genuine = undefined;
      const policy = e instanceof Retry ? e.policy : { count: true, sleep: true };
      if (policy.count) failures++;
      const elapsed = Date.now() - t0;
      if (
        failures >= opts.maxAttempts ||
        elapsed + (policy.sleep ? delay : 0) > opts.maxWaitMs ||
        n >= 4 * opts.maxAttempts
      ) {
        if (e instanceof SqliteBusyError) throw e;
        throw new SqliteChangedError(
          `${file} kept changing while it was read; try again (${failures} attempts in ${elapsed} ms; last: ${e.reason})`,
          { cause: e.cause ?? e },
        );
      }
      if (policy.sleep) {
        // Jitter keeps retries from falling into step with a writer's commit rhythm.
        sleepMs(delay * (0.5 + Math.random()));
        delay = Math.min(delay * 2, MAX_BACKOFF_MS);
      }
    }
  }
}

function sameError(a: unknown, b: unknown): boolean {
  return a instanceof Error && b instanceof Error && a.constructor === b.constructor && a.message === b.message;
}

/** Structural equality for callback results (primitives, bigint, byte arrays, arrays, objects, Map, Set). */
export function sameResult(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (ArrayBuffer.isView(a) || ArrayBuffer.isView(b)) {
    if (!ArrayBuffer.isView(a) || !ArrayBuffer.isView(b)) return false;
    return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((v, i) => sameResult(v, b[i]));
  }
  if (a instanceof Map || b instanceof Map) {
    if (!(a instanceof Map) || !(b instanceof Map) || a.size !== b.size) return false;
    for (const [k, v] of a) if (!b.has(k) || !sameResult(v, b.get(k))) return false;
    return true;
  }
  if (a instanceof Set || b instanceof Set) {
    if (!(a instanceof Set) || !(b instanceof Set) || a.size !== b.size) return false;
    for (const v of a) if (!b.has(v)) return false;
    return true;
  }
  if (a instanceof Date || b instanceof Date)
    return a instanceof Date && b instanceof Date && a.getTime() === b.getTime();
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  return ka.every((k, i) => kb[i] === k && sameResult(ra[k], rb[k]));
}

/** A copy for sameResult() that later mutation by the caller cannot affect. */
export function cloneResult(v: unknown): unknown {
  if (typeof v !== 'object' || v === null) return v;
  if (ArrayBuffer.isView(v)) return Uint8Array.from(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
  if (Array.isArray(v)) return v.map(cloneResult);
  if (v instanceof Map) return new Map([...v].map(([k, x]) => [k, cloneResult(x)]));
  if (v instanceof Set) return new Set(v);
  if (v instanceof Date) return new Date(v.getTime());
  const out = Object.create(Object.getPrototypeOf(v) as object | null) as Record<string, unknown>;
  for (const k of Object.keys(v)) {
    Object.defineProperty(out, k, {
      value: cloneResult((v as Record<string, unknown>)[k]),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}
