/**
 * src/gateway/targets.ts: which gateway a command talks to, and openclaw's rule for gateway URLs
 * (plain ws:// only to loopback and private networks; no credentials in a URL).
 */
import { strict as assert } from 'node:assert';
import { checkGatewayUrl, configRemoteTarget, localTarget, plaintextAllowed } from '../../../src/gateway/targets';

describe('gateway targets', () => {
  it('plain ws:// is allowed to loopback, private, link-local, CGNAT, .local and .ts.net hosts only', () => {
    for (const h of [
      '127.0.0.1',
      'localhost',
      '10.1.2.3',
      '172.16.0.1',
      '172.31.255.255',
      '192.168.0.202',
      '169.254.1.1',
      '100.64.0.1',
      '100.127.255.254',
      'mini.local',
      'box.tail1234.ts.net',
      '[::1]',
      'fd12::1',
    ])
      assert.ok(plaintextAllowed(h), h);
    for (const h of [
      '8.8.8.8',
      '172.32.0.1',
      '100.128.0.1',
      '192.169.0.1',
      'example.com',
      'ts.net.evil.com',
      '2001:db8::1',
    ])
      assert.ok(!plaintextAllowed(h), h);
  });

  it('checks URLs as a user types them, each refusal saying what to change', () => {
    assert.deepEqual(checkGatewayUrl(' ws://127.0.0.1:18789/ '), {
      ok: true,
      url: 'ws://127.0.0.1:18789',
      secure: false,
      host: '127.0.0.1',
    });
    const wss = checkGatewayUrl('wss://gateway.example/oc');
    assert.ok(wss.ok && wss.secure && wss.url === 'wss://gateway.example/oc');
    const bad = (raw: string, re: RegExp) => {
      const r = checkGatewayUrl(raw);
      assert.ok(!r.ok, raw);
      assert.match(r.message, re);
    };
    bad('ws://example.com:18789', /use wss:\/\/example\.com:18789 or an SSH tunnel/);
    bad('http://127.0.0.1:18789', /starts with ws:\/\/ or wss:\/\/, not http:/);
    bad('wss://user:secret-token@gateway.example', /must not carry credentials/);
    bad('127.0.0.1:18789', /starts with ws:\/\/ or wss:\/\/|is not a URL/);
    bad('not a url', /is not a URL/);
    // A refusal never repeats credentials it was given.
    const r = checkGatewayUrl('wss://user:secret-token@gateway.example');
    assert.ok(!r.ok && !r.message.includes('secret-token'));
  });

  it("the local target is loopback on openclaw.json's port, or OPENCLAW_GATEWAY_PORT", () => {
    assert.deepEqual(localTarget({}, {}), { kind: 'local', url: 'ws://127.0.0.1:18789', port: 18789 });
    assert.deepEqual(localTarget({ gateway: { port: 29443 } }, {}).url, 'ws://127.0.0.1:29443');
    assert.deepEqual(
      localTarget({ gateway: { port: 29443 } }, { OPENCLAW_GATEWAY_PORT: '30000' }).url,
      'ws://127.0.0.1:30000',
    );
  });

  it('openclaw.json remote mode gives a remote target; a missing or unsafe URL is an error naming the key', () => {
    assert.equal(configRemoteTarget({}), undefined);
    assert.equal(configRemoteTarget({ gateway: { mode: 'local', remote: { url: 'ws://10.0.0.2:18789' } } }), undefined);
    assert.deepEqual(
      configRemoteTarget({
        gateway: { mode: 'remote', remote: { url: 'wss://gw.example', token: 'x', tlsFingerprint: 'AB:CD' } },
      }),
      { kind: 'remote', url: 'wss://gw.example', source: 'openclaw.json', tlsFingerprint: 'AB:CD' },
    );
    assert.match(
      (configRemoteTarget({ gateway: { mode: 'remote' } }) as { error: string }).error,
      /gateway\.remote\.url is not set/,
    );
    assert.match(
      (
        configRemoteTarget({ gateway: { mode: 'remote', remote: { url: 'ws://203.0.113.9:18789' } } }) as {
          error: string;
        }
      ).error,
      /gateway\.remote\.url: Plain ws:\/\//,
    );
  });
});
