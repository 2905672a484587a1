/**
 * Which gateway a command talks to. A local gateway serves this machine's state dir on a loopback
 * port (openclaw.json `gateway.port`, `OPENCLAW_GATEWAY_PORT`, default 18789); a remote one is a
 * URL: openclaw.json's `gateway.remote.url` when `gateway.mode` is "remote", or one the user
 * gives (the CLI's --gateway, the editor's list). Its files are never read: everything goes
 * through the control plane.
 *
 * URLs follow openclaw's own rule (docs/gateway/remote.md, "Security rules"): `ws://` only to
 * loopback, private (RFC 1918), link-local, CGNAT, `.local` and `.ts.net` hosts; anything else
 * must be `wss://`. A URL never carries credentials: the token travels in the connect request.
 */
import net from 'node:net';
import { isObj } from '../auth/obj';
import { gatewayPort } from './live';

export type GatewayTarget =
  | { kind: 'local'; url: string; port: number }
  | {
      kind: 'remote';
      url: string;
      /** Where the URL came from. */
      source: 'openclaw.json' | 'flag' | 'settings';
      /** SHA-256 fingerprint of the certificate a `wss://` remote must present (gateway.remote.tlsFingerprint). */
      tlsFingerprint?: string;
    };

export type UrlCheck = { ok: true; url: string; secure: boolean; host: string } | { ok: false; message: string };

/** Whether openclaw accepts plaintext `ws://` to this host (loopback, private, link-local, CGNAT, .local, .ts.net). */
export function plaintextAllowed(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h.endsWith('.localhost') || h.endsWith('.local') || h.endsWith('.ts.net')) return true;
  if (net.isIPv4(h)) {
    const [a = 0, b = 0] = h.split('.').map(Number);
    return (
      a === 127 ||
      a === 10 ||
      (a === 172 && b >= 16 && b <= 31) ||
      (a === 192 && b === 168) ||
      (a === 169 && b === 254) ||
      (a === 100 && b >= 64 && b <= 127)
    );
  }
  if (net.isIPv6(h)) return h === '::1' || /^f[cd]/.test(h) || /^fe[89ab]/.test(h);
  return false;
}

/** Checks a gateway URL as a user typed it; the message says what to change. */
export function checkGatewayUrl(raw: string): UrlCheck {
  const text = raw.trim();
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    return {
      ok: false,
      message: `"${text.slice(0, 80)}" is not a URL; a gateway URL looks like ws://127.0.0.1:18789.`,
    };
  }
  if (u.protocol !== 'ws:' && u.protocol !== 'wss:')
    return { ok: false, message: `A gateway URL starts with ws:// or wss://, not ${u.protocol}//.` };
  if (u.username || u.password)
    return {
      ok: false,
      message:
        'A gateway URL must not carry credentials; give the token separately (it is sent in the connect request).',
    };
  if (!u.hostname) return { ok: false, message: 'The gateway URL has no host.' };
  const secure = u.protocol === 'wss:';
  if (!secure && !plaintextAllowed(u.hostname))
    return {
      ok: false,
      message: `Plain ws:// is allowed only to loopback, private-network, .local and .ts.net hosts (openclaw's rule); use wss://${u.host}${u.pathname === '/' ? '' : u.pathname} or an SSH tunnel to a loopback port.`,
    };
  return { ok: true, url: u.toString().replace(/\/$/, ''), secure, host: u.hostname };
}

/** The local gateway of a state dir: loopback on openclaw.json's port. */
export function localTarget(
  config: Record<string, unknown>,
  env: Readonly<Record<string, string | undefined>> = process.env,
): GatewayTarget {
  const port = gatewayPort(config, env);
  return { kind: 'local', url: `ws://127.0.0.1:${port}`, port };
}

/** openclaw.json's remote gateway (`gateway.mode: "remote"` with `gateway.remote.url`), if any. */
export function configRemoteTarget(config: Record<string, unknown>): GatewayTarget | { error: string } | undefined {
  const g = isObj(config.gateway) ? config.gateway : undefined;
  if (g?.mode !== 'remote') return undefined;
  const remote = isObj(g.remote) ? g.remote : {};
  if (typeof remote.url !== 'string' || !remote.url.trim())
    return { error: 'openclaw.json sets gateway.mode to "remote" but gateway.remote.url is not set.' };
  const c = checkGatewayUrl(remote.url);
  if (!c.ok) return { error: `openclaw.json gateway.remote.url: ${c.message}` };
  return {
    kind: 'remote',
    url: c.url,
    source: 'openclaw.json',
    tlsFingerprint: typeof remote.tlsFingerprint === 'string' ? remote.tlsFingerprint : undefined,
  };
}
