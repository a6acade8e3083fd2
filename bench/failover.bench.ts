// Failover benchmark (issue 13): the HA layout of test/hosts (3 hosts with a nats-server, stream
// R3, and a control plane each; a node host), writers on each nats-server and two watchers; kill -9
// of the API server serving writer 1, of a nats-server that is not the stream leader, and of the
// stream leader's nats-server. Per fault, the time from the kill until every writer has a write
// acknowledged again (the one served by the victim is the last), p50 and max over N runs, and the
// history checker's verdict. Needs root (network namespaces), as `npm run test:hosts` does.
// Run: npm run bench -- failover [--runs 5] [--faults apiserver,nats,leader] [--store jetstream|etcd]
import type { ExecutionContext } from 'ava';
import { haCluster, type HaBackend, type HaCluster } from '../test/hosts/ha-cluster.ts';
import { faultRun, type FaultResult } from '../test/hosts/ha-run.ts';
import { arg, median, report, type Figure } from './report.ts';

const RUNS = arg('runs', 5);
const FAULTS = arg('faults', 'apiserver,nats,leader').split(',');
const BACKEND = arg('store', 'jetstream') as HaBackend;
const BUDGET_MS = 5000; // DESIGN §8: failover to the first acknowledged write ≤ 5 s
const log = (m: string) => console.log(`[failover bench] ${m}`);

/** The kill of each fault. */
const FAULT: Record<string, { what: string; kill(c: HaCluster): Promise<string> }> = {
  apiserver: {
    what: 'kill -9 of the serving API server',
    async kill(c) {
      const victim = (await c.apiServersOn(0))[0] ?? 0;
      await c.controlPlanes[victim].kill('SIGKILL');
      return c.cp[victim].name;
    },
  },
  nats: {
    what: BACKEND === 'jetstream' ? 'kill -9 of a nats-server (not the stream leader)' : 'kill -9 of a nats-server',
    async kill(c) {
      const victim = BACKEND === 'jetstream' ? ((await c.streamLeader()) + 1) % 3 : 0;
      await c.nats.servers[victim].stop('SIGKILL');
      return c.cp[victim].name;
    },
  },
  leader: {
    what: BACKEND === 'jetstream' ? 'kill -9 of the stream leader (its nats-server)' : 'kill -9 of the etcd leader',
    async kill(c) {
      if (BACKEND === 'etcd') {
        const l = await c.etcdLeader();
        await c.etcdProcs[l].kill('SIGKILL');
        return c.cp[l].name;
      }
      const l = await c.streamLeader();
      await c.nats.servers[l].stop('SIGKILL');
      return c.cp[l].name;
    },
  },
};

/** What the harness needs of an ava context: teardowns (run last-first), a log, a verdict. */
function benchContext() {
  const teardowns: Array<() => unknown> = [];
  // A failed run keeps its processes' logs (the harness removes them when `passed`).
  const t = { teardown: (fn: () => unknown) => void teardowns.push(fn), log: (...m: unknown[]) => log(m.join(' ')), passed: false };
  const done = async () => {
    for (const fn of teardowns.reverse()) await fn();
  };
  return { t: t as unknown as ExecutionContext, done, passed: () => void (t.passed = true) };
}

async function oneRun(fault: string, run: number): Promise<FaultResult> {
  const { t, done, passed } = benchContext();
  try {
    const c = await haCluster(t, BACKEND);
    let victim = '';
    const r = await faultRun(c, { fault: async () => void (victim = await FAULT[fault].kill(c)) });
    log(`${fault} run ${run}: killed on ${victim}; every writer wrote again after ${r.all} ms (first write ${r.first} ms); ${r.summary}`);
    log(`  ${r.report.text.split('\n').slice(0, 6).join('\n  ')}`);
    passed();
    return r;
  } finally {
    await done();
  }
}

const figures: Figure[] = [];
let failedChecks = 0;
let runs = 0;
for (const fault of FAULTS) {
  if (!FAULT[fault]) throw new Error(`unknown fault ${fault}; use ${Object.keys(FAULT).join(', ')}`);
  const all: number[] = [];
  for (let run = 1; run <= RUNS; run++) {
    try {
      runs++;
      const r = await oneRun(fault, run);
      all.push(r.all);
      if (!r.report.ok || r.relists) failedChecks++;
    } catch (err) {
      log(`${fault} run ${run} failed: ${(err as Error).message.split('\n')[0]}`);
    }
  }
  if (!all.length) continue;
  const what = FAULT[fault].what;
  figures.push(
    { name: `${what}: p50 (${all.length} runs)`, value: median(all), unit: 'ms', budget: BUDGET_MS, higherIsBetter: false, anchor: 'to the first acknowledged write of the client it served' },
    { name: `${what}: max`, value: Math.max(...all), unit: 'ms', budget: BUDGET_MS, higherIsBetter: false },
  );
}
report(`Failover on the ${BACKEND} store (3 hosts, writers' request timeout 2 s; history check failed in ${failedChecks} of ${runs} runs)`, figures);
process.exit(0);
