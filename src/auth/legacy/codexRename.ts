/**
 * openai-codex -> openai: the new id for a legacy id (openclaw's allocateLegacyAuthProfileId) and
 * the renames in place of profiles, order, usageStats keys and lastGood.
 */
import { normalizeProviderId } from '../providerId';
import { isObj, type Obj } from '../obj';

function legacyTarget(id: string): { provider: string; suffix: string } | undefined {
  if (id === 'openai:codex-cli') return { provider: 'openai', suffix: 'default' };
  const sep = id.indexOf(':');
  if (sep <= 0) return undefined;
  const p = id.slice(0, sep).trim().toLowerCase();
  if (p !== 'openai-codex') return undefined;
  return { provider: 'openai', suffix: id.slice(sep + 1).trim() || 'default' };
}
const isLegacyId = (id: string) => legacyTarget(id) !== undefined;

/** openclaw's allocateLegacyAuthProfileId. */
export function allocateId(legacyId: string, occupied: Set<string>): string {
  const t = legacyTarget(legacyId);
  if (!t) return legacyId;
  const direct = `${t.provider}:${t.suffix}`;
  if (!occupied.has(direct)) {
    occupied.add(direct);
    return direct;
  }
  const base = `${t.provider}:${legacyId.toLowerCase().startsWith('openai-codex:') ? 'chatgpt' : 'cli'}-${t.suffix}`;
  if (!occupied.has(base)) {
    occupied.add(base);
    return base;
  }
  for (let k = 2; ; k++) {
    const c = `${base}-${k}`;
    if (!occupied.has(c)) {
      occupied.add(c);
      return c;
    }
  }
}

export const canonicalProvider = (p: string) =>
  normalizeProviderId(p) === 'openai-codex' ? 'openai' : normalizeProviderId(p);

/** Renames legacy profile entries in place; returns the id map. */
export function renameProfiles(profiles: Obj, map: Map<string, string>): void {
  const occupied = new Set([...Object.keys(profiles).filter((id) => !isLegacyId(id)), ...map.values()]);
  for (const [id, raw] of Object.entries({ ...profiles })) {
    if (!isObj(raw)) continue;
    const t = legacyTarget(id);
    const provider = typeof raw.provider === 'string' ? canonicalProvider(raw.provider) : t?.provider;
    const legacyProvider = typeof raw.provider === 'string' && provider !== raw.provider.trim().toLowerCase();
    if (!t && !legacyProvider) continue;
    if (t && provider !== t.provider) continue;
    const mapped = map.get(id);
    const next = mapped && !Object.hasOwn(profiles, mapped) ? mapped : t ? allocateId(id, occupied) : id;
    occupied.add(next);
    if (next !== id) {
      delete profiles[id];
      map.set(id, next);
    }
    profiles[next] = { ...raw, provider };
  }
}

export function renameOrder(order: Obj, map: Map<string, string>): void {
  const occupied = new Set([
    ...Object.values(order).flatMap((v) =>
      Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string' && !isLegacyId(x)) : [],
    ),
    ...map.values(),
  ]);
  const rewrite = (x: unknown) => {
    if (typeof x !== 'string') return x;
    const m = map.get(x);
    if (m) return m;
    if (!isLegacyId(x)) return x;
    const a = allocateId(x, occupied);
    map.set(x, a);
    return a;
  };
  const keys = Object.keys(order);
  for (const p of keys) {
    const ids = order[p];
    if (Array.isArray(ids) && canonicalProvider(p) === p) order[p] = ids.map(rewrite);
  }
  for (const p of keys) {
    const ids = order[p];
    if (!Array.isArray(ids)) continue;
    const c = canonicalProvider(p);
    if (c === p) continue;
    const existing = order[c];
    delete order[p];
    const moved = ids.map(rewrite);
    order[c] =
      Array.isArray(existing) && existing.length === 0
        ? []
        : [...new Set([...moved, ...(Array.isArray(existing) ? existing : [])])];
  }
}

export function renameKeys(rec: Obj, map: Map<string, string>): void {
  for (const [k, v] of Object.entries({ ...rec })) {
    const n = map.get(k);
    if (!n || n === k) continue;
    delete rec[k];
    rec[n] = v;
  }
}

export function renameLastGood(rec: Obj, map: Map<string, string>): void {
  const before = { ...rec };
  for (const [p, v] of Object.entries(before)) {
    const c = canonicalProvider(p);
    const mapped = typeof v === 'string' ? map.get(v) : undefined;
    if (c !== p) {
      delete rec[p];
      if (Object.hasOwn(before, c)) continue;
    }
    rec[c] = mapped ?? v;
  }
}
