/**
 * src/config/settings.ts: one table for every `openclawAuth.*` setting. The manifest and the table
 * must agree (a setting VS Code shows but the extension ignores, or the reverse, is a bug a user
 * notices), and bad values fall back to their defaults with a message.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { SETTINGS, defaultSettings, effectsOf, readSettings, type SettingKey } from '../../../src/config/settings';

type ManifestProperty = { type: string; default?: unknown; minimum?: number; maximum?: number };
const manifest = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', '..', 'package.json'), 'utf8')) as {
  contributes: { configuration: { properties: Record<string, ManifestProperty> } };
};
const properties = manifest.contributes.configuration.properties;

const source = (values: Partial<Record<SettingKey, unknown>>) => ({
  get: (k: SettingKey) => values[k],
  isSet: (k: SettingKey) => values[k] !== undefined,
});

describe('config: settings', () => {
  it('the table and the manifest list the same settings with the same defaults', () => {
    assert.deepEqual(
      Object.keys(SETTINGS)
        .map((k) => `openclawAuth.${k}`)
        .sort(),
      Object.keys(properties).sort(),
    );
    for (const key of Object.keys(SETTINGS) as SettingKey[]) {
      const fromTable = SETTINGS[key].schema.parse(undefined);
      assert.deepEqual(fromTable, properties[`openclawAuth.${key}`]?.default, `default of ${key}`);
    }
  });

  it('every manifest maximum is honoured: a larger value is clamped or refused', () => {
    for (const key of Object.keys(SETTINGS) as SettingKey[]) {
      const max = properties[`openclawAuth.${key}`]?.maximum;
      if (max === undefined) continue;
      const { settings } = readSettings(source({ [key]: max * 10 }));
      const flat: Record<string, unknown> = {
        ...settings,
        'probe.timeout': settings.probe.timeoutMs,
        'probe.concurrency': settings.probe.concurrency,
        'probe.maxTokens': settings.probe.maxTokens,
        'gateway.port': settings.gateway.port,
      };
      if (key === 'probe.timeoutMs') continue; // read only while probe.timeout is unset; below
      assert.ok((flat[key] as number) <= max, `${key}: ${String(flat[key])} > ${max}`);
    }
  });

  it('defaults: what a user with no settings gets', () => {
    assert.deepEqual(defaultSettings(), {
      stateDir: '',
      agent: '',
      openclawPath: '',
      claudePath: '',
      statusBar: true,
      expiryWarningHours: 24,
      probe: { timeoutMs: 8000, concurrency: 2, maxTokens: 8 },
      gateway: { port: 18789, autoStart: false, nodePath: '' },
      remoteGateways: [],
    });
  });

  it('remote gateways: each entry checked on its own; a bad or repeated one is named and skipped, the rest kept', () => {
    const { settings, problems } = readSettings(
      source({
        remoteGateways: [
          { name: ' home server ', url: 'ws://192.168.1.20:18789/' },
          { url: 'wss://gw.example.com', tlsFingerprint: 'AB:CD' },
          { name: 'public plaintext', url: 'ws://gw.example.com:18789' },
          { name: 'creds', url: 'ws://me:pw@127.0.0.1:1' },
          'ws://127.0.0.1:1',
          { name: 'again', url: 'ws://192.168.1.20:18789' },
        ],
      }),
    );
    assert.deepEqual(settings.remoteGateways, [
      { name: 'home server', url: 'ws://192.168.1.20:18789' },
      { name: 'gw.example.com', url: 'wss://gw.example.com', tlsFingerprint: 'AB:CD' },
    ]);
    assert.equal(problems.length, 4);
    assert.match(problems[0]!, /^openclawAuth\.remoteGateways\[2\]: Plain ws:\/\/ is allowed only to loopback/);
    assert.match(problems[1]!, /^openclawAuth\.remoteGateways\[3\]: A gateway URL must not carry credentials/);
    assert.ok(!problems.join('\n').includes('pw@'), 'the password in a bad URL is not repeated');
    assert.match(problems[2]!, /^openclawAuth\.remoteGateways\[4\]: expected \{/);
    assert.match(problems[3]!, /listed twice/);
    assert.deepEqual(readSettings(source({ remoteGateways: 'ws://x' })).settings.remoteGateways, []);
  });

  it('bad values fall back to their defaults, each with a message naming the setting; strings are trimmed', () => {
    const { settings, problems } = readSettings(
      source({
        stateDir: '  /srv/oc  ',
        statusBar: 'yes',
        expiryWarningHours: 0,
        'probe.concurrency': -3,
        'gateway.port': 70000,
        'gateway.autoStart': 1,
      }),
    );
    assert.equal(settings.stateDir, '/srv/oc');
    assert.equal(settings.statusBar, true);
    assert.equal(settings.expiryWarningHours, 24);
    assert.equal(settings.probe.concurrency, 2);
    assert.equal(settings.gateway.port, 18789);
    assert.equal(settings.gateway.autoStart, false);
    assert.deepEqual(
      problems.map((p) => p.split(':')[0]),
      [
        'openclawAuth.statusBar',
        'openclawAuth.expiryWarningHours',
        'openclawAuth.probe.concurrency',
        'openclawAuth.gateway.port',
        'openclawAuth.gateway.autoStart',
      ],
    );
    assert.ok(problems.every((p) => p.endsWith('using the default.')));
    assert.match(problems[1] ?? '', /expected number to be >=1/);
  });

  it('probe limits are clamped to their maximum and whole numbers; probe.timeoutMs counts only while probe.timeout is unset', () => {
    const a = readSettings(source({ 'probe.timeout': 9e9, 'probe.concurrency': 7.9, 'probe.maxTokens': 1e6 })).settings;
    assert.deepEqual(a.probe, { timeoutMs: 600_000, concurrency: 7, maxTokens: 4096 });
    assert.equal(readSettings(source({ 'probe.timeoutMs': 1234 })).settings.probe.timeoutMs, 1234);
    assert.equal(readSettings(source({ 'probe.timeoutMs': 1234, 'probe.timeout': 99 })).settings.probe.timeoutMs, 99);
  });

  it('says what a change needs: the state dir re-reads, the port goes to the gateway, probe limits need nothing', () => {
    const of = (...keys: SettingKey[]) => [...effectsOf((k) => keys.includes(k))].sort();
    assert.deepEqual(of('stateDir'), ['reload']);
    assert.deepEqual(of('gateway.port'), ['gateway']);
    assert.deepEqual(of('openclawPath'), ['gateway']);
    assert.deepEqual(of('statusBar', 'expiryWarningHours'), ['render']);
    assert.deepEqual(of('probe.timeout'), ['none']);
    assert.deepEqual(of('remoteGateways'), ['remotes']);
  });
});
