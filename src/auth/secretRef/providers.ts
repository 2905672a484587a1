/**
 * Provider configuration (openclaw.json `secrets`): the provider schemas, the default alias per
 * source, the ResolveContext, and the lookup of the provider a ref names (built-in default env and
 * store aliases included).
 */
import * as z from 'zod/mini';
import { DEFAULT_SECRET_PROVIDER_ALIAS, type SecretRef, type SecretRefSource, formatRef } from './validate';
import { SecretRefError } from './errors';

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
export type FileProviderConfig = z.infer<typeof FileProviderSchema>;
export type ExecProviderConfig = z.infer<typeof ExecProviderSchema>;

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

export function lookupProvider(ref: SecretRef, ctx: ResolveContext): SecretProviderConfig {
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
