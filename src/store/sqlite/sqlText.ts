/**
 * Scanning stored SQL text: the name a CREATE TABLE statement creates, and the tokenizer the
 * CREATE TABLE parser (./createTable.ts) works on.
 */
import { SqliteUnsupportedError } from './types';

/**
 * The table a stored "CREATE [TEMP] [VIRTUAL] TABLE [IF NOT EXISTS] [schema.]name ..."
 * statement creates (identifier unquoted), or null when it is not such a statement.
 */
export function createdTableName(sql: string): { name: string; virtual: boolean } | null {
  let i = 0;
  const skipSpace = (): void => {
    for (;;) {
      while (i < sql.length && /\s/.test(sql[i] as string)) i++;
      if (sql.startsWith('--', i)) {
        const nl = sql.indexOf('\n', i);
        i = nl < 0 ? sql.length : nl + 1;
      } else if (sql.startsWith('/*', i)) {
        const end = sql.indexOf('*/', i + 2);
        i = end < 0 ? sql.length : end + 2;
      } else return;
    }
  };
  const bareWord = (): string | null => {
    const m = /^[A-Za-z_\u0080-\uffff][A-Za-z0-9_$\u0080-\uffff]*/.exec(sql.slice(i, i + 2048));
    if (m === null) return null;
    i += m[0].length;
    return m[0];
  };
  const keyword = (w: string): boolean => {
    const save = i;
    skipSpace();
    const word = bareWord();
    if (word !== null && word.toUpperCase() === w) return true;
    i = save;
    return false;
  };
  const ident = (): string | null => {
    skipSpace();
    const c = sql[i];
    const close = c === '"' ? '"' : c === '`' ? '`' : c === "'" ? "'" : c === '[' ? ']' : null;
    if (close === null) return bareWord();
    let s = '';
    for (i++; i < sql.length; i++) {
      const ch = sql[i] as string;
      if (ch !== close) s += ch;
      else if (close !== ']' && sql[i + 1] === close) {
        s += close;
        i++;
      } else {
        i++;
        return s;
      }
    }
    return null;
  };
  if (!keyword('CREATE')) return null;
  if (!keyword('TEMP')) keyword('TEMPORARY');
  const virtual = keyword('VIRTUAL');
  if (!keyword('TABLE')) return null;
  const save = i;
  if (!(keyword('IF') && keyword('NOT') && keyword('EXISTS'))) i = save;
  let name = ident();
  if (name === null) return null;
  skipSpace();
  if (sql[i] === '.') {
    i++;
    name = ident();
  }
  return name === null ? null : { name, virtual };
}

export interface Token {
  kind: 'word' | 'id' | 'str' | 'num' | 'blob' | 'punct';
  /** Unquoted value for id/str/blob(hex digits); raw text otherwise. */
  text: string;
}

export function unsupportedSql(why: string, sql: string): SqliteUnsupportedError {
  return new SqliteUnsupportedError(`cannot parse CREATE TABLE (${why}): ${sql.slice(0, 200)}`);
}

export function tokenize(sql: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  const quoted = (close: string, doubled: boolean): string => {
    // i points at the opening quote; a doubled closing quote is an escape.
    let s = '';
    i++;
    for (;;) {
      if (i >= sql.length) throw unsupportedSql('unterminated quote', sql);
      const c = sql[i] as string;
      if (c === close) {
        if (doubled && sql[i + 1] === close) {
          s += close;
          i += 2;
          continue;
        }
        i++;
        return s;
      }
      s += c;
      i++;
    }
  };
  while (i < sql.length) {
    const c = sql[i] as string;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === '-' && sql[i + 1] === '-') {
      while (i < sql.length && sql[i] !== '\n') i++;
      continue;
    }
    if (c === '/' && sql[i + 1] === '*') {
      const end = sql.indexOf('*/', i + 2);
      i = end < 0 ? sql.length : end + 2;
      continue;
    }
    if (c === "'") {
      out.push({ kind: 'str', text: quoted("'", true) });
      continue;
    }
    if (c === '"') {
      out.push({ kind: 'id', text: quoted('"', true) });
      continue;
    }
    if (c === '`') {
      out.push({ kind: 'id', text: quoted('`', true) });
      continue;
    }
    if (c === '[') {
      out.push({ kind: 'id', text: quoted(']', false) });
      continue;
    }
    if ((c === 'x' || c === 'X') && sql[i + 1] === "'") {
      i++;
      out.push({ kind: 'blob', text: quoted("'", false) });
      continue;
    }
    const num = /^(?:0[xX][0-9a-fA-F]+|(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)/.exec(sql.slice(i, i + 400));
    if (num && /[\d.]/.test(c)) {
      out.push({ kind: 'num', text: num[0] });
      i += num[0].length;
      continue;
    }
    const word = /^[A-Za-z_\u0080-\uffff][A-Za-z0-9_$\u0080-\uffff]*/.exec(sql.slice(i, i + 400));
    if (word) {
      out.push({ kind: 'word', text: word[0] });
      i += word[0].length;
      continue;
    }
    out.push({ kind: 'punct', text: c });
    i++;
  }
  return out;
}

export const isWord = (t: Token | undefined, w: string): boolean =>
  t !== undefined && t.kind === 'word' && t.text.toUpperCase() === w;
export const isPunct = (t: Token | undefined, p: string): boolean =>
  t !== undefined && t.kind === 'punct' && t.text === p;
