/**
 * Bundles a child-process script for the kill tests the way the extension and CLI ship (one
 * esbuild bundle with sql.js's wasm and the DB templates beside it), so each start costs
 * milliseconds instead of a TypeScript compile.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as esbuild from 'esbuild';

/** Returns the temp dir holding the bundle and the bundle's path; remove the dir when done. */
export async function bundleChild(entry: string, name: string): Promise<{ dir: string; script: string }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oca-child-'));
  const script = path.join(dir, `${name}.js`);
  await esbuild.build({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    outfile: script,
    logLevel: 'silent',
    mainFields: ['module', 'main'],
  });
  fs.copyFileSync(require.resolve('sql.js/dist/sql-wasm.wasm'), path.join(dir, 'sql-wasm.wasm'));
  fs.mkdirSync(path.join(dir, 'templates'));
  for (const f of ['shared.sqlite.gz', 'agent.sqlite.gz'])
    fs.copyFileSync(path.join(__dirname, '..', '..', 'src', 'store', 'templates', f), path.join(dir, 'templates', f));
  return { dir, script };
}
