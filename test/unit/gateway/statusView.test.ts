/**
 * What the gateway status item says per state (the text a user reads and the actions offered),
 * and the HTTP probes behind it against real loopback servers: a port nobody listens on, a web
 * server that is not a gateway, and a TCP server that never answers.
 */
import { strict as assert } from 'node:assert';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import {
  describeAuthView,
  describeGateway,
  gatewayAccessibilityLabel,
  reconcileAuthView,
} from '../../../src/gateway/statusView';
import { probeGateway } from '../../../src/gateway/health';
import { AuthStatusSchema, type AuthStatus } from '../../../src/gateway/protocol';
import { copyHome, rmrf } from '../../helpers/fixtures';
import { CAPTURED_AT } from '../../helpers/clock';
import { deriveView, readSnapshot } from '../../../src/store';

const base = { port: 18789, client: 'connected' as const, adopted: false, now: 1_000_000 };

describe('gateway status item text and actions', () => {
  it('each state reads as the user expects, with the actions that fit', () => {
    const stopped = describeGateway({ kind: 'stopped' }, base);
    // Words, not only an icon: a slashed circle alone read as "disabled".
    assert.equal(stopped.text, '$(circle-outline) Gateway: stopped');
    assert.equal(gatewayAccessibilityLabel(stopped), 'OpenClaw gateway: stopped');
    assert.deepEqual(stopped.actions, ['start', 'connect', 'setToken', 'showLogs']);
    const ready = describeGateway({ kind: 'ready', owned: true, pid: 5 }, base);
    assert.equal(ready.text, '$(pass) Gateway: running');
    assert.equal(gatewayAccessibilityLabel(ready), 'OpenClaw gateway: running');
    assert.deepEqual(ready.actions, ['restart', 'stop', 'setToken', 'showLogs']);
    assert.match(ready.tooltip, /127\.0\.0\.1:18789: ready\.\nControl plane: connected\./);
    const attached = describeGateway({ kind: 'ready', owned: false }, { ...base, adopted: true });
    assert.equal(attached.text, '$(pass) Gateway: running (attached)');
    assert.ok(!attached.actions.includes('restart'), 'no restart of a gateway we did not start');
    assert.match(attached.tooltip, /not started by this window/);
    const degraded = describeGateway(
      { kind: 'degraded', owned: true, failing: ['agent-database:main', 'plugin-reload'] },
      base,
    );
    assert.equal(degraded.text, '$(warning) Gateway: degraded');
    assert.equal(degraded.severity, 'warning');
    assert.match(degraded.tooltip, /Failing checks: agent-database:main, plugin-reload\./);
    const crashed = describeGateway(
      { kind: 'crashed', restartAt: base.now + 3_500, attempt: 2, exit: 'killed by SIGKILL' },
      base,
    );
    assert.equal(crashed.text, '$(sync~spin) Gateway: crashed, restarting in 4 s');
    assert.equal(gatewayAccessibilityLabel(crashed), 'OpenClaw gateway: crashed, restarting in 4 s');
    assert.match(crashed.tooltip, /killed by SIGKILL.*attempt 2/);
    const unreachable = describeGateway(
      { kind: 'unreachable', owned: false, error: 'nothing listens on 127.0.0.1:18789' },
      { ...base, adopted: true },
    );
    assert.equal(unreachable.text, '$(error) Gateway: unreachable');
    assert.equal(unreachable.severity, 'error');
    assert.deepEqual(unreachable.actions, ['start', 'connect', 'showLogs']);
    const tokenBad = describeGateway(
      { kind: 'ready', owned: true },
      { ...base, client: 'auth-failed', clientError: 'The gateway rejected the token (AUTH_TOKEN_MISMATCH).' },
    );
    assert.equal(tokenBad.text, '$(warning) Gateway: token rejected');
    assert.match(tokenBad.tooltip, /AUTH_TOKEN_MISMATCH/);
    const failed = describeGateway({ kind: 'failed', message: 'Port 18789 is held by another program' }, base);
    assert.match(failed.tooltip, /held by another program/);
  });
});

/** The models.authStatus answers the real gateway gave on one home (test/interop/capture-authstatus-frames.ts), by agent asked. */
function authStatusFrames(home: string): Array<{ agentId?: string; payload: unknown }> {
  const doc = JSON.parse(
    fs.readFileSync(path.join(__dirname, '..', '..', 'fixtures', 'gateway-frames', `auth-status-${home}.json`), 'utf8'),
  ) as { frames: Array<{ dir: string; frame: { id: string; params?: { agentId?: string }; payload?: unknown } }> };
  const asked = new Map(doc.frames.filter((r) => r.dir === 'out').map((r) => [r.frame.id, r.frame.params?.agentId]));
  return doc.frames
    .filter((r) => r.dir === 'in')
    .map((r) => ({ agentId: asked.get(r.frame.id), payload: r.frame.payload }));
}
const HOMES = ['configured-order', 'provider-bound', 'multi-agent', 'expiry', 'oauth'];
/** What the status item's tooltip says with this auth view (as GatewayController.render builds it). */
const tooltip = (st: AuthStatus) =>
  describeGateway({ kind: 'ready', owned: true }, { ...base, extra: describeAuthView(st) }).tooltip;

describe('models.authStatus as the real gateway sends it (captured on varied homes)', () => {
  it('every captured answer parses: configured order, stored order, provider-bound order, SecretRefs, OAuth, expiry, several agents', () => {
    let n = 0;
    for (const h of HOMES)
      for (const f of authStatusFrames(h)) {
        const r = AuthStatusSchema.safeParse(f.payload);
        assert.ok(
          r.success,
          `${h} ${f.agentId ?? 'default agent'}: ${r.success ? '' : JSON.stringify(r.error.issues[0])}`,
        );
        n++;
      }
    assert.equal(n, 8);
  });

  it("the tooltip says where a provider's order comes from: auth.order, a provider entry, or stored", () => {
    const [configured] = authStatusFrames('configured-order');
    const t1 = tooltip(AuthStatusSchema.parse(configured!.payload));
    assert.match(
      t1,
      /\nGateway auth view: anthropic ok \(1; order locked by openclaw\.json auth config: auth\.order\.anthropic\); openrouter static \(3; stored order\)$/,
    );
    const [bound] = authStatusFrames('provider-bound');
    const t2 = tooltip(AuthStatusSchema.parse(bound!.payload));
    assert.match(
      t2,
      /openrouter static \(3; order locked by openclaw\.json provider config: models\.providers\.openrouter\.apiKey names a profile\)/,
    );
    assert.match(t2, /groq static \(0\)/, 'a provider keyed only by a file SecretRef in openclaw.json');
    const [oauth] = authStatusFrames('oauth');
    assert.match(
      tooltip(AuthStatusSchema.parse(oauth!.payload)),
      /openai ok \(1; order locked by openclaw\.json auth config: auth\.order\.openai\)/,
    );
    const work = authStatusFrames('multi-agent').find((f) => f.agentId === 'work')!;
    assert.match(tooltip(AuthStatusSchema.parse(work.payload)), /openrouter static \(2; stored order\)/);
    const [expiry] = authStatusFrames('expiry');
    assert.match(
      tooltip(AuthStatusSchema.parse(expiry!.payload)),
      /anthropic expiring \(2\); github-copilot expired \(1\)$/,
    );
  });

  it('values this version does not know are shown as sent, never fatal; only the ids we act on are required', () => {
    const [configured] = authStatusFrames('configured-order');
    const payload = JSON.parse(JSON.stringify(configured!.payload)) as {
      providers: Array<Record<string, unknown> & { profiles: Array<Record<string, unknown>> }>;
    };
    const [anthropic, openrouter] = payload.providers;
    anthropic!.profileOrderLocked = 'workspace-config';
    anthropic!.status = 'suspended';
    anthropic!.profiles[0]!.type = 'device_code';
    anthropic!.profiles[0]!.source = 'vault';
    anthropic!.profiles[0]!.expiry = '2027-01-01';
    openrouter!.profileOrderLocked = true; // an older shape: locked, no source
    openrouter!.apiKey = { source: 'keychain' };
    const st = AuthStatusSchema.parse(payload);
    const t = tooltip(st);
    assert.match(
      t,
      /anthropic suspended \(1; order locked by "workspace-config", a lock source unknown to this version\)/,
    );
    assert.match(t, /openrouter static \(3; order locked by the gateway's config\)/);
    assert.equal(st.providers[0]!.profiles[0]!.type, 'device_code');
    assert.equal(
      st.providers[0]!.profiles[0]!.expiry,
      undefined,
      'a display field of the wrong type is dropped, not fatal',
    );
    anthropic!.profileOrderLocked = { by: 'x' };
    assert.match(tooltip(AuthStatusSchema.parse(payload)), /order locked by "\{"by":"x"\}", a lock source unknown/);
    delete (anthropic!.profiles[0] as Record<string, unknown>).profileId;
    assert.equal(AuthStatusSchema.safeParse(payload).success, false, 'a profile without an id is refused');
  });

  it('no auth status yet (PREPARED_MODEL_AUTH_UNAVAILABLE): the tooltip says so', () => {
    const st = AuthStatusSchema.parse({
      ts: 1,
      providers: [],
      unavailable: {
        code: 'PREPARED_MODEL_AUTH_UNAVAILABLE',
        message:
          'Model authentication status is unavailable. Refresh Models after setup finishes; restart the Gateway if it persists.',
      },
    });
    assert.match(
      tooltip(st),
      /Gateway auth view unavailable \(PREPARED_MODEL_AUTH_UNAVAILABLE\): Model authentication status is unavailable\./,
    );
    assert.match(tooltip(AuthStatusSchema.parse({ ts: 1, providers: [] })), /Gateway auth view: no providers$/);
  });

  describe('reconciled with the files of the same home (store reader)', () => {
    const homes: string[] = [];
    after(() => {
      for (const h of homes) rmrf(h);
    });
    const view = (scenario: string, agentId?: string) => {
      const home = copyHome(scenario);
      homes.push(home);
      return deriveView(
        readSnapshot({ env: { HOME: home }, ...(agentId ? { agentId } : {}) }),
        CAPTURED_AT[scenario] ?? Date.now(),
      );
    };

    it('the gateway and the files agree on every captured home and agent (profiles and order)', () => {
      const cases: Array<[string, string]> = [
        ['configured-order', 'basic'],
        ['provider-bound', 'basic'],
        ['multi-agent', 'multi-agent'],
        ['expiry', 'expiry'],
        ['oauth', 'legacy/after'],
      ];
      for (const [h, scenario] of cases)
        for (const f of authStatusFrames(h)) {
          assert.deepEqual(
            reconcileAuthView(view(scenario, f.agentId), AuthStatusSchema.parse(f.payload)),
            [],
            `${h} ${f.agentId ?? 'default agent'}`,
          );
        }
    });

    it('an order that differs is named with where each side takes it from', () => {
      const [configured] = authStatusFrames('configured-order');
      const st = AuthStatusSchema.parse(configured!.payload);
      st.providers[0]!.profileOrder = ['anthropic:other'];
      st.providers[1]!.profileOrder = ['openrouter:manual', 'openrouter:backup'];
      st.providers[1]!.profiles.push({ profileId: 'openrouter:gw-only', type: 'api_key', status: 'static' });
      assert.deepEqual(reconcileAuthView(view('basic'), st), [
        'openrouter:gw-only only in the gateway',
        'anthropic order: the gateway uses anthropic:other (order locked by openclaw.json auth config: auth.order.anthropic), the files anthropic:manual (openclaw.json auth.order)',
        'openrouter order: the gateway uses openrouter:manual > openrouter:backup (stored), the files openrouter:backup > openrouter:manual (stored)',
      ]);
    });
  });
});

describe('gateway health probes (loopback servers)', () => {
  const listen = (s: net.Server) =>
    new Promise<number>((r) => s.listen(0, '127.0.0.1', () => r((s.address() as net.AddressInfo).port)));
  const close = (s: net.Server) => new Promise<void>((r) => s.close(() => r()));

  it('nothing listening: down', async () => {
    const s = net.createServer();
    const port = await listen(s);
    await close(s);
    assert.equal((await probeGateway(port)).kind, 'down');
  });

  it('a web server that is not a gateway: foreign, with what it answered', async () => {
    const s = http.createServer((_q, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html>dev server</html>');
    });
    const port = await listen(s);
    try {
      const p = await probeGateway(port);
      assert.equal(p.kind, 'foreign');
      assert.match(
        p.kind === 'foreign' ? p.detail : '',
        /answers HTTP 200 but not as an OpenClaw gateway \("<html>dev server<\/html>"\)/,
      );
    } finally {
      s.closeAllConnections();
      await close(s);
    }
  });

  it('a TCP server that never answers: silent (not mistaken for a dead port)', async () => {
    const sockets: net.Socket[] = [];
    const s = net.createServer((c) => sockets.push(c));
    const port = await listen(s);
    try {
      const p = await probeGateway(port, { timeoutMs: 300 });
      assert.equal(p.kind, 'silent');
    } finally {
      for (const c of sockets) c.destroy();
      await close(s);
    }
  });
});
