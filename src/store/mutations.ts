/**
 * Every change to the auth store is one small command object applied by `applyMutation`, which
 * picks the DB that owns the data exactly as openclaw does, writes it through `mutateDb`, and
 * keeps openclaw.json's `auth.profiles` / `auth.order` in step. After a write callers re-read the
 * snapshot; nothing here patches a cached view.
 */
import fs from 'node:fs';
import nodePath from 'node:path';
import {
  mutateDb,
  readCell,
  StoreBusyError,
  StoreCorruptError,
  writeCell,
  type CellAddress,
  type DbKind,
  type SqlConn,
} from './dbWriter';
import { readSnapshot, type AgentSnapshot, type SnapshotOptions } from './snapshot';
import { AUTH_CELLS, EMPTY_STORE_TEXT, MARKER_CELL, STATE_DB_MARKER } from './layout';
import { agentDbPath } from './paths';
import {
  ConfigError,
  configWriteRefusal,
  loadConfig,
  serializeConfig,
  withProfileMeta,
  withoutProfileMeta,
  type JsonObject,
} from './config';
import { atomicWrite, cleanStaleTemps, withLock } from './fileio';
import { normalizeProviderId, quoteId, validateProfileId, validateProviderId } from '../auth/providerId';
import { readJson } from '../auth/schemas';
import { validateSecretRef, type SecretRef } from '../auth/secretRef';
import { isObj, type Obj } from '../auth/obj';

export type NewCredential =
  | { type: 'api_key'; provider: string; key: string }
  | { type: 'api_key'; provider: string; keyRef: SecretRef }
  | { type: 'token'; provider: string; token: string; expires?: number }
  | { type: 'token'; provider: string; tokenRef: SecretRef; expires?: number };

export type Mutation =
  | { kind: 'upsertProfile'; profileId: string; credential: NewCredential }
  | { kind: 'removeProfile'; profileId: string }
  | { kind: 'setOrder'; provider: string; profileIds: string[] | null }
  /** Puts a removed profile back exactly as it was (Undo). */
  | {
      kind: 'restoreProfile';
      profileId: string;
      raw: Record<string, unknown>;
      location: DbKind;
      orders: Record<string, string[]>;
      configMeta?: unknown;
      configOrders: Record<string, string[]>;
    };

export class MutationError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
    this.name = 'MutationError';
  }
}

export interface MutationResult {
  /** Files that were rewritten. */
  files: string[];
  /** A mutation that undoes this one, when there is one. */
  undo?: Mutation;
  profileId?: string;
}

interface Target {
  path: string;
  kind: DbKind;
  store: CellAddress;
  state: CellAddress;
  /** Write the `auth.sharedStore` marker too (a fresh shared store). */
  marker?: boolean;
  /** Whether this is the shared store or the agent's own DB (for Undo). */
  role: DbKind;
}

function sharedTarget(s: AgentSnapshot): Target {
  if (s.sharedLocation === 'legacy-main' && !s.freshSharedStore) {
    return {
      path: s.defaultAgentDbPath,
      kind: 'agent',
      role: 'shared',
      ...AUTH_CELLS.agent,
    };
  }
  return {
    path: s.paths.sharedDb,
    kind: 'shared',
    role: 'shared',
    ...AUTH_CELLS.shared,
    marker: s.freshSharedStore,
  };
}
function agentTarget(s: AgentSnapshot): Target {
  return {
    path: agentDbPath(s.agentDir),
    kind: 'agent',
    role: 'agent',
    ...AUTH_CELLS.agent,
  };
}

/** The DB that owns a profile id's credential for this agent (openclaw's rule). */
export function credentialOwner(s: AgentSnapshot, profileId: string, type?: string): Target {
  if (s.isDefaultAgent) return sharedTarget(s);
  // openclaw: paste-api-key on an inherited id updates the shared credential for every agent,
  // while paste-token on one makes a local copy for this agent.
  if (s.location[profileId] === 'inherited' && type !== 'token') return sharedTarget(s);
  return agentTarget(s);
}

/** `o[key]` only when `key` is o's own property: ids such as "constructor" or "__proto__" never match Object.prototype. */
/** Sets an own property, also for a key such as "__proto__" (plain assignment would set the prototype). */
const setOwn = (o: Obj, key: string, value: unknown): void => {
  Object.defineProperty(o, key, { value, enumerable: true, writable: true, configurable: true });
};
const own = <V>(o: Record<string, V> | undefined, key: string): V | undefined =>
  o && Object.hasOwn(o, key) ? o[key] : undefined;

/** Why a cell cannot be edited ("is not valid JSON", "nests deeper than 100 levels"), or undefined. */
function cellProblem(text: string): string | undefined {
  const r = readJson(text);
  if (!r.ok) return r.detail;
  return isObj(r.value) ? undefined : 'is not a JSON object';
}

function parseCell(text: string | undefined, what: string, file: string): Obj {
  if (text === undefined) return { version: 1 };
  const r = readJson(text);
  if (r.ok && isObj(r.value)) return r.value;
  throw new MutationError(
    `The ${what} in ${file} ${r.ok ? 'is not a JSON object' : r.detail}, so it was left untouched. Repair it (or remove the row) with openclaw, then try again.`,
    'CORRUPT_CELL',
  );
}

function storeProfiles(store: Obj, file: string): Obj {
  if (store.profiles === undefined) store.profiles = {};
  if (!isObj(store.profiles))
    throw new MutationError(
      `The auth store in ${file} has a "profiles" value that is not an object; nothing was changed.`,
      'CORRUPT_CELL',
    );
  return store.profiles;
}

/** Drops `id` from order lists, lastGood and usageStats of a state object; deletes empty parts. */
function scrubState(state: Obj, id: string): { changed: boolean; orders: Record<string, string[]> } {
  let changed = false;
  const orders: Record<string, string[]> = {};
  if (isObj(state.order)) {
    for (const [p, ids] of Object.entries(state.order)) {
      if (!Array.isArray(ids) || !ids.includes(id)) continue;
      orders[p] = ids as string[];
      const rest = ids.filter((x) => x !== id);
      if (rest.length) state.order[p] = rest;
      else delete state.order[p];
      changed = true;
    }
    if (Object.keys(state.order).length === 0) delete state.order;
  }
  if (isObj(state.lastGood)) {
    for (const [p, v] of Object.entries(state.lastGood))
      if (v === id) {
        delete state.lastGood[p];
        changed = true;
      }
    if (Object.keys(state.lastGood).length === 0) delete state.lastGood;
  }
  if (isObj(state.usageStats) && Object.hasOwn(state.usageStats, id)) {
    delete state.usageStats[id];
    changed = true;
    if (Object.keys(state.usageStats).length === 0) delete state.usageStats;
  }
  return { changed, orders };
}

/** A state with nothing left but its version is deleted, as openclaw does. */
function stateText(state: Obj): string | undefined {
  const keys = Object.keys(state).filter((k) => k !== 'version');
  return keys.length ? JSON.stringify(state) : undefined;
}

function buildCredential(prev: unknown, c: NewCredential, profileId: string): Obj {
  if (c.type === 'api_key' && 'key' in c && isObj(prev)) {
    // openclaw's paste-api-key guards (its wording): never over a ref or another sign-in.
    if (prev.type === 'api_key' && isObj(prev.keyRef))
      throw new MutationError(
        `${quoteId(profileId)}: this API-key profile uses an external secret reference. Remove that saved sign-in before storing an inline key.`,
        'REF_PROFILE',
      );
    if (prev.type !== 'api_key' || normalizeProviderId(prev.provider) !== normalizeProviderId(c.provider))
      throw new MutationError(
        `${quoteId(profileId)}: the API-key profile belongs to another sign-in. Manage that saved sign-in first.`,
        'OTHER_SIGN_IN',
      );
  }
  // An API key keeps what is stored beside it (email, metadata, ...); a token replaces the whole
  // entry, as openclaw's paste-token does.
  const base: Obj = isObj(prev) && prev.type === c.type && c.type === 'api_key' ? { ...prev } : {};
  base.type = c.type;
  base.provider = normalizeProviderId(c.provider);
  if (c.type === 'api_key') {
    delete base.key;
    delete base.keyRef;
    delete base.apiKey;
    if ('key' in c) base.key = c.key;
    else base.keyRef = c.keyRef;
  } else {
    delete base.token;
    delete base.tokenRef;
    if ('token' in c) base.token = c.token;
    else base.tokenRef = c.tokenRef;
    if (c.expires !== undefined) base.expires = c.expires;
    else delete base.expires;
  }
  return base;
}

function validateCredential(profileId: string, c: NewCredential): void {
  const pe = validateProviderId(c.provider);
  if (pe) throw new MutationError(pe, 'INVALID_PROVIDER');
  const ie = validateProfileId(profileId, c.provider);
  if (ie) throw new MutationError(ie, 'INVALID_PROFILE_ID');
  if ('key' in c && !c.key.trim()) throw new MutationError('The API key is empty.', 'EMPTY_SECRET');
  if ('token' in c && !c.token.trim()) throw new MutationError('The token is empty.', 'EMPTY_SECRET');
  const ref = 'keyRef' in c ? c.keyRef : 'tokenRef' in c ? c.tokenRef : undefined;
  if (ref) {
    const v = validateSecretRef(ref);
    if (!v.ok) throw new MutationError(v.message, 'INVALID_REF');
  }
  if ('expires' in c && c.expires !== undefined && (!Number.isFinite(c.expires) || c.expires <= 0))
    throw new MutationError('The expiry must be a time in the future.', 'INVALID_EXPIRES');
}

function writeConfig(s: AgentSnapshot, edit: (cfg: JsonObject) => JsonObject): string | undefined {
  const path = s.paths.configPath;
  cleanStaleTemps(nodePath.dirname(path));
  return withLock(path, () => {
    const cfg = loadConfig(path);
    if (cfg.error && cfg.exists) throw new ConfigError(cfg.error, path);
    const next = edit(cfg.data);
    const text = serializeConfig(next);
    if (cfg.exists && text === cfg.text) return undefined;
    // JSON5 (comments, unquoted keys) or numbers JSON cannot keep: rewriting would lose them.
    const refusal = configWriteRefusal(cfg);
    if (refusal) throw new ConfigError(refusal, path);
    atomicWrite(path, text, { mode: 0o600 });
    return path;
  });
}

/**
 * One change, one outcome: the DB part is written first; when openclaw.json then cannot be
 * updated, the DB part is undone, so the user is told "nothing was changed" and it is true. If
 * even the undo fails, the message says exactly what was saved and what was not.
 */
async function configOrUndo(
  opts: ApplyOptions,
  s: AgentSnapshot,
  edit: (cfg: JsonObject) => JsonObject,
  undo: Mutation | undefined,
  dbFiles: string[],
): Promise<string | undefined> {
  try {
    return writeConfig(s, edit);
  } catch (e) {
    const why = (e as Error).message;
    if (!undo || !dbFiles.length)
      throw new ConfigError(`Could not update openclaw.json: ${why} Nothing was changed.`, s.paths.configPath);
    try {
      await applyDbOnly(opts, undo);
    } catch (u) {
      throw new ConfigError(
        `The change was saved in ${dbFiles.join(', ')}, but openclaw.json could not be updated (${why}), and undoing the database change failed too (${(u as Error).message}). Fix openclaw.json, then add the matching auth.profiles entry with \`openclaw config set\` or remove the profile again.`,
        s.paths.configPath,
      );
    }
    throw new ConfigError(
      `Could not update openclaw.json: ${why} The database change was undone; nothing was changed.`,
      s.paths.configPath,
    );
  }
}

/** Applies the DB part of an undo mutation without touching openclaw.json (it is the part that failed). */
async function applyDbOnly(opts: ApplyOptions, m: Mutation): Promise<void> {
  await applyMutation({ ...opts, skipConfig: true }, m);
}

function assertConfigWritable(s: AgentSnapshot): void {
  const file = s.paths.configPath;
  const cfg = loadConfig(file);
  const refusal = configWriteRefusal(cfg);
  if (refusal)
    throw new ConfigError(
      `${refusal} Nothing was changed. Fix the file or make the change with the openclaw CLI.`,
      file,
    );
  // Before any DB write: a config we could not replace afterwards (immutable, read-only file
  // system, no permission) is found now, while nothing has been changed yet.
  try {
    if (cfg.exists) fs.closeSync(fs.openSync(file, 'r+'));
    const dir = nodePath.dirname(file);
    if (fs.existsSync(dir)) fs.accessSync(dir, fs.constants.W_OK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? '';
    const why: Record<string, string> = {
      EPERM: 'the file is immutable or the operation is not permitted',
      EACCES: 'permission denied',
      EROFS: 'the file system is read-only',
    };
    throw new ConfigError(
      `${file} cannot be written (${why[code] ?? (e as Error).message}${code ? `, ${code}` : ''}), and every change of a profile updates it; nothing was changed.`,
      file,
    );
  }
}

export interface ApplyOptions extends SnapshotOptions {
  now?: () => number;
  /** Internal: leave openclaw.json alone (undoing the DB part of a change whose config write failed). */
  skipConfig?: boolean;
  /** Test hook forwarded to mutateDb. */
  beforeCommit?: () => void;
}

/** What each kind of mutation works with: the snapshot it is applied to and the DB writer. */
interface MutationContext {
  opts: ApplyOptions;
  s: AgentSnapshot;
  now: () => number;
  /** Files written so far (the DBs, then openclaw.json). */
  files: string[];
  /** Writes one target DB through mutateDb and records it in `files`. */
  write: <T>(t: Target, fn: (db: SqlConn) => T) => Promise<T>;
}

type MutationOf<K extends Mutation['kind']> = Extract<Mutation, { kind: K }>;

export async function applyMutation(opts: ApplyOptions, m: Mutation): Promise<MutationResult> {
  const now = opts.now ?? Date.now;
  const s = readSnapshot(opts);
  const files: string[] = [];
  assertDbsEditable(s);
  const write = async <T>(t: Target, fn: (db: SqlConn) => T) => {
    const r = await mutateDb(t.path, fn, { kind: t.kind, agentId: s.agentId, now, beforeCommit: opts.beforeCommit });
    files.push(t.path);
    return r;
  };
  const ctx: MutationContext = { opts, s, now, files, write };
  switch (m.kind) {
    case 'upsertProfile':
      return upsertProfile(ctx, m);
    case 'removeProfile':
      return removeProfile(ctx, m);
    case 'setOrder':
      return setOrder(ctx, m);
    case 'restoreProfile':
      return restoreProfile(ctx, m);
  }
}

function assertDbsEditable(s: AgentSnapshot): void {
  // A DB that could not be read (so its marker and rows are unknown) is never written.
  for (const d of [s.sharedDb, s.agentDb]) {
    if (d.exists && d.error)
      throw d.errorKind === 'busy'
        ? new StoreBusyError(`${d.error} Nothing was changed.`)
        : new StoreCorruptError(`${d.error} Nothing was changed.`);
    // A cell that does not parse hides what it holds: no change is made on top of it (a remove
    // would report success while the credential stays in the unreadable cell).
    for (const [text, what] of [
      [d.storeText, 'auth store'],
      [d.stateText, 'auth state'],
    ] as const) {
      if (text === undefined) continue;
      const problem = cellProblem(text);
      if (problem)
        throw new MutationError(
          `The ${what} in ${d.path} ${problem}, so nothing was changed. Repair it with openclaw (\`openclaw doctor\`) or restore a backup, then try again.`,
          'CORRUPT_CELL',
        );
    }
  }
}

async function upsertProfile(
  { opts, s, now, files, write }: MutationContext,
  m: MutationOf<'upsertProfile'>,
): Promise<MutationResult> {
  validateCredential(m.profileId, m.credential);
  if (!opts.skipConfig) assertConfigWritable(s);
  const t = credentialOwner(s, m.profileId, m.credential.type);
  const prevRaw = await write(t, (db) => {
    if (t.marker && readCell(db, MARKER_CELL) === undefined) writeCell(db, MARKER_CELL, STATE_DB_MARKER, now());
    const store = parseCell(readCell(db, t.store), 'auth store', t.path);
    const profiles = storeProfiles(store, t.path);
    const prev = own(profiles, m.profileId);
    setOwn(profiles, m.profileId, buildCredential(prev, m.credential, m.profileId));
    if (store.version === undefined) store.version = 1;
    writeCell(db, t.store, JSON.stringify({ version: store.version, ...store, profiles }), now());
    return prev;
  });
  const undo: Mutation | undefined = isObj(prevRaw)
    ? {
        kind: 'restoreProfile',
        profileId: m.profileId,
        raw: prevRaw,
        location: t.role,
        orders: {},
        configOrders: {},
      }
    : { kind: 'removeProfile', profileId: m.profileId };
  const cf = opts.skipConfig
    ? undefined
    : await configOrUndo(
        opts,
        s,
        (cfg) =>
          withProfileMeta(cfg, m.profileId, normalizeProviderId(m.credential.provider), m.credential.type, {
            promoteInOrder: true,
          }),
        undo,
        [...files],
      );
  if (cf) files.push(cf);
  return { files, undo, profileId: m.profileId };
}

async function removeProfile(ctx: MutationContext, m: MutationOf<'removeProfile'>): Promise<MutationResult> {
  const { opts, s, files } = ctx;
  const inStore = Object.hasOwn(s.store.profiles, m.profileId);
  const inConfig =
    Boolean(own(s.meta.profiles, m.profileId)) ||
    Object.values(s.meta.order ?? {}).some((ids) => ids.includes(m.profileId));
  if (!inStore && !inConfig)
    throw new MutationError(`No profile ${quoteId(m.profileId)} for agent ${quoteId(s.agentId, '')}.`, 'NOT_FOUND');
  if (!opts.skipConfig) assertConfigWritable(s);
  const t = credentialOwner(s, m.profileId);
  const orders: Record<string, string[]> = {};
  const raw = inStore ? await removeFromStore(ctx, t, m.profileId, orders) : undefined;
  // The agent's own state (order override) lives in its agent DB even when the credential is shared.
  const a = agentTarget(s);
  if (a.path !== t.path && fs.existsSync(a.path) && s.agentDb.stateText?.includes(JSON.stringify(m.profileId))) {
    await ctx.write(a, (db) => {
      const state = parseCell(readCell(db, a.state), 'auth state', a.path);
      const r = scrubState(state, m.profileId);
      Object.assign(orders, r.orders);
      if (r.changed) writeCell(db, a.state, stateText(state), ctx.now());
    });
  }
  const prevMeta =
    s.config.data.auth && isObj(s.config.data.auth) && isObj(s.config.data.auth.profiles)
      ? own(s.config.data.auth.profiles, m.profileId)
      : undefined;
  const configOrders: Record<string, string[]> = {};
  for (const [p, ids] of Object.entries(s.meta.order ?? {})) if (ids.includes(m.profileId)) configOrders[p] = ids;
  const undo: Mutation | undefined = raw
    ? {
        kind: 'restoreProfile',
        profileId: m.profileId,
        raw,
        location: t.role,
        orders,
        configMeta: prevMeta,
        configOrders,
      }
    : undefined;
  const cf = opts.skipConfig
    ? undefined
    : await configOrUndo(opts, s, (cfg) => withoutProfileMeta(cfg, m.profileId), undo, [...files]);
  if (cf) files.push(cf);
  return { files, profileId: m.profileId, undo };
}

/**
 * Deletes a profile from the target's store and scrubs it from the same DB's state (the order
 * lists it was in go into `orders`). Returns the removed credential, when it was an object.
 */
async function removeFromStore(
  { write, now }: MutationContext,
  t: Target,
  profileId: string,
  orders: Record<string, string[]>,
): Promise<Obj | undefined> {
  let raw: Obj | undefined;
  await write(t, (db) => {
    const store = parseCell(readCell(db, t.store), 'auth store', t.path);
    const profiles = storeProfiles(store, t.path);
    raw = isObj(own(profiles, profileId)) ? (own(profiles, profileId) as Obj) : undefined;
    delete profiles[profileId];
    writeCell(db, t.store, JSON.stringify(store), now());
    const state = parseCell(readCell(db, t.state), 'auth state', t.path);
    const r = scrubState(state, profileId);
    Object.assign(orders, r.orders);
    if (r.changed) writeCell(db, t.state, stateText(state), now());
  });
  return raw;
}

/** Refuses an order openclaw would not keep: empty, with duplicates, unknown ids or another provider's. */
function validateOrder(s: AgentSnapshot, provider: string, profileIds: string[] | null): void {
  const pe = validateProviderId(provider);
  if (pe) throw new MutationError(pe, 'INVALID_PROVIDER');
  if (profileIds && profileIds.length === 0) {
    throw new MutationError(
      'An empty stored order is ignored by openclaw. Clear the order instead, or set auth.order.<provider> to [] in openclaw.json to disable the provider.',
      'EMPTY_ORDER',
    );
  }
  if (!profileIds) return;
  const seen = new Set<string>();
  for (const id of profileIds) {
    if (seen.has(id)) throw new MutationError(`Profile ${quoteId(id)} appears twice in the order.`, 'DUPLICATE');
    seen.add(id);
    const c = own(s.store.profiles, id);
    const meta = own(s.meta.profiles, id);
    if (!c && meta?.mode !== 'aws-sdk')
      throw new MutationError(`No profile ${quoteId(id)} for agent ${quoteId(s.agentId, '')}.`, 'NOT_FOUND');
    const p = normalizeProviderId(c?.provider ?? meta?.provider);
    if (p !== provider)
      throw new MutationError(
        `Profile ${quoteId(id)} belongs to provider ${quoteId(p)}, not ${quoteId(provider)}.`,
        'PROVIDER_MISMATCH',
      );
  }
}

async function setOrder({ s, now, files, write }: MutationContext, m: MutationOf<'setOrder'>): Promise<MutationResult> {
  const provider = normalizeProviderId(m.provider);
  validateOrder(s, provider, m.profileIds);
  const a = agentTarget(s);
  const previous = s.state.order
    ? Object.entries(s.state.order).find(([p]) => normalizeProviderId(p) === provider)?.[1]
    : undefined;
  if (!m.profileIds && !fs.existsSync(a.path)) return { files };
  await write(a, (db) => {
    const state = parseCell(readCell(db, a.state), 'auth state', a.path);
    if (state.version === undefined) state.version = 1;
    const order = isObj(state.order) ? state.order : {};
    for (const k of Object.keys(order)) if (normalizeProviderId(k) === provider) delete order[k];
    if (m.profileIds) order[provider] = [...m.profileIds];
    if (Object.keys(order).length) state.order = order;
    else delete state.order;
    writeCell(db, a.state, stateText(state), now());
    // openclaw keeps an (empty) store row beside the state row in an agent DB.
    if (readCell(db, a.store) === undefined) writeCell(db, a.store, EMPTY_STORE_TEXT, now());
  });
  return { files, undo: { kind: 'setOrder', provider, profileIds: previous ? [...previous] : null } };
}

async function restoreProfile(
  { opts, s, now, files, write }: MutationContext,
  m: MutationOf<'restoreProfile'>,
): Promise<MutationResult> {
  if (!opts.skipConfig) assertConfigWritable(s);
  const t = m.location === 'shared' ? sharedTarget(s) : agentTarget(s);
  await write(t, (db) => {
    const store = parseCell(readCell(db, t.store), 'auth store', t.path);
    const profiles = storeProfiles(store, t.path);
    setOwn(profiles, m.profileId, m.raw);
    writeCell(db, t.store, JSON.stringify({ version: store.version ?? 1, ...store, profiles }), now());
  });
  if (Object.keys(m.orders).length) {
    const a = agentTarget(s);
    const st = s.agentDb.stateText !== undefined || !s.isDefaultAgent ? a : t;
    await write(st, (db) => {
      const state = parseCell(readCell(db, st.state), 'auth state', st.path);
      if (state.version === undefined) state.version = 1;
      const order = isObj(state.order) ? state.order : {};
      Object.assign(order, m.orders);
      state.order = order;
      writeCell(db, st.state, stateText(state), now());
    });
  }
  const cf = opts.skipConfig
    ? undefined
    : await configOrUndo(opts, s, (cfg) => restoredConfig(cfg, m), { kind: 'removeProfile', profileId: m.profileId }, [
        ...files,
      ]);
  if (cf) files.push(cf);
  return { files, profileId: m.profileId, undo: { kind: 'removeProfile', profileId: m.profileId } };
}

/** openclaw.json with a restored profile's auth.profiles entry and the auth.order lists it was in. */
function restoredConfig(cfg: JsonObject, m: MutationOf<'restoreProfile'>): JsonObject {
  const provider = normalizeProviderId(m.raw.provider);
  let next = isObj(m.configMeta)
    ? withProfileMeta(
        cfg,
        m.profileId,
        String(m.configMeta.provider ?? provider),
        String(m.configMeta.mode ?? m.raw.type),
      )
    : withProfileMeta(cfg, m.profileId, provider, String(m.raw.type));
  if (Object.keys(m.configOrders).length) {
    next = JSON.parse(JSON.stringify(next)) as JsonObject;
    const auth = next.auth as JsonObject;
    const order = isObj(auth.order) ? (auth.order as JsonObject) : (auth.order = {});
    Object.assign(order, m.configOrders);
  }
  return next;
}
