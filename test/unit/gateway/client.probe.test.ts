/**
 * GatewayClient.probe (models.probe) against a loopback v4 gateway stand-in (test/unit/cli/fakeGateway.ts,
 * captured challenge and hello-ok): the answer parsed leniently, and our own bound around a gateway
 * that answers too late (openclaw's models.probe does not bound itself by its timeoutMs).
 */
import { strict as assert } from 'node:assert';
import { GatewayClient, GatewayConnectionError } from '../../../src/gateway/client';
import { FakeGateway } from '../cli/fakeGateway';

describe('gateway client: models.probe', () => {
  let g: FakeGateway;
  let c: GatewayClient;
  beforeEach(async () => {
    g = await new FakeGateway().listen();
    c = new GatewayClient({ url: g.url, token: () => g.token, requestTimeoutMs: 5000 });
    await c.connect();
  });
  afterEach(async () => {
    c.close();
    await g.close();
  });

  it('sends provider, profileId, timeoutMs, agentId; keeps fields and statuses a newer gateway adds', async () => {
    g.answers['models.probe'] = {
      payload: {
        provider: 'anthropic',
        status: 'overloaded',
        newRollupField: 1,
        results: [
          { profileId: 'anthropic:manual', label: 'Profile anthropic:manual', status: 'ok', latencyMs: 7, extra: 'x' },
        ],
      },
    };
    const r = await c.probe({ provider: 'anthropic', profileId: 'anthropic:manual', timeoutMs: 9000, agentId: 'work' });
    assert.deepEqual(g.requests.at(-1)?.params, {
      provider: 'anthropic',
      profileId: 'anthropic:manual',
      timeoutMs: 9000,
      agentId: 'work',
    });
    assert.equal(r.status, 'overloaded');
    assert.equal((r as Record<string, unknown>).newRollupField, 1);
    assert.deepEqual(r.results[0], {
      profileId: 'anthropic:manual',
      label: 'Profile anthropic:manual',
      status: 'ok',
      latencyMs: 7,
      extra: 'x',
    });
  });

  it('our bound fires when the gateway answers too late; the late answer is ignored and the connection stays usable', async () => {
    g.answers['models.probe'] = { delayMs: 1500, payload: { provider: 'anthropic', status: 'ok', results: [] } };
    await assert.rejects(c.probe({ provider: 'anthropic', timeoutMs: 60000 }, 300), (e: Error) => {
      assert.ok(e instanceof GatewayConnectionError);
      assert.equal(e.kind, 'timeout');
      assert.match(e.message, /did not answer models\.probe within 300 ms/);
      return true;
    });
    await new Promise((r) => setTimeout(r, 1600));
    assert.equal(c.state, 'connected');
    assert.ok((await c.authStatus()).providers.length > 0);
  });
});
