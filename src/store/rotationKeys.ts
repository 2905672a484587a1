/**
 * Rotation keys in `~/.openclaw/.env`: openclaw walks `<P>_API_KEYS`, `<P>_API_KEY` and every
 * `<P>_API_KEY_*` when a request is rate limited (src/auth/envKeys.ts). Adding writes the next free
 * `<P>_API_KEY_<n>`; removing drops a variable (or one entry of the list variable). Every other
 * line and comment is kept, the file stays private (0600). A running gateway reads the file only
 * when it starts.
 */
import path from 'node:path';
import { envBaseName, envKeyList } from '../auth/envKeys';
import { maskSecret } from '../auth/mask';
import { normalizeProviderId, validateProviderId } from '../auth/providerId';
import { dotenvValues, readDotenvFile, updateDotenv } from './dotenv';
import { atomicWrite, ensurePrivateDir, withLock } from './fileio';

export interface ChainEntry {
  /** 1-based position in the rotation order. */
  position: number;
  source: string;
  masked: string;
  /** Where the variable is defined: the .env file, or the process environment (which wins). */
  origin: 'dotenv' | 'process';
}

export class RotationKeyError extends Error {}

/** The provider's rotation chain, masked, with where each key came from. */
export function rotationChain(
  provider: string,
  processEnv: Readonly<Record<string, string | undefined>>,
  dotenv: Readonly<Record<string, string>>,
): ChainEntry[] {
  const merged: Record<string, string | undefined> = { ...dotenv };
  for (const [k, v] of Object.entries(processEnv)) if (v !== undefined) merged[k] = v;
  return envKeyList(provider, merged).map((e, i) => ({
    position: i + 1,
    source: e.source,
    masked: e.masked,
    origin: processEnv[e.source] !== undefined ? 'process' : 'dotenv',
  }));
}

/** The .env text ('' when there is none); a file over openclaw's 1 MiB cap is refused before it is read. */
function readText(file: string): string {
  return readDotenvFile(file);
}

function write(file: string, text: string): void {
  ensurePrivateDir(path.dirname(file));
  atomicWrite(file, text, { mode: 0o600 });
}

/** Adds `key` as the next `<P>_API_KEY_<n>`; returns the variable name. Refuses a key already in the chain. */
export function addRotationKey(
  envFile: string,
  provider: string,
  key: string,
  processEnv: Readonly<Record<string, string | undefined>> = process.env,
): { variable: string; masked: string } {
  const p = normalizeProviderId(provider);
  const pe = validateProviderId(p);
  if (pe) throw new RotationKeyError(pe);
  const value = key.trim();
  if (!value) throw new RotationKeyError('The key is empty.');
  if (/[\s,;]/.test(value))
    throw new RotationKeyError('A key cannot contain spaces, commas or semicolons (they separate keys in a list).');
  ensurePrivateDir(path.dirname(envFile));
  return withLock(envFile, () => {
    const text = readText(envFile);
    const values = dotenvValues(text, envFile);
    const merged: Record<string, string | undefined> = { ...values, ...processEnv };
    if (envKeyList(p, merged).some((e) => e.value === value))
      throw new RotationKeyError(`That key (${maskSecret(value)}) is already in the ${p} rotation chain.`);
    const base = `${envBaseName(p)}_API_KEY_`;
    let n = 1;
    while (merged[`${base}${n}`] !== undefined || values[`${base}${n}`] !== undefined) n++;
    const variable = `${base}${n}`;
    write(envFile, updateDotenv(text, { [variable]: value }, envFile));
    return { variable, masked: maskSecret(value) };
  });
}

/**
 * Removes a key from the chain: the variable `source` from .env, or, for a list variable, only the
 * entry whose mask is `masked`. Keys set in the process environment cannot be removed here.
 */
export function removeRotationKey(
  envFile: string,
  provider: string,
  source: string,
  select?: string | { masked?: string; index?: number },
  processEnv: Readonly<Record<string, string | undefined>> = process.env,
): { removed: string } {
  const p = normalizeProviderId(provider);
  return withLock(envFile, () => {
    const text = readText(envFile);
    const values = dotenvValues(text, envFile);
    const current = values[source];
    if (current === undefined) {
      if (processEnv[source] !== undefined)
        throw new RotationKeyError(
          `${source} is set in the environment, not in ${envFile}; remove it where it is defined.`,
        );
      throw new RotationKeyError(`${source} is not set in ${envFile}.`);
    }
    const chainVars = new Set(envKeyList(p, values).map((e) => e.source));
    if (!chainVars.has(source)) throw new RotationKeyError(`${source} is not part of the ${p} rotation chain.`);
    const isList = /_KEYS$/.test(source);
    const sel = typeof select === 'string' ? { masked: select } : (select ?? {});
    if (isList && (sel.masked !== undefined || sel.index !== undefined)) {
      const parts = current.split(/[\s,;]+/).filter(Boolean);
      let at: number;
      if (sel.index !== undefined) {
        at = sel.index - 1;
        if (!Number.isInteger(sel.index) || at < 0 || at >= parts.length)
          throw new RotationKeyError(
            `${source} has ${parts.length} key(s); there is no key number ${Number.isFinite(sel.index) ? sel.index : 'given'}. Nothing was removed.`,
          );
      } else {
        const hits = parts.map((k, i) => (maskSecret(k) === sel.masked ? i : -1)).filter((i) => i >= 0);
        if (hits.length === 0)
          throw new RotationKeyError(`No key ${(sel.masked ?? '').slice(0, 40)} in ${source}. Nothing was removed.`);
        if (hits.length > 1)
          throw new RotationKeyError(
            `${hits.length} keys in ${source} look like ${sel.masked}; choose one by its number in the list.`,
          );
        at = hits[0] as number;
      }
      const removedMask = maskSecret(parts[at]);
      const rest = parts.filter((_, i) => i !== at);
      write(envFile, updateDotenv(text, { [source]: rest.length ? rest.join(',') : undefined }, envFile));
      return { removed: `${source} (${removedMask})` };
    }
    // A single-key variable holds one key: a mask or index given with it must match that key, or
    // the user meant another key and nothing is removed.
    if (sel.index !== undefined && sel.index !== 1)
      throw new RotationKeyError(
        `${source} holds one key; there is no key number ${Number.isFinite(sel.index) ? sel.index : 'given'} in it. Nothing was removed.`,
      );
    if (sel.masked !== undefined && maskSecret(current.trim()) !== sel.masked)
      throw new RotationKeyError(
        `${source} holds ${maskSecret(current.trim())}, not ${sel.masked.slice(0, 40)}. Nothing was removed.`,
      );
    write(envFile, updateDotenv(text, { [source]: undefined }, envFile));
    return { removed: source };
  });
}
