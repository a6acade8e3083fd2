// The node IPAM controller: each Node gets spec.podCIDR(s) from the cluster CIDR, never two the
// same, a deleted node's CIDR is reused, a node's own CIDR is kept, CIDRNotAvailable when full;
// and the CidrSet it allocates from. On the MemoryBus and the virtual clock.
import test from 'ava';
import type { Node } from '../api/kinds/node.ts';
import type { KubeObject } from '../api/meta.ts';
import { CidrExhaustedError, CidrSet, NO_CIDRS_REMAINING } from '../actors/controllers/node-ipam/cidr-set.ts';
import { nodeIpamController, type NodeIpamInput } from '../actors/controllers/node-ipam/node-ipam.controller.ts';
import { VirtualClock } from '../bus/clock.ts';
import { resolveConfig } from '../actors/kubelet/kubelet.config.ts';
import { initialNode } from '../actors/kubelet/node-status.ts';
import { startApi } from './helpers/api.ts';
import { runKubus } from './helpers/proc.ts';

async function cluster(t: Parameters<typeof startApi>[0], input?: NodeIpamInput) {
  const clock = new VirtualClock(Date.UTC(2026, 11, 4, 10, 0, 0));
  const env = await startApi(t, { clock });
  const run = async <R>(p: Promise<R>): Promise<R> => {
    let done = false;
    void p.then(() => (done = true), () => (done = true));
    await clock.runUntil(() => done, clock.now() + 10_000);
    return p;
  };
  const node = (name: string, spec: Node['spec'] = {}) => run(env.client.create('nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name }, spec }));
  const cidrOf = async (name: string) => (await run(env.client.get<Node>('nodes', name))).spec?.podCIDRs;
  const start = async () => {
    env.process('controller-manager').start(nodeIpamController, 'controller/node-ipam', input);
    await clock.advance(1_000);
  };
  return { clock, api: env.client, run, node, cidrOf, start };
}

test('node-ipam - every node gets its own /24 of 10.244.0.0/16, and keeps it', async (t) => {
  const c = await cluster(t);
  await c.start();
  for (const n of ['a', 'b', 'c']) await c.node(n);
  await c.clock.advance(1_000);
  t.deepEqual(await c.cidrOf('a'), ['10.244.0.0/24']);
  t.deepEqual(await c.cidrOf('b'), ['10.244.1.0/24']);
  t.deepEqual(await c.cidrOf('c'), ['10.244.2.0/24']);
  const a = await c.run(c.api.get<Node>('nodes', 'a'));
  t.is(a.spec?.podCIDR, '10.244.0.0/24');
  // Once set, a node's CIDR may not change (upstream ValidateNodeUpdate).
  const err = await t.throwsAsync(c.run(c.api.patch('nodes', 'a', { spec: { podCIDR: '10.244.9.0/24', podCIDRs: ['10.244.9.0/24'] } })));
  t.regex(err!.message, /node updates may not change podCIDR except from "" to valid/);
});

test('node-ipam - CIDRs nodes already have are occupied, never handed out twice', async (t) => {
  const c = await cluster(t);
  await c.node('old-1', { podCIDR: '10.244.0.0/24', podCIDRs: ['10.244.0.0/24'] });
  await c.node('old-2', { podCIDRs: ['10.244.2.0/24'] });
  // Outside the cluster CIDR (a kubelet's own --pod-cidr): left alone.
  await c.node('own', { podCIDR: '10.128.5.0/24' });
  await c.start();
  await c.node('new-1');
  await c.node('new-2');
  await c.clock.advance(1_000);
  t.deepEqual(await c.cidrOf('old-1'), ['10.244.0.0/24']);
  t.deepEqual(await c.cidrOf('own'), ['10.128.5.0/24']);
  t.is((await c.run(c.api.get<Node>('nodes', 'old-2'))).spec?.podCIDR, '10.244.2.0/24', 'podCIDR is podCIDRs[0]');
  t.deepEqual(await c.cidrOf('new-1'), ['10.244.1.0/24']);
  t.deepEqual(await c.cidrOf('new-2'), ['10.244.3.0/24']);
});

test('node-ipam - a full range gives CIDRNotAvailable; a deleted node frees its CIDR for the next', async (t) => {
  const c = await cluster(t, { clusterCIDRs: ['10.10.0.0/23'], nodeCIDRMaskSize: 24 });
  await c.start();
  await c.node('n1');
  await c.node('n2');
  await c.node('n3');
  await c.clock.advance(2_000);
  t.deepEqual([await c.cidrOf('n1'), await c.cidrOf('n2')], [['10.10.0.0/24'], ['10.10.1.0/24']]);
  t.is(await c.cidrOf('n3'), undefined);
  const events = await c.run(c.api.list<KubeObject & { reason: string; message: string; source: { component: string } }>('events', { namespace: 'default' }));
  const ev = events.items.find((e) => e.reason === 'CIDRNotAvailable');
  t.truthy(ev, 'CIDRNotAvailable recorded');
  t.is(ev?.message, 'Node n3 status is now: CIDRNotAvailable');
  t.is(ev?.source.component, 'cidrAllocator');
  await c.run(c.api.delete('nodes', 'n1'));
  // n3 is retried with the queue's backoff and gets n1's CIDR.
  for (let i = 0; i < 60 && !(await c.cidrOf('n3')); i++) await c.clock.advance(1_000);
  t.deepEqual(await c.cidrOf('n3'), ['10.10.0.0/24']);
});

test('node-ipam - the CIDR set hands out blocks round robin and frees ranges', (t) => {
  const s = new CidrSet('10.244.0.0/22', 24);
  t.is(s.max, 4);
  t.is(s.allocateNext(), '10.244.0.0/24');
  t.is(s.allocateNext(), '10.244.1.0/24');
  s.release('10.244.0.0/24');
  // Upstream's nextCandidate: the freed block comes back only after the others.
  t.is(s.allocateNext(), '10.244.2.0/24');
  t.is(s.allocateNext(), '10.244.3.0/24');
  t.is(s.allocateNext(), '10.244.0.0/24');
  t.throws(() => s.allocateNext(), { instanceOf: CidrExhaustedError, message: NO_CIDRS_REMAINING });
  s.release('10.244.2.0/23');
  t.is(s.size, 2);
  t.throws(() => s.occupy('10.245.0.0/24'), { message: 'cidr 10.245.0.0/24 is out the range of cluster cidr 10.244.0.0/22' });
  const svc = new CidrSet('10.96.0.0/11', 24);
  svc.occupy('10.96.0.0/12');
  t.is(svc.size, 4096);
  t.is(svc.allocateNext(), '10.112.0.0/24');
});

test('node-ipam - a containerd kubelet registers without a pod CIDR (the controller gives it); a sim one keeps its own', (t) => {
  t.deepEqual(initialNode(resolveConfig({ nodeName: 'real-1', runtime: 'containerd' }), {}).spec, {});
  t.deepEqual(initialNode(resolveConfig({ nodeName: 'real-1', runtime: 'containerd', podCIDR: '10.244.9.0/24' }), {}).spec, { podCIDR: '10.244.9.0/24', podCIDRs: ['10.244.9.0/24'] });
  t.is(initialNode(resolveConfig({ nodeName: 'sim-3' }), {}).spec?.podCIDR, '10.128.3.0/24');
});

test('node-ipam - kubus control-plane refuses a cluster CIDR it cannot cut, in one line', async (t) => {
  const bad = await runKubus(['--nats', 'nats://127.0.0.1:1', 'control-plane', '--cluster-cidr', '10.1.0.0/16', '--node-cidr-mask-size', '8']);
  t.is(bad.code, 1);
  t.is(bad.stderr.trim(), 'error: --cluster-cidr/--node-cidr-mask-size: node CIDR mask size 8 does not fit cluster CIDR 10.1.0.0/16');
});
