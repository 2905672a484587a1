/**
 * SecretRefError and its codes; `unresolved` builds openclaw's probe message. The message helpers
 * (describeFsError, jsonType) name an error code or a JSON type, never a value.
 */
import { type SecretRef, formatRef } from './validate';

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
export function unresolved(code: SecretRefErrorCode, ref: SecretRef, detail?: string): SecretRefError {
  const key = formatRef(ref);
  const base = `could not resolve SecretRef "${key}".`;
  return new SecretRefError(code, detail ? `${base} ${detail}` : base, key);
}

export function describeFsError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' ? code : 'error';
}

export function jsonType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}
