/**
 * The supervisor's pure parts in plain Node: resolving the openclaw command and the Node that runs
 * it (a too-old Node is named), the logged command line (token masked, never an argument), and the
 * gateway token taken from openclaw.json (literal or SecretRef, resolved, never copied).
 * The process parts run against the real gateway in test/interop/gateway.test.ts.
 */
import { strict as assert } from 'node:assert';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CommandError, nodeSupported, parseNodeVersion, resolveCommand } from '../../src/gateway/process';
import { GatewaySupervisor } from '../../src/gateway/supervisor';
import { chooseToken, readGatewayConfig } from '../../src/gateway/token';

const TOKEN = 'sup-unit-token-fake-0123456789abcdef';

describe('gateway supervisor: command, Node check, token', () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oca-sup-'));
    fs.writeFileSync(path.join(dir, 'openclaw'), '#!/usr/bin/env node\nconsole.log("hi")\n', { mode: 0o755 });
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('openclaw on PATH run by a Node older than 24.16 is refused with the version and what to do', () => {
    // A Node 22 on PATH (a stand-in answering `node --version` as Node 22.12 does).
    const old = fs.mkdtempSync(path.join(os.tmpdir(), 'oca-node22-'));
    try {
      fs.writeFileSync(path.join(old, 'node'), '#!/bin/sh\necho v22.12.0\n', { mode: 0o755 });
      assert.throws(() => resolveCommand({ env: { PATH: [dir, old].join(path.delimiter) } }), (e: Error) => {
        assert.ok(e instanceof CommandError);
        assert.equal(e.kind, 'node-too-old');
        assert.match(e.message, /needs Node\.js 24\.16\+ .*is v22\.12\.0.*gateway\.nodePath/);
        return true;
      });
    } finally { fs.rmSync(old, { recursive: true, force: true }); }
    // The Node running this suite (20 in CI): refused exactly when openclaw's engines rule says so.
    const env = { PATH: [dir, path.dirname(process.execPath)].join(path.delimiter) };
    const refused = (() => { try { resolveCommand({ env }); return false; } catch (e) { return e instanceof CommandError && e.kind === 'node-too-old'; } })();
    assert.equal(refused, !nodeSupported(parseNodeVersion(process.version)!));
  });

  it('no openclaw on PATH, or a setting that points nowhere: clear messages', () => {
    assert.throws(() => resolveCommand({ env: { PATH: dir + '-none' } }), /openclaw command was not found on PATH.*openclawAuth\.openclawPath/);
    assert.throws(() => resolveCommand({ setting: path.join(dir, 'nope'), env: { PATH: '' } }), /openclawAuth\.openclawPath points to .*nope, which does not exist/);
  });

  it('Node version rule is openclaw\'s engines range', () => {
    const ok = (v: string) => nodeSupported(parseNodeVersion(v)!);
    assert.deepEqual(['v20.19.0', 'v22.12.0', 'v24.15.9', 'v24.16.0', 'v25.2.0', 'v26.0.0', 'v26.1.0', 'v27.0.0'].map(ok), [false, false, false, true, false, false, true, true]);
  });

  it('the logged command line has the token masked and no token argument', () => {
    const lines: string[] = [];
    const sup = new GatewaySupervisor({ port: 18789, env: {}, token: TOKEN, allowUnconfigured: true, log: { info: (m) => lines.push(m), warn: () => undefined, error: () => undefined, output: () => undefined } });
    const args = sup.gatewayArgs();
    assert.deepEqual(args, ['gateway', 'run', '--bind', 'loopback', '--auth', 'token', '--port', '18789', '--allow-unconfigured']);
    const line = sup.describeCommand({ file: '/usr/bin/node', prefixArgs: ['/x/openclaw.mjs'], openclaw: '/x/openclaw' }, args);
    assert.equal(line, 'OPENCLAW_GATEWAY_TOKEN=sup-unit...89abcdef /usr/bin/node /x/openclaw.mjs gateway run --bind loopback --auth token --port 18789 --allow-unconfigured');
    assert.ok(!line.includes(TOKEN));
  });

  it('token: gateway.auth.token literal wins, a SecretRef is resolved, an unresolved ref says which, else the stored token', async () => {
    const resolve = { env: { GW_TOKEN_FAKE: TOKEN } };
    const lit = await chooseToken(readGatewayConfig({ gateway: { mode: 'local', auth: { token: TOKEN } } }), { stored: 'other', env: {}, resolve });
    assert.deepEqual([lit.token, lit.source, lit.fromConfig], [TOKEN, 'config', true]);
    const ref = await chooseToken(readGatewayConfig({ gateway: { auth: { token: { source: 'env', provider: 'default', id: 'GW_TOKEN_FAKE' } } } }), { stored: 'other', env: {}, resolve });
    assert.deepEqual([ref.token, ref.source], [TOKEN, 'config-ref']);
    assert.match(ref.describe, /env:default:GW_TOKEN_FAKE/);
    await assert.rejects(chooseToken(readGatewayConfig({ gateway: { auth: { token: { source: 'env', provider: 'default', id: 'MISSING_FAKE' } } } }), { env: {}, resolve }), /gateway\.auth\.token, SecretRef env:default:MISSING_FAKE\) does not resolve/);
    const stored = await chooseToken(readGatewayConfig({}), { stored: TOKEN, env: { OPENCLAW_GATEWAY_TOKEN: 'env-token' }, resolve });
    assert.deepEqual([stored.token, stored.source], [TOKEN, 'secret-storage']);
    const env = await chooseToken(readGatewayConfig({}), { env: { OPENCLAW_GATEWAY_TOKEN: 'env-token-fake' }, resolve });
    assert.deepEqual([env.token, env.source], ['env-token-fake', 'env']);
    assert.equal(readGatewayConfig({ gateway: { mode: 'remote' } }).mode, 'remote');
  });
});
