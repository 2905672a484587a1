/**
 * Fixture helpers: every test works on a fresh temp copy of a fixture home (a DB always copied
 * with its -wal/-shm), never on the files in the repository.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const FIXTURES = path.join(__dirname, '..', 'fixtures', 'openclaw-2026.9.6');

/** Copies `<scenario>/home` (or `legacy/<phase>/home`) into a new temp dir; returns that HOME. */
export function copyHome(scenario: string): string {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), `oca-${scenario.replace(/\W/g, '-')}-`));
  fs.cpSync(path.join(FIXTURES, scenario, 'home'), home, { recursive: true });
  return home;
}

export function tempHome(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'oca-empty-'));
}

export function expected<T = unknown>(scenario: string, file: string): T | undefined {
  const p = path.join(FIXTURES, scenario, 'expected', file);
  if (!fs.existsSync(p)) return undefined;
  const text = fs.readFileSync(p, 'utf8');
  return (file.endsWith('.exitcode') ? Number(text.trim()) : JSON.parse(text)) as T;
}

/** Replaces everything before `/.openclaw/` so paths from the generating machine compare. */
export function fromDotOpenclaw(p: string): string {
  const i = p.indexOf('/.openclaw');
  return i >= 0 ? p.slice(i) : p;
}

export function rmrf(p: string): void {
  fs.rmSync(p, { recursive: true, force: true });
}
