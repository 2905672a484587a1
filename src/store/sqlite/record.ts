/**
 * Record decoding (fileformat2 §2.1): varints, serial types, text in the database encoding, and
 * the early peek at one column of a cell's on-page prefix; plus small row-building helpers.
 */
import { SqliteFormatError, type SqliteTextEncoding, type SqlValue } from './types';

interface Varint {
  value: number | bigint;
  next: number;
}

/**
 * SQLite varint: 1-9 bytes, big-endian, 7 bits per byte with a continuation
 * high bit, except the 9th byte which contributes all 8 bits. The result is a
 * signed 64-bit integer (rowids may be negative).
 */
export function readVarint(buf: Buffer, pos: number, end: number, path: string): Varint {
  let v = 0;
  for (let i = 0; i < 7; i++) {
    if (pos + i >= end) throw new SqliteFormatError(`${path}: varint runs past the end of its page/record`);
    const b = buf[pos + i] as number;
    v = v * 128 + (b & 0x7f);
    if (b < 0x80) return { value: v, next: pos + i + 1 };
  }
  // 8th/9th byte: beyond 49 bits, switch to exact bigint arithmetic.
  if (pos + 8 >= end) throw new SqliteFormatError(`${path}: varint runs past the end of its page/record`);
  let big = BigInt(v);
  const b7 = buf[pos + 7] as number;
  big = (big << 7n) | BigInt(b7 & 0x7f);
  let next = pos + 8;
  if (b7 >= 0x80) {
    big = (big << 8n) | BigInt(buf[pos + 8] as number);
    next = pos + 9;
  }
  return { value: narrow(BigInt.asIntN(64, big)), next };
}

export function narrow(v: bigint): number | bigint {
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

function decodeText(buf: Buffer, start: number, end: number, enc: SqliteTextEncoding): string {
  if (enc === 'utf8') return buf.toString('utf8', start, end);
  if (enc === 'utf16le') return buf.toString('utf16le', start, end);
  const copy = Buffer.from(buf.subarray(start, start + ((end - start) & ~1)));
  return copy.swap16().toString('utf16le');
}

/** Decodes a record (fileformat2 §2.1): header of serial types, then the values. */
export const NOT_LOCAL: unique symbol = Symbol('not local');

/** Decodes column `idx` from the local (on-page) prefix of a record, or NOT_LOCAL if it is not all there. */
export function peekColumn(local: Buffer, idx: number, enc: SqliteTextEncoding): SqlValue | typeof NOT_LOCAL {
  try {
    const hs = readVarint(local, 0, local.length, '');
    if (typeof hs.value !== 'number' || hs.value > local.length) return NOT_LOCAL;
    let pos = hs.next;
    let body = hs.value;
    for (let i = 0; pos < hs.value; i++) {
      const st = readVarint(local, pos, hs.value, '');
      pos = st.next;
      const t = Number(st.value);
      const size = t >= 12 ? Math.floor((t - 12) / 2) : ([0, 1, 2, 3, 4, 6, 8, 8, 0, 0, 0, 0][t] ?? 0);
      if (i === idx) {
        if (body + size > local.length) return NOT_LOCAL;
        if (t >= 13 && t % 2 === 1) return decodeText(local, body, body + size, enc);
        if (t === 0) return null;
        return NOT_LOCAL; // only TEXT/NULL keys are filtered early; others decode fully
      }
      body += size;
    }
    return null; // fewer columns than idx: the column is absent (NULL or default)
  } catch {
    return NOT_LOCAL;
  }
}

export function decodeRecord(payload: Buffer, enc: SqliteTextEncoding, path: string): SqlValue[] {
  const bad = (why: string): SqliteFormatError => new SqliteFormatError(`${path}: malformed record: ${why}`);
  const h = readVarint(payload, 0, payload.length, path);
  const headerSize = h.value;
  if (typeof headerSize !== 'number' || headerSize < h.next || headerSize > payload.length) throw bad('header size');
  const out: SqlValue[] = [];
  let hp = h.next;
  let bp = headerSize;
  while (hp < headerSize) {
    const st = readVarint(payload, hp, headerSize, path);
    hp = st.next;
    const t = st.value;
    if (typeof t !== 'number' || t < 0) throw bad(`serial type ${String(t)}`);
    const need = t >= 12 ? (t - (t & 1 ? 13 : 12)) / 2 : (([0, 1, 2, 3, 4, 6, 8, 8, 0, 0] as const)[t] ?? -1);
    if (need < 0) throw bad(`reserved serial type ${t}`);
    if (bp + need > payload.length) throw bad('value runs past the payload');
    let v: SqlValue;
    switch (t) {
      case 0:
        v = null;
        break;
      case 1:
        v = payload.readInt8(bp);
        break;
      case 2:
        v = payload.readInt16BE(bp);
        break;
      case 3:
        v = payload.readIntBE(bp, 3);
        break;
      case 4:
        v = payload.readInt32BE(bp);
        break;
      case 5:
        v = payload.readIntBE(bp, 6);
        break;
      case 6:
        v = narrow(payload.readBigInt64BE(bp));
        break;
      case 7:
        v = payload.readDoubleBE(bp);
        break;
      case 8:
        v = 0;
        break;
      case 9:
        v = 1;
        break;
      default:
        if (t & 1) v = decodeText(payload, bp, bp + need, enc);
        else {
          // Copy so callers never hold (or mutate) a view into the page cache.
          const blob = new Uint8Array(need);
          blob.set(payload.subarray(bp, bp + need));
          v = blob;
        }
    }
    out.push(v);
    bp += need;
  }
  return out;
}

export function setProp(row: Record<string, SqlValue>, key: string, v: SqlValue): void {
  // A column literally named "__proto__" must become an own property.
  if (key === '__proto__')
    Object.defineProperty(row, key, { value: v, enumerable: true, writable: true, configurable: true });
  else row[key] = v;
}

export function asciiLower(s: string): string {
  return s.replace(/[A-Z]/g, (c) => c.toLowerCase());
}
