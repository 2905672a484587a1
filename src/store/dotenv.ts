/**
 * `~/.openclaw/.env`: openclaw loads it with dotenv semantics and never overrides a variable that
 * is already set. Reading follows dotenv (later duplicates win, `#` starts a comment outside
 * quotes, single/double/backtick quotes, multi-line quoted values, `\n` expanded in double
 * quotes). Writing edits one variable's line and keeps every other line byte for byte, CRLF
 * included.
 */

import fs from 'node:fs';

/**
 * The largest .env OpenClaw Auth reads: openclaw's own MAX_DOTENV_FILE_BYTES (1 MiB). openclaw
 * skips a larger .env entirely ("skipping oversized .env file"), so none of its variables are in
 * effect; parsing one (a 60 MB .env took 14–37 s) would only slow every refresh down.
 */
export const MAX_DOTENV_BYTES = 1024 * 1024;

/** A .env over MAX_DOTENV_BYTES: the message names the file and both sizes. */
export class DotenvTooLargeError extends Error {
  constructor(
    readonly file: string | undefined,
    readonly size: number,
  ) {
    super(
      `${file ? `.env at ${file}` : 'The .env text'} is ${formatSize(size)}; OpenClaw Auth reads at most 1 MB (${MAX_DOTENV_BYTES.toLocaleString('en-US')} bytes) of it (openclaw skips a .env this large too), so its variables are not used and it is not changed.`,
    );
    this.name = 'DotenvTooLargeError';
  }
}

/** "60 MB" for a large file; exact bytes near the cap, where MB would round to the cap itself. */
function formatSize(n: number): string {
  return n >= 10 * 1024 * 1024 ? `${Number((n / (1024 * 1024)).toFixed(1))} MB` : `${n.toLocaleString('en-US')} bytes`;
}

function assertSize(text: string, file?: string): void {
  // Characters never outnumber UTF-8 bytes; count the bytes only when it could matter.
  if (text.length > MAX_DOTENV_BYTES) throw new DotenvTooLargeError(file, Buffer.byteLength(text));
  if (text.length * 3 > MAX_DOTENV_BYTES) {
    const bytes = Buffer.byteLength(text);
    if (bytes > MAX_DOTENV_BYTES) throw new DotenvTooLargeError(file, bytes);
  }
}

/**
 * Reads a .env file without reading more than the cap: '' when it does not exist, the text when
 * it is at most MAX_DOTENV_BYTES, else DotenvTooLargeError (naming the file; nothing read past
 * the cap). Like openclaw, only a regular file is read (a FIFO would block the read forever).
 */
export function readDotenvFile(file: string): string {
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw e;
  }
  if (!st.isFile()) throw new Error(`.env at ${file} is not a regular file, so it is not read.`);
  if (st.size > MAX_DOTENV_BYTES) throw new DotenvTooLargeError(file, st.size);
  const fd = fs.openSync(file, 'r');
  try {
    // One byte more than the cap tells a file that grew past it since the stat.
    const buf = Buffer.alloc(MAX_DOTENV_BYTES + 1);
    let got = 0;
    for (let n = 1; n > 0 && got < buf.length; got += n) n = fs.readSync(fd, buf, got, buf.length - got, null);
    if (got > MAX_DOTENV_BYTES) throw new DotenvTooLargeError(file, Math.max(got, fs.fstatSync(fd).size));
    return buf.subarray(0, got).toString('utf8');
  } finally {
    fs.closeSync(fd);
  }
}

// KEY=VALUE or KEY: VALUE, optional `export`, quoted or unquoted value, optional comment.
const LINE =
  /^\s*(?:export\s+)?([\w.-]+)(?:\s*=\s*?|:\s+?)(\s*'(?:\\'|[^'])*'|\s*"(?:\\"|[^"])*"|\s*`(?:\\`|[^`])*`|[^#\r\n]+)?\s*(?:#.*)?$/gm;

/** The variables of a .env text; DotenvTooLargeError over MAX_DOTENV_BYTES (`file` names it). */
export function dotenvValues(text: string, file?: string): Record<string, string> {
  assertSize(text, file);
  const out: Record<string, string> = {};
  const src = text.replace(/\r\n?/g, '\n');
  let m: RegExpExecArray | null;
  LINE.lastIndex = 0;
  while ((m = LINE.exec(src)) !== null) {
    if (m[0] === '') {
      LINE.lastIndex++;
      continue;
    }
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
export function updateDotenv(text: string, changes: Record<string, string | undefined>, file?: string): string {
  assertSize(text, file);
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
