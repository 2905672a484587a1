/**
 * CREATE TABLE parsing: column names, the rowid alias, WITHOUT ROWID / virtual / VIRTUAL generated
 * columns, and literal DEFAULT values with the column affinity applied.
 */
import { asciiLower, narrow } from './record';
import { isPunct, isWord, type Token, tokenize, unsupportedSql } from './sqlText';
import type { SqlValue } from './types';

export type ColumnDefault = { kind: 'value'; value: SqlValue } | { kind: 'expr'; text: string };

interface ColumnDef {
  name: string;
  dflt: ColumnDefault;
}

interface TableDef {
  columns: ColumnDef[];
  rowidAlias: number;
  withoutRowid: boolean;
  virtual: boolean;
  hasVirtualGenerated: boolean;
}

const TABLE_CONSTRAINT_START = new Set(['CONSTRAINT', 'PRIMARY', 'UNIQUE', 'CHECK', 'FOREIGN']);
/** Keywords that end a column's type name and start its constraints. */
const COLUMN_CONSTRAINT_START = new Set([
  'CONSTRAINT',
  'PRIMARY',
  'NOT',
  'NULL',
  'UNIQUE',
  'CHECK',
  'DEFAULT',
  'COLLATE',
  'REFERENCES',
  'GENERATED',
  'AS',
]);

/** Parses the column list of a CREATE TABLE statement as stored in sqlite_schema. */
export function parseCreateTable(sql: string): TableDef {
  const toks = tokenize(sql);
  const open = toks.findIndex((t) => isPunct(t, '('));
  const virtual = toks.slice(0, open < 0 ? toks.length : open).some((t) => isWord(t, 'VIRTUAL'));
  if (virtual) return { columns: [], rowidAlias: -1, withoutRowid: false, virtual, hasVirtualGenerated: false };
  if (!isWord(toks[0], 'CREATE') || open < 0) throw unsupportedSql('no column list', sql);

  // Split the parenthesised body into top-level comma-separated definitions.
  const defs: Token[][] = [];
  let cur: Token[] = [];
  let depth = 0;
  let close = -1;
  for (let i = open + 1; i < toks.length; i++) {
    const t = toks[i] as Token;
    if (isPunct(t, '(')) depth++;
    else if (isPunct(t, ')')) {
      if (depth === 0) {
        close = i;
        break;
      }
      depth--;
    } else if (depth === 0 && isPunct(t, ',')) {
      defs.push(cur);
      cur = [];
      continue;
    }
    cur.push(t);
  }
  if (close < 0) throw unsupportedSql('unbalanced parentheses', sql);
  defs.push(cur);

  // Table options after the closing parenthesis: STRICT, WITHOUT ROWID.
  const tail = toks.slice(close + 1);
  const withoutRowid = tail.some((t, i) => isWord(t, 'WITHOUT') && isWord(tail[i + 1], 'ROWID'));

  const columns: ColumnDef[] = [];
  const declTypes: string[] = [];
  let rowidAlias = -1;
  let tablePk: string[] | null = null;
  let hasVirtualGenerated = false;

  for (const d of defs) {
    const first = d[0];
    if (first === undefined) throw unsupportedSql('empty definition', sql);
    if (first.kind === 'word' && TABLE_CONSTRAINT_START.has(first.text.toUpperCase())) {
      const pk = d.findIndex((t) => isWord(t, 'PRIMARY'));
      if (pk >= 0 && isPunct(d[pk + 2], '(')) tablePk = indexedColumnNames(d, pk + 2);
      continue;
    }
    if (first.kind === 'punct' || first.kind === 'num' || first.kind === 'blob')
      throw unsupportedSql('bad column name', sql);
    const name = first.text;

    // Type name: everything up to the first constraint keyword at depth 0.
    let i = 1;
    const typeToks: string[] = [];
    let tdepth = 0;
    for (; i < d.length; i++) {
      const t = d[i] as Token;
      if (tdepth === 0 && t.kind === 'word' && COLUMN_CONSTRAINT_START.has(t.text.toUpperCase())) break;
      if (isPunct(t, '(')) tdepth++;
      if (isPunct(t, ')')) tdepth--;
      typeToks.push(t.text);
    }
    const declType = typeToks.join(' ');

    let dflt: ColumnDefault = { kind: 'value', value: null };
    let depthC = 0;
    for (let j = i; j < d.length; j++) {
      const t = d[j] as Token;
      if (isPunct(t, '(')) {
        depthC++;
        continue;
      }
      if (isPunct(t, ')')) {
        depthC--;
        continue;
      }
      if (depthC !== 0 || t.kind !== 'word') continue;
      const kw = t.text.toUpperCase();
      if (kw === 'PRIMARY' && isWord(d[j + 1], 'KEY')) {
        // Quirk kept for compatibility: "INTEGER PRIMARY KEY DESC" is not a rowid alias.
        if (declType.toUpperCase() === 'INTEGER' && !isWord(d[j + 2], 'DESC')) rowidAlias = columns.length;
      } else if (kw === 'DEFAULT') {
        dflt = parseDefault(d, j + 1, affinityOf(declType));
      } else if (kw === 'AS' && isPunct(d[j + 1], '(')) {
        // Generated column: VIRTUAL (the default) ones are not stored in the record.
        let k = j + 1;
        let dd = 0;
        for (; k < d.length; k++) {
          if (isPunct(d[k], '(')) dd++;
          else if (isPunct(d[k], ')') && --dd === 0) break;
        }
        if (!isWord(d[k + 1], 'STORED')) hasVirtualGenerated = true;
      }
    }
    columns.push({ name, dflt });
    declTypes.push(declType);
  }

  // "PRIMARY KEY(x)" as a table constraint on a single INTEGER column is also a rowid alias.
  if (tablePk !== null && tablePk.length === 1) {
    const target = asciiLower(tablePk[0] as string);
    const idx = columns.findIndex((c) => asciiLower(c.name) === target);
    if (idx >= 0 && (declTypes[idx] ?? '').toUpperCase() === 'INTEGER') rowidAlias = idx;
  }
  if (withoutRowid) rowidAlias = -1;
  return { columns, rowidAlias, withoutRowid, virtual: false, hasVirtualGenerated };
}

/** Column names from "( col [COLLATE x] [ASC|DESC], ... )" starting at the '(' token. */
function indexedColumnNames(d: Token[], open: number): string[] {
  const names: string[] = [];
  let expectName = true;
  let depth = 0;
  for (let i = open + 1; i < d.length; i++) {
    const t = d[i] as Token;
    if (isPunct(t, '(')) depth++;
    else if (isPunct(t, ')')) {
      if (depth === 0) break;
      depth--;
    } else if (depth === 0 && isPunct(t, ',')) expectName = true;
    else if (expectName && depth === 0) {
      names.push(t.text);
      expectName = false;
    }
  }
  return names;
}

type Affinity = 'INTEGER' | 'TEXT' | 'BLOB' | 'REAL' | 'NUMERIC';

/** Column affinity from the declared type (rules of "Datatypes In SQLite" §3.1). */
function affinityOf(declType: string): Affinity {
  const t = declType.toUpperCase();
  if (t.includes('INT')) return 'INTEGER';
  if (t.includes('CHAR') || t.includes('CLOB') || t.includes('TEXT')) return 'TEXT';
  if (t === '' || t.includes('BLOB')) return 'BLOB';
  if (t.includes('REAL') || t.includes('FLOA') || t.includes('DOUB')) return 'REAL';
  return 'NUMERIC';
}

/**
 * Literal DEFAULT value, with the column affinity applied as SQLite does when
 * it substitutes a default for a column missing from an older, shorter record.
 */
function parseDefault(d: Token[], at: number, aff: Affinity): ColumnDefault {
  // "DEFAULT (-1)" is a parenthesised literal, which ADD COLUMN accepts.
  let parens = 0;
  while (isPunct(d[at + parens], '(')) parens++;
  let i = at + parens;
  let t = d[i];
  let sign = '';
  if (isPunct(t, '-') || isPunct(t, '+')) {
    sign = (t as Token).text;
    t = d[++i];
  }
  if (t === undefined) return { kind: 'expr', text: '' };
  for (let k = 1; k <= parens; k++) {
    if (!isPunct(d[i + k], ')'))
      return {
        kind: 'expr',
        text: d
          .slice(at, i + k + 1)
          .map((x) => x.text)
          .join(' '),
      };
  }
  if (t.kind === 'num') {
    const n = parseNumber(sign + t.text);
    if (aff !== 'TEXT') return { kind: 'value', value: aff === 'REAL' && typeof n === 'bigint' ? Number(n) : n };
    const isReal = !/^0x/i.test(t.text) && /[.eE]/.test(t.text);
    return { kind: 'value', value: isReal ? formatReal(Number(n)) : String(n) };
  }
  if (sign !== '') return { kind: 'expr', text: sign + t.text };
  if (t.kind === 'blob') return { kind: 'value', value: Uint8Array.from(Buffer.from(t.text, 'hex')) };
  if (t.kind === 'word') {
    const w = t.text.toUpperCase();
    if (w === 'NULL') return { kind: 'value', value: null };
    if (w === 'TRUE' || w === 'FALSE') return parseDefault([{ kind: 'num', text: w === 'TRUE' ? '1' : '0' }], 0, aff);
    if (w.startsWith('CURRENT_')) return { kind: 'expr', text: t.text };
  }
  if (t.kind === 'punct') return { kind: 'expr', text: t.text };
  // A string literal (or a bare identifier, which SQLite accepts as a string).
  return { kind: 'value', value: textWithAffinity(t.text, aff) };
}

function parseNumber(text: string): number | bigint {
  const neg = text.startsWith('-');
  const body = text.replace(/^[+-]/, '');
  if (/^0x/i.test(body)) {
    const v = BigInt.asIntN(64, BigInt(body));
    return narrow(neg ? -v : v);
  }
  if (/^\d+$/.test(body)) {
    const v = BigInt(body) * (neg ? -1n : 1n);
    if (v >= -(2n ** 63n) && v < 2n ** 63n) return narrow(v);
  }
  return Number(text);
}

/** Approximates SQLite's "%!.15g" rendering of a REAL converted to TEXT. */
function formatReal(n: number): string {
  if (Number.isInteger(n) && Math.abs(n) < 1e15) return n.toFixed(1);
  return String(Number(n.toPrecision(15)));
}

/** A text default stored into a numeric-affinity column becomes a number if it looks like one. */
function textWithAffinity(s: string, aff: Affinity): SqlValue {
  if (aff === 'TEXT' || aff === 'BLOB') return s;
  const trimmed = s.trim();
  if (!/^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(trimmed)) return s;
  const n = parseNumber(trimmed);
  return aff === 'REAL' && typeof n === 'bigint' ? Number(n) : n;
}
