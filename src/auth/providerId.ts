/**
 * Provider and profile id rules, as openclaw 2026.9.x applies them.
 * Provider ids are compared trimmed and lower-cased; profile ids are `provider:name`.
 */

export function normalizeProviderId(provider: unknown): string {
  return typeof provider === 'string' ? provider.trim().toLowerCase() : '';
}

/** The provider a new OpenAI credential must use: openclaw renamed `openai-codex` to `openai`. */
export function canonicalProviderForNewProfile(provider: string): string {
  const p = normalizeProviderId(provider);
  return p === 'openai-codex' ? 'openai' : p;
}

/** Ids and labels up to this length are echoed whole in messages. */
const ECHO_WHOLE = 64;
const ECHO_HEAD = 40;

/**
 * A user-supplied id or label as every message echoes it, in `quote`s (none: pass ''): whole up
 * to 64 characters, else its first 40, "…" and its length (`"openrouter:aaaa…" (5000 characters)`),
 * so a 5,000-character id is not printed whole. Control characters are shown escaped, so an id
 * cannot break a message into lines.
 */
export function quoteId(value: unknown, quote = '"'): string {
  const s = typeof value === 'string' ? value : String(value);
  const esc = (t: string) =>
    t.replace(/[\u0000-\u001f\u007f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  if (s.length <= ECHO_WHOLE) return `${quote}${esc(s)}${quote}`;
  // Whole code points: a cut never splits a surrogate pair.
  return `${quote}${esc(
    Array.from(s.slice(0, ECHO_HEAD * 2))
      .slice(0, ECHO_HEAD)
      .join(''),
  )}…${quote} (${s.length} characters)`;
}

const PROVIDER_RE = /^[a-z0-9][a-z0-9._-]{0,63}$/;
const PROFILE_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._@+-]{0,127}$/;

export function validateProviderId(provider: string): string | undefined {
  const p = normalizeProviderId(provider);
  if (!p) return 'Provider id is empty.';
  if (!PROVIDER_RE.test(p))
    return `Provider id ${quoteId(provider)} is invalid (use lowercase letters, digits, ".", "_" or "-").`;
  return undefined;
}

/** Returns an error message, or undefined when `id` is a valid `provider:name` id for `provider`. */
export function validateProfileId(id: string, provider?: string): string | undefined {
  const idx = id.indexOf(':');
  if (idx <= 0 || idx === id.length - 1) return `Profile id ${quoteId(id)} must look like "<provider>:<name>".`;
  const idProvider = id.slice(0, idx);
  const name = id.slice(idx + 1);
  if (!PROVIDER_RE.test(idProvider)) return `Profile id ${quoteId(id)} has an invalid provider part.`;
  if (!PROFILE_NAME_RE.test(name))
    return `Profile id ${quoteId(id)} has an invalid name part (letters, digits, ".", "_", "-", "@", "+").`;
  if (provider !== undefined && normalizeProviderId(idProvider) !== normalizeProviderId(provider)) {
    return `Profile id ${quoteId(id)} does not belong to provider ${quoteId(normalizeProviderId(provider))}.`;
  }
  return undefined;
}

/** The id openclaw's paste commands use when none is given. */
export function defaultProfileId(provider: string): string {
  return `${canonicalProviderForNewProfile(provider)}:manual`;
}
