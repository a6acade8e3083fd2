// Throughput under concurrency: `conc` workers issuing operations until `total` have been issued.

/** Runs `conc` workers until `total` operations are issued (op gets each one's index); returns operations/s. */
export async function pool(conc: number, total: number, op: (n: number) => Promise<void>): Promise<number> {
  let issued = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: conc }, async () => {
      while (issued < total) await op(issued++);
    }),
  );
  return (total * 1000) / (performance.now() - start);
}
