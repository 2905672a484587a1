/**
 * Settings (`openclawAuth.*`), read through one zod schema: settings.json is user input, so
 * values are checked at runtime and a bad value falls back to its default with a warning.
 */
import { z } from 'zod';

export const SettingsSchema = z.object({
  stateDir: z.string().trim().default(''),
  agent: z.string().trim().default(''),
  openclawPath: z.string().trim().default(''),
  claudePath: z.string().trim().default(''),
  statusBar: z.boolean().default(true),
  expiryWarningHours: z.number().min(1).max(24 * 30).default(24),
});
export type Settings = z.infer<typeof SettingsSchema>;

/** Keys whose change means the state must be re-read from another place. */
export const RELOAD_KEYS = ['stateDir', 'agent'] as const;

export function parseSettings(raw: Record<string, unknown>): { settings: Settings; problems: string[] } {
  const problems: string[] = [];
  const out: Record<string, unknown> = {};
  const shape = SettingsSchema.shape;
  for (const key of Object.keys(shape) as Array<keyof typeof shape>) {
    const r = shape[key].safeParse(raw[key]);
    if (r.success) out[key] = r.data;
    else {
      problems.push(`openclawAuth.${key}: ${r.error.issues[0]?.message ?? 'invalid value'}; using the default.`);
      out[key] = shape[key].parse(undefined);
    }
  }
  return { settings: SettingsSchema.parse(out), problems };
}
