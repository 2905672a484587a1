/**
 * Every decision that depends on the operating system, as small pure functions of the platform
 * (and the env, paths or file text they need). Callers pass `process.platform`; the unit tests
 * pass 'linux', 'darwin' and 'win32', so the macOS and Windows answers are decided and tested on
 * a Linux machine (test/unit/os/platform.test.ts). Nothing here touches the file system, spawns or
 * signals: the callers carry out the plans. Never imports vscode.
 */
import path from 'node:path';

export type Platform = NodeJS.Platform;

/** The path flavour of `platform`: `path.win32` on Windows, `path.posix` elsewhere. */
export function pathFor(platform: Platform): path.PlatformPath {
  return platform === 'win32' ? path.win32 : path.posix;
}

/**
 * Whether a child we may have to stop gets its own process group (`spawn(..., { detached })`):
 * POSIX yes, so one signal to the group reaches its helpers; Windows no (there `detached` opens a
 * new console instead, and the tree is stopped with taskkill /T).
 */
export function ownProcessGroup(platform: Platform): boolean {
  return platform !== 'win32';
}

/**
 * Whether POSIX permission bits (`st.mode & 0o077`, owner uid) mean anything: not on Windows,
 * where Node reports synthetic modes and access is by ACL, so those checks are skipped there.
 */
export function posixPermissions(platform: Platform): boolean {
  return platform !== 'win32';
}

export type TreeKillPlan =
  /** `process.kill(-pgid, signal)`: the whole process group (POSIX). */
  | { kind: 'group-signal'; pid: number; signal: NodeJS.Signals }
  /** Run `taskkill` with these arguments: the process and its whole tree, forcibly (Windows). */
  | { kind: 'taskkill'; file: 'taskkill'; args: string[] };

/**
 * How to stop a process tree we started with `ownProcessGroup`. POSIX: signal the group (a
 * negative pid). Windows has no groups or signals (Node's SIGTERM there is TerminateProcess of the
 * one pid, which orphans openclaw's helpers): `taskkill /PID <pid> /T /F` ends the tree, for any
 * signal asked (a console process has no graceful stop to send).
 */
export function treeKillPlan(platform: Platform, pid: number, signal: NodeJS.Signals): TreeKillPlan {
  if (platform === 'win32') return { kind: 'taskkill', file: 'taskkill', args: ['/PID', String(pid), '/T', '/F'] };
  return { kind: 'group-signal', pid: -pid, signal };
}

/**
 * Where the parent links of all processes come from: /proc when it is readable (Linux), `ps -A -o
 * pid=,ppid=` on other POSIX systems (macOS, BSD; also Linux with /proc hidden), nothing on Windows
 * (taskkill /T already stops the tree; no wmic).
 */
export function descendantSource(platform: Platform, procReadable: boolean): 'proc' | 'ps' | 'none' {
  if (platform === 'win32') return 'none';
  return procReadable ? 'proc' : 'ps';
}

/** The parent pid in a /proc/<pid>/stat line ("pid (comm) state ppid ..."; comm may hold spaces and parens). */
export function ppidFromProcStat(stat: string): number {
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}

/** Parent links from `ps -A -o pid=,ppid=` output ("  123    1" per line). */
export function parsePsTable(text: string): Map<number, number[]> {
  const children = new Map<number, number[]>();
  for (const line of text.split('\n')) {
    const m = /^\s*(\d+)\s+(\d+)\s*$/.exec(line);
    if (!m) continue;
    const pid = Number(m[1]),
      ppid = Number(m[2]);
    const list = children.get(ppid);
    if (list) list.push(pid);
    else children.set(ppid, [pid]);
  }
  return children;
}

/**
 * A shell argument as the user's shell reads it, for commands we print (never run): PowerShell on
 * Windows ('...' with ' doubled), POSIX sh elsewhere ('...' with ' as '\'').
 */
export function shellQuote(platform: Platform, value: string): string {
  return platform === 'win32' ? `'${value.replaceAll("'", "''")}'` : `'${value.replaceAll("'", "'\\''")}'`;
}

// ---- finding and running a command ----

/** PATHEXT when unset (cmd.exe's default, minus the script hosts). */
export const DEFAULT_PATHEXT = '.COM;.EXE;.BAT;.CMD';

/**
 * The files to try, in order, for command `name` on PATH. POSIX: `<dir>/<name>` per PATH entry
 * (`:`). Windows: PATH is split on `;`, and each dir is tried with every PATHEXT extension
 * (`openclaw.cmd`, ...); the bare name is not a candidate there (npm puts a POSIX sh script named
 * `openclaw` beside `openclaw.cmd`, which Windows cannot run) unless `name` already ends in one of
 * PATHEXT. Empty PATH entries are skipped.
 */
export function commandCandidates(
  platform: Platform,
  name: string,
  env: { PATH?: string; Path?: string; PATHEXT?: string },
): string[] {
  const p = pathFor(platform);
  // Windows env names are case-insensitive; a copied env can carry `Path`.
  const envPath = env.PATH ?? (platform === 'win32' ? env.Path : undefined) ?? '';
  const dirs = envPath
    .split(p.delimiter)
    .map((d) => (platform === 'win32' ? d.replace(/^"(.*)"$/, '$1') : d))
    .filter(Boolean);
  if (platform !== 'win32') return dirs.map((d) => p.join(d, name));
  const exts = (env.PATHEXT?.trim() || DEFAULT_PATHEXT)
    .split(';')
    .map((e) => e.trim())
    .filter(Boolean);
  const hasExt = exts.some((e) => name.toLowerCase().endsWith(e.toLowerCase()));
  const names = hasExt ? [name] : exts.map((e) => name + e.toLowerCase());
  return dirs.flatMap((d) => names.map((n) => p.join(d, n)));
}

/**
 * The script an npm `.cmd` shim runs: cmd-shim writes `"%dp0%\node_modules\<pkg>\<bin>.mjs" %*`
 * (`%~dp0` is the shim's own folder). Undefined when the text is not such a shim.
 */
export function cmdShimTarget(shimPath: string, shimText: string): string | undefined {
  const m = /"%~?dp0%?\\?([^"%]+\.(?:m|c)?js)"/i.exec(shimText);
  if (!m) return undefined;
  return path.win32.join(path.win32.dirname(shimPath), m[1]!);
}

export type CommandSpawnPlan =
  /** Spawn the file itself (a native binary, or a POSIX script with its own shebang). */
  | { kind: 'direct'; file: string }
  /** Run `script` with a Node that the caller finds and checks (openclaw needs Node 24.16+). */
  | { kind: 'node'; script: string }
  /** A `.cmd`/`.bat` whose target is unknown: `spawn` cannot run it without cmd.exe (see cmdShellSpawn). */
  | { kind: 'cmd-shell'; file: string };

/**
 * How to run a command found at `file`. A JavaScript entry (`.js`/`.mjs`/`.cjs`, or on POSIX a
 * `#!... node` shebang, which the caller reads into `nodeShebang`) is run with a checked Node. On
 * Windows an npm `.cmd` shim (`shimText` is its content) is run as the script it points at, with
 * Node: no shell, no quoting; a `.cmd`/`.bat` that is not such a shim goes through cmd.exe.
 */
export function commandSpawnPlan(
  platform: Platform,
  file: string,
  info: { nodeShebang?: boolean; shimText?: string } = {},
): CommandSpawnPlan {
  const jsFile = platform === 'win32' ? /\.(m|c)?js$/i : /\.(m|c)?js$/;
  if (jsFile.test(file)) return { kind: 'node', script: file };
  if (platform === 'win32') {
    if (/\.(cmd|bat)$/i.test(file)) {
      const target = info.shimText !== undefined ? cmdShimTarget(file, info.shimText) : undefined;
      return target ? { kind: 'node', script: target } : { kind: 'cmd-shell', file };
    }
    return { kind: 'direct', file };
  }
  return info.nodeShebang ? { kind: 'node', script: file } : { kind: 'direct', file };
}

const CMD_META = /([()\][%!^"`<>&|;, *?])/g;

/** One argument for `cmd.exe /d /s /c "..."` running a `.cmd` file (cross-spawn's escaping: the line is parsed twice). */
export function cmdQuoteArg(arg: string): string {
  let a = arg.replace(/(\\*)"/g, '$1$1\\"'); // a quote: its preceding backslashes doubled, then \"
  a = a.replace(/(\\*)$/, '$1$1'); // trailing backslashes doubled (they precede the closing quote)
  a = `"${a}"`;
  a = a.replace(CMD_META, '^$1');
  return a.replace(CMD_META, '^$1'); // once more: the .cmd file's own %* is parsed by cmd again
}

/**
 * The spawn of a `.cmd`/`.bat` through cmd.exe: `<comspec> /d /s /c "<file> <args>"`, passed
 * verbatim (Node would otherwise quote the line again). `/d` skips AutoRun, `/s` keeps the outer
 * quotes' content as is.
 */
export function cmdShellSpawn(
  comspec: string | undefined,
  file: string,
  args: readonly string[],
): { file: string; args: string[]; windowsVerbatimArguments: true } {
  const line = [file.replace(CMD_META, '^$1'), ...args.map(cmdQuoteArg)].join(' ');
  return { file: comspec?.trim() || 'cmd.exe', args: ['/d', '/s', '/c', `"${line}"`], windowsVerbatimArguments: true };
}

// ---- is a SQLite DB open elsewhere ----

export interface CompanionFile {
  exists: boolean;
  size: number;
}

/**
 * The files beside a SQLite DB that show a connection may hold it (or a transaction is in flight):
 * `-wal` or `-shm` present, or a non-empty `-journal`. The answer is the same on every platform
 * and never needs /proc (`_platform` is taken only so the tests can say so): macOS and Windows
 * have no /proc, and on Linux /proc only names a holder in a message.
 */
export function companionsInUse(
  _platform: Platform,
  dbName: string,
  files: { wal: CompanionFile; shm: CompanionFile; journal: CompanionFile },
): string[] {
  const out: string[] = [];
  if (files.wal.exists) out.push(`${dbName}-wal`);
  if (files.shm.exists) out.push(`${dbName}-shm`);
  if (files.journal.exists && files.journal.size > 0) out.push(`${dbName}-journal`);
  return out;
}

export interface DbIdentity {
  exists: boolean;
  size: number;
  mtimeMs: number;
  ino: number;
}

/**
 * The last check before the sql.js engine renames its copy over a DB: 'replace' only when the DB
 * is the file that was read (same identity) and no companion shows a connection; else 'conflict'
 * (read again and retry). Same decision on every platform, no /proc input.
 */
export function replaceDecision(
  platform: Platform,
  before: DbIdentity,
  now: DbIdentity,
  companions: { wal: CompanionFile; shm: CompanionFile; journal: CompanionFile },
): 'replace' | 'conflict' {
  const same =
    before.exists === now.exists &&
    before.size === now.size &&
    before.mtimeMs === now.mtimeMs &&
    before.ino === now.ino;
  return same && companionsInUse(platform, '', companions).length === 0 ? 'replace' : 'conflict';
}
