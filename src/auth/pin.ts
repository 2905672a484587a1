/**
 * Chat pinning: `/model <alias-or-provider/model>@<profileId>` (openclaw's /model directive).
 * openclaw splits on the first `@` after the last `/`, skipping an 8-digit date suffix (`@20250101`)
 * and a quantization suffix (`@q4_0`, `@iq3_xs`, `@4bit`), which belong to the model id
 * (splitTrailingAuthProfile in src/agents/model-ref-profile.ts).
 */

export interface SplitRef {
  model: string;
  profile?: string;
}

/** openclaw's splitTrailingAuthProfile. */
export function splitTrailingAuthProfile(raw: string): SplitRef {
  const t = raw.trim();
  if (!t) return { model: '' };
  const lastSlash = t.lastIndexOf('/');
  let at = t.indexOf('@', lastSlash + 1);
  if (at <= 0) return { model: t };
  const after = () => t.slice(at + 1);
  if (/^\d{8}(?:@|$)/.test(after())) {
    const next = t.indexOf('@', at + 9);
    if (next < 0) return { model: t };
    at = next;
  }
  if (/^(?:i?q\d+(?:_[a-z0-9]+)*|\d+bit)(?:@|$)/i.test(after())) {
    const next = t.indexOf('@', at + 1);
    if (next < 0) return { model: t };
    at = next;
  }
  const model = t.slice(0, at).trim();
  const profile = t.slice(at + 1).trim();
  if (!model || !profile) return { model: t };
  return { model, profile };
}

const needsQuotes = (id: string) => /[\s"'`\\]/.test(id);

/** Quotes a profile id that contains whitespace, quotes or backslashes. */
export function quoteProfileId(id: string): string {
  return needsQuotes(id) ? `"${id.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"` : id;
}

function unquote(v: string): string {
  const t = v.trim();
  if (t.length >= 2 && ((t.startsWith('"') && t.endsWith('"')) || (t.startsWith("'") && t.endsWith("'")))) {
    return t.slice(1, -1).replace(/\\(["'\\])/g, '$1');
  }
  return t;
}

export class PinError extends Error {}

/**
 * The pin command for a profile. `sessionOnly` false adds `-s` (persist for the session, as the
 * docs show). Throws PinError when openclaw would read the string back differently (for example
 * a model id ending in `@` or an empty profile id).
 */
export function buildPinCommand(modelOrAlias: string, profileId: string, opts: { persist?: boolean } = {}): string {
  const model = modelOrAlias.trim();
  const id = profileId.trim();
  if (!model) throw new PinError('A model or alias is needed to pin a profile.');
  if (!id) throw new PinError('The profile id is empty.');
  if (/\s/.test(model))
    throw new PinError(`The model "${model}" contains whitespace; use its alias or provider/model id.`);
  const ref = `${model}@${quoteProfileId(id)}`;
  const back = parsePinCommand(`/model ${ref}`);
  if (!back || back.model !== model || back.profileId !== id) {
    throw new PinError(`openclaw would not read "${ref}" as model "${model}" pinned to "${id}".`);
  }
  return `/model ${ref}${opts.persist === false ? '' : ' -s'}`;
}

/** Parses `/model <ref>[@profile] [-s]`; undefined when it is not a /model directive. */
export function parsePinCommand(text: string): { model: string; profileId?: string; persist: boolean } | undefined {
  const m = /^\s*\/model\s+(.+?)\s*$/.exec(text);
  if (!m) return undefined;
  let rest = m[1] as string;
  let persist = false;
  const flag = /\s+-s$/.exec(rest);
  if (flag) {
    persist = true;
    rest = rest.slice(0, flag.index);
  }
  // A quoted profile id may contain '@' and spaces: split before the opening quote.
  const q = /@(["'])(?:\\.|(?!\1).)*\1$/.exec(rest);
  if (q) {
    const model = rest.slice(0, q.index);
    const split = splitTrailingAuthProfile(`${model}@x`);
    if (split.model === model) return { model, profileId: unquote(rest.slice(q.index + 1)), persist };
  }
  const s = splitTrailingAuthProfile(rest);
  return { model: s.model, profileId: s.profile !== undefined ? unquote(s.profile) : undefined, persist };
}
