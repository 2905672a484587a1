/**
 * `~/.openclaw/.env`: openclaw loads it with dotenv semantics and never overrides a variable that
 * is already set. Reading follows dotenv (later duplicates win, `#` starts a comment outside
 * quotes, single/double/backtick quotes, multi-line quoted values, `\n` expanded in double
 * quotes). Writing edits one variable's line and keeps every other line byte for byte, CRLF
 * included.
 */

// KEY=VALUE or KEY: VALUE, optional `export`, quoted or unquoted value, optional comment.
const LINE = /^\s*(?:export\s+)?([\w.-]+)(?:\s*=\s*?|:\s+?)(\s*'(?:\\'|[^'])*'|\s*"(?:\\"|[^"])*"|\s*`(?:\\`|[^`])*`|[^#\r\n]+)?\s*(?:#.*)?$/gm;

export function dotenvValues(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const src = text.replace(/\r\n?/g, '\n');
  let m: RegExpExecArray | null;
  LINE.lastIndex = 0;
  while ((m = LINE.exec(src)) !== null) {
    if (m[0] === '') { LINE.lastIndex++; continue; }
    const key = m[1] as string;
    let value = (m[2] ?? '').trim();
    const q = value[0];
    value = value.replace(/^(['"`])([\s\S]*)\1$/m, '$2');
    if (q === '"') value = value.replace(/\\n/g, '\n').replace(/\\r/g, '\r');
    out[key] = value;
  }
  return out;
}

function lineKey(line: string): string | undefined {
  const m = /^\s*(?:export\s+)?([\w.-]+)\s*(?:=|:\s)/.exec(line);
  return m && !line.trimStart().startsWith('#') ? m[1] : undefined;
}

/** A value dotenv reads back unchanged: bare when safe, else single-quoted (no escapes in '…'). */
function quote(v: string): string {
  if (/^[A-Za-z0-9_\-.:/+=@,]*$/.test(v)) return v;
  if (!v.includes("'") && !/[\r\n]/.test(v)) return `'${v}'`;
  if (!v.includes('"') && !/[\r\n]/.test(v) && !v.includes('\\n')) return `"${v}"`;
  throw new Error('The value cannot be written to .env safely (it mixes quotes or spans lines).');
}

/** Sets (or with `undefined` removes) variables; every other line is kept as it was. */
export function updateDotenv(text: string, changes: Record<string, string | undefined>): string {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const lines = text === '' ? [] : text.split(/\r?\n/);
  const trailing = text === '' || /\r?\n$/.test(text);
  if (trailing && lines.length && lines[lines.length - 1] === '') lines.pop();
  const pending = new Map(Object.entries(changes));
  const out: string[] = [];
  for (const raw of lines) {
    const key = lineKey(raw);
    if (key !== undefined && changes[key] !== undefined && !pending.has(key)) continue; // later duplicate of a key we set: drop it
    if (key !== undefined && key in changes) {
      const v = pending.get(key);
      pending.delete(key);
      if (v !== undefined) out.push(`${key}=${quote(v)}`);
      continue;
    }
    out.push(raw);
  }
  for (const [k, v] of pending) if (v !== undefined) out.push(`${k}=${quote(v)}`);
  return out.length ? out.join(eol) + eol : '';
}
