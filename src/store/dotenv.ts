/**
 * `~/.openclaw/.env`: openclaw loads it without overriding variables that are already set.
 * The parser keeps every line so a writer can change one variable and leave the rest (comments,
 * blank lines, order) exactly as they were.
 */
export interface DotenvLine {
  raw: string;
  key?: string;
  value?: string;
}

function unquote(v: string): string {
  const t = v.trim();
  if (t.length >= 2 && ((t.startsWith('"') && t.endsWith('"')) || (t.startsWith("'") && t.endsWith("'")))) {
    const inner = t.slice(1, -1);
    return t.startsWith('"') ? inner.replace(/\\n/g, '\n').replace(/\\"/g, '"').replace(/\\\\/g, '\\') : inner;
  }
  // An unquoted value ends at an inline comment.
  const hash = t.search(/\s#/);
  return (hash >= 0 ? t.slice(0, hash) : t).trim();
}

export function parseDotenv(text: string): DotenvLine[] {
  return text.split(/\r?\n/).map((raw) => {
    const m = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=(.*)$/.exec(raw);
    if (!m || raw.trimStart().startsWith('#')) return { raw };
    return { raw, key: m[1], value: unquote(m[2] ?? '') };
  });
}

export function dotenvValues(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const l of parseDotenv(text)) if (l.key !== undefined && l.value !== undefined && !(l.key in out)) out[l.key] = l.value;
  return out;
}

function quote(v: string): string {
  return /^[A-Za-z0-9_\-.:/+=@]*$/.test(v) ? v : JSON.stringify(v);
}

/** Sets (or with `undefined` removes) variables, keeping every other line byte for byte. */
export function updateDotenv(text: string, changes: Record<string, string | undefined>): string {
  const lines = text === '' ? [] : text.split('\n');
  const trailingNewline = text.endsWith('\n');
  if (trailingNewline) lines.pop();
  const pending = new Map(Object.entries(changes));
  const out: string[] = [];
  for (const raw of lines) {
    const [parsed] = parseDotenv(raw);
    const key = parsed?.key;
    if (key !== undefined && pending.has(key)) {
      const v = pending.get(key);
      pending.delete(key);
      if (v !== undefined) out.push(`${key}=${quote(v)}`);
      continue;
    }
    out.push(raw);
  }
  for (const [k, v] of pending) if (v !== undefined) out.push(`${k}=${quote(v)}`);
  return out.length ? out.join('\n') + '\n' : '';
}
