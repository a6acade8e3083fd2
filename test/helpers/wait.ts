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

/** Moves a virtual clock until `p` settles (at most `withinMs` of virtual time), then returns `p`: a request on the virtual clock. */
export async function settle<T>(clock: { now(): number; runUntil(done: () => boolean, deadline?: number): Promise<boolean> }, p: Promise<T>, withinMs = 10_000): Promise<T> {
  let done = false;
  void p.then(
    () => (done = true),
    () => (done = true),
  );
  await clock.runUntil(() => done, clock.now() + withinMs);
  return p;
}

/** Advances a virtual clock in `stepMs` steps until `cond()` holds; throws after `withinMs` of virtual time. */
export async function advanceUntil(
  clock: { now(): number; advance(ms: number): Promise<unknown> },
  cond: () => Promise<boolean>,
  what: string,
  { withinMs = 60_000, stepMs = 100 }: { withinMs?: number; stepMs?: number } = {},
): Promise<void> {
  const deadline = clock.now() + withinMs;
  while (!(await cond())) {
    if (clock.now() > deadline) throw new Error(`timed out after ${withinMs} ms of virtual time waiting for ${what}`);
    await clock.advance(stepMs);
  }
}
