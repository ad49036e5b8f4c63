/**
 * Waits for something another process does (a log line written, a job taken over), checking every 50 ms, for at most
 * `timeoutMs`. Generous by default: a loaded machine may take seconds where an idle one takes milliseconds, and the
 * test should fail only when the thing never happens, not when it is slow.
 */
export async function eventually(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
