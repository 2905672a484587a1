/**
 * `openclaw-auth doctor` as a script uses it: real processes on a copy of the legacy fixture.
 * The plan changes nothing and exits 3; --fix migrates and names the backups; a second --fix
 * and the plan afterwards find nothing (exit 0); --undo restores the original bytes. No secret
 * from the fixture appears in any output.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { copyHome, rmrf } from '../../helpers/fixtures';
import { hashTree, homeView } from '../../helpers/legacy';

const CLI = path.join(__dirname, '..', '..', '..', 'src', 'cli', 'main.ts');
const TSX = require.resolve('tsx/cjs');
const SECRETS = [
  'sk-ant-api03-fake-legacy-public-0123456789abcdef',
  'sk-ant-oat01-fake-legacy-public-GGGG',
  'fake-access-openai-codex-public-0123456789abcdef',
  'fake-refresh-openai-codex',
  'sk-or-v1-fake-legacy-flat-work-5555555555555555',
];

function run(home: string, args: string[]) {
  const r = spawnSync(process.execPath, ['--require', TSX, CLI, ...args], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', HOME: home },
  });
  for (const s of SECRETS)
    assert.ok(!r.stdout.includes(s) && !r.stderr.includes(s), `${args.join(' ')} printed a secret`);
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('openclaw-auth doctor (CLI)', function () {
  this.timeout(60_000);
  const homes: string[] = [];
  after(() => homes.forEach(rmrf));

  it('doctor --json prints the plan, changes nothing, exits 3; --fix migrates; then exit 0; --undo restores', () => {
    const h = copyHome('legacy/before');
    homes.push(h);
    const original = hashTree(h, () => false);
    const plan = run(h, ['doctor', '--json']);
    assert.equal(plan.code, 3, plan.stderr);
    const doc = JSON.parse(plan.stdout) as {
      needed: boolean;
      plan: { refusals: unknown[]; profiles: Array<{ fromId: string; action: string; toId?: string }> };
    };
    assert.equal(doc.needed, true);
    assert.equal(doc.plan.refusals.length, 2);
    assert.ok(
      doc.plan.profiles.some(
        (p) => p.fromId === 'openai-codex:default' && p.action === 'rename' && p.toId === 'openai:default',
      ),
    );
    assert.deepEqual(
      hashTree(h, () => false),
      original,
      'the plan changed nothing',
    );

    const fix = run(h, ['doctor', '--fix', '--json']);
    assert.equal(fix.code, 0, fix.stderr);
    const res = JSON.parse(fix.stdout) as {
      changed: boolean;
      runId: string;
      backups: Array<{ original: string; archive: string }>;
      configBackup: string;
    };
    assert.equal(res.changed, true);
    assert.equal(res.backups.length, 3);
    for (const b of res.backups) {
      assert.ok(fs.existsSync(b.archive));
      assert.ok(!fs.existsSync(b.original));
      assert.match(b.archive, /\.migrated-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d\.\d{3}Z-[0-9a-f-]{36}$/);
    }
    assert.ok(fs.existsSync(res.configBackup));

    const list = run(h, ['list', '--json']);
    assert.deepEqual(
      (JSON.parse(list.stdout) as { profiles: Array<{ id: string }> }).profiles.map((p) => p.id).sort(),
      ['anthropic:manual', 'anthropic:pro', 'openai:default', 'openrouter:env'],
    );
    assert.equal(run(h, ['doctor', '--json']).code, 0);
    const again = run(h, ['doctor', '--fix', '--json']);
    assert.equal((JSON.parse(again.stdout) as { changed: boolean }).changed, false);

    const runs = run(h, ['doctor', '--runs', '--json']);
    assert.deepEqual(
      (JSON.parse(runs.stdout) as { runs: Array<{ runId: string; status: string }> }).runs.map((r) => [
        r.runId,
        r.status,
      ]),
      [[res.runId, 'complete']],
    );
    const undo = run(h, ['doctor', '--undo', res.runId]);
    assert.equal(undo.code, 0, undo.stderr);
    assert.match(undo.stdout, /Undid migration/);
    const fresh = copyHome('legacy/before');
    homes.push(fresh);
    assert.deepEqual(homeView(h), homeView(fresh));
  });

  it('text output names what happens to each profile and why; errors go to stderr with exit 1', () => {
    const h = copyHome('legacy/before');
    homes.push(h);
    const plan = run(h, ['doctor']);
    assert.equal(plan.code, 3);
    assert.match(plan.stdout, /move-to-config amazon-bedrock:default \[aws-sdk\]/);
    assert.match(plan.stdout, /rename +openai-codex:default -> openai:default/);
    assert.match(plan.stdout, /agent work: providers openrouter/);
    const fix = run(h, ['doctor', '--fix']);
    assert.equal(fix.code, 0);
    assert.match(fix.stdout, /Undo: openclaw-auth doctor --undo \S+/);
    assert.match(fix.stderr, /\[4\/6\] Verifying/);
    const bad = run(h, ['doctor', '--undo', 'no-such-run']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /No migration run no-such-run/);
  });
});
