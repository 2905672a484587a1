// Bundled by scripts/bench-migrate.mjs (esbuild, like the shipped CLI) for the migration benchmark.
export { planLegacyMigration, applyLegacyMigration } from '../../src/store/legacy';
export { readSnapshot } from '../../src/store/snapshot';
