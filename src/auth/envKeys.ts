/**
 * The env key list a rotation walks for a provider (openclaw src/agents/live-auth-keys.ts):
 * `OPENCLAW_LIVE_<P>_KEY` alone when set; otherwise `<P>_API_KEYS` (split on whitespace, comma,
 * semicolon), `<P>_API_KEY`, every `<P>_API_KEY_*`, then `GOOGLE_API_KEY` for google, then the
 * plugin-manifest env vars; deduplicated. Anthropic's list variable is OPENCLAW_LIVE_ANTHROPIC_KEYS.
 */
import { PROVIDER_ENV_VARS } from './providerEnv';
import { normalizeProviderId } from './providerId';
import { maskSecret } from './mask';

export interface EnvKeyEntry {
  /** Variable the key came from. */
  source: string;
  /** The key itself: never log or display it, use `masked`. */
  value: string;
  masked: string;
}

export function envBaseName(provider: string): string {
  const p = normalizeProviderId(provider);
  if (p === 'google' || p === 'google-vertex') return 'GEMINI';
  return p.toUpperCase().replace(/-/g, '_');
}

export function envKeyList(provider: string, env: Readonly<Record<string, string | undefined>>): EnvKeyEntry[] {
  const p = normalizeProviderId(provider);
  const base = envBaseName(p);
  const out: EnvKeyEntry[] = [];
  const seen = new Set<string>();
  const add = (source: string, raw: string | undefined) => {
    const v = raw?.trim();
    if (!v || seen.has(v)) return;
    seen.add(v);
    out.push({ source, value: v, masked: maskSecret(v) });
  };
  const live = env[`OPENCLAW_LIVE_${base}_KEY`];
  if (live?.trim()) {
    add(`OPENCLAW_LIVE_${base}_KEY`, live);
    return out;
  }
  const listVar = p === 'anthropic' ? 'OPENCLAW_LIVE_ANTHROPIC_KEYS' : `${base}_API_KEYS`;
  for (const part of (env[listVar] ?? '').split(/[\s,;]+/)) add(listVar, part);
  add(`${base}_API_KEY`, env[`${base}_API_KEY`]);
  const prefix = `${base}_API_KEY_`;
  for (const [name, value] of Object.entries(env)) if (name.startsWith(prefix)) add(name, value);
  if (p === 'google' || p === 'google-vertex') add('GOOGLE_API_KEY', env.GOOGLE_API_KEY);
  for (const name of PROVIDER_ENV_VARS[p] ?? []) add(name, env[name]);
  return out;
}

/** The first env credential for a provider, as `models status` reports it (`env: NAME`). */
export function providerEnvCredential(
  provider: string,
  env: Readonly<Record<string, string | undefined>>,
): { source: string; value: string } | undefined {
  const p = normalizeProviderId(provider);
  const names = PROVIDER_ENV_VARS[p] ?? [`${envBaseName(p)}_API_KEY`];
  for (const name of names) {
    const v = env[name]?.trim();
    if (v) return { source: name, value: v };
  }
  return undefined;
}
