/**
 * `openclaw-auth probe` as a process against providers that misbehave: one echoing a piece of the
 * key in its error, one answering 200 with a 200 MB body, one trickling its body forever. The
 * output (text and --json) shows no piece of any key, and every probe ends with a result.
 */
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { rmrf, tempHome } from '../../helpers/fixtures';
import { fakeKey, startProviderServer, type ProviderServer } from '../../helpers/providerServer';

const CLI = path.join(__dirname, '..', '..', '..', 'src', 'cli', 'main.ts');
const TSX = require.resolve('tsx/cjs');

function run(
  home: string,
  args: string[],
  input = '',
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--require', TSX, CLI, ...args], {
      env: { PATH: process.env.PATH ?? '', HOME: home, OPENCLAW_GATEWAY_PORT: '1' },
    });
    let stdout = '',
      stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}

/** How many 12-character pieces of `secret` occur in `text` (never printed). */
function leaked(text: string, secret: string): number {
  let n = 0;
  for (let i = 0; i + 12 <= secret.length; i++) if (text.includes(secret.slice(i, i + 12))) n++;
  return n;
}

describe('openclaw-auth probe against misbehaving providers (CLI)', function () {
  this.timeout(60000);
  let srv: ProviderServer;
  let home = '';
  const keys = {
    'openai:part': fakeKey('401part', 21),
    'openai:big': fakeKey('big200', 22),
    'openai:trickle': fakeKey('trickle', 23),
    'openai:bigerr': fakeKey('bigerr401', 24),
  };

  before(async () => {
    srv = await startProviderServer();
    home = tempHome();
    for (const [id, k] of Object.entries(keys)) {
      const r = await run(home, ['add-key', '--provider', 'openai', '--profile-id', id], `${k}\n`);
      assert.equal(r.code, 0, r.stderr);
    }
    const cfgPath = path.join(home, '.openclaw', 'openclaw.json');
    const cfg = JSON.parse(fs.readFileSync(cfgPath, 'utf8')) as Record<string, unknown>;
    cfg.agents = { defaults: { model: { primary: 'openai/gpt-fake-mini' } } };
    cfg.models = {
      providers: {
        openai: {
          baseUrl: `${srv.baseUrl}/v1`,
          api: 'openai-completions',
          models: [{ id: 'gpt-fake-mini', name: 'fake' }],
        },
      },
    };
    fs.writeFileSync(cfgPath, JSON.stringify(cfg, null, 2));
  });
  after(async () => {
    await srv.close();
    if (home) rmrf(home);
  });

  it('--json and text: each probe ends with its result and no piece of a key is printed', async () => {
    for (const args of [
      ['probe', '--json', '--no-record', '--timeout', '2000', '--concurrency', '4'],
      ['probe', '--no-record', '--timeout', '2000', '--concurrency', '4'],
    ]) {
      srv.reset();
      const r = await run(home, args);
      assert.equal(r.code, 1, 'a failing probe exits 1');
      for (const [id, k] of Object.entries(keys))
        assert.equal(leaked(r.stdout + r.stderr, k), 0, `${args[1]}: no piece of the key of ${id} in the output`);
      if (args[1] === '--json') {
        const doc = JSON.parse(r.stdout) as { results: Array<{ profileId: string; status: string; error?: string }> };
        const st = Object.fromEntries(doc.results.map((x) => [x.profileId, x.status]));
        assert.deepEqual(st, {
          'openai:part': 'auth',
          'openai:big': 'ok',
          'openai:trickle': 'timeout',
          'openai:bigerr': 'auth',
        });
        const part = doc.results.find((x) => x.profileId === 'openai:part');
        assert.match(part?.error ?? '', /Incorrect API key provided: sk-…\[redacted\]…/);
      } else {
        assert.match(r.stdout, /\[redacted\]/);
        assert.match(r.stdout, /timed out after 2000 ms/);
      }
    }
  });
});
