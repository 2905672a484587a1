/**
 * test/helpers/clock.ts: a copied fixture home, shifted, looks to our reader as it did at capture
 * seen from now; only the auth cells and legacy auth files change, and a -wal stays a -wal.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { readSnapshot } from '../../../src/store';
import { credentialHealth } from '../../../src/auth/eligibility';
import { CAPTURED_AT, shiftFixtureClock } from '../../helpers/clock';
import { copyHome, FIXTURES, rmrf } from '../../helpers/fixtures';

const HOUR = 3_600_000;
const dump = (db: string) =>
  spawnSync('sqlite3', [db, '.dump'], { encoding: 'utf8', maxBuffer: 64 << 20 }).stdout.split('\n');

describe('fixture clock shift (test/helpers/clock.ts)', () => {
  const homes: string[] = [];
  after(() => homes.forEach(rmrf));
  const home = (s: string) => {
    const h = copyHome(s);
    homes.push(h);
    return h;
  };

  it('expiry: anthropic:soon expires ~12 h from now (as at capture), the expired ones stay expired', () => {
    const h = home('expiry');
    const now = Date.now();
    assert.equal(shiftFixtureClock(h, 'expiry', now), now - 1795640454363);
    const s = readSnapshot({ env: { HOME: h } });
    const soon = s.store.profiles['anthropic:soon'];
    assert.ok(soon && soon.type === 'token');
    assert.equal(soon.expires, now + (1795683601761 - 1795640454363), 'expiresAt - remainingMs is now');
    const health = credentialHealth(soon, Date.now());
    assert.equal(health.status, 'expiring');
    assert.ok(
      health.remainingMs !== undefined && health.remainingMs > 11.9 * HOUR && health.remainingMs <= 12 * HOUR,
      String(health.remainingMs),
    );
    const old = s.store.profiles['anthropic:old'];
    assert.ok(old);
    assert.equal(credentialHealth(old, Date.now()).status, 'expired');
  });

  it('wal: the -wal-only row (xai:manual) is still there, the shifted values go to the -wal, the main DB files are untouched', () => {
    const h = home('wal');
    const now = Date.now();
    shiftFixtureClock(h, 'wal', now);
    // Files first: a reader on a native SQLite may checkpoint when it closes.
    for (const db of ['state/openclaw.sqlite', 'agents/main/agent/openclaw-agent.sqlite']) {
      const fx = path.join(FIXTURES, 'wal/home/.openclaw', db);
      const copy = path.join(h, '.openclaw', db);
      assert.ok(fs.readFileSync(copy).equals(fs.readFileSync(fx)), `${db}: no checkpoint ran`);
      assert.ok(fs.statSync(`${copy}-wal`).size >= fs.statSync(`${fx}-wal`).size, `${db}-wal kept`);
    }
    const s = readSnapshot({ env: { HOME: h } });
    assert.ok(s.store.profiles['xai:manual'], 'xai:manual (only in the -wal) is read');
    assert.deepEqual(
      s.state.order?.openrouter,
      ['openrouter:backup', 'openrouter:manual'],
      'the -wal-only order of the agent DB',
    );
    const anth = s.store.profiles['anthropic:manual'];
    assert.ok(anth && anth.type === 'token');
    assert.equal(anth.expires, 1798233263672 + (now - CAPTURED_AT.wal!));
  });

  it('cooldown: only the auth cells change (usageStats and the token expiry), and no -wal is left behind', () => {
    const h = home('cooldown');
    const db = path.join(h, '.openclaw', 'state', 'openclaw.sqlite');
    const before = dump(db);
    const now = Date.now();
    const delta = shiftFixtureClock(path.join(h, '.openclaw'), 'cooldown', now);
    const after = dump(db);
    assert.ok(before.length > 100);
    assert.equal(after.length, before.length);
    const changed = after.filter((l, i) => l !== before[i]);
    assert.equal(changed.length, 2, changed.join('\n'));
    assert.ok(changed.every((l) => /authProfiles\.(store|state)/.test(l)));
    assert.equal(fs.existsSync(`${db}-wal`), false);
    const u = readSnapshot({ env: { HOME: h } }).state.usageStats?.['anthropic:manual'];
    assert.equal(u?.cooldownUntil, 1795640682281 + delta);
    assert.equal(u?.lastFailureAt, 1795640652281 + delta);
    assert.equal(u?.errorCount, 1, 'small numbers stay');
    assert.ok((u?.cooldownUntil ?? 0) > Date.now(), 'cooling down now, as at capture');
  });

  it('legacy/before: the JSON auth files are shifted in their own format; other files are untouched', () => {
    const h = home('legacy/before');
    const delta = shiftFixtureClock(h, 'legacy/before');
    const rel = '.openclaw/agents/main/agent/auth-state.json';
    const text = fs.readFileSync(path.join(h, rel), 'utf8');
    const orig = fs.readFileSync(path.join(FIXTURES, 'legacy/before/home', rel), 'utf8');
    assert.ok(text.endsWith('}\n') && text.includes('\n  "order": {'), 'two-space indent and final newline kept');
    const st = JSON.parse(text) as {
      usageStats: Record<string, { cooldownUntil?: number; lastUsed: number; errorCount: number }>;
    };
    assert.equal(st.usageStats['anthropic:pro']?.cooldownUntil, 1795702300820 + delta);
    assert.equal(st.usageStats['anthropic:manual']?.lastUsed, 1795637320820 + delta);
    assert.equal(text.replace(/\d{13}/g, 'T'), orig.replace(/\d{13}/g, 'T'));
    for (const same of ['.openclaw/openclaw.json', '.openclaw/agents/work/agent/auth-profiles.json']) {
      assert.equal(
        fs.readFileSync(path.join(h, same), 'utf8'),
        fs.readFileSync(path.join(FIXTURES, 'legacy/before/home', same), 'utf8'),
        same,
      );
    }
  });

  it('an unknown scenario is an error', () => {
    assert.throws(() => shiftFixtureClock(home('basic'), 'nope'), /no capture time for scenario "nope"/);
  });
});
