/**
 * The exec runner: starts the exec command (its own process group where there are groups), writes
 * the request, collects stdout within maxOutputBytes, and kills the command and its descendants when
 * a watchdog fires (overall timeout, no-output timeout, the caller's abort signal). stderr is never kept.
 */
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { ownProcessGroup, treeKillPlan } from '../../os/platform';
import { descendantsIn, parentLinks } from '../../os/procTree';
import type { SecretRef } from './validate';
import { SecretRefError, describeFsError, unresolved } from './errors';
import type { ExecProviderConfig, ResolveContext } from './providers';

interface ExecOutcome {
  stdout: string;
}

/** The pids of every live descendant of `root` (through parent links); [] when they cannot be listed. */
function descendantPids(root: number): number[] {
  return descendantsIn(parentLinks(process.platform), root);
}

function signalPid(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    /* gone already */
  }
}

/**
 * Kills an exec command started in its own process group (detached, so its pid is the group id):
 * the group is stopped, then every descendant still linked to it by parent pid (from /proc, else
 * `ps`, so macOS too) is found
 * and stopped too, including ones that left the group or the session with setsid; then all of
 * them and the group get SIGKILL. Not reached: a process that was reparented away before the kill
 * and left the group (a daemon that double-forked and called setsid; only a cgroup could follow it).
 */
function killExecTree(pid: number): void {
  signalPid(-pid, 'SIGSTOP'); // nothing in the group forks or exits while we look
  const found = new Set<number>();
  for (let round = 0; round < 4; round++) {
    const fresh = descendantPids(pid).filter((p) => !found.has(p));
    if (!fresh.length) break;
    for (const p of fresh) {
      found.add(p);
      signalPid(p, 'SIGSTOP');
    }
  }
  signalPid(-pid, 'SIGKILL');
  for (const p of found) signalPid(p, 'SIGKILL');
}

/** The environment the exec command sees: the passEnv variables it is given, then the provider's env. */
function execEnv(cfg: ExecProviderConfig, ctx: ResolveContext): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of cfg.passEnv) {
    const v = ctx.env[name];
    if (v !== undefined) env[name] = v;
  }
  Object.assign(env, cfg.env);
  return env;
}

export function runExec(
  ref: SecretRef,
  command: string,
  cfg: ExecProviderConfig,
  ctx: ResolveContext,
  signal?: AbortSignal,
): Promise<ExecOutcome> {
  const env = execEnv(cfg, ctx);
  const request = JSON.stringify({ protocolVersion: 1, provider: ref.provider, ids: [ref.id] });
  const useGroup = ownProcessGroup(process.platform);

  return new Promise<ExecOutcome>((resolve, reject) => {
    if (signal?.aborted) {
      reject(unresolved('timeout', ref, 'The exec command was not started: the overall deadline had passed.'));
      return;
    }
    let child: ChildProcess;
    try {
      child = spawn(command, cfg.args, {
        shell: false,
        env,
        stdio: ['pipe', 'pipe', 'pipe'],
        detached: useGroup, // own process group so a kill reaches grandchildren too
        windowsHide: true,
      });
    } catch (err) {
      reject(unresolved('exec_failed', ref, `The exec command could not be started (${describeFsError(err)}).`));
      return;
    }
    superviseExec(child, ref, cfg, request, useGroup, signal, resolve, reject);
  });
}

/** Drives a started exec command to one outcome: its stdout, or the first failure (limit, deadline, exit). */
function superviseExec(
  proc: ChildProcess,
  ref: SecretRef,
  cfg: ExecProviderConfig,
  request: string,
  useGroup: boolean,
  signal: AbortSignal | undefined,
  resolve: (outcome: ExecOutcome) => void,
  reject: (err: SecretRefError) => void,
): void {
  const chunks: Buffer[] = [];
  let size = 0;
  let failure: SecretRefError | undefined;
  let settled = false;
  let exited = false;

  const settle = (fn: () => void): void => {
    if (settled) return;
    settled = true;
    watch.clear();
    fn();
  };
  const kill = (err: SecretRefError): void => {
    if (failure) return;
    failure = err;
    watch.clear();
    chunks.length = 0;
    killExecProcess(proc, useGroup, exited);
    proc.stdout?.destroy();
    proc.stderr?.destroy();
    if (exited) settle(() => reject(err));
  };
  const watch = execWatchdogs(ref, cfg, signal, kill, () => failure !== undefined);

  proc.stdout?.on('data', (chunk: Buffer) => {
    if (failure) return;
    size += chunk.length;
    if (size > cfg.maxOutputBytes) {
      kill(unresolved('too_large', ref, `The exec command output exceeded maxOutputBytes ${cfg.maxOutputBytes}.`));
      return;
    }
    chunks.push(chunk);
    watch.armIdle();
  });
  // stderr is drained but never kept: it may contain secrets.
  proc.stderr?.on('data', () => watch.armIdle());
  proc.stdout?.on('error', () => undefined);
  proc.stderr?.on('error', () => undefined);
  proc.stdin?.on('error', () => undefined); // EPIPE when the command ignores stdin

  proc.on('error', (err) => {
    exited = true;
    const e = failure ?? unresolved('exec_failed', ref, `The exec command could not be run (${describeFsError(err)}).`);
    settle(() => reject(e));
  });
  proc.on('exit', () => {
    exited = true;
    if (failure) {
      const e = failure;
      settle(() => reject(e));
    }
  });
  proc.on('close', (code, signal) => {
    exited = true;
    if (failure) {
      const e = failure;
      settle(() => reject(e));
      return;
    }
    if (code !== 0) {
      const how = signal ? `was killed by ${signal}` : `exited with code ${String(code)}`;
      settle(() => reject(unresolved('exec_failed', ref, `The exec command ${how}.`)));
      return;
    }
    const stdout = Buffer.concat(chunks).toString('utf8');
    settle(() => resolve({ stdout }));
  });

  proc.stdin?.end(request);
}

/**
 * Arms the exec command's deadlines (the overall timeout, the no-output timeout when configured, the
 * caller's abort signal), each of which kills it; `clear` disarms them all.
 */
function execWatchdogs(
  ref: SecretRef,
  cfg: ExecProviderConfig,
  signal: AbortSignal | undefined,
  kill: (err: SecretRefError) => void,
  failed: () => boolean,
): { armIdle: () => void; clear: () => void } {
  let overall: NodeJS.Timeout | undefined = undefined;
  let idle: NodeJS.Timeout | undefined;

  const clear = (): void => {
    if (overall) clearTimeout(overall);
    if (idle) clearTimeout(idle);
    signal?.removeEventListener('abort', onAbort);
  };
  function onAbort(): void {
    kill(
      unresolved(
        'timeout',
        ref,
        'The exec command did not finish before the overall deadline for resolving SecretRefs.',
      ),
    );
  }
  const armIdle = (): void => {
    if (cfg.noOutputTimeoutMs === undefined || failed()) return;
    if (idle) clearTimeout(idle);
    const ms = cfg.noOutputTimeoutMs;
    idle = setTimeout(() => kill(unresolved('timeout', ref, `The exec command produced no output for ${ms} ms.`)), ms);
  };

  overall = setTimeout(
    () => kill(unresolved('timeout', ref, `The exec command did not finish within ${cfg.timeoutMs} ms.`)),
    cfg.timeoutMs,
  );
  signal?.addEventListener('abort', onAbort, { once: true });
  armIdle();
  return { armIdle, clear };
}

/** Sends SIGKILL to a failed exec command: its whole tree or group, or just the process when that fails. */
function killExecProcess(proc: ChildProcess, useGroup: boolean, exited: boolean): void {
  const pid = proc.pid;
  try {
    // Once the command has exited (and was reaped) its pid may be reused: only the group, which
    // lives on while members remain, is still addressed by it.
    if (useGroup && pid !== undefined) {
      if (exited) process.kill(-pid, 'SIGKILL');
      else killExecTree(pid);
    } else {
      // Windows: no groups; the tree goes with taskkill /T /F while the command still runs.
      const plan = pid !== undefined && !exited ? treeKillPlan(process.platform, pid, 'SIGKILL') : undefined;
      if (plan?.kind === 'taskkill')
        spawnSync(plan.file, plan.args, { stdio: 'ignore', windowsHide: true, timeout: 5000 });
      proc.kill('SIGKILL');
    }
  } catch {
    try {
      proc.kill('SIGKILL');
    } catch {
      /* already gone */
    }
  }
}
