// Leak check, run last by `npm test`: every log, captured test output, DOM text dump and output
// channel copy under out/ is searched for the secret values the tests use: every credential in
// the fixture stores (read with the project's own reader) and every long fake key the tests
// type (they all contain "fake"). Masked forms (first 8 + "..." + last 8) do not match.
// Prints "leak-check: N passed, N failed" (one check per file scanned).
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';

const root = path.join(path.dirname(new URL(import.meta.url).pathname), '..');
const out = path.join(root, 'out');

function fixtureSecrets() {
  // A tiny script run with tsx so it can use src/store (the reader) on temp copies.
  const code = `
    const fs=require('fs'),os=require('os'),path=require('path');
    const { readSnapshot } = require(${JSON.stringify(path.join(root, 'src/store/snapshot.ts'))});
    const base=${JSON.stringify(path.join(root, 'test/fixtures/openclaw-2026.9.6'))};
    const out=new Set();
    for (const s of ['basic','multi-agent','expiry','cooldown','wal','legacy/after']) {
      const h=fs.mkdtempSync(path.join(os.tmpdir(),'leak-')); fs.cpSync(path.join(base,s,'home'),h,{recursive:true});
      for (const a of ['main','work','nightly']) { try { const snap=readSnapshot({env:{HOME:h},agentId:a});
        for (const c of Object.values(snap.store.profiles)) for (const v of [c.key,c.token,c.access,c.refresh]) if (typeof v==='string'&&v.length>=12) out.add(v);
        for (const v of Object.values(snap.dotenv)) if (v.length>=12) out.add(v);
        for (const v of snap.sharedDb.secretStore.values()) if (v.length>=12) out.add(v); } catch {} }
      fs.rmSync(h,{recursive:true,force:true});
    }
    process.stdout.write(JSON.stringify([...out]));`;
  const r = spawnSync(process.execPath, ['--require', 'tsx/cjs', '-e', code], { cwd: root, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`could not read fixture secrets: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

function files(dir) {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return files(p);
    return /\.(log|txt|html|json|md|out)$/.test(e.name) && fs.statSync(p).size < 50 * 1024 * 1024 ? [p] : [];
  });
}

const secrets = fixtureSecrets();
const pattern = /[A-Za-z0-9_]+-[A-Za-z0-9_-]*fake[A-Za-z0-9_-]{16,}/g;
let passed = 0;
let failed = 0;
const targets = [...files(out), ...process.argv.slice(2)].filter((f) => !f.endsWith('-results.json'));
for (const f of targets) {
  const text = fs.readFileSync(f, 'utf8');
  const hits = secrets.filter((s) => text.includes(s)).map((s) => `${s.slice(0, 8)}...(${s.length} chars)`);
  for (const m of text.match(pattern) ?? []) hits.push(`${m.slice(0, 8)}...(${m.length} chars, typed by a test)`);
  if (hits.length) {
    failed++;
    console.log(`LEAK in ${path.relative(root, f)}: ${[...new Set(hits)].join(', ')}`);
  } else passed++;
}
console.log(`leak-check: scanned ${targets.length} files for ${secrets.length} fixture secrets and typed fake keys`);
console.log(`leak-check: ${passed} passed, ${failed} failed`);
process.exitCode = failed ? 1 : 0;
