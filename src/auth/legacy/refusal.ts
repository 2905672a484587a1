/**
 * Fail-closed detection (openclaw's assertAuthProfileMigrationReady): the refusal openclaw gives an
 * agent whose store is empty while legacy credential files remain, with the providers affected.
 */
import { readJson } from '../schemas';
import { isObj } from '../obj';
import type { AgentInput, Refusal, SourceFileInput } from './types';
import { flatCredential, parseLegacyCredential } from './credential';

function providersOf(sources: SourceFileInput[]): string[] | null {
  const providers = new Set<string>();
  for (const s of sources) {
    if (s.kind === 'auth-state') continue;
    if (s.kind !== 'auth-profiles' || s.text === undefined) return null;
    const read = readJson(s.text);
    if (!read.ok || !isObj(read.value)) return null;
    const raw = read.value;
    const nested = Object.hasOwn(raw, 'profiles');
    const profiles = nested ? raw.profiles : raw;
    if (!isObj(profiles) || Object.keys(profiles).length === 0) return null;
    for (const [k, v] of Object.entries(profiles)) {
      const p = nested ? parseLegacyCredential(v) : flatCredential(k, v);
      if (!p.ok) return null;
      const prov = p.credential.provider as string;
      if (!/^[a-z0-9][a-z0-9._-]{0,127}$/i.test(prov)) return null;
      providers.add(prov.toLowerCase());
      if (prov.toLowerCase() === 'openai-codex') providers.add('openai');
    }
  }
  return providers.size ? [...providers].sort() : null;
}

function storeHasProfiles(text: string | undefined): boolean {
  if (text === undefined) return false;
  const r = readJson(text);
  return r.ok && isObj(r.value) && isObj(r.value.profiles) && Object.keys(r.value.profiles).length > 0;
}

export function refusalFor(a: AgentInput, ownerDisplay: string): Refusal | undefined {
  const cred = a.sources.filter((s) => s.kind !== 'auth-state');
  const ownerDb = a.ownerDb ?? a.targetDb;
  if (cred.length === 0 || storeHasProfiles(a.ownerDb ? a.ownerStoreText : a.storeText)) return undefined;
  const providers = providersOf(cred);
  return {
    agentId: a.agentId,
    ownerDb,
    affectedProviders: providers,
    message: `Auth profile store ${ownerDisplay} requires legacy credential migration; affected providers: ${providers?.join(', ') ?? 'all (legacy provider scope unavailable)'}; run openclaw doctor --fix.`,
  };
}
