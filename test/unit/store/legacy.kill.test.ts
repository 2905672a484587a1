/**
 * No loss under faults: a child process applying the legacy migration is killed with SIGKILL at
 * random moments (many runs). After the next run's recovery the home is either exactly as
 * before (every file's bytes) or fully migrated (same stores as an uninterrupted run, originals
 * archived), and Undo of a complete run restores the exact original bytes.
 */
import { strict as assert } from 'node:assert';
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { bundleChild } from '../../helpers/bundleChild';
import { copyHome, rmrf } from '../../helpers/fixtures';
import { applyLegacyMigration, listRuns, recoverMigrations, undoLegacyMigration } from '../../../src/store/legacy';
import { cells, homeView } from '../../helpers/legacy';

const RUNS = Number(process.env.OPENCLAW_AUTH_KILL_RUNS ?? 40);
const STEP_DELAY_MS = 12;

/** Runs the child; `killAfterMs` counts from the moment it starts applying (it prints "start"). */
function runChild(
  script: string,
  stateDir: string,
  killAfterMs: number | undefined,
): Promise<{ ms: number; out: string; killed: boolean }> {
  return new Promise((resolve, reject) => {
    let t0 = Date.now();
    const child = spawn(process.execPath, [script, stateDir, String(STEP_DELAY_MS)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let timer: NodeJS.Timeout | undefined;
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.startsWith('start') && t0 && !timer) {
        t0 = Date.now();
        out = out.slice(5);
        if (killAfterMs !== undefined) timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
      }
    });
    child.stderr.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.on('error', reject);
    child.on('exit', (_code, signal) => {
      if (timer) clearTimeout(timer);
      resolve({ ms: Date.now() - t0, out, killed: signal === 'SIGKILL' });
    });
  });
}

describe('legacy migration: SIGKILL at random points during Apply', function () {
  this.timeout(240_000);
  let dir: string;
  let script: string;
  let reference: { shared: unknown; work: unknown; sharedState: unknown };
  let original: ReturnType<typeof homeView>;
  let fullMs = 0;

  before(async () => {
    ({ dir, script } = await bundleChild(
      path.join(__dirname, '..', '..', 'helpers', 'migrateChild.ts'),
      'migrateChild',
    ));
    const h = copyHome('legacy/before');
    original = homeView(h);
    const r = await runChild(script, path.join(h, '.openclaw'), undefined);
    assert.equal(r.out, 'done', r.out);
    fullMs = r.ms;
    reference = {
      shared: cells(path.join(h, '.openclaw/state/openclaw.sqlite'), 'shared').store,
      sharedState: cells(path.join(h, '.openclaw/state/openclaw.sqlite'), 'shared').state,
      work: cells(path.join(h, '.openclaw/agents/work/agent/openclaw-agent.sqlite'), 'agent').store,
    };
    rmrf(h);
  });
  after(() => rmrf(dir));

  it(`either nothing changed or the migration is complete, and Undo restores the original bytes (${RUNS} runs)`, async () => {
    const outcomes = { untouched: 0, complete: 0, killedMidway: 0 };
    let sinceComplete = 0;
    for (let i = 0; i < RUNS; i++) {
      const h = copyHome('legacy/before');
      try {
        const stateDir = path.join(h, '.openclaw');
        // Spread the kills over the whole run: process start, backups, DB writes, renames.
        // (fullMs follows the slowest uninterrupted run seen, and grows while no kill lands after
        // the commit, so a machine that got busier since the first run does not push every kill
        // into the first part.)
        const killAt = Math.floor(Math.random() * fullMs * 1.2);
        const r = await runChild(script, stateDir, killAt);
        if (r.killed) outcomes.killedMidway++;
        else {
          assert.equal(r.out, 'done', r.out);
          fullMs = Math.max(fullMs, r.ms);
        }
        await recoverMigrations({ stateDirSetting: stateDir });
        const now = homeView(h);
        const runs = listRuns({ stateDirSetting: stateDir });
        const complete = runs.find((j) => j.status === 'complete');
        sinceComplete = complete ? 0 : sinceComplete + 1;
        if (sinceComplete >= 5) fullMs = Math.round(fullMs * 1.3);
        if (!complete) {
          assert.deepEqual(now, original, `run ${i} (kill at ${killAt} ms): not complete, so nothing may have changed`);
          outcomes.untouched++;
          // And the migration still works afterwards.
          assert.equal((await applyLegacyMigration({ stateDirSetting: stateDir })).changed, true);
        } else {
          outcomes.complete++;
          assert.deepEqual(
            cells(path.join(stateDir, 'state/openclaw.sqlite'), 'shared').store,
            reference.shared,
            `run ${i}: shared store`,
          );
          assert.deepEqual(
            cells(path.join(stateDir, 'state/openclaw.sqlite'), 'shared').state,
            reference.sharedState,
            `run ${i}: shared state`,
          );
          assert.deepEqual(
            cells(path.join(stateDir, 'agents/work/agent/openclaw-agent.sqlite'), 'agent').store,
            reference.work,
            `run ${i}: work store`,
          );
          for (const f of [
            'agents/main/agent/auth-profiles.json',
            'agents/main/agent/auth-state.json',
            'agents/work/agent/auth-profiles.json',
          ])
            assert.equal(fs.existsSync(path.join(stateDir, f)), false, `run ${i}: ${f} archived`);
          await undoLegacyMigration(complete.runId, { stateDirSetting: stateDir });
          assert.deepEqual(
            homeView(h),
            original,
            `run ${i}: undo restores the legacy files byte for byte and the previous auth cells`,
          );
        }
      } finally {
        rmrf(h);
      }
    }
    // The random kills must have landed on both sides, or the test proved nothing.
    assert.ok(outcomes.untouched > 0 && outcomes.complete > 0, JSON.stringify(outcomes));
    console.log(`      kill outcomes over ${RUNS} runs (uninterrupted run ${fullMs} ms): ${JSON.stringify(outcomes)}`);
  });
});
