/**
 * The homes the real gateway's `models.authStatus` is captured and tested on (see
 * capture-authstatus-frames.ts and gateway.test.ts). Each is a temp copy of a fixture home the
 * real openclaw wrote (test/fixtures/openclaw-2026.9.6, auth times shifted to now), plus, where
 * said, a change to the copy's openclaw.json of the kind a user makes by hand.
 */
import fs from 'node:fs';
import path from 'node:path';
import { copyFixtureHome } from './openclaw';
import { chooseToken, readGatewayConfig } from '../../src/gateway/token';
import { readSnapshot } from '../../src/store';

export interface AuthStatusHome {
  /** test/fixtures/gateway-frames/auth-status-<name>.json */
  name: string;
  scenario: string;
  describe: string;
  /** models.authStatus is asked once per entry: undefined = the default agent. */
  agents: Array<string | undefined>;
  /** Changes the copy (HOME) before the gateway starts. */
  edit?: (home: string) => void;
}

/** The gateway token used where a home's openclaw.json does not set one (fake). */
export const FALLBACK_TOKEN = 'gw-token-fake-authstatus-0123456789abcdef';
/** The file SecretRef's value (fake). */
export const FILE_SECRET_GROQ_KEY = 'gsk_fake_file_secretref_0123456789abcdefghij';
/** The env value that openrouter:env (legacy/after) points to (fake). */
export const LEGACY_ENV_OPENROUTER_KEY = 'sk-or-v1-fake-legacy-env-0123456789abcdef0123456789abcdef';

type Json = Record<string, Record<string, Record<string, Record<string, unknown>>>>;

function editConfig(home: string, f: (cfg: Json) => void): void {
  const file = path.join(home, '.openclaw', 'openclaw.json');
  const cfg = JSON.parse(fs.readFileSync(file, 'utf8')) as Json;
  f(cfg);
  fs.writeFileSync(file, JSON.stringify(cfg, null, 2) + '\n');
}

export const AUTH_STATUS_HOMES: AuthStatusHome[] = [
  {
    name: 'configured-order',
    scenario: 'basic',
    describe:
      'fixture "basic" as it is: auth.order.anthropic in openclaw.json, a stored openrouter order in the main agent DB, openrouter:default an env SecretRef resolved through ~/.openclaw/.env, an Anthropic token.',
    agents: [undefined],
  },
  {
    name: 'provider-bound',
    scenario: 'basic',
    describe:
      'fixture "basic" plus, in openclaw.json, models.providers.openrouter.apiKey naming the profile openrouter:manual (the provider entry is bound to a profile) and models.providers.groq.apiKey a file SecretRef (secrets.providers.vault, a JSON file in the home).',
    agents: [undefined],
    edit: (home) => {
      const secrets = path.join(home, '.openclaw', 'secrets.json');
      fs.writeFileSync(secrets, JSON.stringify({ groq: { apiKey: FILE_SECRET_GROQ_KEY } }) + '\n', { mode: 0o600 });
      editConfig(home, (cfg) => {
        cfg.secrets = { providers: { vault: { source: 'file', path: secrets, mode: 'json' } } };
        cfg.models = {
          providers: {
            openrouter: { apiKey: 'openrouter:manual' },
            groq: { apiKey: { source: 'file', provider: 'vault', id: '/groq/apiKey' } },
          },
        };
      });
    },
  },
  {
    name: 'multi-agent',
    scenario: 'multi-agent',
    describe:
      'fixture "multi-agent" as it is: agents main and work, shared profiles, a profile local to work and a stored order in the work agent DB; asked for the default agent and for work.',
    agents: [undefined, 'work'],
  },
  {
    name: 'expiry',
    scenario: 'expiry',
    describe:
      'fixture "expiry" as it is: an Anthropic token expiring within 24 h, an expired one and an expired GitHub Copilot token, agents main and nightly; asked for both.',
    agents: [undefined, 'nightly'],
  },
  {
    name: 'oauth',
    scenario: 'legacy/after',
    describe:
      'fixture "legacy/after" (after openclaw doctor --fix): an OAuth profile openai:default, auth.order.openai in openclaw.json, a stored anthropic order, an env SecretRef profile openrouter:env, agents main and work; the copy gets a ~/.openclaw/.env for that env var and a relative main workspace.',
    agents: [undefined, 'work'],
    edit: (home) => {
      fs.writeFileSync(path.join(home, '.openclaw', '.env'), `OPENROUTER_API_KEY=${LEGACY_ENV_OPENROUTER_KEY}\n`);
      editConfig(home, (cfg) => {
        cfg.agents!.entries!.main!.workspace = '~/.openclaw/workspace';
      });
    },
  },
];

/** A temp copy of the home, edited, with the gateway token to start and connect with. */
export async function prepareAuthStatusHome(h: AuthStatusHome): Promise<{ home: string; token: string }> {
  const home = copyFixtureHome(h.scenario);
  h.edit?.(home);
  // The token as the extension picks it: openclaw.json's gateway.auth.token (basic has a store
  // SecretRef) wins; else a fake one given to the gateway in its env.
  const snap = readSnapshot({ env: { HOME: home } });
  const choice = await chooseToken(readGatewayConfig(snap.config.data), {
    env: {},
    resolve: {
      env: snap.env,
      secretsConfig: snap.config.data.secrets,
      readStoreSecret: (n) => snap.sharedDb.secretStore.get(n),
    },
  });
  return { home, token: choice.token ?? FALLBACK_TOKEN };
}
