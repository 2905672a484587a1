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

function osHome(env: Env): string {
  return env.HOME?.trim() || env.USERPROFILE?.trim() || os.homedir();
}

export function effectiveHome(env: Env): string {
  const explicit = env.OPENCLAW_HOME?.trim();
  if (!explicit) return path.resolve(osHome(env));
  if (explicit === '~' || explicit.startsWith('~/') || explicit.startsWith('~\\')) return path.resolve(explicit.replace(/^~/, osHome(env)));
  return path.resolve(explicit);
}

export function expandHome(p: string, env: Env): string {
  const t = p.trim();
  if (t === '~' || t.startsWith('~/') || t.startsWith('~\\')) return path.resolve(t.replace(/^~/, effectiveHome(env)));
  return path.resolve(t);
}

export function resolvePaths(opts: { stateDirSetting?: string; env?: Env } = {}): ResolvedPaths {
  const env = opts.env ?? process.env;
  const home = effectiveHome(env);
  let stateDir: string;
  let stateDirSource: ResolvedPaths['stateDirSource'];
  if (opts.stateDirSetting?.trim()) {
    stateDir = expandHome(opts.stateDirSetting, env);
    stateDirSource = 'setting';
  } else if (env.OPENCLAW_STATE_DIR?.trim()) {
    stateDir = expandHome(env.OPENCLAW_STATE_DIR, env);
    stateDirSource = 'OPENCLAW_STATE_DIR';
  } else {
    stateDir = path.join(home, '.openclaw');
    stateDirSource = env.OPENCLAW_HOME?.trim() ? 'OPENCLAW_HOME' : 'home';
    const legacy = path.join(home, '.clawdbot');
    if (!fs.existsSync(stateDir) && fs.existsSync(legacy)) stateDir = legacy;
  }
  const configPath = env.OPENCLAW_CONFIG_PATH?.trim() && stateDirSource !== 'setting' ? expandHome(env.OPENCLAW_CONFIG_PATH, env) : path.join(stateDir, 'openclaw.json');
  // A state dir picked explicitly as `<X>/.openclaw` is read as openclaw would read it with
  // HOME=<X>: `~` in its config (agent dirs) means <X>, so a copied or backed-up home stays whole.
  if (stateDirSource === 'setting' && path.basename(stateDir) === '.openclaw') {
    return { home: path.dirname(stateDir), stateDir, configPath, sharedDb: path.join(stateDir, 'state', 'openclaw.sqlite'), envFile: path.join(stateDir, '.env'), stateDirSource };
  }
  return { home, stateDir, configPath, sharedDb: path.join(stateDir, 'state', 'openclaw.sqlite'), envFile: path.join(stateDir, '.env'), stateDirSource };
}

/** Agent dir: config `agents.entries.<id>.agentDir` (~ expanded) else `<stateDir>/agents/<id>/agent`. */
export function agentDir(paths: ResolvedPaths, agentId: string, configured: string | undefined, env: Env = process.env): string {
  if (configured?.trim()) return expandHome(configured, { ...env, OPENCLAW_HOME: paths.home });
  return path.join(paths.stateDir, 'agents', agentId, 'agent');
}

export function agentDbPath(dir: string): string {
  return path.join(dir, 'openclaw-agent.sqlite');
}

/** openclaw prints paths under the home as `~/...`. */
export function displayPath(p: string, home: string, env: Env = process.env): string {
  // openclaw names an explicit OPENCLAW_HOME as such instead of "~".
  const prefix = env.OPENCLAW_HOME?.trim() ? '$OPENCLAW_HOME' : '~';
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
