// ava for `npm test` (scripts/run.mjs passes --config): package.json's settings, and the test files
// that take longest started first. ava starts the files in the order of its list, two at a time on
// 2 cores (concurrency: the number of CPUs, 2 in CI), the next file whenever a slot frees. Longest
// first, the short files fill in around the long ones and the run ends with short files, whatever
// names the long ones have; in name order a long file that happens to start late runs on alone at
// the end (with today's files the name order ends with short ones too: the gain is small, see the
// commit). A single file (`ava test/x.test.ts`) reads package.json directly and is not affected.
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));

// The files that took longest (wall time, each run alone with `ava <file>` while other work loaded the
// machine, 2026-12-06: real timers, containerd and child processes count as much as CPU), longest first.
// Any other file, a new or renamed one included, runs after these in name order; a name here that no
// longer exists is ignored.
const LONGEST_FIRST = [
  'scenario-library.test.ts',
  'scenario-real.test.ts',
  'store-model.test.ts',
  'scenario-apiserver-replicas.test.ts',
  'e2e-containerd.test.ts',
  'metrics-up.test.ts',
  'microservices-demo.test.ts',
  'e2e-web.test.ts',
  'scenario-params.test.ts',
  'scenario-external.test.ts',
  'store-etcd-cluster.test.ts',
  'authz-controller-roles-up.test.ts',
  'http-abuse.test.ts',
  'scenario-faults.test.ts',
  'store-etcd.test.ts',
  'gateway-up.test.ts',
  'gateway-kubectl-pdb.test.ts',
  'containerd.test.ts',
  'e2e-containerd-failures.test.ts',
  'e2e-containerd-volumes.test.ts',
  'e2e-containerd-exec.test.ts',
  'gateway-kubectl-daily.test.ts',
  'scenario-determinism.test.ts',
  'gateway-tls-up.test.ts',
  'dashboard.test.ts',
  'scenario-cli.test.ts',
  'kubelet-scale.test.ts',
  'cluster-sim.test.ts',
  'cluster-logs-locked.test.ts',
  'e2e-control-plane.test.ts',
  'e2e-containerd-token.test.ts',
  'e2e-containerd-pvc.test.ts',
  'e2e-store-etcd.test.ts',
].map((name) => `test/${name}`);

const rank = new Map(LONGEST_FIRST.map((file, i) => [file, i]));
const rankOf = (file) => rank.get(relative(ROOT, file)) ?? LONGEST_FIRST.length;

export default {
  ...pkg.ava,
  sortTestFiles: (a, b) => rankOf(a) - rankOf(b) || a.localeCompare(b, 'en'),
};
