// `npm start`: the main job until the VS Code UI lands (issue 3): builds, copies the embedded
// default state (a home written by the real openclaw) to a temp dir, and shows its credentials
// with the headless CLI. Pass `-- --state-dir DIR` to look at a real state dir instead.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { tsImport } from 'tsx/esm/api';

const root = path.join(path.dirname(new URL(import.meta.url).pathname), '..');
const run = (args, env) =>
  spawnSync(process.execPath, args, { stdio: 'inherit', cwd: root, env: { ...process.env, ...env } });
if (run(['esbuild.mjs']).status !== 0) process.exit(1);
const extra = process.argv.slice(2);
let env = {};
if (!extra.includes('--state-dir')) {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'openclaw-auth-demo-'));
  fs.cpSync(path.join(root, 'test/fixtures/openclaw-2026.9.6/multi-agent/home'), home, { recursive: true });
  // Its token expiry as it was when openclaw wrote it (30 d ahead), seen from today.
  const { shiftFixtureClock } = await tsImport('../test/helpers/clock.ts', import.meta.url);
  shiftFixtureClock(home, 'multi-agent');
  env = { HOME: home, OPENCLAW_HOME: '', OPENCLAW_STATE_DIR: '' };
  console.log(`Embedded default state copied to ${home}/.openclaw\n`);
}
for (const agent of ['main', 'work']) {
  console.log(`--- agent ${agent}`);
  run(['dist/cli.js', 'status', '--agent', agent, ...extra], env);
}
