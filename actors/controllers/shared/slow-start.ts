// Slow-start batches (upstream controller.SlowStartInitialBatchSize): writes go out 1, 2, 4, ...
// at a time and stop at the first failing batch, so a quota or admission error does not turn
// into hundreds of failing requests.

/** Runs `fn` over items in doubling batches; returns the errors of the batch that failed ([] when all succeeded). */
export async function slowStart<T>(items: readonly T[], fn: (item: T) => Promise<void>, initial = 1): Promise<unknown[]> {
  let pos = 0;
  let size = Math.min(items.length, initial);
  while (pos < items.length) {
    const batch = items.slice(pos, pos + size);
    const results = await Promise.allSettled(batch.map(fn));
    const errors = results.flatMap((r) => (r.status === 'rejected' ? [r.reason] : []));
    if (errors.length) return errors;
    pos += batch.length;
    size = Math.min(2 * size, items.length - pos);
  }
  return [];
}

/** Throws the errors of a step as one (or the only one) so the work queue retries the key. */
export function throwIfAny(errors: readonly unknown[], what: string): void {
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1) throw new AggregateError(errors, `${what}: ${errors.map((e) => (e as Error)?.message ?? String(e)).join('; ')}`);
}
