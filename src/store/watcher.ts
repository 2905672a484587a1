/**
 * Notices changes to OpenClaw's auth files made by anyone (openclaw's CLI, the gateway, a second
 * window) within a fraction of a second: fs.watch on the few directories involved, debounced,
 * confirmed by comparing file identities, with a slow poll as a safety net for directories that
 * appear later or filesystems without change events.
 */
import fs from 'node:fs';
import path from 'node:path';
import { identity } from './fileio';
import type { ResolvedPaths } from './paths';

export interface WatchTarget {
  paths: ResolvedPaths;
  agentDirs: string[];
}

function filesOf(t: WatchTarget): string[] {
  const files = [t.paths.configPath, t.paths.envFile, t.paths.sharedDb, `${t.paths.sharedDb}-wal`];
  for (const d of t.agentDirs)
    files.push(path.join(d, 'openclaw-agent.sqlite'), path.join(d, 'openclaw-agent.sqlite-wal'));
  return files;
}

export function fingerprint(t: WatchTarget): string {
  let agents = '';
  try {
    agents = fs.readdirSync(path.join(t.paths.stateDir, 'agents')).sort().join(',');
  } catch {
    /* none */
  }
  return (
    filesOf(t)
      .map((f) => {
        const i = identity(f);
        return i.exists ? `${i.size}:${i.mtimeMs}:${i.ino}` : '-';
      })
      .join('|') + `|${agents}`
  );
}

export class StoreWatcher {
  private watchers: fs.FSWatcher[] = [];
  private timer: NodeJS.Timeout | undefined;
  private poll: NodeJS.Timeout | undefined;
  private last = '';
  private disposed = false;

  constructor(
    private target: WatchTarget,
    private readonly onChange: () => void,
    private readonly opts: { debounceMs?: number; pollMs?: number } = {},
  ) {
    this.last = fingerprint(target);
    this.arm();
    this.poll = setInterval(() => this.check(), opts.pollMs ?? 2000);
    this.poll.unref?.();
  }

  /** Point the watcher at a new state dir / agent set. */
  retarget(target: WatchTarget): void {
    this.target = target;
    this.last = fingerprint(target);
    this.arm();
  }

  private arm(): void {
    for (const w of this.watchers) w.close();
    this.watchers = [];
    const dirs = new Set<string>([
      this.target.paths.stateDir,
      path.dirname(this.target.paths.sharedDb),
      path.dirname(this.target.paths.configPath),
      path.join(this.target.paths.stateDir, 'agents'),
      ...this.target.agentDirs,
    ]);
    for (const d of dirs) {
      try {
        const w = fs.watch(d, { persistent: false }, () => this.schedule());
        w.on('error', () => {
          /* the dir went away; the poll notices */
        });
        this.watchers.push(w);
      } catch {
        /* not there yet: the poll re-arms once it exists */
      }
    }
  }

  private schedule(): void {
    if (this.disposed) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.check(), this.opts.debounceMs ?? 100);
  }

  private check(): void {
    if (this.disposed) return;
    const fp = fingerprint(this.target);
    if (fp === this.last) return;
    const agentsBefore = this.last.split('|').pop();
    this.last = fp;
    if (agentsBefore !== fp.split('|').pop() || this.watchers.length < 2) this.arm();
    this.onChange();
  }

  dispose(): void {
    this.disposed = true;
    clearTimeout(this.timer);
    clearInterval(this.poll);
    for (const w of this.watchers) w.close();
    this.watchers = [];
  }
}
