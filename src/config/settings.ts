/**
 * Every `openclawAuth.*` setting in one table: its zod schema (settings.json is user input, so
 * values are checked at run time), its default, its clamping, and what a change to it needs (a
 * re-read of the state, or the gateway's next start). A bad value falls back to its default with a
 * warning. The manifest's `contributes.configuration` must list the same keys with the same
 * defaults (test/unit/config/settings.test.ts).
 *
 * Adding a setting: one entry in SETTINGS, the field in `Settings` (built by `readSettings`), and
 * the manifest entry.
 */
import * as z from 'zod/mini';
import { en } from 'zod/locales';
import { DEFAULT_GATEWAY_PORT } from '../gateway/live';
import { DEFAULT_PROBE_OPTIONS } from '../auth/probeRun';
import { checkGatewayUrl } from '../gateway/targets';
import { isObj } from '../auth/obj';

/** What a change to a setting needs. */
export type SettingEffect =
  /** Re-read the state dir and agents (and re-render). */
  | 'reload'
  /** Re-render only (status bar, warning window). */
  | 'render'
  /** The gateway supervisor is rebuilt (when stopped) or the change applies at its next start. */
  | 'gateway'
  /** The remote gateways are rebuilt (added, removed or moved ones reconnect). */
  | 'remotes'
  /** Read when used (probe limits). */
  | 'none';

interface SettingEntry {
  schema: z.ZodMiniType;
  /** Applied to a valid value (the probe limits keep within their maximum). */
  clamp?: (v: never) => unknown;
  effects: readonly SettingEffect[];
}

const trimmedString = z._default(z.string().check(z.trim()), '');
const positive = (d: number) => z._default(z.number().check(z.positive()), d);
const atMost =
  (max: number, integer = false) =>
  (v: number) => {
    const c = Math.min(v, max);
    return integer ? Math.max(1, Math.floor(c)) : c;
  };

/** Keys below `openclawAuth.`, as the manifest names them. */
export const SETTINGS = {
  stateDir: { schema: trimmedString, effects: ['reload'] },
  agent: { schema: trimmedString, effects: ['reload'] },
  openclawPath: { schema: trimmedString, effects: ['gateway'] },
  claudePath: { schema: trimmedString, effects: ['none'] },
  statusBar: { schema: z._default(z.boolean(), true), effects: ['render'] },
  expiryWarningHours: {
    schema: z._default(z.number().check(z.minimum(1), z.maximum(24 * 30)), 24),
    effects: ['render'],
  },
  'probe.timeout': { schema: positive(DEFAULT_PROBE_OPTIONS.timeoutMs), clamp: atMost(600_000), effects: ['none'] },
  /** The old name of probe.timeout (VS Code showed it as "Timeout Ms"); read while probe.timeout is unset. */
  'probe.timeoutMs': { schema: positive(DEFAULT_PROBE_OPTIONS.timeoutMs), clamp: atMost(600_000), effects: ['none'] },
  'probe.concurrency': {
    schema: positive(DEFAULT_PROBE_OPTIONS.concurrency),
    clamp: atMost(32, true),
    effects: ['none'],
  },
  'probe.maxTokens': {
    schema: positive(DEFAULT_PROBE_OPTIONS.maxTokens),
    clamp: atMost(4096, true),
    effects: ['none'],
  },
  'gateway.port': {
    schema: z._default(z.number().check(z.int(), z.minimum(1), z.maximum(65535)), DEFAULT_GATEWAY_PORT),
    effects: ['gateway'],
  },
  'gateway.autoStart': { schema: z._default(z.boolean(), false), effects: ['gateway'] },
  'gateway.nodePath': { schema: trimmedString, effects: ['gateway'] },
  /** Each entry is checked on its own (remoteGateways below): one bad entry does not drop the others. */
  remoteGateways: { schema: z._default(z.array(z.unknown()), []), effects: ['remotes'] },
} satisfies Record<string, SettingEntry>;

export type SettingKey = keyof typeof SETTINGS;

export interface GatewaySettings {
  port: number;
  autoStart: boolean;
  nodePath: string;
}

/** A gateway on another machine, as the user listed it (its token is in SecretStorage, never here). */
export interface RemoteGatewaySetting {
  name: string;
  /** Checked and normalised (checkGatewayUrl); the remote's id. */
  url: string;
  tlsFingerprint?: string;
}

export interface ProbeSettings {
  timeoutMs: number;
  concurrency: number;
  maxTokens: number;
}

export interface Settings {
  stateDir: string;
  agent: string;
  openclawPath: string;
  claudePath: string;
  statusBar: boolean;
  expiryWarningHours: number;
  probe: ProbeSettings;
  gateway: GatewaySettings;
  remoteGateways: RemoteGatewaySetting[];
}

/** Where settings come from: VS Code's configuration, or a plain object in tests and the CLI. */
export interface SettingsSource {
  /** The effective value of `openclawAuth.<key>` (undefined when unset and no default is known). */
  get(key: SettingKey): unknown;
  /** Whether the user set the key anywhere (for the old probe.timeoutMs name). */
  isSet?(key: SettingKey): boolean;
}

/**
 * zod/mini loads no locale, so its issues say only "Invalid input"; the English messages
 * ("Too small: expected number to be >=1") are applied per parse, leaving zod's global config alone.
 */
const englishErrors = en().localeError;

/** One setting, checked: a bad value is its default and a line in `problems`. */
function value<K extends SettingKey>(source: SettingsSource, key: K, problems: string[]): unknown {
  const entry: SettingEntry = SETTINGS[key];
  const r = entry.schema.safeParse(source.get(key), { error: englishErrors });
  if (!r.success)
    problems.push(`openclawAuth.${key}: ${r.error.issues[0]?.message ?? 'invalid value'}; using the default.`);
  const v = r.success ? r.data : entry.schema.parse(undefined);
  return entry.clamp ? entry.clamp(v as never) : v;
}

export function readSettings(source: SettingsSource): { settings: Settings; problems: string[] } {
  const problems: string[] = [];
  const v = <K extends SettingKey>(key: K) => value(source, key, problems);
  // probe.timeout was probe.timeoutMs: the old key counts while the new one is unset.
  const timeoutKey: SettingKey =
    !source.isSet?.('probe.timeout') && source.isSet?.('probe.timeoutMs') ? 'probe.timeoutMs' : 'probe.timeout';
  const settings: Settings = {
    stateDir: v('stateDir') as string,
    agent: v('agent') as string,
    openclawPath: v('openclawPath') as string,
    claudePath: v('claudePath') as string,
    statusBar: v('statusBar') as boolean,
    expiryWarningHours: v('expiryWarningHours') as number,
    probe: {
      timeoutMs: v(timeoutKey) as number,
      concurrency: v('probe.concurrency') as number,
      maxTokens: v('probe.maxTokens') as number,
    },
    gateway: {
      port: v('gateway.port') as number,
      autoStart: v('gateway.autoStart') as boolean,
      nodePath: v('gateway.nodePath') as string,
    },
    remoteGateways: remoteGateways(v('remoteGateways') as unknown[], problems),
  };
  return { settings, problems };
}

/** The entries of openclawAuth.remoteGateways that hold a usable URL; each other one is a problem line. Duplicates keep the first. */
function remoteGateways(items: unknown[], problems: string[]): RemoteGatewaySetting[] {
  const out: RemoteGatewaySetting[] = [];
  items.forEach((item, i) => {
    const where = `openclawAuth.remoteGateways[${i}]`;
    if (!isObj(item) || typeof item.url !== 'string') {
      problems.push(`${where}: expected { "name": "...", "url": "ws://..." }; ignored.`);
      return;
    }
    const c = checkGatewayUrl(item.url);
    if (!c.ok) {
      problems.push(`${where}: ${c.message} Ignored.`);
      return;
    }
    if (out.some((o) => o.url === c.url)) {
      problems.push(`${where}: ${c.url} is listed twice; the first entry is used.`);
      return;
    }
    const name = typeof item.name === 'string' && item.name.trim() ? item.name.trim().slice(0, 80) : c.host;
    const fp =
      typeof item.tlsFingerprint === 'string' && item.tlsFingerprint.trim() ? item.tlsFingerprint.trim() : undefined;
    out.push({ name, url: c.url, ...(fp ? { tlsFingerprint: fp } : {}) });
  });
  return out;
}

/** The settings with every key at its default. */
export function defaultSettings(): Settings {
  return readSettings({ get: () => undefined }).settings;
}

/** What a configuration change needs, from which keys it touched. */
export function effectsOf(affected: (key: SettingKey) => boolean): Set<SettingEffect> {
  const out = new Set<SettingEffect>();
  for (const key of Object.keys(SETTINGS) as SettingKey[])
    if (affected(key)) for (const e of SETTINGS[key].effects) out.add(e);
  return out;
}
