/**
 * The SecretRef's shape and validation: `{ source, provider, id }`, the id rules per source,
 * the `${VAR}` shorthand and the display forms (`env:default:X`, `ref(env:X)`). Messages never
 * echo an id.
 */
import * as z from 'zod/mini';

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
