/**
 * Table b-tree walk: an in-order scan of a table's leaf cells, with overflow chains, through the
 * pages of one snapshot (a PageSource: the reader's page cache and WAL overlay).
 */
import { DB_HEADER_SIZE, MAX_BTREE_DEPTH, MAX_PAYLOAD, PAGE_TYPE_TABLE_INTERIOR, PAGE_TYPE_TABLE_LEAF } from './format';
import { readVarint } from './record';
import type { Snapshot } from './snapshot';
import { SqliteFormatError } from './types';

/** What the b-tree walk reads pages through (the SqliteReader it serves). */
export interface PageSource {
  readonly path: string;
  snap(): Snapshot;
  getPage(pgno: number, cacheIt: boolean): Buffer;
}

/**
 * In-order walk of a table b-tree. Iterative (no recursion depth issues) and
 * every page may be visited once, so corrupt child pointers that form a cycle
 * are reported instead of looping forever.
 */
export function* scanTable(
  src: PageSource,
  rootPage: number,
  keep?: (local: Buffer) => boolean,
): Generator<{ rowid: number | bigint; payload: Buffer }> {
  const { pageCount, usableSize } = src.snap();
  if (pageCount === 0) return; // empty database: not even sqlite_schema has a page yet
  const visited = new Set<number>();
  const stack: number[] = [rootPage];
  const depths: number[] = [1];
  while (stack.length > 0) {
    const pgno = stack.pop() as number;
    const depth = depths.pop() as number;
    if (visited.has(pgno)) throw new SqliteFormatError(`${src.path}: b-tree cycle at page ${pgno}`);
    if (depth > MAX_BTREE_DEPTH)
      throw new SqliteFormatError(`${src.path}: b-tree deeper than ${MAX_BTREE_DEPTH} levels at page ${pgno}`);
    visited.add(pgno);
    const page = src.getPage(pgno, true);
    const hdr = pgno === 1 ? DB_HEADER_SIZE : 0;
    const type = page[hdr];
    if (type !== PAGE_TYPE_TABLE_INTERIOR && type !== PAGE_TYPE_TABLE_LEAF) {
      throw new SqliteFormatError(`${src.path}: page ${pgno} is not a table b-tree page (type ${type})`);
    }
    const interior = type === PAGE_TYPE_TABLE_INTERIOR;
    const nCells = page.readUInt16BE(hdr + 3);
    const ptrArray = hdr + (interior ? 12 : 8);
    const cellsStart = ptrArray + 2 * nCells;
    if (cellsStart > usableSize) {
      throw new SqliteFormatError(`${src.path}: page ${pgno} claims ${nCells} cells, more than fit`);
    }
    const cellAt = (i: number): number => {
      const off = page.readUInt16BE(ptrArray + 2 * i);
      if (off < cellsStart || off >= usableSize) {
        throw new SqliteFormatError(`${src.path}: page ${pgno} cell ${i} offset ${off} out of range`);
      }
      return off;
    };
    if (interior) {
      // Push children in reverse so the left-most subtree is popped first.
      stack.push(page.readUInt32BE(hdr + 8));
      depths.push(depth + 1);
      for (let i = nCells - 1; i >= 0; i--) {
        const off = cellAt(i);
        if (off + 4 > usableSize) throw new SqliteFormatError(`${src.path}: page ${pgno} cell ${i} truncated`);
        stack.push(page.readUInt32BE(off));
        depths.push(depth + 1);
      }
    } else {
      for (let i = 0; i < nCells; i++) {
        const cell = readLeafCell(src, page, pgno, cellAt(i), keep);
        if (cell) yield cell;
      }
    }
  }
}

function readLeafCell(
  src: PageSource,
  page: Buffer,
  pgno: number,
  off: number,
  keep?: (local: Buffer) => boolean,
): { rowid: number | bigint; payload: Buffer } | null {
  const { usableSize: U, availablePages } = src.snap();
  const size = readVarint(page, off, U, src.path);
  const P = size.value;
  if (typeof P !== 'number' || P < 0 || P > MAX_PAYLOAD) {
    throw new SqliteFormatError(`${src.path}: page ${pgno}: bad payload size ${String(P)}`);
  }
  const key = readVarint(page, size.next, U, src.path);
  const start = key.next;
  // Spill rules for table leaf cells (fileformat2 §1.6): X is the largest
  // payload kept entirely on the page; otherwise M..X bytes stay local,
  // chosen so the overflow part fills whole overflow pages when possible.
  const X = U - 35;
  let local = P;
  if (P > X) {
    const M = Math.floor(((U - 12) * 32) / 255) - 23;
    const K = M + ((P - M) % (U - 4));
    local = K <= X ? K : M;
  }
  const localEnd = start + local;
  if (localEnd + (local < P ? 4 : 0) > U) {
    throw new SqliteFormatError(`${src.path}: page ${pgno}: cell payload runs past the page`);
  }
  if (local === P) return { rowid: key.value, payload: page.subarray(start, localEnd) };
  if (keep && !keep(page.subarray(start, localEnd))) return null;

  // The chain length is fixed by P, which bounds the loop even if corrupt;
  // checking it against the pages that really exist first also stops a corrupt
  // size from forcing a huge allocation.
  const chunk = U - 4;
  const needed = Math.ceil((P - local) / chunk);
  if (needed > availablePages) {
    throw new SqliteFormatError(
      `${src.path}: page ${pgno}: payload of ${P} bytes needs ${needed} overflow pages, more than the database holds (${availablePages})`,
    );
  }
  const payload = Buffer.allocUnsafe(P);
  page.copy(payload, 0, start, localEnd);
  let filled = local;
  let next = page.readUInt32BE(localEnd);
  const seen = new Set<number>();
  while (filled < P) {
    if (next === 0 || seen.has(next)) {
      throw new SqliteFormatError(`${src.path}: page ${pgno}: broken overflow chain (next page ${next})`);
    }
    seen.add(next);
    const ovfl = src.getPage(next, false);
    const n = Math.min(chunk, P - filled);
    ovfl.copy(payload, filled, 4, 4 + n);
    filled += n;
    next = ovfl.readUInt32BE(0);
  }
  return { rowid: key.value, payload };
}
