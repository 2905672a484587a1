/**
 * `openclaw-auth gateway start|stop|restart [--state-dir DIR] [--json]`: this machine's gateway
 * for headless hosts, with the supervisor the extension uses (src/gateway/supervisor.ts).
 *
 * `start` launches `openclaw gateway run` on loopback with token auth, waits for /readyz, then lets
 * it run on by itself (its output goes to `<stateDir>/openclaw-auth-gateway.log`) and records what
 * it started in `<stateDir>/openclaw-auth-gateway.json` (pid, process group, port, start times,
 * the command with the token masked), written atomically with mode 0600. A gateway already
 * answering on the port is left alone: no second one is started.
 *
 * `stop` signals only the process it recorded, and only while that pid is still that process: the
 * start time `ps` reports for the pid must be the recorded one (a reused pid is never signalled);
 * where `ps` cannot say, the port must still answer as a gateway. SIGTERM to its process group,
 * SIGKILL after a grace period, then it waits for the port to be free and removes the record. A
 * gateway it did not start (openclaw's own service, an editor window, a manual run) is never
 * stopped. `restart` is stop then start.
 */
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { GatewaySupervisor, GatewayStartError } from '../gateway/supervisor';
import { alive, descendants, signalGroup } from '../gateway/process';
import { probeGateway } from '../gateway/health';
import { gatewayPort } from '../gateway/live';
import { chooseToken, readGatewayConfig } from '../gateway/token';
import { redact } from '../auth/mask';
import { readSnapshot, type SnapshotOptions } from '../store';

export const RECORD_FILE = 'openclaw-auth-gateway.json';
export const OUTPUT_FILE = 'openclaw-auth-gateway.log';

export interface GatewayRecord {
  by: 'openclaw-auth';
  pid: number;
  pgid: number;
  port: number;
  /** When openclaw-auth started it (ISO). */
  startedAt: string;
  /** The process's start time as `ps -o lstart=` prints it in UTC; absent where ps cannot say. */
  processStart?: string;
  command: string;
  stateDir: string;
  output: string;
}

/** A record as written by writeRecord (extra fields are kept), or undefined. */
function parseRecord(v: unknown): GatewayRecord | undefined {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return undefined;
  const r = v as Record<string, unknown>;
  const int = (x: unknown) => typeof x === 'number' && Number.isInteger(x) && x > 0;
  const text = (x: unknown) => typeof x === 'string';
  if (r.by !== 'openclaw-auth' || !int(r.pid) || !int(r.pgid) || !int(r.port)) return undefined;
  if (!text(r.startedAt) || !text(r.command) || !text(r.stateDir) || !text(r.output)) return undefined;
  if (r.processStart !== undefined && !text(r.processStart)) return undefined;
  return r as unknown as GatewayRecord;
}

/** A sentence for the user, with the exit code and the JSON document of the command. */
export interface LocalGatewayResult {
  code: number;
  message: string;
  doc: Record<string, unknown>;
}

export interface LocalGatewayOptions {
  snapshot: SnapshotOptions;
  /** --openclaw: the openclaw command (default: `openclaw` on PATH). */
  openclawPath?: string;
  /** --node: the Node that runs it (default: `node` on PATH). */
  nodePath?: string;
  env?: NodeJS.ProcessEnv;
  /** Progress lines (stderr). */
  info?: (line: string) => void;
  readyTimeoutMs?: number;
  stopGraceMs?: number;
}

/**
 * The start time of `pid` as `ps` prints it (UTC, C locale), or undefined when `ps` cannot say
 * (Windows, no ps, no such process). Works the same on Linux and macOS; no /proc.
 */
export function processStartTime(pid: number): string | undefined {
  if (process.platform === 'win32' || !Number.isInteger(pid) || pid <= 0) return undefined;
  const r = spawnSync('ps', ['-o', 'lstart=', '-p', String(pid)], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LC_ALL: 'C', TZ: 'UTC' },
    timeout: 5000,
  });
  const t = r.status === 0 ? r.stdout.trim().replace(/\s+/g, ' ') : '';
  return t || undefined;
}

/** A process that exited but was not reaped yet (its parent is gone and nobody reaps) counts as gone. */
export function running(pid: number): boolean {
  if (!alive(pid)) return false;
  if (process.platform === 'win32') return true;
  const r = spawnSync('ps', ['-o', 'stat=', '-p', String(pid)], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LC_ALL: 'C' },
    timeout: 5000,
  });
  // ps exits 1 silently for a pid it does not know; when it cannot run or says why (Linux's ps
  // without /proc), it cannot tell a zombie either, so the signal-0 answer above stands.
  if (r.status !== 0) return Boolean(r.error || r.stderr?.trim());
  return !r.stdout.trim().startsWith('Z');
}

function recordPath(stateDir: string): string {
  return path.join(stateDir, RECORD_FILE);
}

/** The record, undefined when there is none; an unreadable one is an error that names the file. */
export function readRecord(stateDir: string): GatewayRecord | undefined {
  const file = recordPath(stateDir);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`Cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}.`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  const rec = parseRecord(json);
  if (!rec)
    throw new Error(
      `${file} is not a record of openclaw-auth's gateway start; nothing was signalled. Remove it if you know which gateway it was about.`,
    );
  return rec;
}

/** Written to a temp file (mode 0600) in the same folder, synced, then renamed over the record. */
export function writeRecord(stateDir: string, rec: GatewayRecord): void {
  const file = recordPath(stateDir);
  const tmp = `${file}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`;
  const fd = fs.openSync(tmp, 'wx', 0o600);
  try {
    fs.writeFileSync(fd, JSON.stringify(rec, null, 2) + '\n');
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  try {
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
  try {
    const dfd = fs.openSync(stateDir, 'r');
    fs.fsyncSync(dfd);
    fs.closeSync(dfd);
  } catch {
    /* directories cannot be opened for sync everywhere */
  }
}

function removeRecord(stateDir: string): void {
  fs.rmSync(recordPath(stateDir), { force: true });
}

/** The last lines of the gateway's output file, for a failed start. */
function outputTail(file: string, n = 8, token?: string): string {
  try {
    const text = fs.readFileSync(file, 'utf8');
    const lines = text.split(/\r?\n/).filter(Boolean).slice(-n);
    if (!lines.length) return '';
    return `\nLast lines of ${file}:\n${redact(lines.join('\n'), token ? [token] : [])}`;
  } catch {
    return '';
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Whether the recorded process is still the one openclaw-auth started. */
export async function identify(
  rec: GatewayRecord,
): Promise<{ same: true; by: string } | { same: false; gone: boolean; why: string }> {
  if (!running(rec.pid)) return { same: false, gone: true, why: `pid ${rec.pid} is no longer running` };
  const now = processStartTime(rec.pid);
  if (rec.processStart && now) {
    if (now === rec.processStart) return { same: true, by: `pid ${rec.pid} started at ${now} UTC, as recorded` };
    return {
      same: false,
      gone: false,
      why: `pid ${rec.pid} is now another process (started ${now} UTC; the gateway openclaw-auth started began ${rec.processStart} UTC)`,
    };
  }
  // No start time to compare (ps unavailable): the port must still answer as a gateway.
  const p = await probeGateway(rec.port, { timeoutMs: 2000 });
  if (p.kind === 'gateway')
    return { same: true, by: `pid ${rec.pid} is running and port ${rec.port} answers as a gateway` };
  return {
    same: false,
    gone: false,
    why: `pid ${rec.pid} is running but port ${rec.port} does not answer as a gateway, and its start time cannot be read to tell whether it is the same process`,
  };
}

function context(o: LocalGatewayOptions) {
  const s = readSnapshot(o.snapshot);
  const env = o.env ?? process.env;
  const config = s.config.data as Record<string, unknown>;
  return { s, env, config, stateDir: s.paths.stateDir, port: gatewayPort(config, env) };
}

/**
 * Why a start stops before anything is launched: a remote-mode state dir, the gateway it started
 * still running, or another gateway on the port. Undefined when a start may go ahead.
 */
async function startRefusal(
  cfg: ReturnType<typeof readGatewayConfig>,
  stateDir: string,
  port: number,
  base: Record<string, unknown>,
  info: (m: string) => void,
): Promise<LocalGatewayResult | undefined> {
  if (cfg.mode === 'remote')
    return {
      code: 1,
      message: `openclaw.json sets gateway.mode to "remote": this state dir's gateway runs elsewhere, so none is started here.`,
      doc: { ...base, started: false },
    };
  const rec = readRecord(stateDir);
  if (rec) {
    const id = await identify(rec);
    if (id.same)
      return {
        code: 0,
        message: `The gateway openclaw-auth started is already running (pid ${rec.pid}, port ${rec.port}); no second one was started.`,
        doc: { ...base, started: false, running: true, owned: true, pid: rec.pid, port: rec.port },
      };
    info(`The recorded gateway start is stale (${id.why}); its record is replaced.`);
  }
  const probe = await probeGateway(port, { timeoutMs: 2000 });
  if (probe.kind === 'gateway') {
    if (rec) removeRecord(stateDir);
    return {
      code: 0,
      message: `A gateway already answers on 127.0.0.1:${port}; it was not started by openclaw-auth, so no second one was started (and gateway stop leaves it alone).`,
      doc: { ...base, started: false, running: true, owned: false },
    };
  }
  return undefined;
}

export async function startGateway(o: LocalGatewayOptions): Promise<LocalGatewayResult> {
  const { s, env, stateDir, port } = context(o);
  const info = o.info ?? (() => undefined);
  const base = { action: 'start', stateDir, port, url: `ws://127.0.0.1:${port}`, record: recordPath(stateDir) };
  const cfg = readGatewayConfig(s.config.data);
  const refused = await startRefusal(cfg, stateDir, port, base, info);
  if (refused) return refused;
  const choice = await chooseToken(cfg, {
    env,
    resolve: {
      env: s.env,
      secretsConfig: s.config.data.secrets,
      readStoreSecret: (n) => s.sharedDb.secretStore.get(n),
    },
  });
  if (!choice.token)
    return {
      code: 1,
      message:
        'No gateway token: set gateway.auth.token in openclaw.json (a string or a SecretRef) or OPENCLAW_GATEWAY_TOKEN in the environment; nothing was started.',
      doc: { ...base, started: false },
    };
  const output = path.join(stateDir, OUTPUT_FILE);
  const token = choice.token;
  // The default state dir of a host where openclaw has not run yet: made as openclaw makes it.
  fs.mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  const sup = new GatewaySupervisor({
    port,
    commandSetting: o.openclawPath,
    nodePath: o.nodePath,
    env,
    stateDir: o.snapshot.stateDirSetting ? stateDir : undefined,
    token,
    allowUnconfigured: !cfg.mode,
    outputFile: output,
    readyTimeoutMs: o.readyTimeoutMs ?? 120_000,
    // A start that dies is reported, not retried: there is nobody to watch the retries.
    restart: { maxAttempts: 0 },
    log: { info, warn: info, error: () => undefined, output: () => undefined },
  });
  info(`Gateway token: ${choice.describe}.`);
  try {
    await sup.start();
    if (sup.adopted) {
      // Another gateway came up on the port meanwhile.
      return {
        code: 0,
        message: `A gateway already answers on 127.0.0.1:${port}; it was not started by openclaw-auth, so no second one was started.`,
        doc: { ...base, started: false, running: true, owned: false },
      };
    }
    const released = sup.release();
    if (!released) throw new GatewayStartError('The gateway exited right after it became ready.', 'exited');
    const command = sup.command ? sup.describeCommand(sup.command, sup.gatewayArgs()) : 'openclaw gateway run';
    const record: GatewayRecord = {
      by: 'openclaw-auth',
      pid: released.pid,
      pgid: released.pgid,
      port,
      startedAt: new Date().toISOString(),
      processStart: processStartTime(released.pid),
      command: redact(command, [token]),
      stateDir,
      output,
    };
    writeRecord(stateDir, record);
    return {
      code: 0,
      message: `Gateway started on 127.0.0.1:${port} (pid ${record.pid}); it runs on after this command. Its output: ${output}. Stop it with openclaw-auth gateway stop.`,
      doc: {
        ...base,
        started: true,
        running: true,
        owned: true,
        pid: record.pid,
        pgid: record.pgid,
        output,
        command: record.command,
      },
    };
  } catch (e) {
    const msg = redact((e as Error).message, [token]);
    return { code: 1, message: `${msg}${outputTail(output, 8, token)}`, doc: { ...base, started: false } };
  } finally {
    sup.dispose();
  }
}

export async function stopGateway(o: LocalGatewayOptions): Promise<LocalGatewayResult> {
  const { stateDir, port: configuredPort } = context(o);
  const info = o.info ?? (() => undefined);
  const rec = readRecord(stateDir);
  const base = { action: 'stop', stateDir, record: recordPath(stateDir) };
  if (!rec) {
    const p = await probeGateway(configuredPort, { timeoutMs: 2000 });
    return p.kind === 'gateway'
      ? {
          code: 1,
          message: `openclaw-auth did not start a gateway for ${stateDir} (no record in ${recordPath(stateDir)}). The gateway on port ${configuredPort} was started by something else (openclaw's own service, an editor window, a manual run) and is not stopped; stop it where it was started.`,
          doc: { ...base, port: configuredPort, stopped: false, running: true, owned: false },
        }
      : {
          code: 0,
          message: `openclaw-auth did not start a gateway for ${stateDir} (no record in ${recordPath(stateDir)}), and none answers on port ${configuredPort}.`,
          doc: { ...base, port: configuredPort, stopped: false, running: false },
        };
  }
  const port = rec.port;
  const id = await identify(rec);
  if (!id.same) {
    removeRecord(stateDir);
    const p = await probeGateway(port, { timeoutMs: 2000 });
    const still = p.kind === 'gateway';
    return {
      code: still ? 1 : 0,
      message: `The gateway openclaw-auth started (pid ${rec.pid}) ${id.gone ? 'is gone' : 'cannot be told apart from another process'}: ${id.why}. ${id.gone ? '' : 'That process was not signalled. '}Removed the stale record.${still ? ` A gateway answers on port ${port}, but openclaw-auth did not start it, so it is not stopped.` : ''}`,
      doc: { ...base, port, pid: rec.pid, stopped: false, running: still, signalled: false, stale: true },
    };
  }
  info(`Stopping the gateway openclaw-auth started (${id.by}): SIGTERM to its process group.`);
  const tree = descendants(rec.pid);
  signalGroup(rec.pgid, 'SIGTERM');
  const grace = o.stopGraceMs ?? 10_000;
  let end = Date.now() + grace;
  while (running(rec.pid) && Date.now() < end) await sleep(100);
  let killed = false;
  if (running(rec.pid)) {
    info(`It did not exit within ${grace / 1000} s of SIGTERM; sending SIGKILL.`);
    signalGroup(rec.pgid, 'SIGKILL');
    killed = true;
    end = Date.now() + 5000;
    while (running(rec.pid) && Date.now() < end) await sleep(100);
  }
  // Helpers of the recorded tree that outlived it (own process group) go too.
  for (const p of tree.filter(running))
    try {
      process.kill(p, 'SIGKILL');
    } catch {
      /* gone */
    }
  // Verified by the port, not by the word of a signal.
  end = Date.now() + 10_000;
  let p = await probeGateway(port, { timeoutMs: 500 });
  while (p.kind !== 'down' && Date.now() < end) {
    await sleep(200);
    p = await probeGateway(port, { timeoutMs: 500 });
  }
  if (running(rec.pid))
    return {
      code: 1,
      message: `The gateway (pid ${rec.pid}) did not exit after SIGTERM and SIGKILL; its record is kept.`,
      doc: { ...base, port, pid: rec.pid, stopped: false, running: true, signalled: true },
    };
  removeRecord(stateDir);
  const free = p.kind === 'down';
  return {
    code: free ? 0 : 1,
    message: free
      ? `Gateway stopped (pid ${rec.pid}${killed ? ', after SIGKILL' : ''}); port ${port} is free.`
      : `The gateway process ${rec.pid} exited, but port ${port} is still held (${p.kind === 'gateway' ? 'another gateway answers there' : 'detail' in p ? p.detail : p.error}).`,
    doc: { ...base, port, pid: rec.pid, stopped: true, running: false, signalled: true, portFree: free },
  };
}

export async function restartGateway(o: LocalGatewayOptions): Promise<LocalGatewayResult> {
  const stop = await stopGateway(o);
  if (stop.code !== 0)
    return { code: stop.code, message: `${stop.message}\nNot restarted.`, doc: { action: 'restart', stop: stop.doc } };
  const start = await startGateway(o);
  return {
    code: start.code,
    message: `${stop.message}\n${start.message}`,
    doc: { action: 'restart', stop: stop.doc, start: start.doc },
  };
}
