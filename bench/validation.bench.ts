// Validation benchmark: the CPU cost of validating a typical pod, as the API server
// does on every create and update. Part of the API request budget (DESIGN §8: p50 ≤ 0.5 ms).
// Run: npm run bench -- validation [--runs N] [--calls N]
import type { KubeObject } from '../api/meta.ts';
import { resourceFor } from '../api/resources.ts';
import { arg, median, report } from './report.ts';

const RUNS = arg('runs', 5);
const N = arg('calls', 10_000);

const def = resourceFor('pods')!;
/** A pod as kubectl would send it: one container with a port, limits and a readiness probe. */
const typicalPod = (): KubeObject =>
  ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web-1', namespace: 'default', labels: { app: 'web' } },
    spec: {
      containers: [
        { name: 'a', image: 'nginx:1', ports: [{ containerPort: 80 }], resources: { limits: { cpu: '1', memory: '1Gi' } }, readinessProbe: { httpGet: { port: 80 } } },
      ],
    },
  }) as KubeObject;

/** Returns µs per call of `fn` over N calls (after a warm-up). */
function microsPer(fn: () => void): number {
  for (let i = 0; i < 2000; i++) fn();
  const start = performance.now();
  for (let i = 0; i < N; i++) fn();
  return ((performance.now() - start) * 1000) / N;
}

const p = typicalPod();
def.defaults!(p);
def.prepareForCreate!(p);
if (def.validate(p).length) throw new Error(`the typical pod is invalid: ${JSON.stringify(def.validate(p))}`);
const validate = median(Array.from({ length: RUNS }, () => microsPer(() => def.validate(p))));

report(`Pod validation (medians of ${RUNS} runs of ${N.toLocaleString('en-US')} calls)`, [
  { name: 'validate a typical pod', value: validate, unit: 'µs', higherIsBetter: false, anchor: 'a share of the API p50 budget of 0.5 ms' },
]);
