/**
 * openclaw.json: read the metadata the auth view needs, and edit it the way openclaw's auth
 * commands do (only `auth.profiles` / `auth.order`; every other key is kept as it is).
 */
import fs from 'node:fs';
import JSON5 from 'json5';
import { normalizeProviderId } from '../auth/providerId';
import { MAX_JSON_DEPTH, nestsDeeperThan } from '../auth/schemas';
import type { AuthConfigMeta } from '../auth/order';
import { isObj as isPlainObject } from '../auth/obj';

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
export type JsonObject = { [k: string]: Json };

export class ConfigError extends Error {
  constructor(
    message: string,
    readonly path: string,
  ) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** The shared plain-object check, narrowing to JSON (what JSON5.parse returns). */
const isObj = (v: unknown): v is JsonObject => isPlainObject<JsonObject>(v);

export interface LoadedConfig {
  path: string;
  exists: boolean;
  /** Parsed object ({} when the file does not exist or could not be read). */
  data: JsonObject;
  /** The file was plain JSON whose values JSON.stringify writes back unchanged, so it can be rewritten. */
  plainJson: boolean;
  /** Why it is not rewritten, when it is read but not plainJson: "has comments or JSON5 syntax", … */
  notRewritable?: string;
  text: string;
  mtimeMs: number;
  /** The file exists but could not be read: a sentence naming the file and the cause. */
  error?: string;
}

/** A number token whose value JSON.stringify would write differently (lost digits, 1e400 → null). */
function lossyNumber(text: string): string | undefined {
  const num = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
  const canon = (t: string): string => {
    const m = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(t);
    if (!m) return t;
    const all = `${m[2]}${m[3] ?? ''}`.replace(/^0+/, '');
    if (!all) return '0';
    const digits = all.replace(/0+$/, '');
    return `${m[1]}${digits}e${Number(m[4] ?? 0) - (m[3] ?? '').length + all.length - digits.length}`;
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (c === '"') {
      for (i++; i < text.length && text[i] !== '"'; i++) if (text[i] === '\\') i++;
      continue;
    }
    if (c !== '-' && (c < '0' || c > '9')) continue;
    num.lastIndex = i;
    const m = num.exec(text);
    if (!m) continue;
    const n = Number(m[0]);
    if (!Number.isFinite(n) || canon(String(n)) !== canon(m[0]))
      return m[0].length > 30 ? `${m[0].slice(0, 30)}…` : m[0];
    i += m[0].length - 1;
  }
  return undefined;
}

/**
 * Reads openclaw.json as openclaw does: JSON, else JSON5 (the `json5` package openclaw uses), with
 * the nesting capped at MAX_JSON_DEPTH. A file that cannot be read has `error` (a sentence naming
 * it and the cause, never quoting its content) and empty `data`.
 */
export function loadConfig(path: string): LoadedConfig {
  let text: string;
  let mtimeMs = 0;
  try {
    text = fs.readFileSync(path, 'utf8');
    mtimeMs = fs.statSync(path).mtimeMs;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT')
      return { path, exists: false, data: {}, plainJson: true, text: '', mtimeMs };
    return {
      path,
      exists: true,
      data: {},
      plainJson: false,
      text: '',
      mtimeMs,
      error: `openclaw.json at ${path} could not be read: ${(e as Error).message}.`,
    };
  }
  const bad = (why: string): LoadedConfig => ({
    path,
    exists: true,
    data: {},
    plainJson: false,
    text,
    mtimeMs,
    error: `openclaw.json at ${path} could not be read: ${why}.`,
  });
  if (!text.trim()) return { path, exists: true, data: {}, plainJson: true, text, mtimeMs };
  if (nestsDeeperThan(text)) return bad(`it nests deeper than ${MAX_JSON_DEPTH} levels`);
  let data: unknown;
  let plainJson = true;
  try {
    data = JSON.parse(text) as unknown;
  } catch {
    plainJson = false;
    try {
      data = JSON5.parse(text) as unknown;
    } catch (e) {
      // json5's messages quote one character of the file; only the position is kept.
      const err = e as { lineNumber?: number; columnNumber?: number; message?: string };
      const where = err.lineNumber ? ` (line ${err.lineNumber}, column ${err.columnNumber ?? 0})` : '';
      return bad(
        `it is not valid JSON or JSON5${/end of input/.test(err.message ?? '') ? ', it ends too early' : ''}${where}`,
      );
    }
  }
  if (!isObj(data)) return bad('it is not a JSON object');
  if (!plainJson)
    return { path, exists: true, data, plainJson, notRewritable: 'has comments or JSON5 syntax', text, mtimeMs };
  const lossy = lossyNumber(text);
  if (lossy)
    return {
      path,
      exists: true,
      data,
      plainJson: false,
      notRewritable: `has a number (${lossy}) that JSON cannot keep exactly`,
      text,
      mtimeMs,
    };
  return { path, exists: true, data, plainJson, text, mtimeMs };
}

/**
 * Why openclaw.json must not be rewritten, as a sentence naming the file; undefined when it can be
 * (absent, or plain JSON). Rewriting JSON5 would drop its comments; a number JSON cannot keep
 * would change.
 */
export function configWriteRefusal(cfg: LoadedConfig): string | undefined {
  if (!cfg.exists) return undefined;
  if (cfg.error) return `${cfg.error} OpenClaw Auth does not rewrite a file it cannot read.`;
  if (!cfg.plainJson)
    return `openclaw.json at ${cfg.path} ${cfg.notRewritable ?? 'is not plain JSON'}, which rewriting it would lose, so OpenClaw Auth does not write it.`;
  return undefined;
}

export function authMeta(cfg: JsonObject): AuthConfigMeta {
  const auth = isObj(cfg.auth) ? cfg.auth : {};
  const profiles: AuthConfigMeta['profiles'] = {};
  if (isObj(auth.profiles)) {
    for (const [id, m] of Object.entries(auth.profiles)) {
      if (isObj(m))
        profiles[id] = {
          provider: typeof m.provider === 'string' ? m.provider : undefined,
          mode: typeof m.mode === 'string' ? m.mode : undefined,
        };
    }
  }
  let order: Record<string, string[]> | undefined;
  if (isObj(auth.order)) {
    order = {};
    for (const [p, ids] of Object.entries(auth.order))
      if (Array.isArray(ids)) order[p] = ids.filter((x): x is string => typeof x === 'string');
  }
  const providerAuthMode: Record<string, string | undefined> = {};
  const models = isObj(cfg.models) ? cfg.models : {};
  if (isObj(models.providers)) {
    for (const [p, v] of Object.entries(models.providers))
      if (isObj(v) && typeof v.auth === 'string') providerAuthMode[p] = v.auth;
  }
  return { profiles, order, providerAuthMode };
}

/** Endpoint details of a provider from `models.providers` (never stored in a profile). */
export function providerEndpoint(
  cfg: JsonObject,
  provider: string,
): { baseUrl?: string; api?: string; headers?: string[]; models: string[] } | undefined {
  const models = isObj(cfg.models) ? cfg.models : {};
  if (!isObj(models.providers)) return undefined;
  for (const [p, v] of Object.entries(models.providers)) {
    if (normalizeProviderId(p) !== normalizeProviderId(provider) || !isObj(v)) continue;
    return {
      baseUrl: typeof v.baseUrl === 'string' ? v.baseUrl : undefined,
      api: typeof v.api === 'string' ? v.api : undefined,
      headers: isObj(v.headers) ? Object.keys(v.headers) : undefined,
      models: Array.isArray(v.models)
        ? v.models
            .map((m) => (isObj(m) && typeof m.id === 'string' ? m.id : typeof m === 'string' ? m : ''))
            .filter(Boolean)
        : [],
    };
  }
  return undefined;
}

export interface AgentEntry {
  id: string;
  agentDir?: string;
  /** The agent's model ref (`provider/model`), when it has its own. */
  model?: string;
}

function modelRef(v: Json | undefined): string | undefined {
  if (typeof v === 'string') return v;
  if (isObj(v) && typeof v.primary === 'string') return v.primary;
  return undefined;
}

export function configAgents(cfg: JsonObject): {
  entries: AgentEntry[];
  defaultAgentId: string;
  defaultModel?: string;
  fallbacks: string[];
  aliases: Record<string, string>;
} {
  const agents = isObj(cfg.agents) ? cfg.agents : {};
  const defaults = isObj(agents.defaults) ? agents.defaults : {};
  const entries: AgentEntry[] = [];
  const raw = isObj(agents.entries)
    ? Object.entries(agents.entries)
    : Array.isArray(agents.list)
      ? agents.list.map((a) => [isObj(a) && typeof a.id === 'string' ? a.id : '', a] as const)
      : [];
  for (const [id, v] of raw) {
    if (!id) continue;
    const e = isObj(v) ? v : {};
    entries.push({ id, agentDir: typeof e.agentDir === 'string' ? e.agentDir : undefined, model: modelRef(e.model) });
  }
  const sys =
    isObj(defaults.systemAgent) && typeof defaults.systemAgent.agentId === 'string'
      ? defaults.systemAgent.agentId
      : undefined;
  const model = isObj(defaults.model) ? defaults.model : undefined;
  const fallbacks =
    model && Array.isArray(model.fallbacks) ? model.fallbacks.filter((x): x is string => typeof x === 'string') : [];
  const aliases: Record<string, string> = {};
  if (isObj(defaults.models))
    for (const [ref, m] of Object.entries(defaults.models))
      if (isObj(m) && typeof m.alias === 'string') aliases[m.alias] = ref;
  return { entries, defaultAgentId: sys ?? 'main', defaultModel: modelRef(defaults.model), fallbacks, aliases };
}

// ---- edits (pure: they return a new object) ----

function clone<T extends Json>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}

/** `auth.profiles.<id> = { provider, mode }`, as paste-api-key / paste-token write it. */
export function withProfileMeta(
  cfg: JsonObject,
  id: string,
  provider: string,
  mode: string,
  opts: { promoteInOrder?: boolean } = {},
): JsonObject {
  const next = clone(cfg);
  const auth = isObj(next.auth) ? next.auth : (next.auth = {});
  const profiles = isObj(auth.profiles) ? auth.profiles : (auth.profiles = {});
  const prev = isObj(profiles[id]) ? (profiles[id] as JsonObject) : {};
  profiles[id] = { ...prev, provider, mode };
  if (opts.promoteInOrder) {
    // openclaw's applyAuthProfileConfig: a pasted id goes first in an existing config order for
    // its provider; a list is created when another config profile of the provider has a different mode.
    const order = isObj(auth.order) ? auth.order : undefined;
    const key = order ? Object.keys(order).find((k) => normalizeProviderId(k) === provider) : undefined;
    const sameProvider = Object.entries(profiles).filter(
      ([, m]) => isObj(m) && normalizeProviderId(m.provider) === provider,
    );
    const mixedModes = sameProvider.some(([pid, m]) => pid !== id && isObj(m) && m.mode !== mode);
    if (order && key && Array.isArray(order[key])) {
      order[key] = [id, ...(order[key] as Json[]).filter((x) => x !== id)];
    } else if (mixedModes) {
      const o = isObj(auth.order) ? auth.order : (auth.order = {});
      o[provider] = [id, ...sameProvider.map(([pid]) => pid).filter((x) => x !== id)];
    }
  }
  return next;
}

/** Logout: drop `auth.profiles.<id>`, drop the id from every `auth.order` list, delete lists left empty. */
export function withoutProfileMeta(cfg: JsonObject, id: string): JsonObject {
  const next = clone(cfg);
  if (!isObj(next.auth)) return next;
  const auth = next.auth;
  if (isObj(auth.profiles)) delete auth.profiles[id];
  if (isObj(auth.order)) {
    for (const [p, ids] of Object.entries(auth.order)) {
      if (!Array.isArray(ids) || !ids.includes(id)) continue;
      const rest = ids.filter((x) => x !== id);
      if (rest.length === 0) delete auth.order[p];
      else auth.order[p] = rest;
    }
  }
  return next;
}

export function serializeConfig(cfg: JsonObject): string {
  return JSON.stringify(cfg, null, 2) + '\n';
}
