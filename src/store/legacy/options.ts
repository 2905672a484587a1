/**
 * Options and the error type shared by the legacy migration modules (re-exported by
 * src/store/legacy.ts).
 */
import type { Env, ResolvedPaths } from '../paths';

export const MAX_LEGACY_FILE_BYTES = 8 * 1024 * 1024;

export interface LegacyOptions {
  stateDirSetting?: string;
  env?: Env;
  /** Paths resolved once by the caller (src/store/paths.ts pathsFor). */
  paths?: ResolvedPaths;
  now?: () => number;
  onProgress?: (message: string, done: number, total: number) => void;
  /** Test hook for the kill-fault suite: a pause (ms) between steps so a kill can land anywhere. */
  stepDelayMs?: number;
}

export class MigrationError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
    this.name = 'MigrationError';
  }
}
