// Real mode: the node-failure script against a real nats-server, with `kubus control-plane` per
// component and `kubus node` per node (time-scaled ×10); a partition that is a real TCP cut; and
// control-plane failover: scheduler replicas behind leader election, nats-server killed and
// restarted behind the relays, the API server killed -9.
import test from 'ava';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NatsBus } from '../bus/nats-bus.ts';
import { seededRng } from '../bus/random.ts';
import { silentLogger, type BusStatus } from '../bus/types.ts';
import { findNatsServer, startNatsServer } from '../runtime/nats-server.ts';
import { FaultPlan } from '../scenarios/faults.ts';
import { Relay } from '../scenarios/runner/relay.ts';
import { runKubus } from './helpers/proc.ts';

// A real run takes 40-60 s of real time on an idle 2-core machine; under load (other test files, other
// work) start-up alone has taken 30 s, and runKubus's own minute then killed a run that was passing.
const REAL_RUN_MS = 180_000;
const nats = findNatsServer() ? test : test.skip;
const natsSerial = findNatsServer() ? test.serial : test.serial.skip;

nats('scenario real - node-failure passes with --real: kill -9 of a node process, Unknown, taint, eviction, replacements, all in its trace', async (t) => {
  const started = Date.now();
  const dir = mkdtempSync(join(tmpdir(), 'kubus-real-trace-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  // ×10, not the script's ×20: its "6 web pods Running within 1m" is then 6 s of real time, not 3 s,
  // for a Deployment through four processes; beside the heaviest test files (a CI run at load ~20)
  // 3 s passed with 0 of 6 Running, the run having just come up (its start-up took 45 s).
  const r = await runKubus(['scenario', 'run', 'scenarios/node-failure.scenario.ts', '--real', '--time-scale', '10', '--trace', dir], { timeoutMs: REAL_RUN_MS });
  t.is(r.code, 0, r.stdout + r.stderr);
  t.regex(r.stdout, /— real \(time scale 10\)/);
  t.regex(r.stdout, /^PASSED: node failure — .* real ×10/m);
  t.regex(r.stdout, /✓ until node-1 Ready=Unknown/);
  t.regex(r.stdout, /✓ until 6 web pods Running on the other nodes/);
  t.log(`${Date.now() - started} ms`);
  // Every process fed the runner's recorder (kubus control-plane/node --trace): the whole story is in the diagram.
  const mmd = readFileSync(join(dir, 'node-failure.mmd'), 'utf8');
  const text = readFileSync(join(dir, 'node-failure.trace.txt'), 'utf8');
  const kill = text.indexOf('step kill node-1');
  const renewals = [...text.matchAll(/kubelet\/node-1 → apiserver: update leases lease\/kube-node-lease\/node-1/g)].map((m) => m.index);
  t.true(kill > 0 && renewals.some((i) => i < kill), "node-1's lease renewals before the kill");
  t.false(renewals.some((i) => i > kill), '... and none after it');
  t.regex(mmd, /controller_node_lifecycle->>apiserver: update-status nodes node\/node-1 \(Ready=Unknown\)/, 'the node goes Unknown');
  t.regex(mmd, /->>apiserver: delete pods pod\/default\/web-/, 'eviction');
  t.regex(mmd, /controller_replicaset->>apiserver: create pods pod\/default\/web-[\s\S]*scheduler->>apiserver: bind pods pod\/default\/web-\S+ \(to node-[02]\)/, 'replacements created and bound');
  const creates = mmd.match(/->>apiserver: create pods pod\/default\/web-/g)?.length ?? 0;
  t.true(creates > 6 && (mmd.match(/controller_replicaset->>apiserver: create pods/g)?.length ?? 0) === creates, 'every create, replacements too, is the ReplicaSet controller\'s');
});

nats('scenario real - a PDB-protected Deployment drained node by node with --real: evictions refused with 429, never below minAvailable', async (t) => {
  // Three drains of two pods each, every refused eviction retried 5 s (1 s real) later: about a minute of real time.
  const r = await runKubus(['scenario', 'run', 'scenarios/pdb-drain.scenario.ts', '--real'], { timeoutMs: 240_000 });
  t.is(r.code, 0, r.stdout + r.stderr);
  t.regex(r.stdout, /^PASSED: PDB-protected Deployment drained node by node — .* real ×5/m);
  t.regex(r.stdout, /✓ always +never fewer than 5 Ready pods not being deleted/);
  t.regex(r.stdout, /Cannot evict pod as it would violate the pod's disruption budget\./);
});

nats('scenario real - scale-out with its 20 nodes in two `kubus node --count` processes: every pod Running, startup p50/p99 reported', async (t) => {
  const started = Date.now();
  const r = await runKubus(['scenario', 'run', 'scenarios/scale-out.scenario.ts', '--real', '--nodes-per-process', '10', '--param', 'nodes=20', '--param', 'rate=50', '--param', 'duration=2s'], { timeoutMs: REAL_RUN_MS });
  t.is(r.code, 0, r.stdout + r.stderr);
  t.regex(r.stdout, /start: control plane and 20 node\(s\) in 2 node process\(es\) \(real/);
  // Names numbered from each process's first (node-10 … node-19 in the second): a clash would leave 10 nodes.
  t.regex(r.stdout, /✓ until +20 node\(s\) Ready/);
  t.regex(r.stdout, /✓ until +100 pods Running/);
  t.regex(r.stdout, /✓ expect +every node runs pods/);
  for (const f of ['p50 (real)', 'p99 (real)']) t.regex(r.stdout, new RegExp(`pod startup ${f.replace(/[()]/g, '\\$&')} +\\d+(\\.\\d+)? ms`));
  t.log(`${Date.now() - started} ms`);
});

nats('scenario real - partition and heal over a relay that cuts the node process off NATS', async (t) => {
  // ×10, as node-failure above: at ×20 its "6 web pods Ready within 1m" was 3 s of real time, and a CI
  // run at load ~14 on 2 cores saw 5 of 6 Ready then (its start-up had taken 54 s).
  const r = await runKubus(['scenario', 'run', 'scenarios/partition-heal.scenario.ts', '--real', '--time-scale', '10'], { timeoutMs: REAL_RUN_MS });
  t.is(r.code, 0, r.stdout + r.stderr);
  t.regex(r.stdout, /— real \(time scale 10\)/);
  t.regex(r.stdout, /· partition node-2/);
  t.regex(r.stdout, /✓ until node-2 Ready again/);
});

/** Resolves at the next `want` status of a bus (rejects after 10 s). */
const next = (bus: NatsBus, want: BusStatus) =>
  new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${want} within 10 s`)), 10_000);
    const off = bus.onStatus((st) => st === want && (clearTimeout(timer), off(), resolve()));
  });

nats('scenario real - a client behind a relay reconnects when nats-server is killed -9 and restarted on its port', async (t) => {
  const server = await startNatsServer();
  t.teardown(() => server.stop('SIGKILL'));
  const relay = new Relay('client', server.port, new FaultPlan(seededRng(1)), silentLogger);
  await relay.listen();
  t.teardown(() => relay.close());
  const responder = await NatsBus.connect({ servers: server.url, name: 'responder' });
  const client = await NatsBus.connect({ servers: relay.url, name: 'client' });
  t.teardown(() => Promise.all([client.close(), responder.close()]).then(() => undefined));
  responder.subscribe('echo', (m) => responder.respond(m, m.data));
  await responder.flush();
  t.is((await client.request('echo', 1, { timeoutMs: 2_000 })).data, 1);

  const lost = Promise.all([next(client, 'disconnected'), next(responder, 'disconnected')]);
  await server.stop('SIGKILL');
  await lost;
  const back = Promise.all([next(client, 'reconnected'), next(responder, 'reconnected')]);
  await server.restart();
  await back;
  await responder.flush();
  t.is((await client.request('echo', 2, { timeoutMs: 2_000 })).data, 2, 'the relay connects the client to the new server; its requests are answered');
});

// Serial: its nine processes run before the other real scenarios start, not on top of them (2 cores).
natsSerial('scenario real - control-plane failover with --real: scheduler replica killed, nats-server killed and restarted, API server killed -9', async (t) => {
  const started = Date.now();
  const r = await runKubus(['scenario', 'run', 'scenarios/control-plane-failover.scenario.ts', '--real'], { timeoutMs: REAL_RUN_MS });
  t.is(r.code, 0, r.stdout + r.stderr);
  t.regex(r.stdout, /^PASSED: control-plane failover — .* real ×15/m);
  t.regex(r.stdout, /· crash scheduler-[01]/);
  t.regex(r.stdout, /✓ until another replica holds the Lease/);
  t.regex(r.stdout, /✓ expect bound within the lease duration \(15 s\)/);
  t.regex(r.stdout, /· crash the bus[\s\S]*· restart the bus[\s\S]*✓ until no watch lost an event/);
  t.regex(r.stdout, /✓ expect every object the script created is still there \(13\)/);
  for (const m of ['scheduler failover: new pods bound after', 'bus restart: scale-up to 6 Running after', 'API server restart: scale-down converged after'])
    t.regex(r.stdout, new RegExp(`${m} \\(cluster\\):\\s+[\\d.]+ s`), m);
  t.log(r.stdout.split('figures:')[1]?.trim());
  t.log(`${Date.now() - started} ms`);
});
