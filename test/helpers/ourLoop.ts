/**
 * Our CLI writing in a loop in the background (for the race tests beside openclaw and its gateway):
 * `openclaw-auth add-key` with a new profile id each time, on the engine asked for.
 */
import { strict as assert } from 'node:assert';
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';

export interface Loop {
  stop: () => Promise<{ saved: string[]; refused: string[] }>;
}

/**
 * openclaw refuses to start when openclaw.json changes during its start-up, and the gateway reloads
 * on a config change, whoever makes it: the metadata of our ids is written beforehand, so during a
 * race our writes touch the DBs only, which is what the race tests are about.
 */
export function prepareOurIds(stateDir: string, count = 3000): void {
  const cfgPath = path.join(stateDir, 'openclaw.json');
  const cfg = (fs.existsSync(cfgPath) ? JSON.parse(fs.readFileSync(cfgPath, 'utf8')) : {}) as {
    auth?: { profiles?: Record<string, unknown> };
  };
  cfg.auth ??= {};
  cfg.auth.profiles ??= {};
  for (let i = 0; i < count; i++) cfg.auth.profiles[`ours:i${i}`] = { provider: 'ours', mode: 'api_key' };
  fs.mkdirSync(stateDir, { recursive: true });
  fs.writeFileSync(cfgPath, JSON.stringify(cfg, null, 2));
}

/** Runs `<node> <cli> add-key` over and over until stopped; a refusal must say nothing was changed. */
export function ourLoop(
  node: string,
  cli: string,
  home: string,
  engine: 'native' | 'sqljs',
  env: Record<string, string> = {},
): Loop {
  let running = true;
  const saved: string[] = [];
  const refused: string[] = [];
  const done = (async () => {
    for (let i = 0; running; i++) {
      const id = `ours:i${i}`;
      const r = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
        const c = spawn(node, [cli, 'add-key', '--provider', 'ours', '--profile-id', id], {
          env: { PATH: process.env.PATH ?? '', HOME: home, ...env, OPENCLAW_AUTH_SQLITE_ENGINE: engine },
          stdio: ['pipe', 'ignore', 'pipe'],
        });
        let stderr = '';
        c.stderr.on('data', (d) => (stderr += d));
        c.stdin.end(`k-ours-fake-${String(i).padStart(6, '0')}\n`);
        c.once('exit', (code) => resolve({ code, stderr }));
      });
      await new Promise((res) => setTimeout(res, 400)); // leave openclaw (2 cores here) room to run
      if (r.code === 0) saved.push(id);
      else {
        assert.match(r.stderr, /nothing was changed/i, `a refused write says so: ${r.stderr}`);
        refused.push(r.stderr.trim().split('\n')[0] ?? '');
      }
    }
  })();
  return {
    stop: async () => {
      running = false;
      await done;
      return { saved, refused };
    },
  };
}
