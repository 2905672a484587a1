/**
 * Reading the process table for the tree helpers (gateway supervisor, secret exec commands): the
 * parent links of every process, from the source descendantSource picks for the platform (/proc
 * on Linux, `ps` on macOS and BSD, none on Windows, where taskkill /T stops a tree). Never imports vscode.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { descendantSource, parsePsTable, ppidFromProcStat, type Platform } from './platform';

/** Parent pid → child pids of every process; undefined when they cannot be listed. */
export function parentLinks(platform: Platform = process.platform): Map<number, number[]> | undefined {
  let names: string[] = [];
  if (platform !== 'win32') {
    try {
      names = fs.readdirSync('/proc').filter((n) => /^\d+$/.test(n));
    } catch {
      names = [];
    }
  }
  const source = descendantSource(platform, names.length > 0);
  if (source === 'none') return undefined;
  if (source === 'ps') {
    const r = spawnSync('ps', ['-A', '-o', 'pid=,ppid='], { encoding: 'utf8', timeout: 2000 });
    return r.status === 0 && r.stdout ? parsePsTable(r.stdout) : undefined;
  }
  const children = new Map<number, number[]>();
  for (const name of names) {
    let stat: string;
    try {
      stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
    } catch {
      continue; /* exited meanwhile */
    }
    const ppid = ppidFromProcStat(stat);
    const list = children.get(ppid);
    if (list) list.push(Number(name));
    else children.set(ppid, [Number(name)]);
  }
  return children;
}

/** Every descendant of `root` in `links` (depth first, each once); [] without links. */
export function descendantsIn(links: Map<number, number[]> | undefined, root: number): number[] {
  if (!links) return [];
  const out: number[] = [];
  const seen = new Set<number>([root]);
  const walk = (p: number) => {
    for (const c of links.get(p) ?? []) {
      if (seen.has(c)) continue;
      seen.add(c);
      out.push(c);
      walk(c);
    }
  };
  walk(root);
  return out;
}
