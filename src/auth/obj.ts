/** A plain JSON object (not null, not an array), as parsed from a file or an answer. */
export type Obj = Record<string, unknown>;

/** Whether `v` is a plain object: `typeof "object"`, not null, not an array. */
export function isObj<T extends object = Obj>(v: unknown): v is T {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
