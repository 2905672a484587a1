/**
 * Masking of secrets the way openclaw prints them (`models status`):
 * <=6 chars: first and last char; <=16: two and two; longer: 8 and 8, around "...".
 */
function stripControl(value: string): string {
  let out = '';
  for (const ch of value) {
    const c = ch.charCodeAt(0);
    if (!((c >= 0 && c <= 31) || (c >= 127 && c <= 159))) out += ch;
  }
  return out;
}

export function maskSecret(value: string | undefined | null): string {
  if (typeof value !== 'string') return 'missing';
  const t = stripControl(value).trim();
  if (!t) return 'missing';
  const chars = Array.from(t);
  const take = (n: number) => chars.slice(0, n).join('') + '...' + chars.slice(-n).join('');
  if (chars.length <= 6) return take(1);
  if (chars.length <= 16) return take(2);
  return take(8);
}

/**
 * Replaces every occurrence of any of `secrets` in `text` with its mask. Used on error messages
 * and child-process output before they reach a log or the user.
 */
export function redact(text: string, secrets: Iterable<string | undefined>): string {
  let out = text;
  const list = [...secrets].filter((s): s is string => typeof s === 'string' && s.trim().length >= 4);
  list.sort((a, b) => b.length - a.length);
  for (const s of list) out = out.split(s).join(maskSecret(s));
  return out;
}
