// Kubelets of one process on one connection (kubus node --count) share one watch of all Nodes
// (actors/kubelet/own-node.ts): each still writes status again at once when someone else wrote its
// Ready condition, and only its own.
import test from 'ava';
import type { Node } from '../api/kinds/node.ts';
import { nodeCondition } from '../api/kinds/pod-helpers.ts';
import { kubeletActor } from '../actors/kubelet/kubelet.actor.ts';
import { VirtualClock } from '../bus/clock.ts';
import { startApi } from './helpers/api.ts';

const T0 = Date.UTC(2026, 0, 1);
const unknown = { status: { conditions: [{ type: 'Ready', status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.', lastHeartbeatTime: '2026-01-01T00:00:05Z', lastTransitionTime: '2026-01-01T00:00:50Z' }] } };

for (const shared of [true, false]) {
  test(`kubelet - ${shared ? 'shared' : 'own'} Node watch: a Ready condition written by someone else is written again at once, for that node only`, async (t) => {
    const clock = new VirtualClock(T0);
    const api = await startApi(t, { clock });
    const nodeWatches: string[] = [];
    api.broker.tap = { sent: (r) => void (r.subject.startsWith('kubus.api.nodes.watch') && nodeWatches.push(r.subject)), delivered: () => {} };
    const host = api.process('nodes');
    for (const name of ['node-1', 'node-2', 'node-3']) host.start(kubeletActor, `kubelet/${name}`, { nodeName: name, sharedNodeWatch: shared, events: false });
    await clock.advance(5000);
    t.is(nodeWatches.length, shared ? 1 : 3, 'one watch for the process, or one per kubelet');
    const run = async <T>(p: Promise<T>) => {
      let done = false;
      void p.finally(() => (done = true)).catch(() => {});
      await clock.runUntil(() => done, clock.now() + 60_000);
      return p;
    };
    const before = await run(api.client.get<Node>('nodes', 'node-2'));
    await run(api.client.patch('nodes', 'node-1', unknown, { status: true }));
    await clock.advance(1000);
    const n1 = await run(api.client.get<Node>('nodes', 'node-1'));
    t.like(nodeCondition(n1, 'Ready'), { status: 'True', reason: 'KubeletReady' }, 'node-1 wrote its status again');
    const n2 = await run(api.client.get<Node>('nodes', 'node-2'));
    t.is(n2.metadata.resourceVersion, before.metadata.resourceVersion, 'node-2 did not write');
    // A stopped kubelet hears no more: its Node marked Unknown stays so.
    await host.stop('kubelet/node-3');
    await run(api.client.patch('nodes', 'node-3', unknown, { status: true }));
    await clock.advance(1000);
    const n3 = await run(api.client.get<Node>('nodes', 'node-3'));
    t.like(nodeCondition(n3, 'Ready'), { status: 'Unknown', reason: 'NodeStatusUnknown' });
  });
}
