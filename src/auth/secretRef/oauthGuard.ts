/**
 * The OAuth guard: openclaw refuses SecretRefs on OAuth profiles.
 */
import { SecretRefSchema } from './validate';
import { SecretRefError } from './errors';

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
