// Bundles the extension and the CLI into dist/ (vscode external), and copies sql.js's wasm and
// the empty-DB templates next to them. `--production` minifies; `--watch` rebuilds on change.
import * as esbuild from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

const common = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: !production,
  minify: production,
  logLevel: 'info',
  // ws's optional native add-ons: ws falls back to JS when they are absent.
  external: ['vscode', 'bufferutil', 'utf-8-validate'],
  // Prefer ESM entry points so esbuild can tree-shake them (zod/mini in particular).
  mainFields: ['module', 'main'],
};

function copyAssets() {
  fs.mkdirSync('dist/templates', { recursive: true });
  fs.copyFileSync(require.resolve('sql.js/dist/sql-wasm.wasm'), 'dist/sql-wasm.wasm');
  for (const f of ['shared.sqlite.gz', 'agent.sqlite.gz']) fs.copyFileSync(path.join('src/store/templates', f), path.join('dist/templates', f));
}

const builds = [
  { ...common, entryPoints: ['src/extension.ts'], outfile: 'dist/extension.js' },
  // The owner and everything it needs, loaded by dist/extension.js right after activation.
  { ...common, entryPoints: ['src/owner.ts'], outfile: 'dist/main.js' },
  { ...common, entryPoints: ['src/cli.ts'], outfile: 'dist/cli.js', banner: { js: '#!/usr/bin/env node' } },
];

copyAssets();
if (watch) {
  for (const b of builds) await (await esbuild.context(b)).watch();
} else {
  await Promise.all(builds.map((b) => esbuild.build(b)));
  fs.chmodSync('dist/cli.js', 0o755);
}
