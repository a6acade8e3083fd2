// The EndpointSlice controller and the mirroring controller on the virtual clock: the test plays
// the kubelet by writing pod status (IP, phase, Ready), and writes Nodes with zones.
import test from 'ava';
import type { Endpoint, EndpointSlice } from '../api/kinds/endpointslice.ts';
import type { Pod } from '../api/kinds/pod.ts';
import type { KubeObject } from '../api/meta.ts';
import { rfc3339 } from '../api/names.ts';
import { endpointSliceController } from '../actors/controllers/endpointslice/endpointslice.controller.ts';
import { endpointSliceMirroringController } from '../actors/controllers/endpointslice/endpointslice-mirroring.controller.ts';
import { garbageCollectorController } from '../actors/controllers/garbage-collector/garbage-collector.controller.ts';
import { planSlices, portsKey } from '../actors/controllers/endpointslice/slices.plan.ts';
import { desiredFromPods, MAX_ENDPOINTS_PER_SLICE } from '../actors/controllers/endpointslice/endpointslice.reconcile.ts';
import { VirtualClock } from '../bus/clock.ts';
import { startApi } from './helpers/api.ts';
import { settle } from './helpers/wait.ts';

const T0 = Date.UTC(2026, 10, 23, 10, 0, 0);
const NS = 'default';

async function cluster(t: Parameters<typeof startApi>[0], maxEndpointsPerSlice?: number, gc = false) {
  const clock = new VirtualClock(T0);
  const env = await startApi(t, { clock });
  const run = <R>(p: Promise<R>): Promise<R> => settle(clock, p);
  const cm = env.process('controller-manager');
  cm.start(endpointSliceController, 'controller/endpointslice', { maxEndpointsPerSlice });
  cm.start(endpointSliceMirroringController, 'controller/endpointslicemirroring', undefined);
  if (gc) cm.start(garbageCollectorController, 'controller/garbage-collector', undefined);
  await clock.advance(1_000);
  const api = env.client;
  /** The slices of a service (sorted by their first address), after the controllers settle. */
  const slices = async (service = 'web') => {
    await clock.advance(1_500);
    const list = await run(api.list<EndpointSlice>('endpointslices', { namespace: NS, labelSelector: `kubernetes.io/service-name=${service}` }));
    return list.items.sort((a, b) => (a.endpoints?.[0]?.addresses[0] ?? '').localeCompare(b.endpoints?.[0]?.addresses[0] ?? ''));
  };
  for (const [name, zone] of [['n1', 'zone-a'], ['n2', 'zone-b']])
    await run(api.create('nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name, labels: { 'topology.kubernetes.io/zone': zone } } }));
  return { clock, api, run, slices };
}
type Cluster = Awaited<ReturnType<typeof cluster>>;

const service = (spec: Record<string, unknown>, name = 'web'): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace: NS, labels: { team: 'a' } },
  spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 8080 }], ...spec },
});

async function runningPod(c: Cluster, name: string, node: string, ip: string, ready: boolean, extra: Record<string, unknown> = {}) {
  await c.run(c.api.create('pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: NS, labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'i' }], ...extra } } as KubeObject));
  await c.run(c.api.bind(NS, name, node));
  await setReady(c, name, ip, ready);
}

async function setReady(c: Cluster, name: string, ip: string, ready: boolean) {
  const p = await c.run(c.api.get<Pod>('pods', name, { namespace: NS }));
  const conditions = [{ type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: rfc3339(c.clock.now()) }];
  await c.run(c.api.updateStatus('pods', { ...p, status: { ...p.status, phase: 'Running', conditions, podIP: ip, podIPs: [{ ip }] } } as KubeObject));
}

const brief = (e: Endpoint) => `${e.addresses.join()} ready=${e.conditions?.ready} serving=${e.conditions?.serving} terminating=${e.conditions?.terminating}`;

test('endpointslice - a service gets a labelled, owned slice following its pods: conditions, node, zone, hostname', async (t) => {
  const c = await cluster(t);
  const svc = await c.run(c.api.create('services', service({})));
  const [placeholder, ...none] = await c.slices();
  t.deepEqual(none, []);
  t.deepEqual(placeholder.endpoints, [], 'a service without pods has one empty placeholder');
  t.deepEqual(placeholder.ports, []);
  t.deepEqual(placeholder.metadata.labels, { team: 'a', 'kubernetes.io/service-name': 'web', 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io' });
  t.deepEqual(placeholder.metadata.ownerReferences, [{ apiVersion: 'v1', kind: 'Service', name: 'web', uid: svc.metadata.uid!, controller: true, blockOwnerDeletion: true }]);
  t.regex(placeholder.metadata.name!, /^web-[a-z0-9]{5}$/);
  t.is(placeholder.metadata.annotations?.['endpoints.kubernetes.io/last-change-trigger-time'], svc.metadata.creationTimestamp);

  await runningPod(c, 'web-1', 'n1', '10.0.0.1', true, { hostname: 'one', subdomain: 'web' });
  await runningPod(c, 'web-2', 'n2', '10.0.0.2', false);
  const [s, ...rest] = await c.slices();
  t.deepEqual(rest, []);
  t.is(s.metadata.name, placeholder.metadata.name, 'the placeholder is reused, not deleted and recreated');
  t.is(s.addressType, 'IPv4');
  t.deepEqual(s.ports, [{ name: 'http', port: 8080, protocol: 'TCP' }]);
  const pod1 = await c.run(c.api.get<Pod>('pods', 'web-1', { namespace: NS }));
  t.deepEqual(s.endpoints![0], {
    addresses: ['10.0.0.1'],
    conditions: { ready: true, serving: true, terminating: false },
    hostname: 'one',
    targetRef: { kind: 'Pod', namespace: NS, name: 'web-1', uid: pod1.metadata.uid },
    nodeName: 'n1',
    zone: 'zone-a',
  });
  t.is(brief(s.endpoints![1]), '10.0.0.2 ready=false serving=false terminating=false');
  t.is(s.endpoints![1].zone, 'zone-b');

  await c.run(c.api.delete('pods', 'web-1', { namespace: NS }));
  t.deepEqual((await c.slices())[0].endpoints!.map(brief), ['10.0.0.1 ready=false serving=true terminating=true', '10.0.0.2 ready=false serving=false terminating=false'], 'a terminating pod stays, serving, not ready');
});

test('endpointslice - at most maxEndpointsPerSlice per slice; removed endpoints free room that new ones fill', async (t) => {
  const c = await cluster(t, 2);
  await c.run(c.api.create('services', service({})));
  for (let i = 1; i <= 5; i++) await runningPod(c, `web-${i}`, 'n1', `10.0.0.${i}`, true);
  const first = await c.slices();
  t.deepEqual(first.map((s) => s.endpoints!.map((e) => e.addresses[0])), [['10.0.0.1', '10.0.0.2'], ['10.0.0.3', '10.0.0.4'], ['10.0.0.5']]);
  await c.run(c.api.delete('pods', 'web-1', { namespace: NS, gracePeriodSeconds: 0 }));
  await c.run(c.api.delete('pods', 'web-5', { namespace: NS, gracePeriodSeconds: 0 }));
  const after = await c.slices();
  t.deepEqual(after.map((s) => s.endpoints!.map((e) => e.addresses[0])), [['10.0.0.2'], ['10.0.0.3', '10.0.0.4']], 'the emptied slice is deleted');
  await runningPod(c, 'web-6', 'n1', '10.0.0.6', true);
  const filled = await c.slices();
  t.is(filled.length, 2, 'the new endpoint goes into the slice with room');
  t.deepEqual(filled[0].endpoints!.map((e) => e.addresses[0]), ['10.0.0.2', '10.0.0.6']);
});

test('endpointslice - a pod on a node the cache does not know is left out, then added when the node appears', async (t) => {
  const c = await cluster(t);
  await c.run(c.api.create('services', service({})));
  await runningPod(c, 'web-1', 'n9', '10.0.0.9', true);
  t.deepEqual((await c.slices())[0].endpoints, []);
  await c.run(c.api.create('nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n9' } }));
  t.deepEqual((await c.slices())[0].endpoints!.map((e) => e.addresses[0]), ['10.0.0.9']);
});

test('endpointslice mirroring - Endpoints of a selector-less service are mirrored; skip-mirror and deletion remove the slices', async (t) => {
  const c = await cluster(t);
  await c.run(c.api.create('services', { ...service({ selector: undefined }, 'ext') }));
  const ep = await c.run(
    c.api.create('endpoints', {
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: { name: 'ext', namespace: NS, labels: { team: 'b' } },
      subsets: [{ addresses: [{ ip: '192.168.1.1', nodeName: 'n1' }], notReadyAddresses: [{ ip: '192.168.1.2' }], ports: [{ name: 'http', port: 8080, protocol: 'TCP' }] }],
    } as KubeObject),
  );
  const [m, ...rest] = await c.slices('ext');
  t.deepEqual(rest, []);
  t.deepEqual(m.metadata.labels, { team: 'b', 'kubernetes.io/service-name': 'ext', 'endpointslice.kubernetes.io/managed-by': 'endpointslicemirroring-controller.k8s.io' });
  t.deepEqual(m.metadata.ownerReferences, [{ apiVersion: 'v1', kind: 'Endpoints', name: 'ext', uid: ep.metadata.uid!, controller: true, blockOwnerDeletion: true }]);
  t.deepEqual(m.ports, [{ name: 'http', port: 8080, protocol: 'TCP' }]);
  t.deepEqual(m.endpoints, [
    { addresses: ['192.168.1.1'], conditions: { ready: true }, nodeName: 'n1' },
    { addresses: ['192.168.1.2'], conditions: { ready: false } },
  ]);
  const cur = await c.run(c.api.get<KubeObject>('endpoints', 'ext', { namespace: NS }));
  await c.run(c.api.update('endpoints', { ...cur, metadata: { ...cur.metadata, labels: { 'endpointslice.kubernetes.io/skip-mirror': 'true' } } }));
  t.deepEqual(await c.slices('ext'), [], 'skip-mirror: no mirrored slices');
  const skipped = await c.run(c.api.get<KubeObject>('endpoints', 'ext', { namespace: NS }));
  await c.run(c.api.update('endpoints', { ...skipped, metadata: { ...skipped.metadata, labels: {} } }));
  t.is((await c.slices('ext')).length, 1, 'mirrored again without the label');
  await c.run(c.api.delete('endpoints', 'ext', { namespace: NS }));
  t.deepEqual(await c.slices('ext'), [], 'no Endpoints: no slices');
});

test('endpointslice mirroring - Endpoints of a service with a selector are not mirrored', async (t) => {
  const c = await cluster(t);
  await c.run(c.api.create('services', service({})));
  await c.run(
    c.api.create('endpoints', { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'web', namespace: NS }, subsets: [{ addresses: [{ ip: '192.168.1.1' }], ports: [{ port: 1, protocol: 'TCP' }] }] } as KubeObject),
  );
  const got = await c.slices();
  t.deepEqual(got.map((s) => s.metadata.labels?.['endpointslice.kubernetes.io/managed-by']), ['endpointslice-controller.k8s.io']);
});

test('endpointslice - slices go with their service (garbage collector, by owner reference); a selector-less service gets none from the controller', async (t) => {
  const c = await cluster(t, undefined, true);
  await c.run(c.api.create('services', service({})));
  await runningPod(c, 'web-1', 'n1', '10.0.0.1', true);
  t.is((await c.slices()).length, 1);
  await c.run(c.api.delete('services', 'web', { namespace: NS }));
  await c.clock.advance(5_000);
  t.deepEqual(await c.slices(), [], 'deleted with the service');
  await c.run(c.api.create('services', service({ selector: undefined }, 'manual')));
  t.deepEqual(await c.slices('manual'), [], 'no selector, no Endpoints: no slices');
});

test('endpointslice plan - 250 endpoints make slices of 100, 100 and 50; a port change reuses the slices instead of deleting and creating', (t) => {
  const ports = [{ name: 'http', port: 8080, protocol: 'TCP' }];
  const owner = {
    addressTypes: ['IPv4'],
    labels: { 'kubernetes.io/service-name': 'web' },
    placeholder: true,
    triggerTime: 0,
    newSlice: (addressType: string, p: EndpointSlice['ports']): EndpointSlice => ({ apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { generateName: 'web-', namespace: NS }, addressType, endpoints: [], ports: p }),
  };
  const eps: Endpoint[] = Array.from({ length: 250 }, (_, i) => ({ addresses: [`10.0.${i >> 8}.${i & 255}`], conditions: { ready: true } }));
  t.is(MAX_ENDPOINTS_PER_SLICE, 100);
  const first = planSlices(owner, [], new Map([[portsKey('IPv4', ports), { ports, endpoints: eps }]]), MAX_ENDPOINTS_PER_SLICE);
  t.deepEqual(first.create.map((s) => s.endpoints!.length), [100, 100, 50]);
  t.deepEqual([first.update.length, first.delete.length], [0, 0]);
  const existing = first.create.map((s, i) => ({ ...s, metadata: { ...s.metadata, name: `web-${i}`, labels: owner.labels } }));
  const again = planSlices(owner, existing, new Map([[portsKey('IPv4', ports), { ports, endpoints: eps }]]), MAX_ENDPOINTS_PER_SLICE);
  t.deepEqual([again.create.length, again.update.length, again.delete.length], [0, 0, 0], 'nothing changed: no writes');
  const moved = [{ name: 'http', port: 9090, protocol: 'TCP' }];
  const ported = planSlices(owner, existing, new Map([[portsKey('IPv4', moved), { ports: moved, endpoints: eps }]]), MAX_ENDPOINTS_PER_SLICE);
  t.deepEqual([ported.create.length, ported.delete.length], [0, 0]);
  t.deepEqual(ported.update.map((s) => [s.metadata.name, s.ports![0].port, s.endpoints!.length]).sort(), [['web-0', 9090, 50], ['web-1', 9090, 100], ['web-2', 9090, 100]]);
});

test('endpointslice reconcile - a pod address that is no IP is left out instead of failing the slice', (t) => {
  const svc = { ...service({}), metadata: { name: 'web', namespace: NS, uid: 'u' } } as unknown as Parameters<typeof desiredFromPods>[0];
  const pod = (name: string, ip: string) =>
    ({ metadata: { name, namespace: NS, labels: { app: 'web' } }, spec: { containers: [] }, status: { phase: 'Running', podIP: ip, podIPs: [{ ip }], conditions: [{ type: 'Ready', status: 'True' }] } }) as unknown as Pod;
  const { groups } = desiredFromPods(svc, [pod('a', '10.0.0.256'), pod('b', '10.0.0.2')], () => undefined);
  t.deepEqual([...groups.values()].flatMap((g) => g.endpoints.map((e) => e.addresses[0])), ['10.0.0.2']);
});
