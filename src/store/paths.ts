/**
 * Where openclaw 2026.9.x keeps things. State dir: an explicit setting, else OPENCLAW_STATE_DIR,
 * else `<home>/.openclaw` where home is OPENCLAW_HOME (a leading ~ expands to the OS home) or the
 * OS home; a home that only has the legacy `.clawdbot` dir uses that. Config: OPENCLAW_CONFIG_PATH,
 * else `<stateDir>/openclaw.json`.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { quoteId } from '../auth/providerId';
import { pathFor, type Platform } from '../os/platform';

export type Env = Readonly<Record<string, string | undefined>>;

export interface ResolvedPaths {
  home: string;
  stateDir: string;
  configPath: string;
  sharedDb: string;
  envFile: string;
  /** How the state dir was chosen, for messages ("setting", "OPENCLAW_STATE_DIR", ...). */
  stateDirSource: 'setting' | 'OPENCLAW_STATE_DIR' | 'OPENCLAW_HOME' | 'home';
}

/**
 * The platform the paths are for: `path.win32` or `path.posix` follows it, and `homedir` stands in
 * for os.homedir(). Defaults to this machine; tests pass 'win32' or 'darwin' with a fake home.
 */
export interface PathSystem {
  platform: Platform;
  homedir: () => string;
}

const thisSystem = (): PathSystem => ({ platform: process.platform, homedir: os.homedir });

/**
 * The OS home as openclaw reads it (its resolveRawOsHomeDir), on every platform: HOME, then
 * USERPROFILE, then os.homedir(). On Windows HOME is usually unset (USERPROFILE is
 * `C:\Users\<name>`); when a shell (Git Bash, MSYS) sets it, openclaw uses it too, so we do.
 */
function osHome(env: Env, sys: PathSystem): string {
  return env.HOME?.trim() || env.USERPROFILE?.trim() || sys.homedir();
}

const startsWithTilde = (t: string) => t === '~' || t.startsWith('~/') || t.startsWith('~\\');

export function effectiveHome(env: Env, sys: PathSystem = thisSystem()): string {
  const p = pathFor(sys.platform);
  const explicit = env.OPENCLAW_HOME?.trim();
  if (!explicit) return p.resolve(osHome(env, sys));
  if (startsWithTilde(explicit)) return p.resolve(explicit.replace(/^~/, osHome(env, sys)));
  return p.resolve(explicit);
}

export function expandHome(p: string, env: Env, sys: PathSystem = thisSystem()): string {
  const t = p.trim();
  if (startsWithTilde(t)) return pathFor(sys.platform).resolve(t.replace(/^~/, effectiveHome(env, sys)));
  return pathFor(sys.platform).resolve(t);
}

export function resolvePaths(
  opts: { stateDirSetting?: string; env?: Env; system?: PathSystem; exists?: (p: string) => boolean } = {},
): ResolvedPaths {
  const env = opts.env ?? process.env;
  const sys = opts.system ?? thisSystem();
  const exists = opts.exists ?? fs.existsSync;
  const path = pathFor(sys.platform);
  const home = effectiveHome(env, sys);
  let stateDir: string;
  let stateDirSource: ResolvedPaths['stateDirSource'];
  if (opts.stateDirSetting?.trim()) {
    stateDir = expandHome(opts.stateDirSetting, env, sys);
    stateDirSource = 'setting';
  } else if (env.OPENCLAW_STATE_DIR?.trim()) {
    stateDir = expandHome(env.OPENCLAW_STATE_DIR, env, sys);
    stateDirSource = 'OPENCLAW_STATE_DIR';
  } else {
    stateDir = path.join(home, '.openclaw');
    stateDirSource = env.OPENCLAW_HOME?.trim() ? 'OPENCLAW_HOME' : 'home';
    const legacy = path.join(home, '.clawdbot');
    if (!exists(stateDir) && exists(legacy)) stateDir = legacy;
  }
  const configPath =
    env.OPENCLAW_CONFIG_PATH?.trim() && stateDirSource !== 'setting'
      ? expandHome(env.OPENCLAW_CONFIG_PATH, env, sys)
      : path.join(stateDir, 'openclaw.json');
  // A state dir picked explicitly as `<X>/.openclaw` is read as openclaw would read it with
  // HOME=<X>: `~` in its config (agent dirs) means <X>, so a copied or backed-up home stays whole.
  if (stateDirSource === 'setting' && path.basename(stateDir) === '.openclaw') {
    return {
      home: path.dirname(stateDir),
      stateDir,
      configPath,
      sharedDb: path.join(stateDir, 'state', 'openclaw.sqlite'),
      envFile: path.join(stateDir, '.env'),
      stateDirSource,
    };
  }
  return {
    home,
    stateDir,
    configPath,
    sharedDb: path.join(stateDir, 'state', 'openclaw.sqlite'),
    envFile: path.join(stateDir, '.env'),
    stateDirSource,
  };
}

/**
 * The state dir openclaw uses on `platform` with `env` and OS home `homedir`, decided without the
 * file system (the legacy `.clawdbot` fallback needs `exists`, which defaults to "nothing exists").
 * With the Windows answer: `%USERPROFILE%\.openclaw`, OPENCLAW_STATE_DIR as given (`D:\oc`).
 */
export function stateDirFor(o: {
  platform: Platform;
  env: Env;
  homedir: string;
  setting?: string;
  exists?: (p: string) => boolean;
}): { stateDir: string; home: string; configPath: string; source: ResolvedPaths['stateDirSource'] } {
  const r = resolvePaths({
    stateDirSetting: o.setting,
    env: o.env,
    system: { platform: o.platform, homedir: () => o.homedir },
    exists: o.exists ?? (() => false),
  });
  return { stateDir: r.stateDir, home: r.home, configPath: r.configPath, source: r.stateDirSource };
}

/** Agent dir: config `agents.entries.<id>.agentDir` (~ expanded) else `<stateDir>/agents/<id>/agent`. */
export function agentDir(
  paths: ResolvedPaths,
  agentId: string,
  configured: string | undefined,
  env: Env = process.env,
  sys: PathSystem = thisSystem(),
): string {
  if (configured?.trim()) return expandHome(configured, { ...env, OPENCLAW_HOME: paths.home }, sys);
  return pathFor(sys.platform).join(paths.stateDir, 'agents', agentId, 'agent');
}

export function agentDbPath(dir: string): string {
  return path.join(dir, 'openclaw-agent.sqlite');
}

/** openclaw prints paths under the home as `~/...`. */
export function displayPath(
  p: string,
  home: string,
  env: Env = process.env,
  platform: Platform = process.platform,
): string {
  // openclaw names an explicit OPENCLAW_HOME as such instead of "~".
  const prefix = env.OPENCLAW_HOME?.trim() ? '$OPENCLAW_HOME' : '~';
  const path = pathFor(platform);
  const rel = path.relative(home, p);
  if (rel === '') return prefix;
  if (!rel.startsWith('..') && !path.isAbsolute(rel)) return `${prefix}/${rel.split(path.sep).join('/')}`;
  return p;
}

export const DEFAULT_AGENT_ID = 'main';
const AGENT_ID_RE = /^[a-z0-9][a-z0-9_-]{0,63}$/i;
export function validateAgentId(id: string): string | undefined {
  return AGENT_ID_RE.test(id) ? undefined : `Agent id ${quoteId(id)} is invalid (letters, digits, "-" and "_").`;
}

/** What a store call needs to find the state: paths resolved once by the caller (one reload), or the setting and env. */
export interface PathOptions {
  stateDirSetting?: string;
  env?: Env;
  /** Resolved once per reload by the extension and passed down, so one refresh sees one state dir. */
  paths?: ResolvedPaths;
}

/** The paths a store call works on: the ones given, else resolved from the setting and env. */
export function pathsFor(opts: PathOptions): ResolvedPaths {
  return opts.paths ?? resolvePaths({ stateDirSetting: opts.stateDirSetting, env: opts.env ?? process.env });
}
