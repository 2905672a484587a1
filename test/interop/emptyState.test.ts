/**
 * A state with no model configured: openclaw falls back to its built-in default model
 * (openai/gpt-6-astra in 2026.9.6), finds no openai auth and `models status --check` exits 1.
 * Our `check` must say the same instead of "ok", for an empty state and for one with only an
 * anthropic key.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ensureOpenclaw, makeEmptyHome, REPO_ROOT, runOpenclaw } from './openclaw';

function homeEnv(home: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: home };
  delete env.OPENCLAW_STATE_DIR;
  delete env.OPENCLAW_HOME;
  return env;
}

function ourCheck(home: string): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(
    process.execPath,
    ['--require', 'tsx/cjs', path.join(REPO_ROOT, 'src', 'cli', 'main.ts'), 'check'],
    {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      env: homeEnv(home),
    },
  );
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('interop: check with no model configured', function () {
  this.timeout(5 * 60 * 1000);
  const homes: string[] = [];
  after(() => homes.forEach((h) => fs.rmSync(h, { recursive: true, force: true })));
  before(async () => {
    await ensureOpenclaw();
  });

  it('an empty state: openclaw exits 1 (openai missing) and so does our check', async () => {
    const home = makeEmptyHome();
    homes.push(home);
    fs.mkdirSync(path.join(home, '.openclaw'), { recursive: true });
    const theirs = await runOpenclaw(home, ['models', 'status', '--check']);
    const ours = ourCheck(home);
    assert.equal(ours.code, theirs.code, `ours: ${ours.stdout}${ours.stderr}`);
    assert.equal(ours.code, 1);
    assert.match(ours.stdout, /missing or expired: openai/);
  });

  it('only an anthropic key and no model: still 1 from both', async () => {
    const home = makeEmptyHome();
    homes.push(home);
    fs.mkdirSync(path.join(home, '.openclaw'), { recursive: true });
    const added = spawnSync(
      process.execPath,
      ['--require', 'tsx/cjs', path.join(REPO_ROOT, 'src', 'cli', 'main.ts'), 'add-key', '--provider', 'anthropic'],
      {
        cwd: REPO_ROOT,
        encoding: 'utf8',
        input: 'sk-ant-api03-interopEmptyStateKey0000000000\n',
        env: homeEnv(home),
      },
    );
    assert.equal(added.status, 0, added.stderr);
    const theirs = await runOpenclaw(home, ['models', 'status', '--check']);
    const ours = ourCheck(home);
    assert.equal(ours.code, theirs.code, `ours: ${ours.stdout}${ours.stderr}`);
  });
});
