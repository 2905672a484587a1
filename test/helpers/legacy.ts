/** Helpers for the legacy-migration tests: file hashes of a home and the auth cells of a DB. */
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import { SqliteReader } from '../../src/store/sqliteReader';

type J = Record<string, unknown>;

export function hashTree(
  dir: string,
  skip: (rel: string) => boolean = (r) => r.startsWith('.openclaw/openclaw-auth/'),
): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      const rel = path.relative(dir, p);
      if (skip(rel)) continue;
      if (e.isDirectory()) walk(p);
      else out[rel] = crypto.createHash('sha256').update(fs.readFileSync(p)).digest('hex');
    }
  };
  walk(dir);
  return out;
}

export function cells(db: string, kind: 'shared' | 'agent'): { store?: J; state?: J; marker?: J; receipts: J[] } {
  const r = SqliteReader.open(db);
  try {
    const out: { store?: J; state?: J; marker?: J; receipts: J[] } = { receipts: [] };
    if (kind === 'shared') {
      for (const row of r.rows('config_machine_state')) {
        if (row.state_key === 'authProfiles.store') out.store = JSON.parse(String(row.value_json)) as J;
        if (row.state_key === 'authProfiles.state') out.state = JSON.parse(String(row.value_json)) as J;
        if (row.state_key === 'auth.sharedStore') out.marker = JSON.parse(String(row.value_json)) as J;
      }
      if (r.hasTable('migration_sources')) out.receipts = r.rows('migration_sources') as J[];
    } else {
      for (const row of r.rows('auth_profile_store'))
        if (row.store_key === 'primary') out.store = JSON.parse(String(row.store_json)) as J;
      if (r.hasTable('auth_profile_state'))
        for (const row of r.rows('auth_profile_state'))
          if (row.state_key === 'primary') out.state = JSON.parse(String(row.state_json)) as J;
    }
    return out;
  } finally {
    r.close();
  }
}

/**
 * What a user (and openclaw) sees of a home: the bytes of every file that is not a SQLite DB (legacy
 * files, archives, openclaw.json), and the auth cells of every DB. A DB with no auth rows is the
 * same as no DB: undo puts cells back in place and never deletes a DB another program may hold.
 */
export function homeView(dir: string): { files: Record<string, string>; dbs: Record<string, unknown> } {
  const isDb = (rel: string) => /\.sqlite(-wal|-shm|-journal)?$/.test(rel);
  // `dir` is a HOME (with .openclaw) or a state dir itself; our own run records are not the user's files.
  const ours = (rel: string) => /^(\.openclaw\/)?openclaw-auth(\/|$)/.test(rel) || rel.endsWith('.lock');
  const files = hashTree(dir, (rel) => ours(rel) || isDb(rel));
  const dbs: Record<string, unknown> = {};
  const all = hashTree(dir, ours);
  for (const rel of Object.keys(all)
    .filter((r) => r.endsWith('.sqlite'))
    .sort()) {
    const c = cells(path.join(dir, rel), rel.endsWith('openclaw-agent.sqlite') ? 'agent' : 'shared');
    const view: Record<string, unknown> = {};
    if (c.store) view.store = c.store;
    if (c.state) view.state = c.state;
    if (c.marker) view.marker = c.marker;
    const receipts = c.receipts
      .filter((r) => r.migration_kind === 'auth-profile-json-to-sqlite-v2')
      .map((r) => r.source_key)
      .sort();
    if (receipts.length) view.receipts = receipts;
    if (Object.keys(view).length) dbs[rel] = view;
  }
  return { files, dbs };
}
