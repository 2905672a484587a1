/**
 * A loopback model provider speaking the real wire formats: OpenAI-compatible
 * `POST /v1/chat/completions`, Anthropic `POST /v1/messages`, Google
 * `POST /v1beta/models/<model>:generateContent`. What it answers depends on the credential sent
 * (keys look like `sk-fake-<behaviour>-<16+ chars>`, so they are obviously fake and the leak check
 * knows them):
 *   ok · 401 · 402 · 404 (unknown model) · 429 · 429ra<N> (Retry-After N s) · 429then<N> (429 with
 *   Retry-After N s once, then ok) · hang · reset · badjson · empty (no visible reply) · slow<N>
 *   (ok after N ms) · 500 · throttle (400 with a rate-limit message) · 401part (401 echoing a
 *   20-character piece of the key, as some providers do)
 * Oversized and endless bodies, streamed with backpressure from one reused buffer (so the server
 * itself stays small):
 *   big<N> (200, a JSON answer padded to N MB) · bigtext<N> (200, N MB that is not JSON) ·
 *   bigerr<S> (status S, a JSON error whose message echoes a piece of the key and then runs on
 *   for 200 MB, never closed) · trickle (200 headers, then a byte every 50 ms, forever)
 * Each such body is recorded in `bodies` (bytes written, whether the client closed the socket
 * before the end).
 * It records every request (key, API, model, time) and the highest number of requests in flight.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SeenRequest {
  api: 'openai' | 'anthropic' | 'google';
  key: string;
  model: string;
  at: number;
  body: unknown;
  headers: http.IncomingHttpHeaders;
}

export interface StreamedBody {
  key: string;
  status: number;
  total: number;
  sent: number;
  closed: boolean;
  closedEarly: boolean;
}

export interface ProviderServer {
  baseUrl: string;
  port: number;
  requests: SeenRequest[];
  /** The oversized / endless bodies sent (big*, bigerr*, trickle). */
  bodies: StreamedBody[];
  maxInFlight: number;
  inFlight: number;
  close(): Promise<void>;
  reset(): void;
}

export function fakeKey(behaviour: string, n = 0): string {
  return `sk-fake-${behaviour}-abcdefabcdef0123${String(n).padStart(4, '0')}`;
}

/** The piece of a key that `401part` / `bigerr<S>` echo: 20 characters from its middle. */
export function echoedPiece(key: string): string {
  return key.slice(6, 26);
}

const FILL = Buffer.alloc(64 * 1024, 'a');

function behaviourOf(key: string): string {
  const m = /^sk-fake-([a-z0-9]+)-/.exec(key);
  return m?.[1] ?? 'ok';
}

function errorBody(api: SeenRequest['api'], status: number, message: string, type: string): string {
  if (api === 'anthropic') return JSON.stringify({ type: 'error', error: { type, message } });
  if (api === 'google') return JSON.stringify({ error: { code: status, message, status: type.toUpperCase() } });
  return JSON.stringify({ error: { message, type, code: type } });
}

function okBody(api: SeenRequest['api'], model: string, text: string): string {
  if (api === 'anthropic')
    return JSON.stringify({
      id: 'msg_fake',
      type: 'message',
      role: 'assistant',
      model,
      content: text ? [{ type: 'text', text }] : [],
      stop_reason: 'end_turn',
      usage: { input_tokens: 10, output_tokens: 1 },
    });
  if (api === 'google')
    return JSON.stringify({
      candidates: [{ content: { role: 'model', parts: text ? [{ text }] : [] }, finishReason: 'STOP' }],
      usageMetadata: { promptTokenCount: 10, candidatesTokenCount: 1 },
    });
  return JSON.stringify({
    id: 'chatcmpl-fake',
    object: 'chat.completion',
    created: 1,
    model,
    choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }],
    usage: { prompt_tokens: 10, completion_tokens: 1, total_tokens: 11 },
  });
}

/** The same answer as a stream, as each SDK reads it (server-sent events). */
function sseBody(api: SeenRequest['api'], model: string, jsonText: string): string {
  let text = '';
  try {
    const v = JSON.parse(jsonText) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    text =
      api === 'anthropic'
        ? (v.content?.[0]?.text ?? '')
        : api === 'google'
          ? (v.candidates?.[0]?.content?.parts?.[0]?.text ?? '')
          : (v.choices?.[0]?.message?.content ?? '');
  } catch {
    return `data: ${jsonText}\n\n`; // malformed stays malformed
  }
  const ev = (o: unknown, name?: string) => `${name ? `event: ${name}\n` : ''}data: ${JSON.stringify(o)}\n\n`;
  if (api === 'anthropic') {
    return (
      ev(
        {
          type: 'message_start',
          message: {
            id: 'msg_fake',
            type: 'message',
            role: 'assistant',
            model,
            content: [],
            stop_reason: null,
            usage: { input_tokens: 10, output_tokens: 0 },
          },
        },
        'message_start',
      ) +
      (text
        ? ev(
            { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
            'content_block_start',
          ) +
          ev({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text } }, 'content_block_delta') +
          ev({ type: 'content_block_stop', index: 0 }, 'content_block_stop')
        : '') +
      ev(
        { type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 1 } },
        'message_delta',
      ) +
      ev({ type: 'message_stop' }, 'message_stop')
    );
  }
  if (api === 'google') {
    return ev({
      candidates: [{ content: { role: 'model', parts: text ? [{ text }] : [] }, finishReason: 'STOP', index: 0 }],
      usageMetadata: { promptTokenCount: 10, candidatesTokenCount: 1, totalTokenCount: 11 },
      modelVersion: model,
    });
  }
  return (
    ev({
      id: 'chatcmpl-fake',
      object: 'chat.completion.chunk',
      created: 1,
      model,
      choices: [{ index: 0, delta: { role: 'assistant', content: text }, finish_reason: null }],
    }) +
    ev({
      id: 'chatcmpl-fake',
      object: 'chat.completion.chunk',
      created: 1,
      model,
      choices: [{ index: 0, delta: {}, finish_reason: 'stop' }],
      usage: { prompt_tokens: 10, completion_tokens: 1, total_tokens: 11 },
    }) +
    'data: [DONE]\n\n'
  );
}

export async function startProviderServer(opts: { delayMs?: number } = {}): Promise<ProviderServer> {
  const requests: SeenRequest[] = [];
  const bodies: StreamedBody[] = [];
  const sockets = new Set<import('node:net').Socket>();
  const seenThen = new Map<string, number>();
  const state = { maxInFlight: 0, inFlight: 0 };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = req.url ?? '';
      let api: SeenRequest['api'] | undefined;
      let model = '';
      let key = '';
      let body: unknown;
      let stream = false;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        body = undefined;
      }
      const b = (body ?? {}) as Record<string, unknown>;
      if (req.method === 'POST' && /\/chat\/completions$/.test(url)) {
        api = 'openai';
        model = String(b.model ?? '');
        key = String(req.headers.authorization ?? '').replace(/^Bearer\s+/i, '');
      } else if (req.method === 'POST' && /\/v1\/messages$/.test(url)) {
        api = 'anthropic';
        model = String(b.model ?? '');
        key = String(req.headers['x-api-key'] ?? String(req.headers.authorization ?? '').replace(/^Bearer\s+/i, ''));
      } else if (req.method === 'POST' && /\/models\/[^/?]+:(?:stream)?[gG]enerateContent(?:\?.*)?$/.test(url)) {
        api = 'google';
        const m = /\/models\/([^/?]+):(stream)?[gG]enerateContent/.exec(url);
        model = decodeURIComponent(m?.[1] ?? '');
        if (m?.[2]) stream = true;
        key = String(req.headers['x-goog-api-key'] ?? new URL(url, 'http://x').searchParams.get('key') ?? '');
      }
      if (b.stream === true) stream = true;
      if (!api) {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end('{"error":{"message":"no such route"}}');
        return;
      }
      requests.push({ api, key, model, at: Date.now(), body, headers: req.headers });
      state.inFlight++;
      state.maxInFlight = Math.max(state.maxInFlight, state.inFlight);
      let done = false;
      const end = (status: number, text: string, headers: Record<string, string> = {}) => {
        if (done) return;
        done = true;
        state.inFlight--;
        if (status === 200 && stream && api) {
          res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', ...headers });
          res.end(sseBody(api, model, text));
          return;
        }
        res.writeHead(status, { 'content-type': 'application/json', ...headers });
        res.end(text);
      };
      res.on('close', () => {
        if (!done) {
          done = true;
          state.inFlight--;
        }
      });
      /** `head`, then filler up to `total` bytes (or forever, a byte every 50 ms, for `trickle`). */
      const streamBody = (status: number, head: string, total: number, trickle = false) => {
        if (done) return;
        done = true;
        state.inFlight--;
        const rec: StreamedBody = { key, status, total, sent: 0, closed: false, closedEarly: false };
        bodies.push(rec);
        res.on('close', () => {
          rec.closed = true;
          rec.closedEarly = !res.writableFinished;
        });
        res.writeHead(status, { 'content-type': 'application/json' });
        res.write(head);
        rec.sent += Buffer.byteLength(head);
        if (trickle) {
          const t = setInterval(() => {
            if (res.destroyed) clearInterval(t);
            else {
              res.write('a');
              rec.sent++;
            }
          }, 50);
          res.on('close', () => clearInterval(t));
          return;
        }
        const pump = () => {
          while (rec.sent < total && !res.destroyed) {
            const n = Math.min(FILL.length, total - rec.sent);
            const more = res.write(n === FILL.length ? FILL : FILL.subarray(0, n));
            rec.sent += n;
            if (!more) {
              res.once('drain', pump);
              return;
            }
          }
          if (!res.destroyed) res.end();
        };
        pump();
      };
      const beh = behaviourOf(key);
      const answer = () => {
        const big = /^big(text)?(\d+)$/.exec(beh);
        if (big) {
          const head = big[1] ? '<html><body>' : okBody(api, model, 'OK').replace(/\}$/, ',"padding":"');
          streamBody(200, head, Number(big[2]) * 1024 * 1024);
          return;
        }
        const bigerr = /^bigerr(\d+)$/.exec(beh);
        if (bigerr) {
          const st = Number(bigerr[1]);
          const type = st === 401 ? 'invalid_api_key' : st === 429 ? 'rate_limit_error' : 'api_error';
          const msg =
            st === 429
              ? 'Rate limit reached for requests'
              : st === 401
                ? `Incorrect API key provided: ${echoedPiece(key)}`
                : 'boom';
          // The code/type comes first so a reader that stops early still sees it; the message never ends.
          const head =
            api === 'google'
              ? `{"error":{"code":${st},"status":"${type.toUpperCase()}","message":"${msg} `
              : `{"error":{"type":"${type}","code":"${type}","message":"${msg} `;
          streamBody(st, head, 200 * 1024 * 1024);
          return;
        }
        if (beh === 'trickle') {
          streamBody(200, '{"choices":[', Infinity, true);
          return;
        }
        const slow = /^slow(\d+)$/.exec(beh);
        if (slow) {
          setTimeout(() => end(200, okBody(api, model, 'OK')), Number(slow[1]));
          return;
        }
        const then = /^429then(\d+)$/.exec(beh);
        if (then) {
          const n = seenThen.get(key) ?? 0;
          seenThen.set(key, n + 1);
          if (n === 0)
            end(429, errorBody(api, 429, 'Rate limit reached for requests', 'rate_limit_error'), {
              'retry-after': then[1] as string,
            });
          else end(200, okBody(api, model, 'OK'));
          return;
        }
        const ra = /^429ra(\d+)$/.exec(beh);
        if (ra) {
          end(429, errorBody(api, 429, 'Rate limit reached for requests', 'rate_limit_error'), {
            'retry-after': ra[1] as string,
          });
          return;
        }
        switch (beh) {
          case 'ok':
            end(200, okBody(api, model, 'OK'));
            return;
          case 'empty':
            end(200, okBody(api, model, ''));
            return;
          case '401part':
            end(
              401,
              errorBody(
                api,
                401,
                `Incorrect API key provided: sk-…${echoedPiece(key)}…`,
                api === 'anthropic' ? 'authentication_error' : 'invalid_api_key',
              ),
            );
            return;
          case '401':
            end(
              401,
              errorBody(
                api,
                401,
                `Incorrect API key provided: ${key}`,
                api === 'anthropic' ? 'authentication_error' : 'invalid_api_key',
              ),
            );
            return;
          case '402':
            end(
              402,
              errorBody(
                api,
                402,
                'Insufficient credits. Add more using https://example.invalid/credits',
                'payment_required',
              ),
            );
            return;
          case '404':
            end(
              404,
              errorBody(
                api,
                404,
                `The model \`${model}\` does not exist`,
                api === 'anthropic' ? 'not_found_error' : 'model_not_found',
              ),
            );
            return;
          case '429':
            end(429, errorBody(api, 429, 'Rate limit reached for requests', 'rate_limit_error'));
            return;
          case 'throttle':
            end(
              400,
              errorBody(api, 400, 'Throttling: too many requests for this key, slow down', 'invalid_request_error'),
            );
            return;
          case '500':
            end(500, errorBody(api, 500, 'boom', 'api_error'));
            return;
          case 'badjson':
            end(200, '{"id": "chatcmpl-fake", "choices": [ {"message": ');
            return;
          case 'hang':
            return; // never answers
          case 'reset':
            req.socket.destroy();
            state.inFlight--;
            done = true;
            return;
          default:
            end(200, okBody(api, model, 'OK'));
        }
      };
      if (opts.delayMs) setTimeout(answer, opts.delayMs);
      else answer();
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const out: ProviderServer = {
    baseUrl: `http://127.0.0.1:${port}`,
    port,
    requests,
    bodies,
    get maxInFlight() {
      return state.maxInFlight;
    },
    get inFlight() {
      return state.inFlight;
    },
    reset() {
      requests.length = 0;
      bodies.length = 0;
      state.maxInFlight = 0;
      seenThen.clear();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
  return out;
}
