/**
 * The gateway supervisor: starts `openclaw gateway run` on loopback with token auth, waits for
 * /readyz, polls it while running (HTTP only, no CLI spawns), restarts after a crash with bounded
 * exponential backoff, and stops with SIGTERM then SIGKILL to the whole process tree it started.
 * A gateway already answering on the port is adopted (monitored only, never signalled); a port
 * held by something else is a clear error.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { maskSecret, redact } from '../auth/mask';
import { probeGateway, type Probe } from './health';
import {
  alive,
  CommandError,
  descendants,
  resolveCommand,
  signalGroup,
  spawnArgs,
  type ResolvedCommand,
} from './process';
import { ownProcessGroup } from '../os/platform';
import { DEFAULT_GATEWAY_PORT } from './live';

export { DEFAULT_GATEWAY_PORT };

export type GatewayState =
  | { kind: 'stopped'; message?: string }
  | { kind: 'starting'; pid?: number; since: number }
  | { kind: 'ready'; owned: boolean; pid?: number }
  | { kind: 'degraded'; owned: boolean; pid?: number; failing: string[] }
  | { kind: 'crashed'; restartAt: number; attempt: number; exit: string }
  | { kind: 'unreachable'; owned: boolean; error: string }
  | { kind: 'failed'; message: string };

export interface SupervisorLog {
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
  /** One line of the gateway's own stdout/stderr (already redacted). */
  output(line: string): void;
}

export interface SupervisorOptions {
  port: number;
  /** openclawAuth.openclawPath ('' = `openclaw` on PATH). */
  commandSetting?: string;
  /** openclawAuth.gateway.nodePath ('' = `node` on PATH). */
  nodePath?: string;
  /** Environment of the gateway (the token is added, never put on the command line). */
  env: NodeJS.ProcessEnv;
  /** OPENCLAW_STATE_DIR for the gateway, when the extension uses a non-default state dir. */
  stateDir?: string;
  /** The token the gateway should accept; undefined when openclaw.json configures its own. */
  token?: string;
  /** openclaw.json has no gateway.mode: pass --allow-unconfigured rather than editing the user's config. */
  allowUnconfigured?: boolean;
  log: SupervisorLog;
  /** Health poll interval while running (default 500 ms: a SIGKILLed adopted gateway shows within ~1 s). */
  pollIntervalMs?: number;
  readyTimeoutMs?: number;
  stopGraceMs?: number;
  /**
   * Restart after a crash: backoff from initialMs doubling to maxMs; after maxAttempts restarts in
   * a row that all died too, it gives up. A run that was ready for stableMs (default 60 s) before it
   * died starts the count again.
   */
  restart?: { initialMs?: number; maxMs?: number; maxAttempts?: number; stableMs?: number };
  /** The clock of the stable-run rule (default Date.now; tests pass their own). */
  now?: () => number;
  /**
   * The gateway's stdout and stderr go to this file (appended, mode 0600) instead of pipes to us,
   * so that it can outlive this process (the CLI's detached `gateway start`, see release()). Its
   * lines are then not in outputTail() nor in the log.
   */
  outputFile?: string;
}

export class GatewayStartError extends Error {
  constructor(
    message: string,
    readonly kind: 'port-busy' | 'command' | 'not-ready' | 'exited' | 'config',
  ) {
    super(message);
    this.name = 'GatewayStartError';
  }
}

type Listener = (s: GatewayState) => void;

/** What one start is made with; the rest of SupervisorOptions is fixed for the supervisor's life. */
export type LaunchOptions = Partial<
  Pick<SupervisorOptions, 'token' | 'allowUnconfigured' | 'stateDir' | 'commandSetting'>
>;

export class GatewaySupervisor {
  state: GatewayState = { kind: 'stopped' };
  /** The child we started (undefined when stopped or adopted). */
  private child: ChildProcess | undefined;
  private pgid: number | undefined;
  /** A gateway we did not start is being monitored. */
  adopted = false;
  private stopping = false;
  private poller: NodeJS.Timeout | undefined;
  private restartTimer: NodeJS.Timeout | undefined;
  /** Deaths in a row since the last stable run (or the last start by the user). */
  private attempts = 0;
  /** When the current run first became ready (0: not yet). Per run: cleared at each launch. */
  private readySince = 0;
  private readonly listeners = new Set<Listener>();
  private readonly tail: string[] = [];
  /** Output of the current (or last) run only, for the messages about how it ended. */
  private runTail: string[] = [];
  private exitWaiters: Array<() => void> = [];
  /** Wall-clock time of the last state change (the benchmark reads it). */
  lastChangeAt = 0;
  command: ResolvedCommand | undefined;

  constructor(private opts: SupervisorOptions) {}

  private now(): number {
    return (this.opts.now ?? Date.now)();
  }

  onState(l: Listener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }
  get owned(): boolean {
    return Boolean(this.child) && !this.adopted;
  }
  get port(): number {
    return this.opts.port;
  }
  get url(): string {
    return `ws://127.0.0.1:${this.opts.port}`;
  }
  /** Last lines of the gateway's output (redacted). */
  outputTail(n = 15): string[] {
    return this.tail.slice(-n);
  }

  private set(s: GatewayState): void {
    const prev = this.state;
    this.state = s;
    this.lastChangeAt = Date.now();
    if (s.kind === 'ready' && prev.kind !== 'ready' && this.child && !this.adopted && !this.readySince)
      this.readySince = this.now();
    for (const l of this.listeners) l(s);
  }

  private scrub(text: string): string {
    return this.opts.token ? redact(text, [this.opts.token]) : text;
  }

  /** The full command line as logged: the token only masked, in the env prefix. */
  describeCommand(cmd: ResolvedCommand, args: string[]): string {
    const env = [
      this.opts.token ? `OPENCLAW_GATEWAY_TOKEN=${maskSecret(this.opts.token)}` : '',
      this.opts.stateDir ? `OPENCLAW_STATE_DIR=${this.opts.stateDir}` : '',
    ]
      .filter(Boolean)
      .join(' ');
    return `${env ? `${env} ` : ''}${[cmd.file, ...cmd.prefixArgs, ...args].map((a) => (/\s/.test(a) ? JSON.stringify(a) : a)).join(' ')}`;
  }

  gatewayArgs(): string[] {
    return [
      'gateway',
      'run',
      '--bind',
      'loopback',
      '--auth',
      'token',
      '--port',
      String(this.opts.port),
      ...(this.opts.allowUnconfigured ? ['--allow-unconfigured'] : []),
    ];
  }

  /**
   * Starts a gateway (or adopts the one on the port) and resolves once /readyz says ready.
   * Rejects with GatewayStartError / CommandError carrying the message to show.
   */
  /**
   * Starts (or adopts) the gateway. `launch` is what this start is made with (the token chosen
   * now, openclaw.json's mode, the settings); crash restarts reuse it.
   */
  async start(launch?: LaunchOptions): Promise<GatewayState> {
    if (launch) this.opts = { ...this.opts, ...launch };
    if (this.child && !this.stopping) return this.waitReady();
    clearTimeout(this.restartTimer);
    this.attempts = 0;
    let probe = await probeGateway(this.opts.port);
    // A busy gateway can be slow to answer: ask once more, more patiently, before calling it foreign.
    if (probe.kind === 'silent') probe = await probeGateway(this.opts.port, { timeoutMs: 5000 });
    if (probe.kind === 'gateway') {
      this.adopt(probe);
      return this.state;
    }
    if (probe.kind === 'foreign' || probe.kind === 'silent') {
      const msg = `Port ${this.opts.port} is held by another program, not an OpenClaw gateway (${probe.detail}). Stop that program or choose another port in openclawAuth.gateway.port.`;
      this.set({ kind: 'failed', message: msg });
      this.opts.log.error(msg);
      throw new GatewayStartError(msg, 'port-busy');
    }
    this.adopted = false;
    return this.launch();
  }

  /** Monitors a gateway already answering on the port; it will never be signalled by us. */
  adopt(probe?: Probe & { kind: 'gateway' }): void {
    this.adopted = true;
    this.opts.log.info(
      `A gateway already answers on 127.0.0.1:${this.opts.port}; monitoring it (it was not started by this window, so it is never stopped by it).`,
    );
    if (probe) this.applyProbe(probe);
    else this.set({ kind: 'starting', since: Date.now() });
    this.startPolling();
  }

  private async launch(): Promise<GatewayState> {
    let cmd: ResolvedCommand;
    try {
      cmd = resolveCommand({ setting: this.opts.commandSetting, nodePath: this.opts.nodePath, env: this.opts.env });
    } catch (e) {
      const msg = (e as Error).message;
      this.set({ kind: 'failed', message: msg });
      this.opts.log.error(msg);
      throw e instanceof CommandError ? e : new GatewayStartError(msg, 'command');
    }
    this.command = cmd;
    const args = this.gatewayArgs();
    const env: NodeJS.ProcessEnv = { ...this.opts.env };
    if (this.opts.token) env.OPENCLAW_GATEWAY_TOKEN = this.opts.token;
    else delete env.OPENCLAW_GATEWAY_TOKEN;
    if (this.opts.stateDir) env.OPENCLAW_STATE_DIR = this.opts.stateDir;
    // openclaw needs its Node first on PATH for the helpers it spawns (spawn-broker, workers).
    if (cmd.node) env.PATH = [path.dirname(cmd.node), env.PATH ?? ''].join(path.delimiter);
    this.opts.log.info(
      `Starting the gateway: ${this.describeCommand(cmd, args)}${cmd.nodeVersion ? ` (Node ${cmd.nodeVersion})` : ''}`,
    );
    this.stopping = false;
    const run = spawnArgs(cmd, args, env);
    let outFd: number | undefined;
    if (this.opts.outputFile) {
      try {
        outFd = fs.openSync(this.opts.outputFile, 'a', 0o600);
      } catch (e) {
        const msg = `Cannot open the gateway's output file ${this.opts.outputFile}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}.`;
        this.set({ kind: 'failed', message: msg });
        this.opts.log.error(msg);
        throw new GatewayStartError(msg, 'command');
      }
    }
    const child = spawn(run.file, run.args, {
      env,
      stdio: outFd === undefined ? ['ignore', 'pipe', 'pipe'] : ['ignore', outFd, outFd],
      detached: ownProcessGroup(process.platform),
      windowsHide: true,
      windowsVerbatimArguments: run.windowsVerbatimArguments,
    });
    // The child holds its own copy of the file; ours is not needed any more.
    if (outFd !== undefined) fs.closeSync(outFd);
    this.child = child;
    this.pgid = child.pid;
    // A new run: its own output and its own readiness (the stable-run rule is per run).
    this.readySince = 0;
    const runTail: string[] = [];
    this.runTail = runTail;
    this.set({ kind: 'starting', pid: child.pid, since: Date.now() });
    const onData = (buf: Buffer) => {
      for (const raw of buf.toString('utf8').split(/\r?\n/)) {
        const line = this.scrub(raw.trimEnd());
        if (!line) continue;
        this.tail.push(line);
        if (this.tail.length > 200) this.tail.shift();
        runTail.push(line);
        if (runTail.length > 200) runTail.shift();
        this.opts.log.output(line);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    const spawnError = new Promise<never>((_, reject) =>
      child.once('error', (e) => {
        const msg = `Could not start ${cmd.file}: ${e.message}`;
        this.opts.log.error(msg);
        reject(new GatewayStartError(msg, 'command'));
      }),
    );
    spawnError.catch(() => undefined);
    child.once('exit', (code, signal) => {
      // No more polls of a dead run (they would call it "unreachable"); the exit says what happened.
      if (this.child === child) this.stopPolling();
      // 'exit' can come before the last output is read: wait (briefly) for the pipes to end, so
      // the messages quote what this run printed last.
      void drained(child, 500).then(() => this.onExit(child, code, signal));
    });
    return Promise.race([this.waitReady(), spawnError]);
  }

  /** The last lines of one run's output (default: the current or last run) as a message tail. */
  private runOutput(n: number, tail = this.runTail): string {
    return tail.length ? `\nLast output of that run:\n${tail.slice(-n).join('\n')}` : '\nThat run printed nothing.';
  }

  private onExit(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (this.child !== child) return;
    const exit = signal ? `killed by ${signal}` : `exit code ${code}`;
    this.child = undefined;
    // Helpers that outlived the gateway (they normally exit with it) are ours to clean up.
    const waiters = this.exitWaiters;
    this.exitWaiters = [];
    for (const w of waiters) w();
    if (this.stopping) return;
    this.stopPolling();
    // Only a run that was itself ready long enough counts as stable (readySince is per run).
    const stable = this.readySince > 0 && this.now() - this.readySince >= (this.opts.restart?.stableMs ?? 60_000);
    this.readySince = 0;
    if (stable) this.attempts = 0;
    this.attempts++;
    const max = this.opts.restart?.maxAttempts ?? 5;
    if (this.attempts > max) {
      const restarts = this.attempts - 1;
      const msg = `The gateway stopped ${this.attempts} times in a row (the last time: ${exit}), after ${restarts} restart${restarts === 1 ? '' : 's'}, so it is not restarted again. Read "OpenClaw: Show Gateway Logs", fix the cause, then run "OpenClaw: Start Gateway".${this.runOutput(5)}`;
      this.opts.log.error(msg);
      this.set({ kind: 'failed', message: msg });
      return;
    }
    const delay = Math.min(
      this.opts.restart?.maxMs ?? 30_000,
      (this.opts.restart?.initialMs ?? 1000) * 2 ** (this.attempts - 1),
    );
    this.opts.log.warn(
      `The gateway stopped unexpectedly (${exit}); restarting in ${Math.round(delay / 100) / 10} s (attempt ${this.attempts} of ${max}).`,
    );
    this.set({ kind: 'crashed', restartAt: Date.now() + delay, attempt: this.attempts, exit });
    this.restartTimer = setTimeout(() => {
      void this.launchAfterCrash();
    }, delay);
  }

  private async launchAfterCrash(): Promise<void> {
    const probe = await probeGateway(this.opts.port);
    if (probe.kind === 'gateway') {
      this.adopt(probe);
      return;
    }
    if (probe.kind === 'foreign' || probe.kind === 'silent') {
      const msg = `The gateway cannot restart: port ${this.opts.port} is now held by another program (${probe.detail}).`;
      this.opts.log.error(msg);
      this.set({ kind: 'failed', message: msg });
      return;
    }
    try {
      await this.launch();
    } catch {
      /* state and log already say why; onExit schedules the next try */
    }
  }

  /** Resolves when /readyz says ready; rejects when the child exits first or the timeout passes. */
  private waitReady(): Promise<GatewayState> {
    const child = this.child;
    // This run's output: by the time its death is noticed here, a restart may have begun another.
    const runTail = this.runTail;
    const timeoutMs = this.opts.readyTimeoutMs ?? 120_000;
    const end = Date.now() + timeoutMs;
    return new Promise<GatewayState>((resolve, reject) => {
      const tick = async () => {
        if (!child || this.child !== child) {
          const msg = `The gateway exited before it was ready.${this.runOutput(8, runTail)}`;
          return reject(new GatewayStartError(msg, 'exited'));
        }
        const p = await probeGateway(this.opts.port, { timeoutMs: 1000 });
        if (this.child !== child) return void tick();
        if (p.kind === 'gateway' && p.ready) {
          this.opts.log.info(`Gateway ready on 127.0.0.1:${this.opts.port} (pid ${child.pid}).`);
          this.applyProbe(p);
          this.startPolling();
          return resolve(this.state);
        }
        if (Date.now() > end) {
          const msg = `The gateway did not become ready within ${Math.round(timeoutMs / 1000)} s (${p.kind === 'gateway' ? `/readyz failing: ${p.failing.join(', ') || 'not ready'}` : p.kind === 'down' ? p.error : p.detail}). It was stopped; see "OpenClaw: Show Gateway Logs".`;
          this.opts.log.error(msg);
          await this.stop();
          this.set({ kind: 'failed', message: msg });
          return reject(new GatewayStartError(msg, 'not-ready'));
        }
        setTimeout(() => void tick(), 250);
      };
      void tick();
    });
  }

  /** Consecutive polls without an HTTP answer from a port that accepts connections. */
  private silentPolls = 0;

  private applyProbe(p: Probe): void {
    const owned = !this.adopted;
    if (p.kind === 'silent') {
      // One slow answer from a busy gateway is not an outage; three in a row is worth showing.
      if (++this.silentPolls >= 3 && this.state.kind !== 'degraded')
        this.set({ kind: 'degraded', owned, pid: this.child?.pid, failing: ['not answering /readyz in time (busy?)'] });
      return;
    }
    this.silentPolls = 0;
    if (p.kind === 'gateway') {
      if (p.ready) {
        if (this.state.kind !== 'ready') this.set({ kind: 'ready', owned, pid: this.child?.pid });
      } else {
        const failing = p.failing.length ? p.failing : ['not ready'];
        if (this.state.kind !== 'degraded' || this.state.failing.join() !== failing.join())
          this.set({ kind: 'degraded', owned, pid: this.child?.pid, failing });
      }
    } else {
      const error = p.kind === 'down' ? p.error : p.detail;
      if (this.state.kind !== 'unreachable') {
        this.opts.log.warn(`The gateway on port ${this.opts.port} stopped answering (${error}).`);
        this.set({ kind: 'unreachable', owned, error });
      }
    }
  }

  private startPolling(): void {
    this.stopPolling();
    const every = this.opts.pollIntervalMs ?? 500;
    let busy = false;
    this.poller = setInterval(async () => {
      if (busy) return;
      busy = true;
      try {
        const p = await probeGateway(this.opts.port, { timeoutMs: Math.max(1500, every * 3) });
        if (!this.poller) return;
        // An owned child's death is reported by its exit event (faster and with the exit code).
        if (
          p.kind !== 'gateway' &&
          this.child &&
          !this.adopted &&
          alive(this.child.pid ?? 0) &&
          this.state.kind === 'starting'
        )
          return;
        this.applyProbe(p);
      } finally {
        busy = false;
      }
    }, every);
  }

  private stopPolling(): void {
    clearInterval(this.poller);
    this.poller = undefined;
  }

  /**
   * Stops what this supervisor started: SIGTERM to the process group, then SIGKILL after the
   * grace period to the group and every descendant recorded before (a helper may run in its own
   * group). An adopted gateway is only let go, never signalled. Resolves when the port no longer
   * answers (or the adopted gateway was released).
   */
  async stop(): Promise<{ stopped: boolean; message: string }> {
    clearTimeout(this.restartTimer);
    this.stopPolling();
    if (this.adopted || !this.child) {
      const wasAdopted = this.adopted;
      this.adopted = false;
      let message = 'The gateway was not running.';
      if (wasAdopted) {
        // Said from what the port answers now, not from what it answered when it was adopted.
        const p = await probeGateway(this.opts.port, { timeoutMs: 1000 });
        message =
          p.kind === 'gateway' || p.kind === 'silent'
            ? `Stopped monitoring the gateway on port ${this.opts.port}; it was not started by this window, so it keeps running.`
            : `The gateway on port ${this.opts.port} that this window was monitoring (it did not start it) is no longer running (${p.kind === 'down' ? p.error : p.detail}); stopped monitoring the port.`;
      }
      this.set({ kind: 'stopped', message });
      return { stopped: false, message };
    }
    const child = this.child;
    const pid = child.pid ?? 0;
    const pgid = this.pgid ?? pid;
    this.stopping = true;
    const tree = descendants(pid);
    const exited = new Promise<void>((res) => {
      if (!this.child) res();
      else this.exitWaiters.push(res);
    });
    this.opts.log.info(
      `Stopping the gateway (pid ${pid}): SIGTERM${tree.length ? `, helpers ${tree.join(', ')}` : ''}.`,
    );
    signalGroup(pgid, 'SIGTERM');
    const grace = this.opts.stopGraceMs ?? 10_000;
    const timedOut = await Promise.race([
      exited.then(() => false),
      new Promise<boolean>((r) => setTimeout(() => r(true), grace)),
    ]);
    if (timedOut) {
      this.opts.log.warn(`The gateway did not exit within ${grace / 1000} s of SIGTERM; sending SIGKILL.`);
      signalGroup(pgid, 'SIGKILL');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
    }
    // Anything of the recorded tree still alive (own process group, reparented) goes too.
    const left = [...tree, ...descendants(pid)].filter((p) => alive(p));
    for (const p of left) {
      try {
        process.kill(p, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    if (left.length)
      this.opts.log.warn(`Killed ${left.length} leftover gateway helper process(es): ${left.join(', ')}.`);
    this.child = undefined;
    this.stopping = false;
    // Verified by the port, not by the word of a signal.
    const end = Date.now() + 5000;
    let p = await probeGateway(this.opts.port, { timeoutMs: 500 });
    while (p.kind === 'gateway' && Date.now() < end) {
      await new Promise((r) => setTimeout(r, 100));
      p = await probeGateway(this.opts.port, { timeoutMs: 500 });
    }
    const message =
      p.kind === 'gateway'
        ? `The gateway process ${pid} exited but port ${this.opts.port} still answers (another gateway?).`
        : `Gateway stopped (pid ${pid}).`;
    this.opts.log.info(message);
    this.set({ kind: 'stopped', message });
    return { stopped: true, message };
  }

  /**
   * Lets the gateway this supervisor started run on without it: no more polls, no restart, no
   * signal from stop() or dispose(), and this process may exit while it runs (the CLI's detached
   * start; its output should go to `outputFile`). Returns what was started, or undefined when
   * nothing of ours runs.
   */
  release(): { pid: number; pgid: number; command?: ResolvedCommand } | undefined {
    clearTimeout(this.restartTimer);
    this.stopPolling();
    const child = this.child;
    if (!child?.pid || this.adopted) return undefined;
    const out = { pid: child.pid, pgid: this.pgid ?? child.pid, command: this.command };
    child.removeAllListeners('exit');
    child.stdout?.destroy();
    child.stderr?.destroy();
    child.unref();
    this.child = undefined;
    this.set({ kind: 'stopped', message: `Released the gateway (pid ${out.pid}); it runs on by itself.` });
    return out;
  }

  /** Stop then start; for an adopted gateway there is nothing of ours to restart. */
  async restart(): Promise<GatewayState> {
    if (this.adopted)
      throw new GatewayStartError(
        `The gateway on port ${this.opts.port} was not started by this window, so it cannot be restarted from here. Restart it where it was started (or stop it there and use Start Gateway).`,
        'config',
      );
    if (this.child) await this.stop();
    return this.start();
  }

  /**
   * On window close: lets an adopted gateway go; a gateway this window started gets SIGTERM now
   * and SIGKILL after the grace period if the host is still alive by then.
   */
  dispose(): void {
    clearTimeout(this.restartTimer);
    this.stopPolling();
    this.listeners.clear();
    if (this.child && !this.adopted) {
      const pgid = this.pgid ?? this.child.pid ?? 0;
      const tree = descendants(this.child.pid ?? 0);
      this.stopping = true;
      signalGroup(pgid, 'SIGTERM');
      const t = setTimeout(() => {
        signalGroup(pgid, 'SIGKILL');
        for (const p of tree) {
          try {
            process.kill(p, 'SIGKILL');
          } catch {
            /* gone */
          }
        }
      }, this.opts.stopGraceMs ?? 10_000);
      t.unref();
    }
  }
}

/** Resolves when the child's stdout and stderr have ended (all output read), or after `ms`. */
function drained(child: ChildProcess, ms: number): Promise<void> {
  const ends = [child.stdout, child.stderr]
    .filter((st): st is NonNullable<typeof st> => Boolean(st) && !st!.readableEnded && !st!.destroyed)
    .map(
      (st) =>
        new Promise<void>((r) => {
          st.once('end', () => r());
          st.once('close', () => r());
        }),
    );
  if (!ends.length) return Promise.resolve();
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    Promise.all(ends).then(() => undefined),
    new Promise<void>((r) => {
      timer = setTimeout(r, ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
