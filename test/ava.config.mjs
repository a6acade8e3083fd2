// ava for `npm test` (scripts/run.mjs passes --config): package.json's settings, two test files per
// CPU at once (at least 2, at most 4), and the test files that take longest started first.
//
// Two per CPU: most files wait more than they compute (child processes, nats-servers, containerd,
// real timers). A whole run summed 2,689 s of file wall time for 1,029 s of CPU (worker and waited-for
// children; 2 cores at load ~12, 2026-12-07): one file per CPU leaves the cores idle about half the time.
//
// ava starts the files in the order of its list, the next file whenever a slot frees. Longest first,
// the short files fill in around the long ones and the run ends with short files, whatever names the
// long ones have; in name order a long file that happens to start late runs on alone at the end.
// A single file (`ava test/x.test.ts`) reads package.json directly and is not affected.
// scripts/run.mjs builds the test files into bundles first and runs those (scripts/test-bundle.mjs).
import { availableParallelism } from 'node:os';
import { readFileSync } from 'node:fs';
import { bundledConfig, sourceOf } from '../scripts/test-bundle.mjs';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));

// The files that took longest, longest first: the 50 longest of a whole `npm test` (2026-12-07, 2 cores,
// load 10-25 from other work; real timers, containerd and child processes count as much as CPU: the
// 50th took 34.5 s there, the first 387 s), measured with
//   KUBUS_TEST_TIMES=/tmp/t.jsonl npm test; node scripts/test-times.mjs /tmp/t.jsonl 50
// which prints this list. Any other file, a new or renamed one included, runs after these in name
// order; a name here that no longer exists is ignored.
const LONGEST_FIRST = [
  'scenario-library.test.ts',
  'scenario-real.test.ts',
  'e2e-containerd.test.ts',
  'e2e-containerd-exec.test.ts',
  'dashboard-logs.test.ts',
  'scenario-apiserver-replicas.test.ts',
  'dashboard.test.ts',
  'deployment.test.ts',
  'clientpython.test.ts',
  'scenario-external.test.ts',
  'e2e-containerd-failures.test.ts',
  'dashboard-flow.test.ts',
  'store-etcd.test.ts',
  'e2e-containerd-volumes.test.ts',
  'gateway-kubectl-daily.test.ts',
  'store-model.test.ts',
  'e2e-containerd-pvc.test.ts',
  'e2e-containerd-token.test.ts',
  'clientnode.test.ts',
  'authn-fuzz.test.ts',
  'containerd.test.ts',
  'e2e-control-plane.test.ts',
  'e2e-store-etcd.test.ts',
  'scenario-params.test.ts',
  'bus-lock.test.ts',
  'store-etcd-cluster.test.ts',
  'e2e-web.test.ts',
  'cluster-logs-locked.test.ts',
  'metrics-up.test.ts',
  'disruption.test.ts',
  'bus-lock-up.test.ts',
  'scenario-cli.test.ts',
  'authz-controller-roles-up.test.ts',
  'microservices-demo.test.ts',
  'dashboard-route.test.ts',
  'gateway-kubectl-pdb.test.ts',
  'e2e-nodes.test.ts',
  'prom-determinism.test.ts',
  'rbac-clientnode.test.ts',
  'cronjob-controller.test.ts',
  'gateway-tls-up.test.ts',
  'gateway-up.test.ts',
  'docs-examples.test.ts',
  'authz-controller-accounts-bus.test.ts',
  'openapi-v2.test.ts',
  'gateway-fuzz.test.ts',
  'scenario-determinism.test.ts',
  'dashboard-flow-feeds.test.ts',
  'metrics-kubectl.test.ts',
  'fsync-lag.test.ts',
].map((name) => `test/${name}`);

const rank = new Map(LONGEST_FIRST.map((file, i) => [file, i]));
const rankOf = (file) => rank.get(sourceOf(file)) ?? LONGEST_FIRST.length;

export default {
  ...bundledConfig(pkg.ava),
  concurrency: Math.max(2, Math.min(4, 2 * availableParallelism())),
  sortTestFiles: (a, b) => rankOf(a) - rankOf(b) || a.localeCompare(b, 'en'),
};
