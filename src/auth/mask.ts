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
 * Well-known key prefixes: they name the provider and the key kind and are the same in every key
 * of that kind, so showing them tells nothing secret.
 */
const KNOWN_PREFIX =
  /^(sk-ant-(?:oat|api|admin)\d{2}-|sk-or-v1-|sk-proj-|sk-svcacct-|sk-admin-|sk-|gsk_|xai-|pplx-|nvapi-|hf_|AIza|ghp_|github_pat_|glpat-)/;

/**
 * The short mask the editor shows: the key's well-known prefix (when it has one) and its last 4
 * characters, "sk-or-v1-…c0de". Keys under 12 characters show only "…" and their last 2.
 * (maskSecret keeps openclaw's own 8+8 form for output compared with openclaw's.)
 */
export function shortMask(value: string | undefined | null): string {
  if (typeof value !== 'string') return 'missing';
  const t = stripControl(value).trim();
  if (!t) return 'missing';
  const chars = Array.from(t);
  if (chars.length < 12) return `…${chars.slice(-2).join('')}`;
  const prefix = KNOWN_PREFIX.exec(t)?.[0] ?? '';
  return `${prefix}…${chars.slice(-4).join('')}`;
}

/** Secrets this long or longer are also redacted piecewise: any run of >= FRAGMENT_MIN chars of them. */
export const FRAGMENT_MIN = 12;
/** What a piece of a secret (not the whole secret) is replaced with: it says nothing about the secret. */
export const REDACTED_FRAGMENT = '[redacted]';

// The 12-character pieces of the last few secret lists: a log redacts every line with the same
// list (OAuth tokens run to thousands of characters), so the Set is built once, not per line.
const piecesCache = new Map<string, Set<string>>();
function piecesOf(list: string[]): Set<string> {
  const key = list.join('\u0000');
  let set = piecesCache.get(key);
  if (set) return set;
  set = new Set<string>();
  for (const s of list) {
    const t = s.trim();
    for (let i = 0; i + FRAGMENT_MIN <= t.length; i++) set.add(t.slice(i, i + FRAGMENT_MIN));
  }
  if (piecesCache.size >= 8) piecesCache.delete(piecesCache.keys().next().value as string);
  piecesCache.set(key, set);
  return set;
}

/**
 * Replaces every occurrence of any of `secrets` in `text` with its mask (longest secret first; a
 * secret inside a longer one's occurrence is part of that occurrence), and every other run of text
 * that is a piece of FRAGMENT_MIN (12) or more characters of a secret with REDACTED_FRAGMENT: a
 * provider echoing part of a key (`invalid key sk-p…<middle of the key>…`) shows none of it.
 * Secrets under 4 characters are ignored, and secrets under 12 are only replaced whole.
 * Used on error messages and child-process output before they reach a log or the user.
 *
 * Cost: the pieces take one pass over `text`: every 12-character window is looked up in one Set
 * holding the 12-character pieces of all secrets, O(text length + total secret length); the
 * whole-secret search is one indexOf scan per secret, O(text length × secrets).
 */
export function redact(text: string, secrets: Iterable<string | undefined>): string {
  const list = [...new Set([...secrets].filter((s): s is string => typeof s === 'string' && s.trim().length >= 4))];
  if (!list.length || !text) return text;
  list.sort((a, b) => b.length - a.length);
  const n = text.length;
  // Whole occurrences, longest secret first; an occurrence overlapping one already taken is skipped.
  // Taken ranges come from secrets at least as long as the one searched, so a range overlapping
  // [at, at + len) holds its first or its last character: two lookups decide.
  const whole: Array<{ start: number; end: number; mask: string }> = [];
  let inWhole: Uint8Array | undefined;
  for (const s of list) {
    let at = text.indexOf(s);
    if (at < 0) continue;
    const mask = maskSecret(s);
    inWhole ??= new Uint8Array(n);
    while (at >= 0) {
      const end = at + s.length;
      if (!inWhole[at] && !inWhole[end - 1]) {
        whole.push({ start: at, end, mask });
        inWhole.fill(1, at, end);
        at = text.indexOf(s, end);
      } else at = text.indexOf(s, at + 1);
    }
  }
  // Pieces: mark every character inside a 12-character window that occurs in some secret. Any
  // common run of >= 12 characters is covered by its windows, so the marks are exactly the union
  // of the maximal runs.
  let covered: Uint8Array | undefined;
  const pieces = n >= FRAGMENT_MIN ? piecesOf(list) : undefined;
  if (pieces?.size) {
    let until = -1; // covered up to (exclusive)
    for (let i = 0; i + FRAGMENT_MIN <= n; i++) {
      if (!pieces.has(text.slice(i, i + FRAGMENT_MIN))) continue;
      covered ??= new Uint8Array(n);
      for (let j = Math.max(i, until); j < i + FRAGMENT_MIN; j++) covered[j] = 1;
      until = i + FRAGMENT_MIN;
    }
  }
  if (!whole.length && !covered) return text;
  whole.sort((a, b) => a.start - b.start);
  let out = '';
  let pos = 0;
  const emitPlain = (end: number) => {
    // Text between whole occurrences: copy it, turning each covered run into one marker.
    while (pos < end) {
      if (covered?.[pos]) {
        while (pos < end && covered[pos]) pos++;
        out += REDACTED_FRAGMENT;
      } else {
        const from = pos;
        while (pos < end && !covered?.[pos]) pos++;
        out += text.slice(from, pos);
      }
    }
  };
  for (const w of whole) {
    emitPlain(w.start);
    out += w.mask;
    pos = w.end;
  }
  emitPlain(n);
  return out;
}
