/**
 * Is this folder an OpenClaw state dir we may read or write? A mistyped --state-dir (or the home
 * folder instead of its `.openclaw`, or `/`) must not silently read as an empty store, nor have a
 * write create a whole new store there. A store is started only at the default state dir (as
 * openclaw resolves it: OPENCLAW_STATE_DIR, OPENCLAW_HOME, ~/.openclaw) or when asked
 * (`--create` on the CLI, Create State in the editor).
 */
import fs from 'node:fs';
import path from 'node:path';
import { resolvePaths, type Env, type ResolvedPaths } from './paths';

/** Entries whose presence means openclaw has used the folder as its state dir. */
const STATE_MARKERS = ['openclaw.json', 'clawdbot.json', path.join('state', 'openclaw.sqlite'), 'agents'];

export type StateDirKind =
  /** Holds OpenClaw state. */
  | 'state'
  /**
   * The default state dir not created yet, or an existing empty folder (made on purpose): reads
   * are empty and the first write starts the store.
   */
  | 'default-empty'
  /** An explicitly chosen folder that holds no OpenClaw state (missing or unrelated). */
  | 'no-state'
  /** The path exists and is not a folder. */
  | 'file'
  /** The file system root: never a state dir. */
  | 'root';

/** " (from OPENCLAW_STATE_DIR)" when the dir did not come from an explicit setting. */
function from(p: ResolvedPaths): string {
  return p.stateDirSource === 'OPENCLAW_STATE_DIR'
    ? ' (from OPENCLAW_STATE_DIR)'
    : p.stateDirSource === 'OPENCLAW_HOME'
      ? ' (from OPENCLAW_HOME)'
      : '';
}

export class StateDirError extends Error {
  override readonly name = 'StateDirError';
  constructor(
    message: string,
    readonly kind: Exclude<StateDirKind, 'state' | 'default-empty'>,
    readonly stateDir: string,
  ) {
    super(message);
  }
}

function holdsState(p: ResolvedPaths): boolean {
  if (fs.existsSync(p.configPath)) return true;
  return STATE_MARKERS.some((m) => fs.existsSync(path.join(p.stateDir, m)));
}

/** The state dir openclaw would use with no explicit setting. */
export function defaultStateDir(env: Env): string {
  return resolvePaths({ env }).stateDir;
}

export function classifyStateDir(p: ResolvedPaths, env: Env = process.env): StateDirKind {
  const dir = path.resolve(p.stateDir);
  if (path.parse(dir).root === dir) return 'root';
  let st: fs.Stats | undefined;
  try {
    st = fs.statSync(dir);
  } catch (e) {
    // A part of the path is a file: no folder can ever be made there.
    if ((e as NodeJS.ErrnoException).code === 'ENOTDIR') return 'file';
    st = undefined;
  }
  if (st && !st.isDirectory()) return 'file';
  if (st && holdsState(p)) return 'state';
  if (st && fs.readdirSync(dir).length === 0) return 'default-empty';
  if (p.stateDirSource !== 'setting' || dir === path.resolve(defaultStateDir(env)))
    return st ? 'state' : 'default-empty';
  return 'no-state';
}

/**
 * Throws a StateDirError unless the folder may be used: it holds state, it is the default state
 * dir, or `create` was asked for (then any folder but the root or a file).
 */
export function assertStateDir(
  p: ResolvedPaths,
  opts: { create?: boolean; env?: Env; createHint?: string } = {},
): StateDirKind {
  const kind = classifyStateDir(p, opts.env);
  const dir = p.stateDir;
  switch (kind) {
    case 'root':
      throw new StateDirError(
        `${dir}${from(p)} is the file system root, not an OpenClaw state dir; nothing was read or changed. Use the folder holding openclaw.json and state/ (usually ~/.openclaw).`,
        kind,
        dir,
      );
    case 'file': {
      const isFile = fs.existsSync(dir);
      throw new StateDirError(
        isFile
          ? `${dir}${from(p)} is a file, not an OpenClaw state dir (a folder holding openclaw.json and state/); nothing was read or changed.`
          : `${dir}${from(p)} cannot be an OpenClaw state dir: a part of that path is a file; nothing was read or changed.`,
        kind,
        dir,
      );
    }
    case 'no-state': {
      if (opts.create) return kind;
      const nested = path.join(dir, '.openclaw');
      const hint = fs.existsSync(nested) ? ` Did you mean ${nested}?` : '';
      throw new StateDirError(
        `No OpenClaw state at ${dir} (${opts.createHint ?? 'use --create to start one there'}); nothing was read or changed.${hint}`,
        kind,
        dir,
      );
    }
    default:
      return kind;
  }
}
