/**
 * Where the gateway token comes from, and how openclaw.json shapes the start:
 * - `gateway.auth.token` in openclaw.json (a string or a SecretRef; openclaw's own key, read by
 *   its auth-token-resolution: config first, OPENCLAW_GATEWAY_TOKEN only as the fallback). A
 *   SecretRef is resolved with src/auth/secretRef.ts each time and never copied anywhere.
 * - otherwise the token the extension keeps in VS Code's SecretStorage (the caller passes it).
 * - `gateway.mode`: unset → start with --allow-unconfigured (the user's config is not edited);
 *   "remote" → the gateway runs elsewhere, so starting one here is refused with a message.
 */
import { SecretRefSchema, formatRef, resolveSecretRef, type ResolveContext } from '../auth/secretRef';
import { loadConfig, type JsonObject } from '../store/config';

export interface GatewayConfig {
  mode: string | undefined;
  /** A literal token string in openclaw.json (value never logged). */
  tokenLiteral?: string;
  tokenRef?: ReturnType<typeof SecretRefSchema.parse>;
  authMode?: string;
  port?: number;
}

/** openclaw.json's gateway section, read from the file at `configPath` (none when there is no file). */
export function loadGatewayConfig(configPath: string | undefined): GatewayConfig {
  return readGatewayConfig(configPath ? (loadConfig(configPath).data as JsonObject) : {});
}

export function readGatewayConfig(cfg: JsonObject): GatewayConfig {
  const g = cfg.gateway;
  if (!g || typeof g !== 'object' || Array.isArray(g)) return { mode: undefined };
  const mode = typeof g.mode === 'string' ? g.mode : undefined;
  const auth = g.auth && typeof g.auth === 'object' && !Array.isArray(g.auth) ? g.auth : undefined;
  const t = auth?.token;
  const out: GatewayConfig = {
    mode,
    authMode: typeof auth?.mode === 'string' ? auth.mode : undefined,
    port: typeof g.port === 'number' ? g.port : undefined,
  };
  if (typeof t === 'string' && t.trim()) out.tokenLiteral = t.trim();
  else if (t && typeof t === 'object') {
    const r = SecretRefSchema.safeParse(t);
    if (r.success) out.tokenRef = r.data;
  }
  return out;
}

export interface TokenChoice {
  token: string | undefined;
  source: 'config' | 'config-ref' | 'secret-storage' | 'env' | 'none';
  /** For the log and messages (never the value). */
  describe: string;
  /** The config holds the token: the gateway reads it itself, no env needed. */
  fromConfig: boolean;
}

/** Picks the token to connect (and start) with. Throws a clear message when a config SecretRef does not resolve. */
export async function chooseToken(
  cfg: GatewayConfig,
  opts: { stored?: string; env: Record<string, string | undefined>; resolve: ResolveContext },
): Promise<TokenChoice> {
  if (cfg.tokenLiteral)
    return {
      token: cfg.tokenLiteral,
      source: 'config',
      describe: 'gateway.auth.token in openclaw.json',
      fromConfig: true,
    };
  if (cfg.tokenRef) {
    try {
      const token = await resolveSecretRef(cfg.tokenRef, opts.resolve);
      return {
        token,
        source: 'config-ref',
        describe: `gateway.auth.token SecretRef ${formatRef(cfg.tokenRef)}`,
        fromConfig: true,
      };
    } catch (e) {
      throw new Error(
        `The gateway token in openclaw.json (gateway.auth.token, SecretRef ${formatRef(cfg.tokenRef)}) does not resolve: ${(e as Error).message}`,
      );
    }
  }
  if (opts.stored)
    return {
      token: opts.stored,
      source: 'secret-storage',
      describe: 'the token saved with "Set Gateway Token"',
      fromConfig: false,
    };
  const env = opts.env.OPENCLAW_GATEWAY_TOKEN?.trim();
  if (env) return { token: env, source: 'env', describe: 'OPENCLAW_GATEWAY_TOKEN', fromConfig: false };
  return { token: undefined, source: 'none', describe: 'no token', fromConfig: false };
}

/**
 * openclaw's token for its remote mode (docs/gateway/remote.md, credential precedence):
 * gateway.remote.token (a string or a SecretRef), else OPENCLAW_GATEWAY_TOKEN.
 */
export async function remoteModeToken(
  cfg: JsonObject,
  env: Readonly<Record<string, string | undefined>>,
  resolve: ResolveContext,
): Promise<string | undefined> {
  const g = cfg.gateway;
  const remote = g && typeof g === 'object' && !Array.isArray(g) ? g.remote : undefined;
  const t = remote && typeof remote === 'object' && !Array.isArray(remote) ? remote.token : undefined;
  if (typeof t === 'string' && t.trim()) return t.trim();
  const ref = SecretRefSchema.safeParse(t);
  if (ref.success) return resolveSecretRef(ref.data, resolve);
  return env.OPENCLAW_GATEWAY_TOKEN?.trim() || undefined;
}
