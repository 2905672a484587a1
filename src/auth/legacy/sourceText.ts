/**
 * Helpers over a source file's raw text: duplicate object keys (JSON.parse keeps the last; openclaw
 * reads it the same) and the sha256 recorded in receipts.
 */
import { createHash } from 'node:crypto';

/** Paths of object keys that occur more than once in the same object, e.g. `profiles.a:b`. */
export function duplicateKeys(text: string, limit = 50): string[] {
  const out: string[] = [];
  const stack: { keys: Set<string>; path: string; lastKey?: string; isObj: boolean }[] = [];
  let i = 0;
  const n = text.length;
  let expectKey = false;
  while (i < n && out.length < limit) {
    const ch = text[i];
    if (ch === '"') {
      let j = i + 1;
      let s = '';
      while (j < n && text[j] !== '"') {
        if (text[j] === '\\') {
          s += text.slice(j, j + 2);
          j += 2;
        } else {
          s += text[j];
          j++;
        }
      }
      const top = stack[stack.length - 1];
      if (top?.isObj && expectKey) {
        let key = s;
        try {
          key = JSON.parse(`"${s}"`) as string;
        } catch {
          /* keep raw */
        }
        if (top.keys.has(key)) out.push(top.path ? `${top.path}.${key}` : key);
        top.keys.add(key);
        top.lastKey = key;
        expectKey = false;
      }
      i = j + 1;
      continue;
    }
    if (ch === '{' || ch === '[') {
      const top = stack[stack.length - 1];
      const p = top
        ? top.isObj
          ? top.path
            ? `${top.path}.${top.lastKey ?? ''}`
            : (top.lastKey ?? '')
          : top.path
        : '';
      stack.push({ keys: new Set(), path: p, isObj: ch === '{' });
      expectKey = ch === '{';
    } else if (ch === '}' || ch === ']') {
      stack.pop();
      expectKey = false;
    } else if (ch === ',') {
      expectKey = stack[stack.length - 1]?.isObj ?? false;
    }
    i++;
  }
  return out;
}

export function sha256(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}
