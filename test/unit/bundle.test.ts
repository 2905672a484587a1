/**
 * What esbuild.mjs does to the bundles must not change behaviour: json5's Unicode tables are
 * swapped for regex property escapes (scripts/lib/json5-native.mjs), and the built dist/core.js is
 * shared by main.js and cli.js. These tests read the tables json5 really ships.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(__filename);

type Json5Native = {
  NATIVE: Record<string, string>;
  patchJson5(text: string): string;
  originalTables(text: string): Record<string, string>;
};
const toRegExp = (src: string): RegExp => {
  const m = /^\/(.*)\/([a-z]*)$/s.exec(src);
  if (!m) throw new Error(`not a regex literal: ${src.slice(0, 40)}`);
  return new RegExp(m[1] ?? '', m[2]);
};

describe('bundle: json5 tables as property escapes', () => {
  let lib: Json5Native;
  let dist: string;
  before(async () => {
    lib = (await import(path.join(__dirname, '..', '..', 'scripts', 'lib', 'json5-native.mjs'))) as Json5Native;
    dist = fs.readFileSync(path.join(path.dirname(require.resolve('json5/package.json')), 'dist', 'index.mjs'), 'utf8');
  });

  it('every code point json5 tables match is matched by the replacement (all of Unicode)', () => {
    const orig = lib.originalTables(dist);
    for (const name of Object.keys(lib.NATIVE)) {
      const a = toRegExp(orig[name]!);
      const b = toRegExp(lib.NATIVE[name]!);
      let matched = 0;
      const missing: string[] = [];
      for (let cp = 0; cp <= 0x10ffff; cp++) {
        if (cp >= 0xd800 && cp <= 0xdfff) continue;
        const c = String.fromCodePoint(cp);
        if (a.test(c)) {
          matched++;
          if (!b.test(c)) missing.push(cp.toString(16));
        }
      }
      assert.ok(matched > 0, `${name}: the original table matched nothing (parse error?)`);
      assert.deepEqual(missing.slice(0, 10), [], `${name}: ${missing.length} code points lost`);
    }
  });

  it('the patched json5 parses what json5 parses, including Unicode identifiers and spaces', async () => {
    const dir = fs.mkdtempSync(path.join(require('node:os').tmpdir(), 'oca-json5-'));
    try {
      const file = path.join(dir, 'json5.mjs');
      fs.writeFileSync(file, lib.patchJson5(dist));
      const patched = ((await import(file)) as { default: { parse(t: string): unknown } }).default;
      const real = require('json5') as { parse(t: string): unknown };
      const docs = [
        "{ naïve: 1, ünïcödé_ключ: 'x', $a: 2, _b: 3, 𐀀astral: 5, a\u0301b: 6 }",
        "{\u2003a:\u30001, // comment\n b: [1,2,], /* c */ c: +Infinity, d: 0x1F, e: .5, f: 'it\\'s' }",
      ];
      for (const d of docs) assert.deepEqual(patched.parse(d), real.parse(d));
      for (const bad of ['{ ℮x: 1 }', '{ 1a: 1 }', '{ a-b: 1 }', '{ a: 1 ']) {
        assert.throws(() => patched.parse(bad));
        assert.throws(() => real.parse(bad));
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a json5 whose tables moved instead of bundling them unchanged', () => {
    assert.throws(() => lib.patchJson5('export default {}'), /not found in json5/);
  });
});
