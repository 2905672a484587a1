/**
 * sql.js loading. The wasm file sits next to the bundle in dist/ (copied by esbuild.mjs); in
 * tests it comes from node_modules.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { SqlJsStatic } from 'sql.js';
import initSqlJs = require('sql.js');

let loading: Promise<SqlJsStatic> | undefined;
let wasmOverride: string | undefined;

/** Lets the extension point at `<extensionUri>/dist/sql-wasm.wasm` before first use. */
export function setSqlWasmPath(p: string): void {
  wasmOverride = p;
}

function wasmPath(): string {
  if (wasmOverride) return wasmOverride;
  const local = path.join(__dirname, 'sql-wasm.wasm');
  if (fs.existsSync(local)) return local;
  // Through an alias so bundlers leave this dev-only fallback alone (dist/ has its own copy).
  const req = require;
  return req.resolve('sql.js/dist/sql-wasm.wasm');
}

export function loadSqlJs(): Promise<SqlJsStatic> {
  loading ??= initSqlJs({ locateFile: () => wasmPath() });
  return loading;
}
