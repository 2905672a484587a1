/**
 * The exec source: the command is checked (absolute, inside trustedDirs, not a symlink, owned by the
 * user or root, not group/other writable), run (execRunner), and its output read as protocolVersion 1
 * JSON (or as the plain value when jsonOnly is off).
 */
import { promises as fsp } from 'node:fs';
import type { Stats } from 'node:fs';
import * as path from 'node:path';
import * as z from 'zod/mini';
import { posixPermissions } from '../../os/platform';
import type { SecretRef } from './validate';
import { describeFsError, jsonType, unresolved } from './errors';
import type { ExecProviderConfig, ResolveContext } from './providers';
import { runExec } from './execRunner';

const ExecResponseSchema = z.object({
  protocolVersion: z.literal(1),
  values: z.optional(z.record(z.string(), z.unknown())),
  errors: z.optional(
    z.record(z.string(), z.looseObject({ code: z.optional(z.string()), message: z.optional(z.string()) })),
  ),
});

function isInside(child: string, dir: string): boolean {
  const rel = path.relative(path.resolve(dir), child);
  return rel !== '' && rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel);
}

async function checkExecCommand(ref: SecretRef, cfg: ExecProviderConfig, ctx: ResolveContext): Promise<string> {
  const command = cfg.command;
  if (!path.isAbsolute(command)) {
    throw unresolved('not_allowed', ref, `secrets.providers.${ref.provider}.command must be an absolute path.`);
  }
  const resolved = path.resolve(command);
  if (cfg.trustedDirs && !cfg.trustedDirs.some((d) => path.isAbsolute(d) && isInside(resolved, d))) {
    throw unresolved(
      'not_allowed',
      ref,
      `The exec command is not inside secrets.providers.${ref.provider}.trustedDirs.`,
    );
  }
  let st: Stats;
  try {
    st = await fsp.lstat(resolved);
  } catch (err) {
    throw unresolved('exec_failed', ref, `The exec command cannot be found (${describeFsError(err)}).`);
  }
  if (st.isSymbolicLink()) throw unresolved('symlink', ref, 'The exec command must not be a symlink.');
  if (!st.isFile()) throw unresolved('insecure_file', ref, 'The exec command is not a regular file.');
  if (posixPermissions(process.platform)) {
    const uid = ctx.platformUid ?? process.getuid?.();
    if (uid !== undefined && st.uid !== uid && st.uid !== 0) {
      throw unresolved(
        'insecure_file',
        ref,
        `The exec command is owned by uid ${st.uid}, not the current user or root.`,
      );
    }
    if ((st.mode & 0o022) !== 0) {
      throw unresolved(
        'insecure_file',
        ref,
        `The exec command is writable by group or others (mode ${(st.mode & 0o777).toString(8).padStart(3, '0')}).`,
      );
    }
  }
  return resolved;
}

export async function resolveExec(
  ref: SecretRef,
  cfg: ExecProviderConfig,
  ctx: ResolveContext,
  signal?: AbortSignal,
): Promise<string> {
  const command = await checkExecCommand(ref, cfg, ctx);
  const { stdout } = await runExec(ref, command, cfg, ctx, signal);

  let parsed: unknown;
  let isJson = true;
  try {
    parsed = JSON.parse(stdout);
  } catch {
    isJson = false;
  }
  const looksLikeProtocol =
    isJson && typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) && 'protocolVersion' in parsed;

  if (!cfg.jsonOnly && !looksLikeProtocol) {
    const value = stdout.trim();
    if (value === '') throw unresolved('empty_value', ref);
    return value;
  }
  if (!isJson) throw unresolved('bad_output', ref, 'The exec command did not print valid JSON.');
  const response = ExecResponseSchema.safeParse(parsed);
  if (!response.success) {
    throw unresolved('bad_output', ref, 'The exec command output does not follow protocolVersion 1.');
  }
  const errEntry = response.data.errors?.[ref.id];
  if (errEntry) {
    const code = typeof errEntry.code === 'string' && /^[A-Z0-9_]{1,64}$/.test(errEntry.code) ? errEntry.code : 'ERROR';
    throw unresolved(code === 'NOT_FOUND' ? 'not_found' : 'exec_failed', ref, `The exec provider reported ${code}.`);
  }
  const values = response.data.values ?? {};
  if (!Object.prototype.hasOwnProperty.call(values, ref.id)) {
    throw unresolved('not_found', ref, 'The exec provider returned no value for this id.');
  }
  const value = values[ref.id];
  if (typeof value !== 'string') {
    throw unresolved('bad_output', ref, `The exec provider returned a ${jsonType(value)}, not a string.`);
  }
  if (value === '') throw unresolved('empty_value', ref);
  return value;
}
