/**
 * Waits for a condition in a test: polls `probe` until it returns something other than undefined
 * or false, and resolves with that value; rejects after `timeoutMs`.
 */
export async function until<T>(probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 30_000, everyMs = 20): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
