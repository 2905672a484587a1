/**
 * Setup-token validation and `--expires-in` durations, as openclaw's paste-token applies them.
 */
import { normalizeProviderId } from './providerId';

export const ANTHROPIC_SETUP_TOKEN_PREFIX = 'sk-ant-oat01-';
export const ANTHROPIC_SETUP_TOKEN_MIN_LENGTH = 80;

/** Returns an error message, or undefined when the token is acceptable for the provider. */
export function validateSetupToken(provider: string, token: string): string | undefined {
  const t = token.trim();
  if (!t) return 'The token is empty.';
  if (/\s/.test(t)) return 'The token contains whitespace; paste it on one line.';
  if (normalizeProviderId(provider) === 'anthropic') {
    if (!t.startsWith(ANTHROPIC_SETUP_TOKEN_PREFIX)) return `Expected a token starting with ${ANTHROPIC_SETUP_TOKEN_PREFIX} (run \`claude setup-token\` to get one).`;
    if (t.length < ANTHROPIC_SETUP_TOKEN_MIN_LENGTH) return 'Token looks too short; paste the full setup-token.';
  }
  return undefined;
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** Parses `30d`, `12h`, `90m`, `1h30m`, `3600s`; rejects zero and negative durations. */
export function parseDuration(input: string): number {
  const t = input.trim().toLowerCase();
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/gy;
  let total = 0;
  let matched = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(t)) !== null) {
    total += Number(m[1]) * (UNIT_MS[m[2] as string] as number);
    matched = re.lastIndex;
  }
  if (!t || matched !== t.length) throw new Error(`Invalid duration "${input}" (use e.g. 30d, 12h, 90m).`);
  if (!(total > 0) || !Number.isFinite(total)) throw new Error(`Invalid duration "${input}": it must be longer than zero.`);
  return Math.round(total);
}
