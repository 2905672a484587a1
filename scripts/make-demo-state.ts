/**
 * Builds the demo OpenClaw state that `npm start` opens, from scratch, with this project's own
 * store writer (so it is also a smoke test of it): three agents, several providers, and every
 * status worth seeing (ok, static, expiring, expired, unresolved ref, excluded by order,
 * cooling down for one model, disabled for billing, config-only aws-sdk, a provider in use with
 * nothing usable). All values are fake.
 *
 *   node --require tsx/cjs scripts/make-demo-state.ts <HOME>     (creates <HOME>/.openclaw)
 */
import fs from 'node:fs';
import path from 'node:path';
import { applyMutation } from '../src/store';
import { mutateDb, readCell, writeCell } from '../src/store/dbWriter';

async function main(home: string): Promise<void> {
  const stateDir = path.join(home, '.openclaw');
  fs.mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  const now = Date.now();
  const H = 3_600_000;
  fs.writeFileSync(
    path.join(stateDir, 'openclaw.json'),
    JSON.stringify(
      {
        agents: {
          defaults: { model: { primary: 'anthropic/claude-sonnet-4-6', fallbacks: ['openrouter/auto'] } },
          entries: {
            main: { name: 'main' },
            work: { name: 'work' },
            nightly: { name: 'nightly', model: 'github-copilot/gpt-5.4' },
          },
        },
        models: {
          providers: {
            openrouter: {
              baseUrl: 'https://openrouter.ai/api/v1',
              api: 'openai-completions',
              models: [{ id: 'anthropic/claude-sonnet-4.5', name: 'Claude Sonnet 4.5' }],
            },
            'amazon-bedrock': { auth: 'aws-sdk' },
          },
        },
        auth: { profiles: { 'amazon-bedrock:default': { provider: 'amazon-bedrock', mode: 'aws-sdk' } } },
        gateway: { mode: 'local', port: 18789, bind: 'loopback' },
      },
      null,
      2,
    ) + '\n',
    { mode: 0o600 },
  );
  fs.writeFileSync(
    path.join(stateDir, '.env'),
    '# demo .env\nOPENROUTER_API_KEY_2=FAKE-DEMO-KEY-openrouter-rotation-not-a-real-key\n',
    { mode: 0o600 },
  );

  const env = { HOME: home, PATH: process.env.PATH ?? '' };
  const key = (id: string, provider: string, k: string) =>
    applyMutation({ env }, { kind: 'upsertProfile', profileId: id, credential: { type: 'api_key', provider, key: k } });
  const token = (id: string, provider: string, t: string, expires?: number) =>
    applyMutation(
      { env },
      { kind: 'upsertProfile', profileId: id, credential: { type: 'token', provider, token: t, expires } },
    );

  await key('openrouter:manual', 'openrouter', 'FAKE-DEMO-KEY-openrouter-manual-not-a-real-key');
  await key('openrouter:backup', 'openrouter', 'FAKE-DEMO-KEY-openrouter-backup-not-a-real-key');
  await key('openrouter:old', 'openrouter', 'FAKE-DEMO-KEY-openrouter-old-not-a-real-key');
  await applyMutation(
    { env },
    { kind: 'setOrder', provider: 'openrouter', profileIds: ['openrouter:backup', 'openrouter:manual'] },
  );
  await token(
    'anthropic:manual',
    'anthropic',
    'sk-ant-oat01-FAKE-DEMO-TOKEN-not-a-real-token-' + 'x'.repeat(40),
    now + 10 * H,
  );
  await key('anthropic:spare', 'anthropic', 'FAKE-DEMO-KEY-anthropic-spare-not-a-real-key');
  await key('anthropic:billing', 'anthropic', 'FAKE-DEMO-KEY-anthropic-billing-not-a-real-key');
  await applyMutation(
    { env },
    {
      kind: 'upsertProfile',
      profileId: 'openai:env',
      credential: {
        type: 'api_key',
        provider: 'openai',
        keyRef: { source: 'env', provider: 'default', id: 'OPENAI_API_KEY_DEMO_UNSET' },
      },
    },
  );
  await token('github-copilot:ci', 'github-copilot', 'FAKE-DEMO-TOKEN-copilot-expired-not-real', now - 2 * H);
  await key('groq:manual', 'groq', 'FAKE-DEMO-KEY-groq-not-a-real-key');
  await applyMutation(
    { env, agentId: 'work' },
    {
      kind: 'upsertProfile',
      profileId: 'openrouter:work',
      credential: { type: 'api_key', provider: 'openrouter', key: 'FAKE-DEMO-KEY-openrouter-work-not-a-real-key' },
    },
  );
  await applyMutation(
    { env, agentId: 'work' },
    { kind: 'setOrder', provider: 'openrouter', profileIds: ['openrouter:work', 'openrouter:manual'] },
  );

  // Health the gateway would have recorded: a model-scoped rate-limit cooldown and a billing disable.
  const db = path.join(stateDir, 'state', 'openclaw.sqlite');
  await mutateDb(
    db,
    (d) => {
      const addr = { table: 'config_machine_state' as const, key: 'authProfiles.state' };
      const state = JSON.parse(readCell(d, addr) ?? '{"version":1}') as Record<string, unknown>;
      state.usageStats = {
        'anthropic:spare': {
          cooldownUntil: now + 25 * 60_000,
          cooldownReason: 'rate_limit',
          cooldownModel: 'claude-sonnet-4-6',
          errorCount: 3,
          failureCounts: { rate_limit: 3 },
          lastFailureAt: now - 5 * 60_000,
          lastUsed: now - 6 * 60_000,
        },
        'anthropic:billing': {
          disabledUntil: now + 5 * H,
          disabledReason: 'billing',
          errorCount: 1,
          failureCounts: { billing: 1 },
          lastFailureAt: now - 60_000,
        },
        'openrouter:manual': { lastUsed: now - 2 * H },
      };
      state.lastGood = { openrouter: 'openrouter:backup' };
      writeCell(d, addr, JSON.stringify(state), now);
    },
    { kind: 'shared' },
  );
  process.stdout.write(`demo state created in ${stateDir}\n`);
}

main(process.argv[2] ?? '').catch((e: unknown) => {
  process.stderr.write(`make-demo-state: ${(e as Error).message}\n`);
  process.exitCode = 1;
});
