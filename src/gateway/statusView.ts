/**
 * What the gateway status bar item shows for a supervisor state and a control-plane state: text,
 * tooltip, severity and the actions that fit (no vscode, so it is unit-tested in plain Node).
 */
import type { GatewayState } from './supervisor';
import type { ClientState } from './client';

export type GatewayAction = 'start' | 'stop' | 'restart' | 'connect' | 'setToken' | 'showLogs';

export interface GatewayStatusView {
  kind: GatewayState['kind'];
  text: string;
  tooltip: string;
  /** Worst first: error > warning > none. */
  severity: 'error' | 'warning' | 'none';
  actions: GatewayAction[];
}

export const ACTION_LABELS: Record<GatewayAction, string> = {
  start: '$(play) Start Gateway',
  stop: '$(debug-stop) Stop Gateway',
  restart: '$(debug-restart) Restart Gateway',
  connect: '$(plug) Connect to Running Gateway',
  setToken: '$(key) Set Gateway Token',
  showLogs: '$(output) Show Gateway Logs',
};

export function describeGateway(s: GatewayState, opts: { port: number; client: ClientState; clientError?: string; adopted: boolean; now: number; extra?: string }): GatewayStatusView {
  const where = `127.0.0.1:${opts.port}`;
  const own = opts.adopted ? ' (not started by this window: monitored only)' : '';
  const conn = opts.client === 'connected' ? 'Control plane: connected.' : opts.client === 'auth-failed' ? `Control plane: ${opts.clientError ?? 'token rejected'}` : opts.client === 'reconnecting' || opts.client === 'connecting' ? 'Control plane: connecting…' : 'Control plane: not connected.';
  const tail = opts.extra ? `\n\n${opts.extra}` : '';
  switch (s.kind) {
    case 'stopped':
      return { kind: s.kind, text: '$(circle-slash) Gateway', tooltip: `OpenClaw gateway: stopped.${s.message ? `\n${s.message}` : ''}`, severity: 'none', actions: ['start', 'connect', 'setToken', 'showLogs'] };
    case 'starting':
      return { kind: s.kind, text: '$(loading~spin) Gateway: starting', tooltip: `OpenClaw gateway on ${where}: starting, waiting for /readyz (${Math.round((opts.now - s.since) / 1000)} s).`, severity: 'none', actions: ['stop', 'showLogs'] };
    case 'ready': {
      const tokenBad = opts.client === 'auth-failed';
      return {
        kind: s.kind,
        text: tokenBad ? '$(warning) Gateway: token rejected' : `$(pass) Gateway${opts.adopted ? ' (attached)' : ''}`,
        tooltip: `OpenClaw gateway on ${where}: ready${own}.\n${conn}${tail}`,
        severity: tokenBad ? 'warning' : 'none',
        actions: opts.adopted ? ['stop', 'setToken', 'showLogs'] : ['restart', 'stop', 'setToken', 'showLogs'],
      };
    }
    case 'degraded':
      return { kind: s.kind, text: '$(warning) Gateway: degraded', tooltip: `OpenClaw gateway on ${where}: running but not ready${own}. Failing checks: ${s.failing.join(', ')}.\n${conn}${tail}`, severity: 'warning', actions: opts.adopted ? ['stop', 'showLogs'] : ['restart', 'stop', 'showLogs'] };
    case 'crashed': {
      const secs = Math.max(0, Math.ceil((s.restartAt - opts.now) / 1000));
      return { kind: s.kind, text: `$(sync~spin) Gateway: crashed, restarting in ${secs} s`, tooltip: `OpenClaw gateway stopped unexpectedly (${s.exit}); restart attempt ${s.attempt} in ${secs} s.`, severity: 'warning', actions: ['stop', 'showLogs'] };
    }
    case 'unreachable':
      return { kind: s.kind, text: '$(error) Gateway: unreachable', tooltip: `OpenClaw gateway on ${where} stopped answering (${s.error})${s.owned ? '' : '. It was not started by this window'}.`, severity: 'error', actions: ['start', 'connect', 'showLogs'] };
    case 'failed':
      return { kind: s.kind, text: '$(error) Gateway: failed', tooltip: `OpenClaw gateway: ${s.message}`, severity: 'error', actions: ['start', 'connect', 'showLogs'] };
  }
}
