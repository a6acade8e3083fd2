// The scheduler over a real nats-server: API server and scheduler on their own connections, a
// client on a third; placement, the unschedulable condition, and explain over NATS.
import test from 'ava';
import type { Pod } from '../api/kinds/pod.ts';
import type { KubeObject } from '../api/meta.ts';
import { apiserverActor } from '../actors/apiserver/apiserver.actor.ts';
import { MemoryStore } from '../actors/apiserver/store/index.ts';
import type { ExplainReply } from '../actors/scheduler/explain.ts';
import { schedulerActor } from '../actors/scheduler/scheduler.actor.ts';
import { realClock } from '../bus/clock.ts';
import { ApiClient } from '../bus/client.ts';
import { NatsBus } from '../bus/nats-bus.ts';
import { cryptoRng } from '../bus/random.ts';
import { SCHEDULER_EXPLAIN } from '../bus/subjects.ts';
import { silentLogger } from '../bus/types.ts';
import { serving } from '../runtime/control-plane.ts';
import { Host } from '../runtime/host.ts';
import { natsServer } from './helpers/nats.ts';
import { mkNode, mkPod } from './helpers/scheduler.ts';
import { waitFor } from './helpers/wait.ts';

const strip = (o: KubeObject) => {
  const c = structuredClone(o);
  delete c.metadata.uid;
  return c;
};

test('scheduler - over NATS: binds what fits, marks what does not, and explains', async (t) => {
  const nats = await natsServer(t);
  const connect = async (name: string) => {
    const b = await NatsBus.connect({ servers: nats.url, name });
    t.teardown(() => b.close());
    return b;
  };
  const hosts: Host[] = [];
  t.teardown(async () => {
    for (const h of hosts.reverse()) await h.stopAll();
  });
  const host = async (name: string) => {
    const h = new Host({ bus: await connect(name), clock: realClock, rng: cryptoRng(), log: silentLogger });
    hosts.push(h);
    return h;
  };
  const cp = await host('control-plane');
  await serving(cp.start(apiserverActor, 'apiserver', { store: new MemoryStore() }));
  await cp.env.bus.flush();
  const bus = await connect('client');
  const client = new ApiClient(bus);
  for (const n of [mkNode('a', { cpu: '2' }), mkNode('b', { cpu: '2', labels: { disk: 'ssd' } })]) await client.create('nodes', strip(n));
  const sched = (await host('scheduler')).start(schedulerActor, 'scheduler', {});
  await waitFor(() => sched.snapshot()?.matches({ lifecycle: 'idle' }), 'scheduler synced');
  await client.create('pods', strip(mkPod('fast', { cpu: '1', nodeSelector: { disk: 'ssd' } })));
  await client.create('pods', strip(mkPod('huge', { cpu: '3' })));
  const get = (name: string) => client.get<Pod>('pods', name, { namespace: 'default' });
  await waitFor(async () => (await get('fast')).spec.nodeName === 'b', 'fast bound to b');
  await waitFor(async () => (await get('huge')).status?.conditions?.some((c) => c.reason === 'Unschedulable'), 'huge marked Unschedulable');
  const r = (await bus.request<ExplainReply>(SCHEDULER_EXPLAIN, { namespace: 'default', name: 'huge' }, { timeoutMs: 5_000 })).data;
  t.is(r.message, '0/2 nodes are available: 2 Insufficient cpu. preemption: 0/2 nodes are available: 2 No preemption victims found for incoming pod.');
  t.like(r.last, { result: 'unschedulable' });
});
