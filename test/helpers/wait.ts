// Polling for state the kernel updates asynchronously (vitest's expect.poll needs the test
// context in concurrent tests; this works anywhere).

/** Calls `read` until it returns `expected` or `timeoutMs` passes; returns the last value. */
export async function waitFor<T>(
  read: () => Promise<T>,
  expected: T,
  timeoutMs = 3000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (value === expected || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
