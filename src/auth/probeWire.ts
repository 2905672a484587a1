/**
 * The wire formats a live probe speaks, one entry each in WIRE_FORMATS: which providers and
 * `models.providers.<id>.api` values select it, the URL, the request (headers and the minimal
 * body) and where the answer's text is. Adding a provider API that is not OpenAI-compatible is
 * one entry here (and a loopback server speaking it in test/helpers/providerServer.ts).
 * How answers and errors are classified is src/auth/probeClassify.ts; the run is probeRun.ts.
 */
import { normalizeProviderId } from './providerId';
import { isObj } from './obj';

export const PROBE_PROMPT = 'Reply with OK. Do not use tools.';

export type WireApi = 'openai' | 'anthropic' | 'google';

/** Public endpoints of providers that have one; others need models.providers.<id>.baseUrl. */
export const DEFAULT_BASE_URLS: Readonly<Record<string, string>> = {
  openai: 'https://api.openai.com/v1',
  openrouter: 'https://openrouter.ai/api/v1',
  anthropic: 'https://api.anthropic.com',
  google: 'https://generativelanguage.googleapis.com/v1beta',
  groq: 'https://api.groq.com/openai/v1',
  mistral: 'https://api.mistral.ai/v1',
  deepseek: 'https://api.deepseek.com/v1',
  xai: 'https://api.x.ai/v1',
  together: 'https://api.together.xyz/v1',
  fireworks: 'https://api.fireworks.ai/inference/v1',
  cerebras: 'https://api.cerebras.ai/v1',
  perplexity: 'https://api.perplexity.ai',
  nvidia: 'https://integrate.api.nvidia.com/v1',
  huggingface: 'https://router.huggingface.co/v1',
};

export interface Endpoint {
  api: WireApi;
  url: string;
  headers: Record<string, string>;
}

interface WireFormat {
  /** `models.providers.<id>.api` values (by prefix) that select this format. */
  apiPrefix?: string;
  /** Providers that use it when openclaw.json names no api. */
  providers: readonly string[];
  url(base: string, modelId: string): string;
  /** Headers beyond content type, accept and the configured ones; the key goes in here. */
  auth(headers: Record<string, string>, key: string, mode: string): void;
  body(modelId: string, maxTokens: number): unknown;
  /** The visible text of a successful answer, '' when there is none. */
  text(body: Record<string, unknown>): string;
}

/** The text parts of a list (`[{ type?, text }]`), joined. */
const joinText = (parts: unknown[], typed = false): string =>
  parts
    .filter(
      (c): c is Record<string, unknown> => isObj(c) && typeof c.text === 'string' && (!typed || c.type === 'text'),
    )
    .map((c) => c.text as string)
    .join('');

export const WIRE_FORMATS: Readonly<Record<WireApi, WireFormat>> = {
  /** Anthropic messages. */
  anthropic: {
    apiPrefix: 'anthropic',
    providers: ['anthropic'],
    url: (base) => `${base}${/\/v1$/.test(base) ? '' : '/v1'}/messages`,
    auth(headers, key, mode) {
      headers['anthropic-version'] = '2023-06-01';
      if (!key) {
        /* a local provider without a key */
      } else if (mode === 'token' || mode === 'oauth' || key.startsWith('sk-ant-oat')) {
        headers.authorization = `Bearer ${key}`;
        headers['anthropic-beta'] = 'oauth-2025-04-20';
      } else headers['x-api-key'] = key;
    },
    body: (model, maxTokens) => ({
      model,
      max_tokens: maxTokens,
      messages: [{ role: 'user', content: PROBE_PROMPT }],
    }),
    text: (body) => joinText(Array.isArray(body.content) ? body.content : [], true),
  },
  /** Google generateContent. */
  google: {
    apiPrefix: 'google',
    providers: ['google'],
    url: (base, modelId) => `${base}/models/${encodeURIComponent(modelId)}:generateContent`,
    auth(headers, key) {
      if (key) headers['x-goog-api-key'] = key;
    },
    body: (_model, maxTokens) => ({
      contents: [{ role: 'user', parts: [{ text: PROBE_PROMPT }] }],
      generationConfig: { maxOutputTokens: maxTokens },
    }),
    text(body) {
      const cand = Array.isArray(body.candidates) ? body.candidates[0] : undefined;
      return joinText(
        isObj(cand) && isObj(cand.content) && Array.isArray(cand.content.parts) ? cand.content.parts : [],
      );
    },
  },
  /** OpenAI-compatible chat completions: every other provider and api. */
  openai: {
    providers: [],
    url: (base) => `${base}/chat/completions`,
    auth(headers, key) {
      if (key) headers.authorization = `Bearer ${key}`;
    },
    body: (model, maxTokens) => ({
      model,
      messages: [{ role: 'user', content: PROBE_PROMPT }],
      max_tokens: maxTokens,
      stream: false,
    }),
    text(body) {
      const choice = Array.isArray(body.choices) ? body.choices[0] : undefined;
      const msg = isObj(choice) && isObj(choice.message) ? choice.message : undefined;
      return typeof msg?.content === 'string'
        ? msg.content
        : Array.isArray(msg?.content)
          ? msg.content.map((p) => (isObj(p) && typeof p.text === 'string' ? p.text : '')).join('')
          : '';
    },
  },
};

const APIS = Object.keys(WIRE_FORMATS) as WireApi[];

/** The format for an `api` setting, else for the provider; OpenAI-compatible when neither names one. */
export function wireApiFor(apiName: string, provider: string): WireApi {
  if (apiName)
    return APIS.find((a) => WIRE_FORMATS[a].apiPrefix && apiName.startsWith(WIRE_FORMATS[a].apiPrefix)) ?? 'openai';
  return APIS.find((a) => WIRE_FORMATS[a].providers.includes(provider)) ?? 'openai';
}

function providerEntry(config: Record<string, unknown>, provider: string): Record<string, unknown> | undefined {
  const models = isObj(config.models) ? config.models : {};
  if (!isObj(models.providers)) return undefined;
  for (const [k, v] of Object.entries(models.providers)) if (normalizeProviderId(k) === provider && isObj(v)) return v;
  return undefined;
}

/** The endpoint a probe calls: models.providers.<id>.baseUrl/api/headers, else the provider's default. */
export function resolveEndpoint(
  config: Record<string, unknown>,
  provider: string,
  modelId: string,
): Endpoint | { error: string } {
  const entry = providerEntry(config, provider);
  const base = (
    typeof entry?.baseUrl === 'string' && entry.baseUrl.trim() ? entry.baseUrl.trim() : DEFAULT_BASE_URLS[provider]
  )?.replace(/\/+$/, '');
  if (!base)
    return {
      error: `No endpoint is known for provider "${provider}". Set models.providers.${provider}.baseUrl in openclaw.json.`,
    };
  const api = wireApiFor(typeof entry?.api === 'string' ? entry.api : '', provider);
  const headers: Record<string, string> = {};
  if (isObj(entry?.headers))
    for (const [k, v] of Object.entries(entry.headers)) if (typeof v === 'string') headers[k] = v;
  return { api, url: WIRE_FORMATS[api].url(base, modelId), headers };
}

/** The probe request for an endpoint: headers (the key in the format's place) and the minimal body. */
export function requestFor(
  ep: Endpoint,
  modelId: string,
  key: string,
  mode: string,
  maxTokens: number,
): { headers: Record<string, string>; body: string } {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    accept: 'application/json',
    ...ep.headers,
  };
  const f = WIRE_FORMATS[ep.api];
  f.auth(headers, key, mode);
  return { headers, body: JSON.stringify(f.body(modelId, maxTokens)) };
}

/** The visible text of a successful answer, undefined when there is none. */
export function replyText(api: WireApi, body: unknown): string | undefined {
  if (!isObj(body)) return undefined;
  const t = WIRE_FORMATS[api].text(body);
  return t.trim() ? t : undefined;
}
