/**
 * The tree's words, from real fixture views: status first, plain words for where a profile is
 * saved and where an order comes from, no repeated words in the tooltip's first line, and times
 * that do not change every second.
 */
import { strict as assert } from 'node:assert';
import {
  clockTime,
  extraCode,
  orderSourceWords,
  profileDescription,
  providerDescription,
  sourceWords,
  statusPhrase,
} from '../../../src/ui/rowText';
import type { ProfileView, ProviderView } from '../../../src/auth/view';
import { deriveView, readSnapshot } from '../../../src/store';
import { copyHome, rmrf } from '../../helpers/fixtures';
import { shiftFixtureClock } from '../../helpers/clock';
import path from 'node:path';

const base: ProfileView = {
  id: 'openai:a',
  provider: 'openai',
  type: 'api_key',
  source: 'local',
  label: 'openai:a',
  health: 'static',
  display: 'static',
  summary: '',
  credentialHint: 'sk-…abcd',
  lastGood: false,
};

describe('tree row words', () => {
  it('status comes first, then the type; the probe\'s "ago" stays out of the row', () => {
    assert.equal(profileDescription(base, Date.now()), 'ok · API key');
    assert.equal(
      profileDescription({ ...base, type: 'token', display: 'expiring', remainingMs: 10 * 3_600_000 }, Date.now()),
      'expires in 10h · token',
    );
    assert.equal(
      profileDescription(base, Date.now(), 'probe ok · 120 ms · 3m ago'),
      'ok · API key · probe ok · 120 ms',
    );
    assert.equal(profileDescription(base, Date.now(), 'probe auth · just now'), 'ok · API key · probe auth');
  });

  it('a cooldown shows its end as a clock time, the same text a second later', () => {
    const now = new Date(2026, 11, 2, 14, 0, 5).getTime();
    const until = new Date(2026, 11, 2, 14, 32, 40).getTime();
    const x: ProfileView = {
      ...base,
      display: 'cooldown',
      unusable: { kind: 'cooldown', until, remainingMs: until - now, reason: 'rate_limit' } as ProfileView['unusable'],
    };
    assert.equal(statusPhrase(x, now), 'cooling down until 14:32');
    assert.equal(statusPhrase(x, now + 1000), statusPhrase(x, now));
    assert.equal(clockTime(new Date(2026, 11, 3, 9, 5).getTime(), now), 'Thu 09:05');
    assert.equal(clockTime(new Date(2027, 0, 20, 9, 5).getTime(), now), '2027-01-20 09:05');
  });

  it('the reason code is shown only when it says more than the status words', () => {
    assert.equal(extraCode({ ...base, display: 'expired', reasonCode: 'expired' }), undefined);
    assert.equal(extraCode({ ...base, display: 'unresolved-ref', reasonCode: 'unresolved_ref' }), undefined);
    assert.equal(extraCode({ ...base, display: 'excluded', reasonCode: 'excluded_by_auth_order' }), undefined);
    assert.equal(extraCode({ ...base, display: 'missing', reasonCode: 'invalid_expires' }), 'invalid_expires');
  });

  it('plain words for where a profile is saved and where an order comes from', () => {
    assert.equal(sourceWords('inherited', 'main'), 'Shared: saved for agent main, used here too');
    assert.equal(sourceWords('local', 'main'), 'Saved for this agent');
    assert.equal(orderSourceWords('config-profiles'), 'as listed in openclaw.json (auth.profiles)');
    assert.doesNotMatch(
      ['stored', 'config', 'config-profiles', 'default'].map(orderSourceWords).join(' '),
      /config profiles order|static/,
    );
  });

  it("on the multi-agent fixture: agent work's providers say how many are usable and which are shared", () => {
    const h = copyHome('multi-agent');
    try {
      shiftFixtureClock(h, 'multi-agent');
      const s = readSnapshot({ stateDirSetting: path.join(h, '.openclaw'), agentId: 'work', env: { HOME: h } });
      const v = deriveView(s, Date.now());
      const by = (p: string) => v.providers.find((x) => x.provider === p) as ProviderView;
      assert.equal(providerDescription(by('openrouter'), false, 'main'), '2 of 2 usable · in use');
      const anthropic = by('anthropic');
      assert.ok(anthropic.profiles.every((x) => x.source === 'inherited'));
      assert.match(providerDescription(anthropic, true, 'main'), /^\d+ of \d+ usable.* · shared from main$/);
      for (const p of v.providers)
        for (const x of p.profiles)
          assert.match(
            profileDescription(x, Date.now()),
            /^(ok|expires in|expired|no credential|cooling down|disabled|left out|reference not found)/,
          );
    } finally {
      rmrf(h);
    }
  });
});
