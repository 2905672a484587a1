// Builds the empty database templates the store copies when it must create a DB that does not
// exist yet. The schemas were dumped (`sqlite3 .schema`) from DBs written by the real openclaw
// 2026.9.6. Needs Node >= 24 (built-in node:sqlite, which has FTS5 and the SQL functions the
// agent schema uses; sql.js has neither). Run: node24 scripts/make-templates.mjs
// Output: src/store/templates/{shared,agent}.sqlite.gz, committed.
import { DatabaseSync } from 'node:sqlite';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';

const dir = path.join(path.dirname(new URL(import.meta.url).pathname), '..', 'src', 'store', 'templates');
function build(name, userVersion) {
  const sql = fs.readFileSync(path.join(dir, `${name}-schema.sql`), 'utf8');
  // sqlite_sequence and FTS5 shadow tables are created by SQLite itself.
  const fts = [...sql.matchAll(/CREATE VIRTUAL TABLE (\w+) USING fts5/g)].map((m) => m[1]);
  const statements = sql
    .split(/;\n(?=CREATE )/)
    .map((s) => s.trim().replace(/;$/, ''))
    .filter((s) => {
      if (s.startsWith('CREATE TABLE sqlite_sequence')) return false;
      const m = /^CREATE TABLE (?:IF NOT EXISTS )?'?(\w+)'?/.exec(s);
      return !(
        m &&
        fts.some(
          (f) => /^(data|idx|content|docsize|config)$/.test(m[1].slice(f.length + 1)) && m[1].startsWith(f + '_'),
        )
      );
    });
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'tpl-')), `${name}.sqlite`);
  const db = new DatabaseSync(file);
  db.exec('PRAGMA page_size=4096; PRAGMA auto_vacuum=2;');
  for (const s of statements) db.exec(s);
  db.exec(`PRAGMA user_version=${userVersion};`);
  db.exec('PRAGMA journal_mode=WAL;');
  db.exec('VACUUM;');
  const count = db.prepare('select count(*) as n from sqlite_schema').get().n;
  db.close();
  fs.writeFileSync(path.join(dir, `${name}.sqlite.gz`), zlib.gzipSync(fs.readFileSync(file), { level: 9 }));
  console.log(`${name}: ${count} schema objects, user_version ${userVersion}, ${fs.statSync(file).size} bytes`);
}
build('shared', 18);
build('agent', 23);
