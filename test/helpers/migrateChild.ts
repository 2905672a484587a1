/**
 * Child process for the kill-fault tests: applies the legacy migration to the state dir in
 * argv[2] with a pause of argv[3] ms between steps, then prints "done". The parent kills it with
 * SIGKILL at a random moment.
 */
import { applyLegacyMigration } from '../../src/store/legacy';

const [stateDir, delay] = process.argv.slice(2);
process.stdout.write('start');
applyLegacyMigration({ stateDirSetting: stateDir, env: { HOME: '/nonexistent' }, stepDelayMs: Number(delay ?? 0) })
  .then((r) => {
    process.stdout.write(r.changed ? 'done' : 'nothing');
  })
  .catch((e: unknown) => {
    process.stderr.write(String((e as Error).message));
    process.exit(1);
  });
