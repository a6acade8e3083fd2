// Runs one async step per item with at most `limit` in flight (upstream fans out with goroutines;
// an unbounded Promise.all over thousands of items would flood the bus).

/** Runs `fn` over every item, `limit` at a time; returns the errors thrown, in item order (never rejects). */
export async function forEachBounded<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<unknown[]> {
  const errors: Array<{ i: number; err: unknown }> = [];
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      try {
        await fn(items[i]);
      } catch (err) {
        errors.push({ i, err });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return errors.sort((a, b) => a.i - b.i).map((e) => e.err);
}
