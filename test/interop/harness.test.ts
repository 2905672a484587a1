import { strict as assert } from 'node:assert';
import fs from 'node:fs';
import path from 'node:path';

import { copyFixtureHome, ensureOpenclaw, OPENCLAW_VERSION, runOpenclaw } from './openclaw';

describe('interop harness', function () {
  // First install can take minutes; the first CLI call in a fresh home about 15 s.
  this.timeout(20 * 60 * 1000);

  const homes: string[] = [];
  after(() => {
    for (const home of homes) fs.rmSync(home, { recursive: true, force: true });
  });

  it('ensureOpenclaw finds Node 24 and the pinned openclaw', async () => {
    const oc = await ensureOpenclaw();
    assert.equal(oc.version, OPENCLAW_VERSION);
    assert.ok(fs.existsSync(oc.node), oc.node);
    assert.ok(fs.existsSync(oc.openclawMjs), oc.openclawMjs);
    // Idempotent and memoised.
    assert.deepEqual(await ensureOpenclaw(), oc);
  });

  it('copyFixtureHome copies the SQLite files and makes them writable', () => {
    const home = copyFixtureHome('wal');
    homes.push(home);
    for (const rel of [
      'state/openclaw.sqlite',
      'state/openclaw.sqlite-wal',
      'state/openclaw.sqlite-shm',
      'openclaw.json',
    ]) {
      const file = path.join(home, '.openclaw', rel);
      assert.ok(fs.existsSync(file), rel);
      assert.ok((fs.statSync(file).mode & 0o200) !== 0, `${rel} is owner-writable`);
    }
  });

  it('models auth list --json on the basic fixture returns 4 profiles', async () => {
    const home = copyFixtureHome('basic');
    homes.push(home);
    const res = await runOpenclaw(home, ['models', 'auth', 'list', '--json']);
    assert.equal(res.code, 0, res.stderr);
    const out = res.json as { agentId: string; authStatePath: string; profiles: Array<{ id: string }> };
    assert.ok(out, `stdout was not JSON: ${res.stdout.slice(0, 500)}`);
    assert.equal(out.agentId, 'main');
    assert.equal(out.authStatePath, '~/.openclaw/agents/main/agent/openclaw-agent.sqlite');
    assert.deepEqual(
      out.profiles.map((p) => p.id),
      ['anthropic:manual', 'openrouter:backup', 'openrouter:default', 'openrouter:manual'],
    );
  });

  it('passes stdin and reports a failing exit code', async () => {
    const home = copyFixtureHome('basic');
    homes.push(home);
    const res = await runOpenclaw(
      home,
      ['models', 'auth', 'paste-token', '--provider', 'anthropic', '--profile-id', 'anthropic:short'],
      {
        input: 'sk-ant-oat01-too-short\n',
      },
    );
    assert.equal(res.code, 1);
    assert.match(res.stderr + res.stdout, /Token looks too short; paste the full setup-token/);
  });
});
