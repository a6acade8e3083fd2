// The endpoints controller (issue 4: "Endpoints follow pod readiness as pods start, fail
// readiness and are deleted"): on the virtual clock, the test plays the kubelet by writing pod
// status (IP, phase, Ready condition).
import test from 'ava';
import type { Endpoints, EndpointSubset } from '../api/kinds/endpoints.ts';
import type { Pod } from '../api/kinds/pod.ts';
import type { KubeObject } from '../api/meta.ts';
import { rfc3339 } from '../api/names.ts';
import { StatusError } from '../api/status.ts';
import { endpointsController } from '../actors/controllers/endpoints/endpoints.controller.ts';
import { OVER_CAPACITY, planEndpoints, truncateSubsets } from '../actors/controllers/endpoints/endpoints.reconcile.ts';
import { repackSubsets } from '../actors/controllers/endpoints/repack-subsets.ts';
import { VirtualClock } from '../bus/clock.ts';
import { startApi } from './helpers/api.ts';

const T0 = Date.UTC(2026, 10, 23, 10, 0, 0);
const NS = 'default';

async function cluster(t: Parameters<typeof startApi>[0]) {
  const clock = new VirtualClock(T0);
  const env = await startApi(t, { clock });
  const run = async <R>(p: Promise<R>): Promise<R> => {
    let done = false;
    void p.then(() => (done = true), () => (done = true));
    await clock.runUntil(() => done, clock.now() + 10_000);
    return p;
  };
  env.process('controller-manager').start(endpointsController, 'controller/endpoints', undefined);
  await clock.advance(1_000);
  const api = env.client;
  const settle = () => clock.advance(500);
  const endpoints = async (name = 'web') => {
    await settle();
    return run(api.get<Endpoints>('endpoints', name, { namespace: NS }).catch((e: StatusError) => (e.code === 404 ? undefined : Promise.reject(e))));
  };
  return { clock, env, api, run, endpoints, settle };
}

type Cluster = Awaited<ReturnType<typeof cluster>>;

const service = (spec: Record<string, unknown>, name = 'web', labels?: Record<string, string>): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace: NS, ...(labels ? { labels } : {}) },
  spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 8080 }], ...spec },
});

interface PodOpts {
  labels?: Record<string, string>;
  ports?: Array<{ name?: string; containerPort: number }>;
}

async function startPod(c: Cluster, name: string, node: string, o: PodOpts = {}) {
  const body = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: NS, labels: o.labels ?? { app: 'web' } },
    spec: { containers: [{ name: 'c', image: 'i', ...(o.ports ? { ports: o.ports } : {}) }] },
  };
  await c.run(c.api.create('pods', body as KubeObject));
  await c.run(c.api.bind(NS, name, node));
}

/** Plays the kubelet: the pod runs with this IP, ready or not (Ready's transition time = now). */
async function setStatus(c: Cluster, name: string, ip: string | undefined, ready: boolean, phase = 'Running') {
  const p = await c.run(c.api.get<Pod>('pods', name, { namespace: NS }));
  const now = rfc3339(c.clock.now());
  const conditions = [{ type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: now }];
  const status = { ...p.status, phase, conditions, ...(ip ? { podIP: ip, podIPs: [{ ip }] } : {}) };
  await c.run(c.api.updateStatus('pods', { ...p, status } as KubeObject));
}

const ips = (addrs: EndpointSubset['addresses']) => (addrs ?? []).map((a) => a.ip);
const summary = (ep: Endpoints | undefined) =>
  (ep?.subsets ?? []).map((s) => ({ ready: ips(s.addresses), notReady: ips(s.notReadyAddresses), ports: (s.ports ?? []).map((p) => `${p.name ?? ''}:${p.port}`) }));

test('endpoints - follow pods as they start, become ready, fail readiness and are deleted', async (t) => {
  const c = await cluster(t);
  await c.run(c.api.create('services', service({})));
  t.deepEqual(summary(await c.endpoints()), [], 'created empty');
  await startPod(c, 'web-1', 'n1');
  await startPod(c, 'web-2', 'n2');
  t.deepEqual(summary(await c.endpoints()), [], 'pods without an IP are left out');
  await setStatus(c, 'web-1', '10.0.0.1', false);
  t.deepEqual(summary(await c.endpoints()), [{ ready: [], notReady: ['10.0.0.1'], ports: ['http:8080'] }], 'started, not ready yet');
  await setStatus(c, 'web-1', '10.0.0.1', true);
  await setStatus(c, 'web-2', '10.0.0.2', true);
  const ep = await c.endpoints();
  t.deepEqual(summary(ep), [{ ready: ['10.0.0.1', '10.0.0.2'], notReady: [], ports: ['http:8080'] }]);
  const addr = ep!.subsets![0].addresses![0];
  const pod1 = await c.run(c.api.get<Pod>('pods', 'web-1', { namespace: NS }));
  t.deepEqual(addr, { ip: '10.0.0.1', nodeName: 'n1', targetRef: { kind: 'Pod', namespace: NS, name: 'web-1', uid: pod1.metadata.uid } });
  await setStatus(c, 'web-2', '10.0.0.2', false);
  t.deepEqual(summary(await c.endpoints()), [{ ready: ['10.0.0.1'], notReady: ['10.0.0.2'], ports: ['http:8080'] }], 'failed readiness');
  await c.run(c.api.delete('pods', 'web-1', { namespace: NS }));
  t.deepEqual(summary(await c.endpoints()), [{ ready: [], notReady: ['10.0.0.2'], ports: ['http:8080'] }], 'terminating pods are left out at once');
  await c.run(c.api.delete('pods', 'web-2', { namespace: NS, gracePeriodSeconds: 0 }));
  t.deepEqual(summary(await c.endpoints()), [], 'deleted');
});

test('endpoints - a named targetPort resolves per pod; different numbers make different subsets', async (t) => {
  const c = await cluster(t);
  await c.run(c.api.create('services', service({ ports: [{ name: 'http', port: 80, targetPort: 'web' }, { name: 'metrics', port: 9100, targetPort: 9100 }] })));
  await startPod(c, 'a', 'n1', { ports: [{ name: 'web', containerPort: 8080 }] });
  await startPod(c, 'b', 'n1', { ports: [{ name: 'web', containerPort: 8080 }] });
  await startPod(c, 'c', 'n2', { ports: [{ name: 'web', containerPort: 9090 }] });
  await startPod(c, 'd', 'n2', { ports: [{ name: 'other', containerPort: 7000 }] });
  for (const [n, ip] of [['a', '10.0.0.1'], ['b', '10.0.0.2'], ['c', '10.0.0.3'], ['d', '10.0.0.4']]) await setStatus(c, n, ip, true);
  const got = summary(await c.endpoints());
  // Canonical form (upstream RepackSubsets): one subset per set of addresses offering the same ports.
  t.deepEqual(
    got.sort((x, y) => x.ready.join().localeCompare(y.ready.join())),
    [
      { ready: ['10.0.0.1', '10.0.0.2'], notReady: [], ports: ['http:8080'] },
      { ready: ['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.4'], notReady: [], ports: ['metrics:9100'] },
      { ready: ['10.0.0.3'], notReady: [], ports: ['http:9090'] },
    ],
    'a pod without the named port serves only the numbered one',
  );
});

test('endpoints - publishNotReadyAddresses lists not-ready pods as ready', async (t) => {
  const c = await cluster(t);
  await c.run(c.api.create('services', service({ publishNotReadyAddresses: true })));
  await startPod(c, 'web-1', 'n1');
  await setStatus(c, 'web-1', '10.0.0.1', false);
  t.deepEqual(summary(await c.endpoints()), [{ ready: ['10.0.0.1'], notReady: [], ports: ['http:8080'] }]);
});

test('endpoints - follow the service: selector and labels change; deleted with it', async (t) => {
  const c = await cluster(t);
  await c.run(c.api.create('services', service({}, 'web', { tier: 'front' })));
  await startPod(c, 'web-1', 'n1');
  await startPod(c, 'api-1', 'n1', { labels: { app: 'api' } });
  await setStatus(c, 'web-1', '10.0.0.1', true);
  await setStatus(c, 'api-1', '10.0.0.9', true);
  const first = await c.endpoints();
  t.deepEqual(ips(first!.subsets![0].addresses), ['10.0.0.1']);
  t.deepEqual(first!.metadata.labels, { tier: 'front' }, 'labels copied from the service');
  const svc = await c.run(c.api.get('services', 'web', { namespace: NS }));
  await c.run(c.api.update('services', { ...svc, spec: { ...(svc.spec as object), selector: { app: 'api' } } }));
  t.deepEqual(ips((await c.endpoints())!.subsets![0].addresses), ['10.0.0.9'], 'selector changed');
  await c.run(c.api.delete('services', 'web', { namespace: NS }));
  t.is(await c.endpoints(), undefined, 'deleted with the service');
});

test('endpoints - services without a selector are left alone, and so are their hand-made Endpoints', async (t) => {
  const c = await cluster(t);
  await c.run(c.api.create('endpoints', { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'ext', namespace: NS }, subsets: [{ addresses: [{ ip: '192.0.2.10' }], ports: [{ port: 5432 }] }] }));
  await c.run(c.api.create('services', { ...service({ selector: undefined, ports: [{ port: 5432 }] }, 'ext') }));
  await startPod(c, 'web-1', 'n1');
  await setStatus(c, 'web-1', '10.0.0.1', true);
  t.deepEqual(summary(await c.endpoints('ext')), [{ ready: ['192.0.2.10'], notReady: [], ports: [':5432'] }]);
});

test('endpoints - last-change-trigger-time: service creation first, then the pod change that triggered the write', async (t) => {
  const c = await cluster(t);
  const svc = await c.run(c.api.create('services', service({})));
  const ep = await c.endpoints();
  t.is(ep!.metadata.annotations?.['endpoints.kubernetes.io/last-change-trigger-time'], svc.metadata.creationTimestamp);
  await startPod(c, 'web-1', 'n1');
  await c.clock.advance(7_000);
  const readyAt = rfc3339(c.clock.now());
  await setStatus(c, 'web-1', '10.0.0.1', true);
  t.is((await c.endpoints())!.metadata.annotations?.['endpoints.kubernetes.io/last-change-trigger-time'], readyAt);
});

test('endpoints - a pod is mapped to the services of its namespace that select it, before and after a label change', async (t) => {
  const c = await cluster(t);
  await c.run(c.api.create('services', service({})));
  await c.run(c.api.create('services', service({ selector: { app: 'api' } }, 'api')));
  await c.run(c.api.create('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'other' } }));
  await c.run(c.api.create('pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web-x', namespace: 'other', labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'i' }] } }));
  await c.run(c.api.bind('other', 'web-x', 'n1'));
  const px = await c.run(c.api.get<Pod>('pods', 'web-x', { namespace: 'other' }));
  await c.run(c.api.updateStatus('pods', { ...px, status: { phase: 'Running', podIP: '10.0.9.9', conditions: [{ type: 'Ready', status: 'True' }] } } as KubeObject));
  await startPod(c, 'p', 'n1');
  await setStatus(c, 'p', '10.0.0.1', true);
  t.deepEqual(summary(await c.endpoints('web')), [{ ready: ['10.0.0.1'], notReady: [], ports: ['http:8080'] }], 'a pod of another namespace with the same labels is not listed');
  t.deepEqual(summary(await c.endpoints('api')), []);
  const p = await c.run(c.api.get<Pod>('pods', 'p', { namespace: NS }));
  await c.run(c.api.update('pods', { ...p, metadata: { ...p.metadata, labels: { app: 'api' } } } as KubeObject));
  t.deepEqual(summary(await c.endpoints('web')), [], 'left the service it no longer matches');
  t.deepEqual(summary(await c.endpoints('api')), [{ ready: ['10.0.0.1'], notReady: [], ports: ['http:8080'] }], 'joined the one it matches now');
});

test('endpoints - Endpoints deleted by hand come back; leftovers of services deleted while the controller was away go at start', async (t) => {
  const c = await cluster(t);
  await c.run(c.api.create('services', service({})));
  await startPod(c, 'web-1', 'n1');
  await setStatus(c, 'web-1', '10.0.0.1', true);
  const before = await c.endpoints();
  await c.run(c.api.delete('endpoints', 'web', { namespace: NS }));
  const after = await c.endpoints();
  t.not(after?.metadata.uid, before?.metadata.uid, 're-created');
  t.deepEqual(summary(after), [{ ready: ['10.0.0.1'], notReady: [], ports: ['http:8080'] }]);

  const ep = (name: string, annotations?: Record<string, string>) => ({ apiVersion: 'v1', kind: 'Endpoints', metadata: { name, namespace: NS, ...(annotations ? { annotations } : {}) } }) as KubeObject;
  await c.run(c.api.create('endpoints', ep('leftover')));
  await c.run(c.api.create('endpoints', ep('leader', { 'control-plane.alpha.kubernetes.io/leader': '{}' })));
  await c.settle();
  t.truthy(await c.endpoints('leftover'), 'an Endpoints without a service is not touched while the controller runs (upstream)');
  // A second controller starts (as after a restart): it finds the leftover.
  c.env.process('controller-manager-2').start(endpointsController, 'controller/endpoints-2', undefined);
  await c.clock.advance(1_000);
  t.is(await c.endpoints('leftover'), undefined, 'the leftover is deleted at start');
  t.truthy(await c.endpoints('leader'), 'leader-election Endpoints are kept');
});

test('endpoints - repack: an address not ready on one port is not ready there; headless subsets without ports keep their addresses', (t) => {
  const a = { ip: '10.0.0.1', targetRef: { uid: 'u1' } };
  const b = { ip: '10.0.0.2', targetRef: { uid: 'u2' } };
  const p = (port: number) => ({ name: `p${port}`, port, protocol: 'TCP' });
  t.deepEqual(
    repackSubsets([
      { addresses: [a], ports: [p(80)] },
      { notReadyAddresses: [a], ports: [p(80)] },
      { addresses: [b], ports: [p(80)] },
    ]),
    [{ addresses: [b], notReadyAddresses: [a], ports: [p(80)] }],
    'not ready trumps ready for the same address and port',
  );
  t.deepEqual(repackSubsets([{ addresses: [b] }, { addresses: [a] }]), [{ addresses: [a, b] }], 'no ports: addresses kept, sorted');
  t.deepEqual(repackSubsets([]), []);
});

test('endpoints - more than 1000 addresses are truncated, ready ones first, and annotated', (t) => {
  const addr = (i: number) => ({ ip: `10.${i >> 8}.${i & 255}.1` });
  const subsets = [
    { addresses: Array.from({ length: 900 }, (_, i) => addr(i)), notReadyAddresses: Array.from({ length: 300 }, (_, i) => addr(1000 + i)), ports: [{ port: 80 }] },
  ];
  const cut = truncateSubsets(subsets)!;
  t.is(cut[0].addresses!.length, 900);
  t.is(cut[0].notReadyAddresses!.length, 100);
  const svc = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'big', namespace: NS }, spec: { clusterIP: '10.96.0.10', selector: { app: 'x' } } } as never;
  const plan = planEndpoints(svc, undefined, subsets, 0);
  t.is(plan.type, 'create');
  if (plan.type !== 'none') t.is(plan.endpoints.metadata.annotations?.[OVER_CAPACITY], 'truncated');
});
