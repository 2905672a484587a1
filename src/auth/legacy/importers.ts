/**
 * The source readers: a source file is parsed (parseSource) and, per legacy format, its entries
 * imported into the agent's run (auth.json, oauth.json, auth-profiles.json canonical or flat,
 * aws-sdk markers moved to the config); reportSource says what becomes of the file.
 */
import { readJson } from '../schemas';
import { quoteId } from '../providerId';
import { isObj, type Obj } from '../obj';
import type { MigrationPlan, SourceFileInput, SourceKind } from './types';
import { flatCredential, nonBlank, parseLegacyCredential, safeKey } from './credential';
import { duplicateKeys } from './sourceText';
import { type AgentRun, addProfile, addState, skipProfile } from './run';

function parseSource(s: SourceFileInput, agentId: string, plan: MigrationPlan): unknown {
  if (s.unreadable !== undefined || s.text === undefined) {
    plan.sources.push({
      agentId,
      kind: s.kind,
      path: s.path,
      size: s.size,
      status: 'left-in-place',
      reason: s.unreadable ?? 'could not be read',
    });
    return undefined;
  }
  // The reason never quotes the file (JSON.parse's message would): it holds credentials.
  const read = readJson(s.text);
  if (!read.ok) {
    plan.sources.push({
      agentId,
      kind: s.kind,
      path: s.path,
      sha256: s.sha256,
      size: s.size,
      status: 'left-in-place',
      reason: `${read.detail.replace(/^is /, '')}; left untouched`,
    });
    return undefined;
  }
  const raw = read.value;
  if (!isObj(raw)) {
    plan.sources.push({
      agentId,
      kind: s.kind,
      path: s.path,
      sha256: s.sha256,
      size: s.size,
      status: 'left-in-place',
      reason: 'not a JSON object; left untouched',
    });
    return undefined;
  }
  for (const d of duplicateKeys(s.text))
    plan.warnings.push(
      `${s.path}: ${quoteId(d)} appears more than once; the last one is used (openclaw reads it the same way).`,
    );
  return raw;
}

/** One source file: archived only, left in place, or imported entry by entry (then reportSource). */
export function planSource(run: AgentRun, kind: SourceKind, src: SourceFileInput): void {
  const { a, plan } = run;
  if (src.alreadyImported) {
    plan.sources.push({
      agentId: a.agentId,
      kind,
      path: src.path,
      sha256: src.sha256,
      size: src.size,
      status: 'archive-only',
      reason: 'openclaw already imported these exact bytes (completed receipt); archived without importing again',
    });
    run.importing.push(src);
    return;
  }
  const raw = parseSource(src, a.agentId, plan);
  if (!isObj(raw)) return;
  let any: boolean;
  if (kind === 'legacy-auth') {
    if ('profiles' in raw) {
      plan.sources.push({
        agentId: a.agentId,
        kind,
        path: src.path,
        sha256: src.sha256,
        size: src.size,
        status: 'left-in-place',
        reason: 'auth.json with a "profiles" object is not a legacy flat file; openclaw ignores it',
      });
      return;
    }
    any = importLegacyAuth(run, src, raw);
  } else if (kind === 'legacy-oauth') {
    any = importLegacyOAuth(run, src, raw);
  } else if (kind === 'auth-state') {
    addState(run, raw, src);
    any = true;
  } else if (isObj(raw.profiles)) {
    any = importProfiles(run, src, raw.profiles);
    addState(run, raw, src);
  } else {
    // flat shape in auth-profiles.json
    any = importFlatProfiles(run, src, raw);
  }
  reportSource(run, kind, src, any);
}

/** auth.json's `{provider: credential}` entries, as `<provider>:default`; true when any was taken. */
function importLegacyAuth(run: AgentRun, src: SourceFileInput, raw: Obj): boolean {
  let any = false;
  for (const [key, value] of Object.entries(raw)) {
    const p = parseLegacyCredential(value, key);
    if (!p.ok) {
      skipProfile(run, src, key, p.reason);
      continue;
    }
    addProfile(run, `${key}:default`, { ...p.credential, provider: p.credential.provider ?? key }, src);
    any = true;
  }
  return any;
}

/** oauth.json's `{provider: oauth tokens}` entries, as `<provider>:default`; true when any was taken. */
function importLegacyOAuth(run: AgentRun, src: SourceFileInput, raw: Obj): boolean {
  let any = false;
  for (const [provider, value] of Object.entries(raw)) {
    if (!isObj(value)) {
      skipProfile(run, src, provider, 'non_object');
      continue;
    }
    const p = parseLegacyCredential({ ...value, type: 'oauth', provider }, provider);
    if (!p.ok || p.credential.type !== 'oauth') {
      skipProfile(run, src, provider, p.ok ? 'invalid_type' : p.reason);
      continue;
    }
    addProfile(run, `${provider}:default`, p.credential, src);
    any = true;
  }
  return any;
}

/** auth-profiles.json's `profiles` object: aws-sdk markers go to config, credentials are added; true when any was taken. */
function importProfiles(run: AgentRun, src: SourceFileInput, profiles: Obj): boolean {
  let any = false;
  for (const [id, value] of Object.entries(profiles)) {
    if (!safeKey(id)) {
      skipProfile(run, src, id, 'unsafe_key');
      continue;
    }
    if (isObj(value) && (nonBlank(value.type) ?? nonBlank(value.mode)) === 'aws-sdk') {
      if (moveAwsSdkToConfig(run, src, id, value)) any = true;
      continue;
    }
    const p = parseLegacyCredential(value);
    if (!p.ok) {
      skipProfile(run, src, id, p.reason, isObj(value) ? { type: String(value.type ?? value.mode ?? '') } : {});
      continue;
    }
    const c = p.credential;
    if (c.type === 'oauth' && isObj(c.oauthRef) && (!nonBlank(c.access) || !nonBlank(c.refresh))) {
      run.plan.warnings.push(
        `${id}: a legacy OAuth sidecar profile without tokens is imported as configured-unavailable; sign in again to use it.`,
      );
    }
    addProfile(run, id, c, src);
    any = true;
  }
  return any;
}

/** An aws-sdk marker becomes `auth.profiles.<id>` in the config; false (skipped) when it names no provider. */
function moveAwsSdkToConfig(run: AgentRun, src: SourceFileInput, id: string, value: Obj): boolean {
  const { ctx, plan } = run;
  const provider = nonBlank(value.provider) ?? (id.indexOf(':') > 0 ? id.slice(0, id.indexOf(':')).trim() : undefined);
  if (!provider || !safeKey(provider)) {
    skipProfile(run, src, id, 'missing_provider');
    return false;
  }
  const meta: Obj = {
    provider,
    mode: 'aws-sdk',
    ...(nonBlank(value.email) ? { email: nonBlank(value.email) } : {}),
    ...(nonBlank(value.displayName) ? { displayName: nonBlank(value.displayName) } : {}),
  };
  const cfgAuth = isObj(ctx.config.auth) ? ctx.config.auth : (ctx.config.auth = {});
  const cfgProfiles = isObj(cfgAuth.profiles) ? cfgAuth.profiles : (cfgAuth.profiles = {});
  const before = cfgProfiles[id];
  cfgProfiles[id] = meta;
  ctx.configChanged = true;
  plan.config.changes.push({
    path: `auth.profiles.${id}`,
    before,
    after: meta,
    reason: `aws-sdk marker moved out of ${src.path} (the credential store only holds api_key, token and oauth)`,
  });
  plan.profiles.push({
    agentId: run.a.agentId,
    source: src.path,
    sourceKind: src.kind,
    fromId: id,
    toId: id,
    provider,
    type: 'aws-sdk',
    action: 'move-to-config',
    destination: `${ctx.plan.config.path} auth.profiles`,
    reason: 'aws-sdk profiles are config metadata in openclaw 2026.9',
  });
  return true;
}

/** auth-profiles.json in the flat `{provider: credential}` shape, as `<provider>:default`; true when any was taken. */
function importFlatProfiles(run: AgentRun, src: SourceFileInput, raw: Obj): boolean {
  let any = false;
  for (const [key, value] of Object.entries(raw)) {
    const provider = key.trim();
    if (!safeKey(provider)) {
      skipProfile(run, src, key, 'unsafe_key');
      continue;
    }
    const p = flatCredential(provider, value);
    if (!p.ok) {
      skipProfile(run, src, key, p.reason);
      continue;
    }
    addProfile(run, `${provider}:default`, p.credential, src);
    any = true;
  }
  return any;
}

/** What becomes of a read source file: left in place when an entry was skipped, else imported (and archived). */
function reportSource(run: AgentRun, kind: SourceKind, src: SourceFileInput, any: boolean): void {
  const { a, plan } = run;
  const skipped = plan.profiles.filter(
    (p) => p.source === src.path && p.action === 'skip' && !p.reason?.startsWith('replaced by'),
  );
  if (skipped.length > 0) {
    // Nothing we could not read is moved: the good entries are imported, the file stays as it is.
    plan.sources.push({
      agentId: a.agentId,
      kind,
      path: src.path,
      sha256: src.sha256,
      size: src.size,
      status: 'left-in-place',
      reason: `${skipped.length} entr${skipped.length === 1 ? 'y' : 'ies'} could not be imported (see the skipped profiles); ${any ? 'the others are imported and ' : ''}the file is left untouched`,
    });
  } else if (any || kind !== 'auth-state') {
    plan.sources.push({
      agentId: a.agentId,
      kind,
      path: src.path,
      sha256: src.sha256,
      size: src.size,
      status: 'import',
    });
    run.importing.push(src);
  }
}
