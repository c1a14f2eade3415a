/**
 * Calls `one(i)` for i in [0, count) with at most `inFlight` calls outstanding, as a client with
 * that many concurrent requests would; rejects on the first failure.
 */
export async function inFlight(
  count: number,
  limit: number,
  one: (i: number) => Promise<unknown>,
  signal?: AbortSignal,
): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < count) {
      signal?.throwIfAborted();
      await one(next++);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, count)) }, lane));
}

/** Resolves once `done()` holds (checked every `everyMs`); rejects after `timeoutMs`. */
export async function until(
  what: string,
  done: () => boolean,
  timeoutMs: number,
  signal?: AbortSignal,
  everyMs = 2,
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!done()) {
    signal?.throwIfAborted();
    if (performance.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
