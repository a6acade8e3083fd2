// What the request benchmarks share: latency percentiles and throughput of a call run `ops` times
// by `conc` concurrent callers, and the pod they create.
import hdr from 'hdr-histogram-js';

export interface Latency {
  p50: number; // ms
  p99: number; // ms
  perSec: number;
}

/** Runs `ops` calls of `op` from `conc` concurrent callers; returns latency percentiles and throughput. */
export async function measure(ops: number, conc: number, op: (i: number) => Promise<unknown>): Promise<Latency> {
  const h = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3 });
  let next = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: conc }, async () => {
      while (next < ops) {
        const i = next++;
        const t0 = performance.now();
        await op(i);
        h.recordValue(Math.max(1, Math.round((performance.now() - t0) * 1000)));
      }
    }),
  );
  const ms = performance.now() - start;
  const r = { p50: h.getValueAtPercentile(50) / 1000, p99: h.getValueAtPercentile(99) / 1000, perSec: (ops * 1000) / ms };
  h.destroy();
  return r;
}

/** Returns a small, typical Pod in `default` named `name`. */
export const benchPod = (name: string) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'default', labels: { app: 'bench' } },
  spec: { containers: [{ name: 'main', image: 'registry.example/app:1.0', resources: { requests: { cpu: '100m', memory: '64Mi' } } }] },
});
