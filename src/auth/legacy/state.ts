/**
 * State normalisation (openclaw's coerceAuthProfileState): order, lastGood and usageStats as read
 * from a legacy file or a target cell.
 */
import { coerceUsageStats } from '../schemas';
import { normalizeProviderId } from '../providerId';
import { isObj, type Obj } from '../obj';
import { nonBlank } from './credential';

export function normalizeState(raw: unknown): { order?: Obj; lastGood?: Obj; usageStats?: Obj } {
  if (!isObj(raw)) return {};
  const out: { order?: Obj; lastGood?: Obj; usageStats?: Obj } = {};
  if (isObj(raw.order)) {
    const o: Obj = {};
    for (const [p, v] of Object.entries(raw.order)) {
      if (!Array.isArray(v)) continue;
      const k = normalizeProviderId(p);
      const list = v.filter((x): x is string => typeof x === 'string' && x.trim() !== '').map((x) => x.trim());
      if (k && list.length) o[k] = list;
    }
    if (Object.keys(o).length) out.order = o;
  }
  if (isObj(raw.lastGood)) {
    const o: Obj = {};
    for (const [p, v] of Object.entries(raw.lastGood)) {
      const k = normalizeProviderId(p);
      const id = nonBlank(v);
      if (k && id) o[k] = id;
    }
    if (Object.keys(o).length) out.lastGood = o;
  }
  if (isObj(raw.usageStats)) {
    const o: Obj = {};
    for (const [id, v] of Object.entries(raw.usageStats)) {
      const k = nonBlank(id);
      const s = coerceUsageStats(v).stats;
      if (k && s) o[k] = s;
    }
    if (Object.keys(o).length) out.usageStats = o;
  }
  return out;
}
