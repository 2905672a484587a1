/**
 * Setup-token validation and `--expires-in` durations, as openclaw's paste-token applies them.
 */
import { normalizeProviderId } from './providerId';

export const ANTHROPIC_SETUP_TOKEN_PREFIX = 'sk-ant-oat01-';
export const ANTHROPIC_SETUP_TOKEN_MIN_LENGTH = 80;

/** The token as openclaw stores it: Anthropic tokens lose all whitespace, others are trimmed. */
export function normalizeSetupToken(provider: string, token: string): string {
  return normalizeProviderId(provider) === 'anthropic' ? token.replace(/\s+/g, '') : token.trim();
}

/** Returns an error message (openclaw's wording), or undefined when the token is acceptable. */
export function validateSetupToken(provider: string, token: string): string | undefined {
  const p = normalizeProviderId(provider);
  const t = normalizeSetupToken(p, token);
  if (!t) return 'Required';
  if (p === 'anthropic') {
    if (!t.startsWith(ANTHROPIC_SETUP_TOKEN_PREFIX))
      return `Expected token starting with ${ANTHROPIC_SETUP_TOKEN_PREFIX}`;
    if (t.length < ANTHROPIC_SETUP_TOKEN_MIN_LENGTH) return 'Token looks too short; paste the full setup-token';
  }
  if ((p === 'openai' || p === 'codex') && /^sk-[A-Za-z0-9_-]{8,}$/.test(t)) {
    return 'That looks like an OpenAI API key. Use Add API Key (openclaw models auth paste-api-key --provider openai) for API-key auth.';
  }
  return undefined;
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const MAX_DATE_MS = 8.64e15;

/**
 * openclaw's `--expires-in` grammar: one segment `N[.N][ms|s|m|h|d]` where a bare number means
 * days, or composite segments that each carry a unit (`1h30m`, `2d12h`). Returns milliseconds.
 */
export function parseDuration(input: string): number {
  const t = input.trim().toLowerCase();
  const hint = 'Use values like 500ms, 30s, 5m, 2h, or 1h30m.';
  let total: number;
  const single = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(t);
  if (single) {
    total = Number(single[1]) * (UNIT_MS[single[2] ?? 'd'] as number);
  } else {
    const re = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/gy;
    total = 0;
    let end = 0;
    let m: RegExpExecArray | null;
    while ((m = re.exec(t)) !== null) {
      total += Number(m[1]) * (UNIT_MS[m[2] as string] as number);
      end = re.lastIndex;
    }
    if (!t || end !== t.length)
      throw new Error(
        t.startsWith('-')
          ? `Invalid duration (each composite segment needs a unit): "${input}". ${hint}`
          : `Invalid duration: "${input}". ${hint}`,
      );
  }
  if (!(total > 0) || Date.now() + total > MAX_DATE_MS)
    throw new Error('Invalid expiry duration: resulting token expiry is outside Date range.');
  return Math.round(total);
}
