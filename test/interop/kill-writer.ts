/**
 * Child process for the kill-during-write test: adds profiles in a loop until it is killed.
 * Usage: tsx kill-writer.ts <home> <round>
 */
import { applyMutation } from '../../src/store';

async function main(): Promise<void> {
  const [home, round] = process.argv.slice(2) as [string, string];
  process.stdout.write('writing\n');
  for (let i = 0; i < 40; i++) {
    await applyMutation(
      { env: { HOME: home } },
      {
        kind: 'upsertProfile',
        profileId: `groq:r${round}-${i}`,
        credential: { type: 'api_key', provider: 'groq', key: `gsk-fake-kill-test-${round}-${i}-0123456789abcdef` },
      },
    );
  }
}
void main();
