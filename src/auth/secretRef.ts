/**
 * OpenClaw SecretRef validation and resolution (mirrors openclaw 2026.9.6).
 *
 * A SecretRef is `{ source, provider, id }`. Providers are configured in
 * openclaw.json under `secrets.providers.<alias>`; `secrets.defaults.<source>`
 * names the default alias per source. The default env alias is built in.
 *
 * Security rules: resolved values never appear in error messages. File and
 * exec providers are subject to the same permission checks openclaw applies.
 * This module must stay free of `vscode` imports.
 */
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { constants as fsConstants, promises as fsp } from 'node:fs';
import type { Stats } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as z from 'zod/mini';
import { ownProcessGroup, posixPermissions, treeKillPlan } from '../os/platform';
import { descendantsIn, parentLinks } from '../os/procTree';

// ---------------------------------------------------------------------------
// Shape and validation
// ---------------------------------------------------------------------------

export const SECRET_REF_SOURCES = ['env', 'file', 'exec', 'store'] as const;
export type SecretRefSource = (typeof SECRET_REF_SOURCES)[number];

export const SecretRefSchema = z.object({
  source: z.enum(SECRET_REF_SOURCES),
  provider: z.string(),
  id: z.string(),
});
export type SecretRef = z.infer<typeof SecretRefSchema>;

export const DEFAULT_SECRET_PROVIDER_ALIAS = 'default';
/** Id used by `file` providers in `singleValue` mode. */
export const SINGLE_VALUE_FILE_REF_ID = 'value';

const PROVIDER_ALIAS_RE = /^[a-z][a-z0-9_-]{0,63}$/;
const ENV_ID_RE = /^[A-Z][A-Z0-9_]{0,127}$/;
const FILE_POINTER_SEGMENT_RE = /^(?:[^~]|~0|~1)*$/;
const EXEC_ID_RE = /^[A-Za-z0-9][A-Za-z0-9._:/#-]{0,255}$/;

export function isValidProviderAlias(value: string): boolean {
  return PROVIDER_ALIAS_RE.test(value);
}

export function isValidEnvId(value: string): boolean {
  return ENV_ID_RE.test(value);
}

/** Absolute RFC 6901 JSON pointer, or the literal "value" (singleValue providers). */
export function isValidFileId(value: string): boolean {
  if (value === SINGLE_VALUE_FILE_REF_ID) return true;
  if (!value.startsWith('/')) return false;
  return value
    .slice(1)
    .split('/')
    .every((segment) => FILE_POINTER_SEGMENT_RE.test(segment));
}

export function isValidExecId(value: string): boolean {
  if (!EXEC_ID_RE.test(value)) return false;
  return value.split('/').every((segment) => segment !== '.' && segment !== '..');
}

const ID_RULES: Record<SecretRefSource, { test: (id: string) => boolean; rule: string }> = {
  env: { test: isValidEnvId, rule: 'must match ^[A-Z][A-Z0-9_]{0,127}$' },
  store: { test: isValidEnvId, rule: 'must match ^[A-Z][A-Z0-9_]{0,127}$' },
  file: {
    test: isValidFileId,
    rule: 'must be an absolute JSON pointer ("/a/b", escapes ~0 and ~1 only) or "value"',
  },
  exec: {
    test: isValidExecId,
    rule: 'must match ^[A-Za-z0-9][A-Za-z0-9._:/#-]{0,255}$ and must not contain "." or ".." path segments',
  },
};

export type ValidateResult = { ok: true; ref: SecretRef } | { ok: false; code: 'invalid_ref'; message: string };

/**
 * Validates an unknown value as a SecretRef. Messages never echo the offending
 * id (a mis-pasted secret could sit there).
 */
export function validateSecretRef(ref: unknown): ValidateResult {
  const parsed = SecretRefSchema.safeParse(ref);
  if (!parsed.success) {
    const fields = [...new Set(parsed.error.issues.map((i) => i.path.join('.') || '(root)'))];
    return {
      ok: false,
      code: 'invalid_ref',
      message: `SecretRef must be an object {source: "env"|"file"|"exec"|"store", provider: string, id: string} (invalid: ${fields.join(', ')}).`,
    };
  }
  const value = parsed.data;
  if (!isValidProviderAlias(value.provider)) {
    return {
      ok: false,
      code: 'invalid_ref',
      message: `SecretRef provider must match ^[a-z][a-z0-9_-]{0,63}$ (source "${value.source}").`,
    };
  }
  const rule = ID_RULES[value.source];
  if (!rule.test(value.id)) {
    return {
      ok: false,
      code: 'invalid_ref',
      message: `SecretRef id for source "${value.source}" ${rule.rule}.`,
    };
  }
  return { ok: true, ref: { source: value.source, provider: value.provider, id: value.id } };
}

/** `"${VAR}"` / `"$VAR"` → `{source:"env", provider:"default", id:VAR}`; anything else → undefined. */
export function parseSecretShorthand(s: string): SecretRef | undefined {
  const m = /^\$\{([^{}]*)\}$/.exec(s) ?? /^\$([^{}$]*)$/.exec(s);
  const name = m?.[1];
  if (name === undefined || !isValidEnvId(name)) return undefined;
  return { source: 'env', provider: DEFAULT_SECRET_PROVIDER_ALIAS, id: name };
}

/** `env:default:OPENROUTER_API_KEY` */
export function formatRef(ref: SecretRef): string {
  return `${ref.source}:${ref.provider}:${ref.id}`;
}

/** openclaw's short label: `ref(env:OPENROUTER_API_KEY)` */
export function formatRefLabel(ref: SecretRef): string {
  return `ref(${ref.source}:${ref.id})`;
}

// ---------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------

export type SecretRefErrorCode =
  | 'invalid_ref'
  | 'unknown_provider'
  | 'not_found'
  | 'empty_value'
  | 'insecure_file'
  | 'symlink'
  | 'too_large'
  | 'timeout'
  | 'exec_failed'
  | 'bad_output'
  | 'not_allowed'
  | 'oauth_ref_forbidden';

export class SecretRefError extends Error {
  readonly code: SecretRefErrorCode;
  /** Display form of the ref (`source:provider:id`), when one is involved. */
  readonly ref?: string;

  constructor(code: SecretRefErrorCode, message: string, ref?: string) {
    super(message);
    this.name = 'SecretRefError';
    this.code = code;
    if (ref !== undefined) this.ref = ref;
  }
}

/** openclaw's probe message: `could not resolve SecretRef "env:default:X".` (+ optional detail). */
function unresolved(code: SecretRefErrorCode, ref: SecretRef, detail?: string): SecretRefError {
  const key = formatRef(ref);
  const base = `could not resolve SecretRef "${key}".`;
  return new SecretRefError(code, detail ? `${base} ${detail}` : base, key);
}

// ---------------------------------------------------------------------------
// OAuth guard
// ---------------------------------------------------------------------------

const OAUTH_REF_FIELDS = ['keyRef', 'tokenRef', 'oauthRef'] as const;

/**
 * openclaw refuses SecretRefs on OAuth profiles. Throws `oauth_ref_forbidden`
 * when an OAuth profile carries keyRef/tokenRef/oauthRef or any top-level
 * field holding a SecretRef object.
 */
export function assertNoRefOnOAuth(profileId: string, profile: unknown): void {
  if (typeof profile !== 'object' || profile === null) return;
  const rec = profile as Record<string, unknown>;
  if (rec['type'] !== 'oauth') return;
  const hasRef =
    OAUTH_REF_FIELDS.some((f) => rec[f] !== undefined && rec[f] !== null) ||
    Object.values(rec).some((v) => SecretRefSchema.safeParse(v).success);
  if (hasRef) {
    throw new SecretRefError(
      'oauth_ref_forbidden',
      `Auth profile "${profileId}" is type "oauth" and cannot use SecretRef fields (keyRef/tokenRef/oauthRef are not supported for OAuth credentials).`,
    );
  }
}

// ---------------------------------------------------------------------------
// Provider configuration (openclaw.json `secrets`)
// ---------------------------------------------------------------------------

const positiveInt = z.number().check(z.int(), z.positive());

export const EnvProviderSchema = z.object({
  source: z.literal('env'),
  allowlist: z.optional(z.array(z.string())),
});

export const FileProviderSchema = z.object({
  source: z.literal('file'),
  path: z.string().check(z.minLength(1)),
  mode: z._default(z.enum(['json', 'singleValue']), 'json'),
  timeoutMs: z._default(positiveInt, 5000),
  maxBytes: z._default(positiveInt, 1048576),
});

export const ExecProviderSchema = z.object({
  source: z.literal('exec'),
  command: z.string().check(z.minLength(1)),
  args: z._default(z.array(z.string()), []),
  passEnv: z._default(z.array(z.string()), []),
  env: z._default(z.record(z.string(), z.string()), {}),
  trustedDirs: z.optional(z.array(z.string())),
  timeoutMs: z._default(positiveInt, 5000),
  noOutputTimeoutMs: z.optional(positiveInt),
  maxOutputBytes: z._default(positiveInt, 1048576),
  jsonOnly: z._default(z.boolean(), true),
});

export const StoreProviderSchema = z.object({ source: z.literal('store') });

export const SecretProviderSchema = z.discriminatedUnion('source', [
  EnvProviderSchema,
  FileProviderSchema,
  ExecProviderSchema,
  StoreProviderSchema,
]);
export type SecretProviderConfig = z.infer<typeof SecretProviderSchema>;
type FileProviderConfig = z.infer<typeof FileProviderSchema>;
type ExecProviderConfig = z.infer<typeof ExecProviderSchema>;

/** An optional field whose invalid value reads as absent instead of failing the whole object. */
const lenient = <T extends z.core.SomeType>(schema: T) => z.catch(z.optional(schema), undefined);

const SecretsConfigShape = z.object({
  providers: lenient(z.record(z.string(), z.unknown())),
  defaults: lenient(
    z.object({
      env: lenient(z.string()),
      file: lenient(z.string()),
      exec: lenient(z.string()),
      store: lenient(z.string()),
    }),
  ),
});
type SecretsConfigView = z.infer<typeof SecretsConfigShape>;

function readSecretsConfig(raw: unknown): SecretsConfigView {
  const parsed = SecretsConfigShape.safeParse(raw);
  return parsed.success ? parsed.data : {};
}

/** `secrets.defaults.<source>` (trimmed) or "default". */
export function defaultProviderAlias(source: SecretRefSource, secretsConfig?: unknown): string {
  const configured = readSecretsConfig(secretsConfig).defaults?.[source]?.trim();
  return configured ? configured : DEFAULT_SECRET_PROVIDER_ALIAS;
}

export interface ResolveContext {
  /** Environment seen by env refs and the source of exec `passEnv` variables. */
  env: Record<string, string | undefined>;
  /** The openclaw.json `secrets` object. */
  secretsConfig?: unknown;
  /** Reader for the shared `secret_store_entries` table (team scope, live rows). */
  readStoreSecret?: (name: string) => string | undefined;
  /** Uid that must own exec commands (root is always accepted). Defaults to process.getuid(). */
  platformUid?: number;
}

function lookupProvider(ref: SecretRef, ctx: ResolveContext): SecretProviderConfig {
  const cfg = readSecretsConfig(ctx.secretsConfig);
  const providers = cfg.providers ?? {};
  const hasEntry = Object.prototype.hasOwnProperty.call(providers, ref.provider);
  if (hasEntry) {
    const parsed = SecretProviderSchema.safeParse(providers[ref.provider]);
    if (!parsed.success) {
      const where = [...new Set(parsed.error.issues.map((i) => i.path.map(String).join('.') || '(root)'))].join(', ');
      throw new SecretRefError(
        'invalid_ref',
        `SecretRef provider "${ref.provider}" has an invalid configuration under secrets.providers (check: ${where}).`,
        formatRef(ref),
      );
    }
    if (parsed.data.source !== ref.source) {
      throw new SecretRefError(
        'unknown_provider',
        `SecretRef provider "${ref.provider}" has source "${parsed.data.source}" but the ref requests "${ref.source}".`,
        formatRef(ref),
      );
    }
    return parsed.data;
  }
  // Built-ins: the default env alias, and the default store alias (the shared DB).
  if (ref.source === 'env' && ref.provider === defaultProviderAlias('env', ctx.secretsConfig)) {
    return { source: 'env' };
  }
  if (ref.source === 'store' && ref.provider === defaultProviderAlias('store', ctx.secretsConfig)) {
    return { source: 'store' };
  }
  throw new SecretRefError(
    'unknown_provider',
    `SecretRef provider "${ref.provider}" is not configured under secrets.providers`,
    formatRef(ref),
  );
}

// ---------------------------------------------------------------------------
// Resolution
// ---------------------------------------------------------------------------

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

function resolveEnv(ref: SecretRef, allowlist: string[] | undefined, ctx: ResolveContext): string {
  if (allowlist && !allowlist.includes(ref.id)) {
    throw unresolved(
      'not_allowed',
      ref,
      `Environment variable "${ref.id}" is not allowlisted in secrets.providers.${ref.provider}.allowlist.`,
    );
  }
  if (!Object.prototype.hasOwnProperty.call(ctx.env, ref.id)) throw unresolved('not_found', ref);
  const value = ctx.env[ref.id];
  if (value === undefined) throw unresolved('not_found', ref);
  if (value === '') throw unresolved('empty_value', ref);
  return value;
}

function resolveStore(ref: SecretRef, ctx: ResolveContext): string {
  if (!ctx.readStoreSecret) {
    throw unresolved('unknown_provider', ref, 'The shared secret store is not available.');
  }
  let value: string | undefined;
  try {
    value = ctx.readStoreSecret(ref.id);
  } catch (err) {
    throw unresolved(
      'not_found',
      ref,
      `Reading the shared secret store failed (${err instanceof Error ? err.name : 'error'}).`,
    );
  }
  if (value === undefined || value === null)
    throw unresolved('not_found', ref, 'No live team entry in the secret store.');
  if (typeof value !== 'string') throw unresolved('bad_output', ref, 'Secret store entry is not a string.');
  if (value === '') throw unresolved('empty_value', ref);
  return value;
}

// --- file ------------------------------------------------------------------

function expandHome(p: string, ctx: ResolveContext): string {
  const home = ctx.env['HOME'] || os.homedir();
  if (p === '~') return home;
  if (p.startsWith('~/')) return path.join(home, p.slice(2));
  return p;
}

function describeFsError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' ? code : 'error';
}

function checkFileStats(ref: SecretRef, st: Stats, maxBytes: number): void {
  if (st.isSymbolicLink()) throw unresolved('symlink', ref, 'The secrets file must not be a symlink.');
  if (!st.isFile()) throw unresolved('insecure_file', ref, 'The secrets file is not a regular file.');
  if (st.nlink !== 1) {
    throw unresolved('insecure_file', ref, `The secrets file has ${st.nlink} hard links (must be exactly 1).`);
  }
  if (posixPermissions(process.platform) && (st.mode & 0o077) !== 0) {
    throw unresolved(
      'insecure_file',
      ref,
      `The secrets file is accessible by group or others (mode ${(st.mode & 0o777).toString(8).padStart(3, '0')}); chmod 600 it.`,
    );
  }
  if (st.size > maxBytes) {
    throw unresolved('too_large', ref, `The secrets file is ${st.size} bytes (maxBytes ${maxBytes}).`);
  }
}

async function withTimeout<T>(
  ms: number,
  onTimeout: () => Error,
  work: Promise<T>,
  signal?: AbortSignal,
  onAbort?: () => Error,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  let abortListener: (() => void) | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), ms);
    if (signal) {
      abortListener = () => reject((onAbort ?? onTimeout)());
      if (signal.aborted) abortListener();
      else signal.addEventListener('abort', abortListener, { once: true });
    }
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    if (timer) clearTimeout(timer);
    if (abortListener) signal?.removeEventListener('abort', abortListener);
  }
}

async function readSecretsFile(ref: SecretRef, cfg: FileProviderConfig, ctx: ResolveContext): Promise<string> {
  const filePath = expandHome(cfg.path, ctx);
  if (!path.isAbsolute(filePath)) {
    throw unresolved('not_allowed', ref, `secrets.providers.${ref.provider}.path must be an absolute path.`);
  }
  let st: Stats;
  try {
    st = await fsp.lstat(filePath);
  } catch (err) {
    throw unresolved('not_found', ref, `The secrets file cannot be read (${describeFsError(err)}).`);
  }
  checkFileStats(ref, st, cfg.maxBytes);

  const noFollow = fsConstants.O_NOFOLLOW ?? 0;
  let handle: fsp.FileHandle;
  try {
    handle = await fsp.open(filePath, fsConstants.O_RDONLY | noFollow);
  } catch (err) {
    const code = describeFsError(err);
    if (code === 'ELOOP') throw unresolved('symlink', ref, 'The secrets file must not be a symlink.');
    throw unresolved('not_found', ref, `The secrets file cannot be opened (${code}).`);
  }
  try {
    // Re-check on the open descriptor (guards against a swap after lstat).
    const fst = await handle.stat();
    if (fst.ino !== st.ino || fst.dev !== st.dev) {
      throw unresolved('insecure_file', ref, 'The secrets file changed while it was being opened.');
    }
    checkFileStats(ref, fst, cfg.maxBytes);
    const buf = Buffer.alloc(cfg.maxBytes + 1);
    let total = 0;
    while (total < buf.length) {
      const { bytesRead } = await handle.read(buf, total, buf.length - total, null);
      if (bytesRead === 0) break;
      total += bytesRead;
    }
    if (total > cfg.maxBytes) {
      throw unresolved('too_large', ref, `The secrets file exceeds maxBytes ${cfg.maxBytes}.`);
    }
    return buf.subarray(0, total).toString('utf8');
  } finally {
    await handle.close().catch(() => undefined);
  }
}

/** Own-property walk of an RFC 6901 pointer. */
function resolveJsonPointer(doc: unknown, pointer: string): { found: true; value: unknown } | { found: false } {
  if (pointer === '') return { found: true, value: doc };
  let cur: unknown = doc;
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(cur)) {
      if (!/^(?:0|[1-9][0-9]*)$/.test(key)) return { found: false };
      const idx = Number(key);
      if (idx >= cur.length) return { found: false };
      cur = cur[idx];
    } else if (typeof cur === 'object' && cur !== null) {
      if (!Object.prototype.hasOwnProperty.call(cur, key)) return { found: false };
      cur = (cur as Record<string, unknown>)[key];
    } else {
      return { found: false };
    }
  }
  return { found: true, value: cur };
}

async function resolveFile(
  ref: SecretRef,
  cfg: FileProviderConfig,
  ctx: ResolveContext,
  signal?: AbortSignal,
): Promise<string> {
  if (cfg.mode === 'singleValue' && ref.id !== SINGLE_VALUE_FILE_REF_ID) {
    throw unresolved('invalid_ref', ref, `singleValue file providers only accept the id "value".`);
  }
  if (cfg.mode === 'json' && !ref.id.startsWith('/')) {
    throw unresolved('invalid_ref', ref, `json file providers need an absolute JSON pointer id.`);
  }
  const content = await withTimeout(
    cfg.timeoutMs,
    () => unresolved('timeout', ref, `Reading the secrets file took longer than ${cfg.timeoutMs} ms.`),
    readSecretsFile(ref, cfg, ctx),
    signal,
    () => unresolved('timeout', ref, 'Reading the secrets file did not finish before the overall deadline.'),
  );
  if (cfg.mode === 'singleValue') {
    const value = content.replace(/\r?\n$/, '');
    if (value === '') throw unresolved('empty_value', ref);
    return value;
  }
  let doc: unknown;
  try {
    doc = JSON.parse(content);
  } catch {
    // JSON.parse messages can quote file content: never include them.
    throw unresolved('bad_output', ref, 'The secrets file is not valid JSON.');
  }
  const hit = resolveJsonPointer(doc, ref.id);
  if (!hit.found) throw unresolved('not_found', ref, 'The JSON pointer does not exist in the secrets file.');
  if (typeof hit.value !== 'string') {
    throw unresolved('bad_output', ref, `The value at the JSON pointer is a ${jsonType(hit.value)}, not a string.`);
  }
  if (hit.value === '') throw unresolved('empty_value', ref);
  return hit.value;
}

function jsonType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

// --- exec ------------------------------------------------------------------

const ExecResponseSchema = z.object({
  protocolVersion: z.literal(1),
  values: z.optional(z.record(z.string(), z.unknown())),
  errors: z.optional(
    z.record(z.string(), z.looseObject({ code: z.optional(z.string()), message: z.optional(z.string()) })),
  ),
});

function isInside(child: string, dir: string): boolean {
  const rel = path.relative(path.resolve(dir), child);
  return rel !== '' && rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel);
}

async function checkExecCommand(ref: SecretRef, cfg: ExecProviderConfig, ctx: ResolveContext): Promise<string> {
  const command = cfg.command;
  if (!path.isAbsolute(command)) {
    throw unresolved('not_allowed', ref, `secrets.providers.${ref.provider}.command must be an absolute path.`);
  }
  const resolved = path.resolve(command);
  if (cfg.trustedDirs && !cfg.trustedDirs.some((d) => path.isAbsolute(d) && isInside(resolved, d))) {
    throw unresolved(
      'not_allowed',
      ref,
      `The exec command is not inside secrets.providers.${ref.provider}.trustedDirs.`,
    );
  }
  let st: Stats;
  try {
    st = await fsp.lstat(resolved);
  } catch (err) {
    throw unresolved('exec_failed', ref, `The exec command cannot be found (${describeFsError(err)}).`);
  }
  if (st.isSymbolicLink()) throw unresolved('symlink', ref, 'The exec command must not be a symlink.');
  if (!st.isFile()) throw unresolved('insecure_file', ref, 'The exec command is not a regular file.');
  if (posixPermissions(process.platform)) {
    const uid = ctx.platformUid ?? process.getuid?.();
    if (uid !== undefined && st.uid !== uid && st.uid !== 0) {
      throw unresolved(
        'insecure_file',
        ref,
        `The exec command is owned by uid ${st.uid}, not the current user or root.`,
      );
    }
    if ((st.mode & 0o022) !== 0) {
      throw unresolved(
        'insecure_file',
        ref,
        `The exec command is writable by group or others (mode ${(st.mode & 0o777).toString(8).padStart(3, '0')}).`,
      );
    }
  }
  return resolved;
}

interface ExecOutcome {
  stdout: string;
}

export { parsePsTable } from '../os/platform';

/** The pids of every live descendant of `root` (through parent links); [] when they cannot be listed. */
function descendantPids(root: number): number[] {
  return descendantsIn(parentLinks(process.platform), root);
}

function signalPid(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    /* gone already */
  }
}

/**
 * Kills an exec command started in its own process group (detached, so its pid is the group id):
 * the group is stopped, then every descendant still linked to it by parent pid (from /proc, else
 * `ps`, so macOS too) is found
 * and stopped too, including ones that left the group or the session with setsid; then all of
 * them and the group get SIGKILL. Not reached: a process that was reparented away before the kill
 * and left the group (a daemon that double-forked and called setsid; only a cgroup could follow it).
 */
function killExecTree(pid: number): void {
  signalPid(-pid, 'SIGSTOP'); // nothing in the group forks or exits while we look
  const found = new Set<number>();
  for (let round = 0; round < 4; round++) {
    const fresh = descendantPids(pid).filter((p) => !found.has(p));
    if (!fresh.length) break;
    for (const p of fresh) {
      found.add(p);
      signalPid(p, 'SIGSTOP');
    }
  }
  signalPid(-pid, 'SIGKILL');
  for (const p of found) signalPid(p, 'SIGKILL');
}

/** The environment the exec command sees: the passEnv variables it is given, then the provider's env. */
function execEnv(cfg: ExecProviderConfig, ctx: ResolveContext): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of cfg.passEnv) {
    const v = ctx.env[name];
    if (v !== undefined) env[name] = v;
  }
  Object.assign(env, cfg.env);
  return env;
}

function runExec(
  ref: SecretRef,
  command: string,
  cfg: ExecProviderConfig,
  ctx: ResolveContext,
  signal?: AbortSignal,
): Promise<ExecOutcome> {
  const env = execEnv(cfg, ctx);
  const request = JSON.stringify({ protocolVersion: 1, provider: ref.provider, ids: [ref.id] });
  const useGroup = ownProcessGroup(process.platform);

  return new Promise<ExecOutcome>((resolve, reject) => {
    if (signal?.aborted) {
      reject(unresolved('timeout', ref, 'The exec command was not started: the overall deadline had passed.'));
      return;
    }
    let child: ChildProcess;
    try {
      child = spawn(command, cfg.args, {
        shell: false,
        env,
        stdio: ['pipe', 'pipe', 'pipe'],
        detached: useGroup, // own process group so a kill reaches grandchildren too
        windowsHide: true,
      });
    } catch (err) {
      reject(unresolved('exec_failed', ref, `The exec command could not be started (${describeFsError(err)}).`));
      return;
    }
    superviseExec(child, ref, cfg, request, useGroup, signal, resolve, reject);
  });
}

/** Drives a started exec command to one outcome: its stdout, or the first failure (limit, deadline, exit). */
function superviseExec(
  proc: ChildProcess,
  ref: SecretRef,
  cfg: ExecProviderConfig,
  request: string,
  useGroup: boolean,
  signal: AbortSignal | undefined,
  resolve: (outcome: ExecOutcome) => void,
  reject: (err: SecretRefError) => void,
): void {
  const chunks: Buffer[] = [];
  let size = 0;
  let failure: SecretRefError | undefined;
  let settled = false;
  let exited = false;

  const settle = (fn: () => void): void => {
    if (settled) return;
    settled = true;
    watch.clear();
    fn();
  };
  const kill = (err: SecretRefError): void => {
    if (failure) return;
    failure = err;
    watch.clear();
    chunks.length = 0;
    killExecProcess(proc, useGroup, exited);
    proc.stdout?.destroy();
    proc.stderr?.destroy();
    if (exited) settle(() => reject(err));
  };
  const watch = execWatchdogs(ref, cfg, signal, kill, () => failure !== undefined);

  proc.stdout?.on('data', (chunk: Buffer) => {
    if (failure) return;
    size += chunk.length;
    if (size > cfg.maxOutputBytes) {
      kill(unresolved('too_large', ref, `The exec command output exceeded maxOutputBytes ${cfg.maxOutputBytes}.`));
      return;
    }
    chunks.push(chunk);
    watch.armIdle();
  });
  // stderr is drained but never kept: it may contain secrets.
  proc.stderr?.on('data', () => watch.armIdle());
  proc.stdout?.on('error', () => undefined);
  proc.stderr?.on('error', () => undefined);
  proc.stdin?.on('error', () => undefined); // EPIPE when the command ignores stdin

  proc.on('error', (err) => {
    exited = true;
    const e = failure ?? unresolved('exec_failed', ref, `The exec command could not be run (${describeFsError(err)}).`);
    settle(() => reject(e));
  });
  proc.on('exit', () => {
    exited = true;
    if (failure) {
      const e = failure;
      settle(() => reject(e));
    }
  });
  proc.on('close', (code, signal) => {
    exited = true;
    if (failure) {
      const e = failure;
      settle(() => reject(e));
      return;
    }
    if (code !== 0) {
      const how = signal ? `was killed by ${signal}` : `exited with code ${String(code)}`;
      settle(() => reject(unresolved('exec_failed', ref, `The exec command ${how}.`)));
      return;
    }
    const stdout = Buffer.concat(chunks).toString('utf8');
    settle(() => resolve({ stdout }));
  });

  proc.stdin?.end(request);
}

/**
 * Arms the exec command's deadlines (the overall timeout, the no-output timeout when configured, the
 * caller's abort signal), each of which kills it; `clear` disarms them all.
 */
function execWatchdogs(
  ref: SecretRef,
  cfg: ExecProviderConfig,
  signal: AbortSignal | undefined,
  kill: (err: SecretRefError) => void,
  failed: () => boolean,
): { armIdle: () => void; clear: () => void } {
  let overall: NodeJS.Timeout | undefined = undefined;
  let idle: NodeJS.Timeout | undefined;

  const clear = (): void => {
    if (overall) clearTimeout(overall);
    if (idle) clearTimeout(idle);
    signal?.removeEventListener('abort', onAbort);
  };
  function onAbort(): void {
    kill(
      unresolved(
        'timeout',
        ref,
        'The exec command did not finish before the overall deadline for resolving SecretRefs.',
      ),
    );
  }
  const armIdle = (): void => {
    if (cfg.noOutputTimeoutMs === undefined || failed()) return;
    if (idle) clearTimeout(idle);
    const ms = cfg.noOutputTimeoutMs;
    idle = setTimeout(() => kill(unresolved('timeout', ref, `The exec command produced no output for ${ms} ms.`)), ms);
  };

  overall = setTimeout(
    () => kill(unresolved('timeout', ref, `The exec command did not finish within ${cfg.timeoutMs} ms.`)),
    cfg.timeoutMs,
  );
  signal?.addEventListener('abort', onAbort, { once: true });
  armIdle();
  return { armIdle, clear };
}

/** Sends SIGKILL to a failed exec command: its whole tree or group, or just the process when that fails. */
function killExecProcess(proc: ChildProcess, useGroup: boolean, exited: boolean): void {
  const pid = proc.pid;
  try {
    // Once the command has exited (and was reaped) its pid may be reused: only the group, which
    // lives on while members remain, is still addressed by it.
    if (useGroup && pid !== undefined) {
      if (exited) process.kill(-pid, 'SIGKILL');
      else killExecTree(pid);
    } else {
      // Windows: no groups; the tree goes with taskkill /T /F while the command still runs.
      const plan = pid !== undefined && !exited ? treeKillPlan(process.platform, pid, 'SIGKILL') : undefined;
      if (plan?.kind === 'taskkill')
        spawnSync(plan.file, plan.args, { stdio: 'ignore', windowsHide: true, timeout: 5000 });
      proc.kill('SIGKILL');
    }
  } catch {
    try {
      proc.kill('SIGKILL');
    } catch {
      /* already gone */
    }
  }
}

async function resolveExec(
  ref: SecretRef,
  cfg: ExecProviderConfig,
  ctx: ResolveContext,
  signal?: AbortSignal,
): Promise<string> {
  const command = await checkExecCommand(ref, cfg, ctx);
  const { stdout } = await runExec(ref, command, cfg, ctx, signal);

  let parsed: unknown;
  let isJson = true;
  try {
    parsed = JSON.parse(stdout);
  } catch {
    isJson = false;
  }
  const looksLikeProtocol =
    isJson && typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) && 'protocolVersion' in parsed;

  if (!cfg.jsonOnly && !looksLikeProtocol) {
    const value = stdout.trim();
    if (value === '') throw unresolved('empty_value', ref);
    return value;
  }
  if (!isJson) throw unresolved('bad_output', ref, 'The exec command did not print valid JSON.');
  const response = ExecResponseSchema.safeParse(parsed);
  if (!response.success) {
    throw unresolved('bad_output', ref, 'The exec command output does not follow protocolVersion 1.');
  }
  const errEntry = response.data.errors?.[ref.id];
  if (errEntry) {
    const code = typeof errEntry.code === 'string' && /^[A-Z0-9_]{1,64}$/.test(errEntry.code) ? errEntry.code : 'ERROR';
    throw unresolved(code === 'NOT_FOUND' ? 'not_found' : 'exec_failed', ref, `The exec provider reported ${code}.`);
  }
  const values = response.data.values ?? {};
  if (!Object.prototype.hasOwnProperty.call(values, ref.id)) {
    throw unresolved('not_found', ref, 'The exec provider returned no value for this id.');
  }
  const value = values[ref.id];
  if (typeof value !== 'string') {
    throw unresolved('bad_output', ref, `The exec provider returned a ${jsonType(value)}, not a string.`);
  }
  if (value === '') throw unresolved('empty_value', ref);
  return value;
}
