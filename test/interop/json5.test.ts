/**
 * openclaw.json written by hand as JSON5 (a comment, unquoted keys, a trailing comma): the real
 * openclaw reads its auth order, and so do we; a write that would have to rewrite the file is
 * refused with a sentence and nothing changes.
 */
import { strict as assert } from 'node:assert';
import fs from 'node:fs';
import path from 'node:path';
import { copyFixtureHome, ensureOpenclaw, runOpenclaw } from './openclaw';
import { applyMutation, deriveView, readSnapshot } from '../../src/store';
import { hashTree } from '../helpers/legacy';

describe('interop: a JSON5 openclaw.json', function () {
  this.timeout(5 * 60 * 1000);
  const homes: string[] = [];
  after(() => homes.forEach((h) => fs.rmSync(h, { recursive: true, force: true })));
  before(async () => {
    await ensureOpenclaw();
  });

  it('its auth order is the one openclaw reads; a change that would rewrite it is refused and no file changes', async () => {
    const home = copyFixtureHome('basic');
    homes.push(home);
    const file = path.join(home, '.openclaw', 'openclaw.json');
    const j = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, Record<string, unknown>>;
    j.auth = { ...(j.auth ?? {}), order: { anthropic: ['anthropic:manual'] } };
    // JSON5 as a person writes it: a comment, unquoted keys, a trailing comma.
    const json5 = `// edited by hand\n${JSON.stringify(j, null, 2)
      .replace(/"([A-Za-z_][A-Za-z0-9_]*)":/g, '$1:')
      .replace(/\n}$/, ',\n}')}\n`;
    fs.writeFileSync(file, json5);

    const theirs = await runOpenclaw(home, ['config', 'get', 'auth.order', '--json']);
    assert.equal(theirs.code, 0, theirs.stderr.slice(-400));
    assert.deepEqual(theirs.json, { anthropic: ['anthropic:manual'] }, 'openclaw reads the JSON5 file');

    const s = readSnapshot({ env: { HOME: home } });
    assert.equal(s.config.error, undefined);
    assert.deepEqual(s.meta.order, theirs.json, 'we read the same order');
    const anthropic = deriveView(s, Date.now()).providers.find((p) => p.provider === 'anthropic');
    assert.equal(anthropic?.order.source, 'config');

    const skip = (rel: string) => rel.startsWith('tmp/') || rel.startsWith('.openclaw/openclaw-auth/');
    const before = hashTree(home, skip);
    await assert.rejects(
      applyMutation(
        { env: { HOME: home } },
        {
          kind: 'upsertProfile',
          profileId: 'groq:manual',
          credential: { type: 'api_key', provider: 'groq', key: 'gsk_fake_json5_0123456789abcdefghij' },
        },
      ),
      (e: Error) => /openclaw\.json/.test(e.message) && /nothing was changed/i.test(e.message),
    );
    assert.deepEqual(hashTree(home, skip), before, 'every file unchanged');
    assert.equal(fs.readFileSync(file, 'utf8'), json5);
  });
});
