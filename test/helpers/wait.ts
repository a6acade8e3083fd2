// Waiting for conditions with a deadline (never a bare sleep).

/** Resolves once `cond()` is truthy; rejects with `what` after `timeoutMs`. Polls every `everyMs`. */
export async function waitFor<T>(
  cond: () => T | Promise<T>,
  what = 'condition',
  timeoutMs = 10_000,
  everyMs = 5,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let lastErr: unknown;
  for (;;) {
    try {
      const v = await cond();
      if (v) return v as NonNullable<T>;
    } catch (err) {
      lastErr = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastErr ? `: ${String(lastErr)}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
