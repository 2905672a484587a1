/**
 * Whether a gateway runs for this state directory, cheaply: `GET /healthz` on the loopback port
 * from openclaw.json `gateway.port` (default 18789), with the supervisor's probe
 * (src/gateway/health.ts). The editor also asks its own supervisor (src/features/probes/controller.ts).
 */
import { probeGateway } from './health';
import type { AgentSnapshot } from '../store/snapshot';

export const DEFAULT_GATEWAY_PORT = 18789;

export function gatewayPort(
  config: Record<string, unknown>,
  env: Readonly<Record<string, string | undefined>> = process.env,
): number {
  const fromEnv = Number(env.OPENCLAW_GATEWAY_PORT);
  if (Number.isInteger(fromEnv) && fromEnv > 0 && fromEnv < 65536) return fromEnv;
  const g = config.gateway;
  const p = g && typeof g === 'object' && !Array.isArray(g) ? (g as Record<string, unknown>).port : undefined;
  return typeof p === 'number' && Number.isInteger(p) && p > 0 && p < 65536 ? p : DEFAULT_GATEWAY_PORT;
}

/** Whether an OpenClaw gateway (not just anything) answers on the loopback port. */
export async function gatewayHealthy(port: number, timeoutMs = 500): Promise<boolean> {
  return (await probeGateway(port, { timeoutMs })).kind === 'gateway';
}

export async function isGatewayRunning(s: AgentSnapshot): Promise<boolean> {
  return gatewayHealthy(gatewayPort(s.config.data as Record<string, unknown>, s.env));
}
