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
 *
 * The public entry; the code lives in src/auth/secretRef/:
 * - validate.ts: the shape, the id rules per source, the shorthand and display forms;
 * - errors.ts: SecretRefError and its codes;
 * - oauthGuard.ts: no SecretRefs on OAuth profiles;
 * - providers.ts: `secrets.providers` / `secrets.defaults`, ResolveContext, the provider lookup;
 * - resolve.ts: one ref, a batch of refs within one deadline, checkSecretRef;
 * - envStore.ts, file.ts, exec.ts: the sources (exec.ts runs the command through execRunner.ts,
 *   the process with its watchdogs and tree kill).
 */
export {
  SECRET_REF_SOURCES,
  type SecretRefSource,
  SecretRefSchema,
  type SecretRef,
  DEFAULT_SECRET_PROVIDER_ALIAS,
  SINGLE_VALUE_FILE_REF_ID,
  isValidProviderAlias,
  isValidEnvId,
  isValidFileId,
  isValidExecId,
  type ValidateResult,
  validateSecretRef,
  parseSecretShorthand,
  formatRef,
  formatRefLabel,
} from './secretRef/validate';
export { type SecretRefErrorCode, SecretRefError } from './secretRef/errors';
export { assertNoRefOnOAuth } from './secretRef/oauthGuard';
export {
  EnvProviderSchema,
  FileProviderSchema,
  ExecProviderSchema,
  StoreProviderSchema,
  SecretProviderSchema,
  type SecretProviderConfig,
  defaultProviderAlias,
  type ResolveContext,
} from './secretRef/providers';
export {
  type ResolveOptions,
  resolveSecretRef,
  type RefOutcome,
  type ResolveManyOptions,
  DEFAULT_REF_CONCURRENCY,
  resolveSecretRefs,
  checkSecretRef,
} from './secretRef/resolve';

export { parsePsTable } from '../os/platform';
