/** Polls `fn` every 20 ms until it returns something truthy (returned), or throws after `ms`. */
export async function waitFor<T>(fn: () => T | undefined | false | null, what: string, ms = 5000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
