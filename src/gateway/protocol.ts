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
  auth: z.optional(z.looseObject({ method: z.optional(z.string()), role: z.optional(z.string()), scopes: z.optional(z.array(z.string())) })),
  features: z.optional(z.looseObject({ methods: z.optional(z.array(z.string())), events: z.optional(z.array(z.string())) })),
  policy: z.optional(z.looseObject({ tickIntervalMs: z.optional(z.number()), maxPayload: z.optional(z.number()) })),
});
export type HelloOk = z.infer<typeof HelloOkSchema>;

const Expiry = z.optional(z.looseObject({ at: z.optional(z.number()), remainingMs: z.optional(z.number()), label: z.optional(z.string()) }));

export const AuthStatusProfileSchema = z.looseObject({
  profileId: z.string(),
  type: z.string(),
  status: z.string(),
  reasonCode: z.optional(z.string()),
  source: z.optional(z.string()),
  expiry: Expiry,
  logoutSupported: z.optional(z.boolean()),
});
export const AuthStatusProviderSchema = z.looseObject({
  provider: z.string(),
  authProvider: z.optional(z.string()),
  displayName: z.optional(z.string()),
  status: z.string(),
  expiry: Expiry,
  profiles: z.array(AuthStatusProfileSchema),
  profileOrder: z.optional(z.nullable(z.array(z.string()))),
  profileOrderStored: z.optional(z.boolean()),
  profileOrderLocked: z.optional(z.boolean()),
});
export const AuthStatusSchema = z.looseObject({
  ts: z.number(),
  providers: z.array(AuthStatusProviderSchema),
  providerCapabilities: z.optional(z.array(z.looseObject({ provider: z.string(), apiKeySupported: z.optional(z.boolean()) }))),
});
export type AuthStatus = z.infer<typeof AuthStatusSchema>;
export type AuthStatusProvider = z.infer<typeof AuthStatusProviderSchema>;

export const SetApiKeyResultSchema = z.looseObject({ provider: z.string(), profileId: z.string(), warning: z.optional(z.string()) });
export const LogoutResultSchema = z.looseObject({
  provider: z.string(),
  removedProfiles: z.array(z.string()),
  abortedRunIds: z._default(z.array(z.string()), []),
  warning: z.optional(z.string()),
});
export const OrderSetResultSchema = z.looseObject({ provider: z.string(), profileIds: z.nullable(z.array(z.string())) });
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
  data: z.optional(z.looseObject({ phase: z.optional(z.string()), status: z.optional(z.string()), aborted: z.optional(z.boolean()), stopReason: z.optional(z.string()) })),
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
