/**
 * The file source: the secrets file is checked (no symlink, one hard link, mode 600 on POSIX, size),
 * read through a no-follow descriptor within timeoutMs, then taken whole (singleValue) or walked with
 * a JSON pointer.
 */
import { constants as fsConstants, promises as fsp } from 'node:fs';
import type { Stats } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { posixPermissions } from '../../os/platform';
import { SINGLE_VALUE_FILE_REF_ID, type SecretRef } from './validate';
import { describeFsError, jsonType, unresolved } from './errors';
import type { FileProviderConfig, ResolveContext } from './providers';

function expandHome(p: string, ctx: ResolveContext): string {
  const home = ctx.env['HOME'] || os.homedir();
  if (p === '~') return home;
  if (p.startsWith('~/')) return path.join(home, p.slice(2));
  return p;
}

function checkFileStats(ref: SecretRef, st: Stats, maxBytes: number): void {
  if (st.isSymbolicLink()) throw unresolved('symlink', ref, 'The secrets file must not be a symlink.');
  if (!st.isFile()) throw unresolved('insecure_file', ref, 'The secrets file is not a regular file.');
  if (st.nlink !== 1) {
    throw unresolved('insecure_file', ref, `The secrets file has ${st.nlink} hard links (must be exactly 1).`);
  }
  if (posixPermissions(process.platform) && (st.mode & 0o077) !== 0) {
    throw unresolved(
      'insecure_file',
      ref,
      `The secrets file is accessible by group or others (mode ${(st.mode & 0o777).toString(8).padStart(3, '0')}); chmod 600 it.`,
    );
  }
  if (st.size > maxBytes) {
    throw unresolved('too_large', ref, `The secrets file is ${st.size} bytes (maxBytes ${maxBytes}).`);
  }
}

async function withTimeout<T>(
  ms: number,
  onTimeout: () => Error,
  work: Promise<T>,
  signal?: AbortSignal,
  onAbort?: () => Error,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  let abortListener: (() => void) | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), ms);
    if (signal) {
      abortListener = () => reject((onAbort ?? onTimeout)());
      if (signal.aborted) abortListener();
      else signal.addEventListener('abort', abortListener, { once: true });
    }
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    if (timer) clearTimeout(timer);
    if (abortListener) signal?.removeEventListener('abort', abortListener);
  }
}

async function readSecretsFile(ref: SecretRef, cfg: FileProviderConfig, ctx: ResolveContext): Promise<string> {
  const filePath = expandHome(cfg.path, ctx);
  if (!path.isAbsolute(filePath)) {
    throw unresolved('not_allowed', ref, `secrets.providers.${ref.provider}.path must be an absolute path.`);
  }
  let st: Stats;
  try {
    st = await fsp.lstat(filePath);
  } catch (err) {
    throw unresolved('not_found', ref, `The secrets file cannot be read (${describeFsError(err)}).`);
  }
  checkFileStats(ref, st, cfg.maxBytes);

  const noFollow = fsConstants.O_NOFOLLOW ?? 0;
  let handle: fsp.FileHandle;
  try {
    handle = await fsp.open(filePath, fsConstants.O_RDONLY | noFollow);
  } catch (err) {
    const code = describeFsError(err);
    if (code === 'ELOOP') throw unresolved('symlink', ref, 'The secrets file must not be a symlink.');
    throw unresolved('not_found', ref, `The secrets file cannot be opened (${code}).`);
  }
  try {
    // Re-check on the open descriptor (guards against a swap after lstat).
    const fst = await handle.stat();
    if (fst.ino !== st.ino || fst.dev !== st.dev) {
      throw unresolved('insecure_file', ref, 'The secrets file changed while it was being opened.');
    }
    checkFileStats(ref, fst, cfg.maxBytes);
    const buf = Buffer.alloc(cfg.maxBytes + 1);
    let total = 0;
    while (total < buf.length) {
      const { bytesRead } = await handle.read(buf, total, buf.length - total, null);
      if (bytesRead === 0) break;
      total += bytesRead;
    }
    if (total > cfg.maxBytes) {
      throw unresolved('too_large', ref, `The secrets file exceeds maxBytes ${cfg.maxBytes}.`);
    }
    return buf.subarray(0, total).toString('utf8');
  } finally {
    await handle.close().catch(() => undefined);
  }
}

/** Own-property walk of an RFC 6901 pointer. */
function resolveJsonPointer(doc: unknown, pointer: string): { found: true; value: unknown } | { found: false } {
  if (pointer === '') return { found: true, value: doc };
  let cur: unknown = doc;
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(cur)) {
      if (!/^(?:0|[1-9][0-9]*)$/.test(key)) return { found: false };
      const idx = Number(key);
      if (idx >= cur.length) return { found: false };
      cur = cur[idx];
    } else if (typeof cur === 'object' && cur !== null) {
      if (!Object.prototype.hasOwnProperty.call(cur, key)) return { found: false };
      cur = (cur as Record<string, unknown>)[key];
    } else {
      return { found: false };
    }
  }
  return { found: true, value: cur };
}

export async function resolveFile(
  ref: SecretRef,
  cfg: FileProviderConfig,
  ctx: ResolveContext,
  signal?: AbortSignal,
): Promise<string> {
  if (cfg.mode === 'singleValue' && ref.id !== SINGLE_VALUE_FILE_REF_ID) {
    throw unresolved('invalid_ref', ref, `singleValue file providers only accept the id "value".`);
  }
  if (cfg.mode === 'json' && !ref.id.startsWith('/')) {
    throw unresolved('invalid_ref', ref, `json file providers need an absolute JSON pointer id.`);
  }
  const content = await withTimeout(
    cfg.timeoutMs,
    () => unresolved('timeout', ref, `Reading the secrets file took longer than ${cfg.timeoutMs} ms.`),
    readSecretsFile(ref, cfg, ctx),
    signal,
    () => unresolved('timeout', ref, 'Reading the secrets file did not finish before the overall deadline.'),
  );
  if (cfg.mode === 'singleValue') {
    const value = content.replace(/\r?\n$/, '');
    if (value === '') throw unresolved('empty_value', ref);
    return value;
  }
  let doc: unknown;
  try {
    doc = JSON.parse(content);
  } catch {
    // JSON.parse messages can quote file content: never include them.
    throw unresolved('bad_output', ref, 'The secrets file is not valid JSON.');
  }
  const hit = resolveJsonPointer(doc, ref.id);
  if (!hit.found) throw unresolved('not_found', ref, 'The JSON pointer does not exist in the secrets file.');
  if (typeof hit.value !== 'string') {
    throw unresolved('bad_output', ref, `The value at the JSON pointer is a ${jsonType(hit.value)}, not a string.`);
  }
  if (hit.value === '') throw unresolved('empty_value', ref);
  return hit.value;
}
