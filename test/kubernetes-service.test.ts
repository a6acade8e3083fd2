// The `kubernetes` Service: created by the API server at start (10.96.0.1, 443 https, the range's
// first address kept from dynamic allocation); each advertising HTTP gateway lists itself in its
// Endpoints and EndpointSlice through a Lease of its own, makes targetPort its port, and leaves
// when it stops. Neither slice controller touches them.
import test from 'ava';
import type { EndpointSlice } from '../api/kinds/endpointslice.ts';
import type { Endpoints } from '../api/kinds/endpoints.ts';
import type { Lease } from '../api/kinds/lease.ts';
import type { Service } from '../api/kinds/service.ts';
import { kubernetesEndpoints, kubernetesService } from '../api/kubernetes-service.ts';
import type { KubeObject } from '../api/meta.ts';
import { StatusError } from '../api/status.ts';
import { endpointSliceController } from '../actors/controllers/endpointslice/endpointslice.controller.ts';
import { endpointSliceMirroringController } from '../actors/controllers/endpointslice/endpointslice-mirroring.controller.ts';
import { gatewayActor } from '../actors/gateway/gateway.actor.ts';
import { planKubernetes } from '../actors/gateway/kubernetes-endpoints.ts';
import { startApi, type ApiEnv } from './helpers/api.ts';
import { waitFor } from './helpers/wait.ts';

const D = { namespace: 'default' };

async function gateway(env: ApiEnv, name: string) {
  const gw = env.process(name).start(gatewayActor, 'gateway', { address: '127.0.0.1:0', advertise: true, announceMs: 200 });
  await gw.waitFor((s) => s.matches('listening') || s.status === 'done');
  const url = gw.snapshot()?.context.url as string;
  return { gw, port: Number(new URL(url).port) };
}

const addresses = async (env: ApiEnv) => {
  const ep = await env.client.get<Endpoints>('endpoints', 'kubernetes', D).catch(() => undefined);
  return (ep?.subsets ?? []).flatMap((s) => (s.addresses ?? []).map((a) => `${a.ip}:${s.ports?.[0]?.port}`)).join(',');
};

test('kubernetes service - the API server creates it at 10.96.0.1; that address is never handed out again', async (t) => {
  const env = await startApi(t);
  const svc = await env.client.get<Service>('services', 'kubernetes', D);
  t.deepEqual(svc.metadata.labels, { component: 'apiserver', provider: 'kubernetes' });
  t.is(svc.spec.clusterIP, '10.96.0.1');
  t.deepEqual(svc.spec.ports, [{ name: 'https', port: 443, protocol: 'TCP', targetPort: 443 }]);
  t.is(svc.spec.selector, undefined, 'no selector: its endpoints are kept by the gateways');
  const ips = [];
  for (let i = 0; i < 20; i++) {
    const s = await env.client.create<Service>('services', { apiVersion: 'v1', kind: 'Service', metadata: { name: `s${i}`, namespace: 'default' }, spec: { ports: [{ port: 80 }] } } as KubeObject);
    ips.push(s.spec.clusterIP);
  }
  t.false(ips.includes('10.96.0.1'));
  const err = await t.throwsAsync(
    env.client.create('services', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'thief', namespace: 'default' }, spec: { clusterIP: '10.96.0.1', ports: [{ port: 80 }] } } as KubeObject),
    { instanceOf: StatusError },
  );
  t.is(err!.status.code, 422);
  t.regex(err!.status.message, /provided IP is already allocated/);
});

test('kubernetes service - advertising gateways list themselves (Endpoints, EndpointSlice, targetPort) and leave when they stop', async (t) => {
  const env = await startApi(t);
  const cm = env.process('controller-manager');
  cm.start(endpointSliceController, 'controller/endpointslice', undefined);
  cm.start(endpointSliceMirroringController, 'controller/endpointslicemirroring', undefined);
  const a = await gateway(env, 'gw-a');
  await waitFor(async () => (await addresses(env)) === `127.0.0.1:${a.port}`, 'the first gateway in the Endpoints');
  const svc = await env.client.get<Service>('services', 'kubernetes', D);
  t.is(svc.spec.ports?.[0].targetPort, a.port, "targetPort is the gateway's port");
  const ep = await env.client.get<Endpoints>('endpoints', 'kubernetes', D);
  t.deepEqual(ep.metadata.labels, { 'endpointslice.kubernetes.io/skip-mirror': 'true' });
  const slice = await waitFor(() => env.client.get<EndpointSlice>('endpointslices', 'kubernetes', D).catch(() => undefined), 'the kubernetes slice');
  t.deepEqual(slice.metadata.labels, { 'kubernetes.io/service-name': 'kubernetes' });
  t.is(slice.addressType, 'IPv4');
  t.deepEqual(slice.endpoints, [{ addresses: ['127.0.0.1'], conditions: { ready: true } }]);
  t.deepEqual(slice.ports, [{ name: 'https', port: a.port, protocol: 'TCP' }]);
  const leases = await env.client.list<Lease>('leases', { namespace: 'kube-system', labelSelector: 'apiserver.kubernetes.io/identity=kube-apiserver' });
  t.deepEqual(leases.items.map((l) => l.spec?.holderIdentity), [`127.0.0.1:${a.port}`]);

  const b = await gateway(env, 'gw-b');
  const both = [a.port, b.port].sort((x, y) => x - y).map((p) => `127.0.0.1:${p}`).join(',');
  await waitFor(async () => (await addresses(env)) === both, 'both gateways in the Endpoints');
  await b.gw.stop();
  await waitFor(async () => (await addresses(env)) === `127.0.0.1:${a.port}`, 'the stopped gateway gone from the Endpoints');
  const slices = await env.client.list<EndpointSlice>('endpointslices', { namespace: 'default' });
  t.deepEqual(slices.items.map((s) => s.metadata.name), ['kubernetes'], 'neither slice controller adds slices of its own');
});

test('kubernetes service - the plan keeps the port, Endpoints and slice, and leaves them alone when right', (t) => {
  const svc = { ...kubernetesService('10.96.0.1'), metadata: { ...kubernetesService('10.96.0.1').metadata, resourceVersion: '5' } };
  const servers = [{ ip: '10.0.0.2', port: 6443 }, { ip: '10.0.0.1', port: 6443 }];
  const first = planKubernetes(servers, 6443, svc, undefined, undefined);
  t.deepEqual(first.map((s) => `${s.verb} ${s.resource}`), ['update services', 'create endpoints', 'create endpointslices']);
  t.deepEqual((first[1].object as Endpoints).subsets, [{ addresses: [{ ip: '10.0.0.1' }, { ip: '10.0.0.2' }], ports: [{ name: 'https', port: 6443, protocol: 'TCP' }] }]);
  const ep = kubernetesEndpoints(servers);
  const slice = first[2].object as unknown as EndpointSlice;
  const svc6443 = first[0].object as Service;
  t.deepEqual(planKubernetes(servers, 6443, svc6443, ep, slice), [], 'nothing to do');
  t.deepEqual(
    planKubernetes([{ ip: '10.0.0.1', port: 6443 }], 6443, svc6443, ep, slice).map((s) => `${s.verb} ${s.resource}`),
    ['update endpoints', 'update endpointslices'],
  );
  t.deepEqual(planKubernetes(servers, 6443, svc6443, ep, { ...slice, addressType: 'IPv6' }).map((s) => `${s.verb} ${s.resource}`), ['delete endpointslices'], 'addressType is immutable');
});
