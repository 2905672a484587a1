/**
 * Settings (`openclawAuth.*`), read through one zod schema: settings.json is user input, so
 * values are checked at runtime and a bad value falls back to its default with a warning.
 */
import * as z from 'zod/mini';
import { en } from 'zod/locales';
import { DEFAULT_GATEWAY_PORT } from '../gateway/live';

const trimmedString = z._default(z.string().check(z.trim()), '');
export const SettingsSchema = z.object({
  stateDir: trimmedString,
  agent: trimmedString,
  openclawPath: trimmedString,
  claudePath: trimmedString,
  statusBar: z._default(z.boolean(), true),
  expiryWarningHours: z._default(z.number().check(z.minimum(1), z.maximum(24 * 30)), 24),
});
export type Settings = z.infer<typeof SettingsSchema>;

/**
 * zod/mini loads no locale, so its issues say only "Invalid input"; the English messages
 * ("Too small: expected number to be >=1") are applied per parse, leaving zod's global config alone.
 */
const englishErrors = en().localeError;

export function parseSettings(raw: Record<string, unknown>): { settings: Settings; problems: string[] } {
  const problems: string[] = [];
  const out: Record<string, unknown> = {};
  const shape = SettingsSchema.shape;
  for (const key of Object.keys(shape) as Array<keyof typeof shape>) {
    const r = shape[key].safeParse(raw[key], { error: englishErrors });
    if (r.success) out[key] = r.data;
    else {
      problems.push(`openclawAuth.${key}: ${r.error.issues[0]?.message ?? 'invalid value'}; using the default.`);
      out[key] = shape[key].parse(undefined);
    }
  }
  return { settings: SettingsSchema.parse(out), problems };
}

export const GatewaySettingsSchema = z.object({
  port: z._default(z.number().check(z.int(), z.minimum(1), z.maximum(65535)), DEFAULT_GATEWAY_PORT),
  autoStart: z._default(z.boolean(), false),
  nodePath: z._default(z.string().check(z.trim()), ''),
});
export type GatewaySettings = z.infer<typeof GatewaySettingsSchema>;

/** `openclawAuth.gateway.*` from `get(key)`; a bad value falls back to its default with a warning. */
export function parseGatewaySettings(get: (key: string) => unknown, warn: (m: string) => void): GatewaySettings {
  const out: Record<string, unknown> = {};
  for (const key of ['port', 'autoStart', 'nodePath'] as const) {
    const r = GatewaySettingsSchema.shape[key].safeParse(get(key));
    if (r.success) out[key] = r.data;
    else {
      warn(`openclawAuth.gateway.${key}: invalid value; using the default.`);
      out[key] = GatewaySettingsSchema.shape[key].parse(undefined);
    }
  }
  return GatewaySettingsSchema.parse(out);
}
