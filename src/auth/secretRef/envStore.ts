/**
 * The env and store sources: an environment variable (with the provider's allowlist) and an entry
 * of the shared secret store.
 */
import type { SecretRef } from './validate';
import { unresolved } from './errors';
import type { ResolveContext } from './providers';

export function resolveEnv(ref: SecretRef, allowlist: string[] | undefined, ctx: ResolveContext): string {
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

export function resolveStore(ref: SecretRef, ctx: ResolveContext): string {
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
