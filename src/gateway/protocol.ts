/**
 * The gateway's WebSocket control plane, protocol v4, as openclaw 2026.9.6 speaks it (captured
 * frames in test/fixtures/gateway-frames/). Every frame that arrives is validated here with zod;
 * payloads we act on get their own schema, the rest stays `unknown`. Objects are loose: a newer
 * gateway may add fields.
 */
import * as z from 'zod/mini';

export const PROTOCOL_VERSION = 4;

export const ErrorShapeSchema = z.looseObject({
  code: z.string(),
  message: z.string(),
  details: z.optional(z.unknown()),
  retryable: z.optional(z.boolean()),
  retryAfterMs: z.optional(z.number()),
});
export type ErrorShape = z.infer<typeof ErrorShapeSchema>;

export const ResponseFrameSchema = z.looseObject({
  type: z.literal('res'),
  id: z.string(),
  ok: z.boolean(),
  payload: z.optional(z.unknown()),
  error: z.optional(ErrorShapeSchema),
});
export const EventFrameSchema = z.looseObject({
  type: z.literal('event'),
  event: z.string(),
  payload: z.optional(z.unknown()),
  seq: z.optional(z.number()),
});
export const FrameSchema = z.discriminatedUnion('type', [ResponseFrameSchema, EventFrameSchema]);
export type ResponseFrame = z.infer<typeof ResponseFrameSchema>;
export type EventFrame = z.infer<typeof EventFrameSchema>;

export const ChallengeSchema = z.looseObject({ nonce: z.string(), ts: z.optional(z.number()) });

export const HelloOkSchema = z.looseObject({
  type: z.literal('hello-ok'),
  protocol: z.number(),
  server: z.looseObject({ version: z.string(), connId: z.optional(z.string()) }),
  auth: z.optional(
    z.looseObject({
      method: z.optional(z.string()),
      role: z.optional(z.string()),
      scopes: z.optional(z.array(z.string())),
    }),
  ),
  features: z.optional(
    z.looseObject({ methods: z.optional(z.array(z.string())), events: z.optional(z.array(z.string())) }),
  ),
  policy: z.optional(z.looseObject({ tickIntervalMs: z.optional(z.number()), maxPayload: z.optional(z.number()) })),
});
export type HelloOk = z.infer<typeof HelloOkSchema>;

/**
 * A value from a closed set in openclaw's code (an enum there): the known values are typed, and
 * any other string, from a gateway newer than this extension, is kept as it is so it can be shown.
 */
export type Open<T extends string> = T | (string & { readonly __open?: never });

/** A value of the wrong type where a display-only field was expected, kept as short text to show. */
function unexpected(v: unknown): string {
  let t: string;
  try {
    t = JSON.stringify(v) ?? String(v);
  } catch {
    t = String(v);
  }
  return t.length > 60 ? `${t.slice(0, 57)}...` : t;
}

/** Any string; known values typed (`Open<T>`); a non-string becomes its short JSON text. Never fails. */
function openEnum<const T extends string>(_known: readonly T[]) {
  return z.catch(
    z.custom<Open<T>>((v) => typeof v === 'string'),
    (ctx) => unexpected(ctx.value) as Open<T>,
  );
}

/** An optional display-only field: a value of another type is dropped instead of failing the frame. */
function lenient<S extends z.ZodMiniType>(s: S) {
  return z.optional(z.catch(z.optional(s), undefined));
}

/*
 * models.authStatus, as built by openclaw 2026.9.6 (dist/models-auth-status-*.mjs, mapProvider and
 * buildExpiry; statuses from dist/auth-health-*.mjs). Captured on varied homes in
 * test/fixtures/gateway-frames/auth-status-*.json (test/interop/capture-authstatus-frames.ts).
 * Only what we act on is strict: provider, profiles[].profileId. Every enum is open (a newer
 * gateway may add values: they are shown, not fatal) and every display-only field is lenient.
 */

/** Provider and profile rollup statuses (auth-health.ts). */
export const AUTH_STATUSES = ['ok', 'expiring', 'expired', 'missing', 'static'] as const;
/** Credential types. */
export const PROFILE_TYPES = ['api_key', 'token', 'oauth'] as const;
/**
 * Where a profile comes from, for the agent asked about: bound by a models.providers entry
 * ("config"), provided from outside (an external CLI: "external"), saved in this agent's own store
 * ("saved"), or inherited from the shared store ("inherited").
 */
export const PROFILE_SOURCES = ['config', 'external', 'saved', 'inherited'] as const;
/**
 * Why the provider's profile order cannot be changed with models.authOrderSet:
 * "provider-config": a models.providers.<id>.apiKey in openclaw.json names one of its profiles;
 * "auth-config": the order comes from auth.order in openclaw.json (no stored order overrides it).
 * Older captures and docs had a boolean; `true` is read as locked, source unknown.
 */
export const ORDER_LOCK_SOURCES = ['provider-config', 'auth-config'] as const;
/** Where the provider's API key comes from when no profile gives it (env var or openclaw.json). */
export const API_KEY_SOURCES = ['env', 'config'] as const;

export type AuthStatusValue = Open<(typeof AUTH_STATUSES)[number]>;
export type OrderLock = Open<(typeof ORDER_LOCK_SOURCES)[number]> | boolean;

const Expiry = lenient(
  z.looseObject({ at: lenient(z.number()), remainingMs: lenient(z.number()), label: lenient(z.string()) }),
);

export const AuthStatusProfileSchema = z.looseObject({
  profileId: z.string(),
  type: openEnum(PROFILE_TYPES),
  status: openEnum(AUTH_STATUSES),
  reasonCode: lenient(z.string()),
  source: z.optional(openEnum(PROFILE_SOURCES)),
  expiry: Expiry,
  externallyManaged: lenient(z.boolean()),
  displayName: lenient(z.string()),
  email: lenient(z.string()),
  lastUsedAt: lenient(z.number()),
  logoutSupported: lenient(z.boolean()),
});
export const AuthStatusProviderSchema = z.looseObject({
  provider: z.string(),
  authProvider: lenient(z.string()),
  displayName: lenient(z.string()),
  status: openEnum(AUTH_STATUSES),
  expiry: Expiry,
  profiles: z.array(AuthStatusProfileSchema),
  profileOrder: lenient(z.nullable(z.array(z.string()))),
  profileOrderStored: lenient(z.boolean()),
  profileOrderLocked: z.optional(
    z.catch(z.union([z.boolean(), openEnum(ORDER_LOCK_SOURCES)]), (ctx) => unexpected(ctx.value)),
  ),
  apiKey: lenient(z.looseObject({ source: openEnum(API_KEY_SOURCES), envVar: lenient(z.string()) })),
  usage: z.optional(z.unknown()),
});
export const AuthStatusSchema = z.looseObject({
  ts: lenient(z.number()),
  providers: z.array(AuthStatusProviderSchema),
  providerCapabilities: lenient(
    z.array(
      z.looseObject({
        provider: z.string(),
        apiKeySupported: lenient(z.boolean()),
        quickApiKeySetup: lenient(z.boolean()),
      }),
    ),
  ),
  /** Sent with `providers: []` while the gateway's model catalog is not prepared yet (PREPARED_MODEL_AUTH_UNAVAILABLE). */
  unavailable: lenient(z.looseObject({ code: lenient(z.string()), message: lenient(z.string()) })),
});
export type AuthStatus = z.infer<typeof AuthStatusSchema>;
export type AuthStatusProvider = z.infer<typeof AuthStatusProviderSchema>;
export type AuthStatusProfile = z.infer<typeof AuthStatusProfileSchema>;

export const SetApiKeyResultSchema = z.looseObject({
  provider: z.string(),
  profileId: z.string(),
  warning: z.optional(z.string()),
});
export const LogoutResultSchema = z.looseObject({
  provider: z.string(),
  removedProfiles: z.array(z.string()),
  abortedRunIds: z._default(z.array(z.string()), []),
  warning: z.optional(z.string()),
});
export const OrderSetResultSchema = z.looseObject({
  provider: z.string(),
  profileIds: z.nullable(z.array(z.string())),
});
/*
 * models.probe (openclaw 2026.9.6, src/gateway/server-methods/models-probe.ts): a live probe of one
 * provider's credentials on the gateway host, secret-free. Its statuses are openclaw's probe
 * statuses (ok, auth, rate_limit, billing, timeout, format, unknown, no_model); labels read
 * "Profile <id> · <provider>/<model>", "Environment credential (<VAR>) · …" or "Configured
 * credential". Lenient: unknown fields pass through, an unknown status is kept as it is.
 */
export const PROBE_STATUSES = [
  'ok',
  'auth',
  'rate_limit',
  'billing',
  'timeout',
  'format',
  'unknown',
  'no_model',
] as const;
export const ModelsProbeTargetSchema = z.looseObject({
  profileId: lenient(z.string()),
  label: lenient(z.string()),
  status: openEnum(PROBE_STATUSES),
  latencyMs: lenient(z.number()),
  error: lenient(z.string()),
});
export const ModelsProbeResultSchema = z.looseObject({
  provider: z.string(),
  status: openEnum(PROBE_STATUSES),
  latencyMs: lenient(z.number()),
  error: lenient(z.string()),
  results: z._default(z.catch(z.array(ModelsProbeTargetSchema), []), []),
});
export type ModelsProbeResult = z.infer<typeof ModelsProbeResultSchema>;
export type ModelsProbeTarget = z.infer<typeof ModelsProbeTargetSchema>;
export const RefreshResultSchema = z.looseObject({ refreshed: z.optional(z.boolean()) });
export type SetApiKeyResult = z.infer<typeof SetApiKeyResultSchema>;
export type LogoutResult = z.infer<typeof LogoutResultSchema>;
export type OrderSetResult = z.infer<typeof OrderSetResultSchema>;

/** `chat` event (chat-abort.ts): state "aborted" with stopReason "auth-revoked" after a provider logout. */
export const ChatEventSchema = z.looseObject({
  runId: z.string(),
  sessionKey: z.optional(z.string()),
  agentId: z.optional(z.string()),
  state: z.optional(z.string()),
  stopReason: z.optional(z.string()),
  errorMessage: z.optional(z.string()),
});
/** `agent` event, lifecycle stream: data.phase "end", status "cancelled", aborted, stopReason. */
export const AgentEventSchema = z.looseObject({
  runId: z.string(),
  sessionKey: z.optional(z.string()),
  agentId: z.optional(z.string()),
  stream: z.optional(z.string()),
  data: z.optional(
    z.looseObject({
      phase: z.optional(z.string()),
      status: z.optional(z.string()),
      aborted: z.optional(z.boolean()),
      stopReason: z.optional(z.string()),
    }),
  ),
});

/** The connect request this extension sends (client.id is a closed enum on the gateway). */
export function connectParams(token: string | undefined, version: string): Record<string, unknown> {
  return {
    minProtocol: PROTOCOL_VERSION,
    maxProtocol: PROTOCOL_VERSION,
    client: { id: 'gateway-client', version, platform: process.platform, mode: 'backend' },
    role: 'operator',
    scopes: ['operator.read', 'operator.write', 'operator.admin'],
    caps: [],
    ...(token ? { auth: { token } } : {}),
  };
}
