/**
 * Child process for the kill-during-write test: adds profiles to HOME's store in a loop and prints
 * "saved <n>" after each write returns. The test SIGKILLs it at random moments.
 * usage: node killWriter.js HOME START (bundled by the test)
 */
import { applyMutation } from '../../src/store';

async function main(): Promise<void> {
  const [home, startText] = process.argv.slice(2);
  const start = Number(startText);
  for (let i = start; i < start + 10_000; i++) {
    // A big key (openclaw accepts long keys) makes each write take a while, so kills land mid-write.
    const key = `k-kill-fake-${String(i).padStart(6, '0')}-${'x'.repeat(20_000)}`;
    await applyMutation(
      { env: { HOME: home as string } },
      { kind: 'upsertProfile', profileId: `kill:p${i}`, credential: { type: 'api_key', provider: 'kill', key } },
    );
    process.stdout.write(`saved ${i}\n`);
  }
}

void main();
