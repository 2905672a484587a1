/**
 * `openclaw-auth … --gateway URL` as a process against real loopback servers: probe through the
 * gateway's models.probe (its answer, a gateway that never answers it, no --provider), and the
 * ways a gateway cannot be used (a closed port, a wrong token, silence before the challenge or
 * after a request, a socket destroyed mid-request, another protocol version), each with its word,
 * its exit code, and never the token in the output.
 */
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FakeGateway, HELLO_OK, authStatusPayload, closedPort, silentTcpServer, type Req } from './fakeGateway';

const CLI = path.join(__dirname, '..', '..', '..', 'src', 'cli', 'main.ts');
const TSX = require.resolve('tsx/cjs');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(args: string[], env: Record<string, string> = {}): Promise<Run> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'oca-cli-gw-'));
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--require', TSX, CLI, ...args], {
      env: { PATH: process.env.PATH ?? '', HOME: home, ...env },
    });
    let stdout = '',
      stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdin.end();
    // 'close': the process exited and its pipes closed, so nothing was left hanging.
    child.on('close', (code) => {
      fs.rmSync(home, { recursive: true, force: true });
      resolve({ code, stdout, stderr });
    });
  });
}

/** The captured real answer shape of models.probe (openclaw 2026.9.6, offline: a timeout). */
const anthropicTimeout = {
  provider: 'anthropic',
  status: 'timeout',
  latencyMs: 82232,
  error: 'The connection timed out.',
  results: [
    {
      profileId: 'anthropic:manual',
      label: 'Profile anthropic:manual · anthropic/claude-sonnet-4-6',
      status: 'timeout',
      latencyMs: 82232,
      error: 'The connection timed out.',
    },
  ],
};

describe('openclaw-auth --gateway (loopback gateways)', function () {
  this.timeout(60_000);
  const servers: Array<{ close: () => Promise<void> }> = [];
  const gateway = async () => {
    const g = await new FakeGateway().listen();
    servers.push(g);
    return g;
  };
  afterEach(async () => {
    for (const s of servers.splice(0)) await s.close();
  });
  const noToken = (g: FakeGateway, r: Run) =>
    assert.ok(!`${r.stdout}${r.stderr}`.includes(g.token), 'the token is never printed');

  describe('probe --gateway', () => {
    it("--json: the gateway's models.probe answer in the local probe's shape, plus gateway and the rollup; exit 1 when a target failed", async () => {
      const g = await gateway();
      g.answers['models.probe'] = { payload: { ...anthropicTimeout, futureField: { x: 1 } } };
      const r = await run(['probe', '--gateway', g.url, '--provider', 'anthropic', '--json'], {
        OPENCLAW_GATEWAY_TOKEN: g.token,
      });
      assert.equal(r.code, 1, r.stderr);
      const doc = JSON.parse(r.stdout) as Record<string, unknown> & {
        results: Array<Record<string, unknown>>;
        options: Record<string, unknown>;
        providers: Array<Record<string, unknown>>;
      };
      assert.deepEqual(Object.keys(doc).sort(), [
        'agentId',
        'durationMs',
        'finishedAt',
        'gateway',
        'options',
        'providers',
        'results',
        'startedAt',
        'totalTargets',
      ]);
      assert.equal(doc.gateway, g.url);
      assert.equal(doc.totalTargets, 1);
      assert.deepEqual(doc.options, { provider: 'anthropic', profileIds: [], timeoutMs: 30000, concurrency: 2 });
      assert.deepEqual(doc.results, [
        {
          provider: 'anthropic',
          model: 'anthropic/claude-sonnet-4-6',
          profileId: 'anthropic:manual',
          label: 'anthropic:manual',
          source: 'profile',
          status: 'timeout',
          error: 'The connection timed out.',
          latencyMs: 82232,
        },
      ]);
      assert.deepEqual(doc.providers, [
        { provider: 'anthropic', status: 'timeout', latencyMs: 82232, error: 'The connection timed out.' },
      ]);
      const probe = g.requests.find((x) => x.method === 'models.probe');
      assert.deepEqual(probe?.params, { provider: 'anthropic', timeoutMs: 30000 });
      noToken(g, r);
    });

    it('text: ok targets exit 0; --profile sends that profile and its provider; env and config targets keep their labels', async () => {
      const g = await gateway();
      g.answers['models.authStatus'] = { payload: authStatusPayload({ openai: ['openai:work', 'openai:home'] }) };
      g.answers['models.probe'] = (req: Req) => ({
        payload: {
          provider: 'openai',
          status: 'ok',
          latencyMs: 120,
          results: [
            {
              profileId: req.params.profileId,
              label: `Profile ${String(req.params.profileId)} · openai/gpt-5`,
              status: 'ok',
              latencyMs: 120,
            },
            { label: 'Environment credential (OPENAI_API_KEY) · openai/gpt-5', status: 'ok', latencyMs: 130 },
          ],
        },
      });
      const r = await run(['probe', '--gateway', g.url, '--profile', 'openai:work'], {
        OPENCLAW_GATEWAY_TOKEN: g.token,
      });
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(
        g.requests.filter((x) => x.method === 'models.probe').map((x) => x.params),
        [{ provider: 'openai', profileId: 'openai:work', timeoutMs: 30000 }],
      );
      assert.match(
        r.stdout,
        /^openai\n {2}openai:work +openai\/gpt-5 +ok +120ms\n {2}OPENAI_API_KEY +openai\/gpt-5 +ok/,
      );
      assert.match(r.stdout, new RegExp(`Probed 2 targets through the gateway ${g.url} in`));
    });

    it('a gateway that never answers models.probe: our bound fires, each target reads "timeout (no answer from the gateway within N ms)", exit 1, and the process ends', async () => {
      const g = await gateway();
      g.answers['models.authStatus'] = {
        payload: authStatusPayload({ anthropic: ['anthropic:manual', 'anthropic:pro'] }),
      };
      g.answers['models.probe'] = 'silent';
      const r = await run(['probe', '--gateway', g.url, '--provider', 'anthropic', '--timeout', '800'], {
        OPENCLAW_GATEWAY_TOKEN: g.token,
      });
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stdout, /anthropic:manual .* timeout \(no answer from the gateway within 800 ms\)/);
      assert.match(r.stdout, /anthropic:pro .* timeout \(no answer from the gateway within 800 ms\)/);
      noToken(g, r);

      const j = await run(['probe', '--gateway', g.url, '--provider', 'anthropic', '--timeout', '800', '--json'], {
        OPENCLAW_GATEWAY_TOKEN: g.token,
      });
      assert.equal(j.code, 1, j.stderr);
      const doc = JSON.parse(j.stdout) as { results: Array<Record<string, unknown>>; providers: unknown[] };
      assert.deepEqual(
        doc.results.map((x) => [x.profileId, x.status, x.gatewayTimeout, x.error]),
        [
          [
            'anthropic:manual',
            'timeout',
            true,
            'No answer from the gateway within 800 ms (it may still be probing; its answer is ignored).',
          ],
          [
            'anthropic:pro',
            'timeout',
            true,
            'No answer from the gateway within 800 ms (it may still be probing; its answer is ignored).',
          ],
        ],
      );
    });

    it("without --provider: every provider models.authStatus lists, at most 2 requests at a time; a gateway error answer is that provider's row", async () => {
      const g = await gateway();
      g.answers['models.authStatus'] = {
        payload: authStatusPayload({
          anthropic: ['anthropic:a'],
          groq: ['groq:manual'],
          openai: ['openai:x'],
          xai: ['xai:manual'],
        }),
      };
      g.answers['models.probe'] = (req: Req) =>
        req.params.provider === 'xai'
          ? { error: { code: 'UNAVAILABLE', message: 'Connection probe failed.' } }
          : {
              delayMs: 150,
              payload: {
                provider: req.params.provider,
                status: 'ok',
                results: [{ profileId: `${String(req.params.provider)}:x`, label: 'x', status: 'ok', latencyMs: 5 }],
              },
            };
      const r = await run(['probe', '--gateway', g.url, '--json'], { OPENCLAW_GATEWAY_TOKEN: g.token });
      assert.equal(r.code, 1, r.stderr);
      const probed = g.requests.filter((x) => x.method === 'models.probe').map((x) => x.params.provider);
      assert.deepEqual([...probed].sort(), ['anthropic', 'groq', 'openai', 'xai']);
      assert.ok((g.maxInFlight.get('models.probe') ?? 0) <= 2, 'bounded concurrency');
      const doc = JSON.parse(r.stdout) as { results: Array<Record<string, unknown>> };
      const xai = doc.results.find((x) => x.provider === 'xai');
      assert.equal(xai?.status, 'unknown');
      assert.match(String(xai?.error), /models\.probe failed \(UNAVAILABLE\): Connection probe failed\./);
    });

    it('--local and --max-tokens are refused before anything is sent (exit 2)', async () => {
      const g = await gateway();
      for (const extra of [['--local'], ['--max-tokens', '4']]) {
        const r = await run(['probe', '--gateway', g.url, ...extra], { OPENCLAW_GATEWAY_TOKEN: g.token });
        assert.equal(r.code, 2, r.stderr);
      }
      assert.equal(g.connections, 0, 'nothing was sent');
    });
  });

  describe('a gateway that cannot be used', () => {
    it('a closed port: "unreachable", exit 1', async () => {
      const port = await closedPort();
      for (const args of [['list'], ['probe', '--provider', 'anthropic']]) {
        const r = await run([...args, '--gateway', `ws://127.0.0.1:${port}`], {
          OPENCLAW_GATEWAY_TOKEN: 'tok-closed-0123456789',
        });
        assert.equal(r.code, 1);
        assert.match(
          r.stderr,
          new RegExp(
            `^openclaw-auth: unreachable: No gateway answers at ws://127\\.0\\.0\\.1:${port} \\(ECONNREFUSED\\)\\.\\n$`,
          ),
        );
        assert.ok(!r.stderr.includes('tok-closed'));
      }
      const s = await run(['gateway', 'status', '--gateway', `ws://127.0.0.1:${port}`, '--json']);
      assert.equal(s.code, 1);
      assert.equal((JSON.parse(s.stdout) as { error: { kind: string } }).error.kind, 'unreachable');
    });

    it('a wrong token: "token-rejected" with where the token comes from, exit 1, neither token printed', async () => {
      const g = await gateway();
      const wrong = 'wrong-token-fake-cli-unit-0123456789';
      const r = await run(['status', '--gateway', g.url], { OPENCLAW_GATEWAY_TOKEN: wrong });
      assert.equal(r.code, 1);
      assert.match(
        r.stderr,
        /^openclaw-auth: token-rejected: The gateway at ws:\/\/127\.0\.0\.1:\d+ rejected the token \(AUTH_TOKEN_MISMATCH\)\. Give the token it uses with --token-file or OPENCLAW_GATEWAY_TOKEN\.\n$/,
      );
      assert.ok(!r.stderr.includes(wrong) && !r.stdout.includes(wrong));
      noToken(g, r);
      assert.deepEqual(g.methods(), ['connect'], 'nothing after the refused connect');
    });

    it('silence: no challenge, no answer to the connect, no answer to a request, no WebSocket upgrade: "timeout" within --timeout, exit 1', async () => {
      const noChallenge = await gateway();
      noChallenge.sendChallenge = false;
      const noHello = await gateway();
      noHello.connectAnswer = () => 'silent';
      const noAnswer = await gateway();
      noAnswer.answers['models.authStatus'] = 'silent';
      const tcp = await silentTcpServer();
      servers.push(tcp);
      const cases: Array<[string, RegExp]> = [
        [
          noChallenge.url,
          /^openclaw-auth: timeout: The gateway at ws:\/\/127\.0\.0\.1:\d+ did not complete the handshake within 700 ms\.\n$/,
        ],
        [
          noHello.url,
          /^openclaw-auth: timeout: The gateway at ws:\/\/127\.0\.0\.1:\d+ did not complete the handshake within 700 ms\.\n$/,
        ],
        [
          noAnswer.url,
          /^openclaw-auth: timeout: The gateway did not answer models\.authStatus within 700 ms\. \(ws:\/\/127\.0\.0\.1:\d+\)\n$/,
        ],
        [
          `ws://127.0.0.1:${tcp.port}`,
          /^openclaw-auth: timeout: The gateway at ws:\/\/127\.0\.0\.1:\d+ (did not complete the handshake within 700 ms|did not answer the WebSocket upgrade in time)\.\n$/,
        ],
      ];
      for (const [url, re] of cases) {
        const r = await run(['list', '--gateway', url, '--timeout', '700'], { OPENCLAW_GATEWAY_TOKEN: noAnswer.token });
        assert.equal(r.code, 1, url);
        assert.match(r.stderr, re);
        noToken(noAnswer, r);
      }
      const s = await run(['gateway', 'status', '--gateway', noChallenge.url, '--timeout', '700', '--json']);
      assert.equal((JSON.parse(s.stdout) as { error: { kind: string } }).error.kind, 'timeout');
    });

    it('a gateway killed mid-request (socket destroyed once the request arrived): "closed before … was answered", exit 1', async () => {
      const g = await gateway();
      g.answers['models.authLogout'] = 'destroy';
      g.answers['models.probe'] = 'destroy';
      const r = await run(['logout', '--provider', 'anthropic', '--gateway', g.url], {
        OPENCLAW_GATEWAY_TOKEN: g.token,
      });
      assert.equal(r.code, 1);
      assert.match(
        r.stderr,
        /^openclaw-auth: closed: The gateway connection closed before models\.authLogout was answered \(1006\)\. \(ws:\/\/127\.0\.0\.1:\d+\)\n$/,
      );
      const p = await run(['probe', '--provider', 'anthropic', '--gateway', g.url, '--json'], {
        OPENCLAW_GATEWAY_TOKEN: g.token,
      });
      assert.equal(p.code, 1);
      assert.equal(p.stdout, '', 'no half document on stdout');
      assert.match(p.stderr, /closed: The gateway connection closed before models\.probe was answered/);
      noToken(g, r);
      noToken(g, p);
    });

    it('another protocol version: a hello-ok of protocol 3, or the gateway\'s PROTOCOL_MISMATCH answer, is "protocol-mismatch", exit 1, nothing more sent', async () => {
      const v3 = await gateway();
      v3.connectAnswer = () => ({
        ...HELLO_OK,
        payload: { ...(HELLO_OK.payload as object), protocol: 3, server: { version: '2025.1.0' } },
      });
      const r = await run(['list', '--gateway', v3.url], { OPENCLAW_GATEWAY_TOKEN: v3.token });
      assert.equal(r.code, 1);
      assert.match(
        r.stderr,
        /^openclaw-auth: protocol-mismatch: The gateway at ws:\/\/127\.0\.0\.1:\d+ speaks protocol 3 \(openclaw 2025\.1\.0\); openclaw-auth speaks protocol 4\. Update the older one; nothing was sent\.\n$/,
      );
      assert.deepEqual(v3.methods(), ['connect']);

      const refusing = await gateway();
      // What openclaw's message-handler answers a connect whose protocol range it does not speak.
      refusing.connectAnswer = () => ({
        type: 'res',
        ok: false,
        error: {
          code: 'INVALID_REQUEST',
          message: 'protocol mismatch',
          details: {
            code: 'PROTOCOL_MISMATCH',
            clientMinProtocol: 4,
            clientMaxProtocol: 4,
            expectedProtocol: 5,
            minimumProbeProtocol: 3,
          },
        },
      });
      const m = await run(['probe', '--provider', 'anthropic', '--gateway', refusing.url], {
        OPENCLAW_GATEWAY_TOKEN: refusing.token,
      });
      assert.equal(m.code, 1);
      assert.match(
        m.stderr,
        /^openclaw-auth: protocol-mismatch: The gateway at ws:\/\/127\.0\.0\.1:\d+ refused protocol 4 \(it speaks protocol 5\): protocol mismatch\. Update the older of openclaw-auth and openclaw\.\n$/,
      );
      const s = await run(['gateway', 'status', '--gateway', v3.url, '--json'], { OPENCLAW_GATEWAY_TOKEN: v3.token });
      assert.equal(s.code, 1);
      const doc = JSON.parse(s.stdout) as { connected: boolean; protocol: number; error: { kind: string } };
      assert.deepEqual([doc.connected, doc.protocol, doc.error.kind], [false, 3, 'protocol-mismatch']);
      noToken(v3, r);
      noToken(refusing, m);
    });
  });
});
