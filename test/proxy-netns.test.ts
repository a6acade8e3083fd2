// kube-proxy on a real network: the actor (informers on an in-process API server) programs its
// table in a "client" network namespace of the test's own; connections from there to the
// ClusterIP and the NodePort reach the endpoint namespace's addresses; rules follow Endpoints
// changes within a second; no ready endpoint → refused; ClientIP affinity sticks; the table
// goes when the actor stops; a failed apply is retried. Nothing is programmed in the host's
// root namespace; the namespaces (and everything in them) are deleted in teardown.
import test from 'ava';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Endpoints, EndpointSubset } from '../api/kinds/endpoints.ts';
import type { Service } from '../api/kinds/service.ts';
import type { KubeObject } from '../api/meta.ts';
import { NFT } from '../actors/proxy/nft.ts';
import { proxyActor } from '../actors/proxy/proxy.actor.ts';
import { endpointSliceMirroringController } from '../actors/controllers/endpointslice/endpointslice-mirroring.controller.ts';
import { startApi } from './helpers/api.ts';
import { startNetnsLab, type NetnsLab } from './helpers/netns.ts';
import { waitFor } from './helpers/wait.ts';

const run = promisify(execFile);
const NS = 'default';
const tables = async (netns: string) => (await run('ip', ['netns', 'exec', netns, NFT, 'list', 'tables'])).stdout.trim();

const subsets = (ready: string[], notReady: string[] = []): EndpointSubset[] =>
  ready.length + notReady.length === 0
    ? []
    : [{ ...(ready.length ? { addresses: ready.map((ip) => ({ ip })) } : {}), ...(notReady.length ? { notReadyAddresses: notReady.map((ip) => ({ ip })) } : {}), ports: [{ name: 'http', port: 8080, protocol: 'TCP' }] }];

/** Returns the endpoints answering n connections in a row (a stale rule shows up as a wrong address). */
async function answers(lab: NetnsLab, host: string, port: number, n: number): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const r = await lab.connect(host, port, 1000);
    out.push(r.data ?? r.error ?? '?');
  }
  return out;
}

/** Starts an API server with Service web (NodePort 30080), its Endpoints (the `ready` addresses) and their mirroring into slices. */
async function cluster(t: Parameters<typeof startApi>[0], ready: string[]) {
  const env = await startApi(t);
  // kube-proxy reads EndpointSlices: the mirroring controller makes them of the hand-written Endpoints.
  env.process('controller-manager').start(endpointSliceMirroringController, 'controller/endpointslicemirroring', undefined);
  const svc = await env.client.create<Service>('services', {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'web', namespace: NS },
    spec: { type: 'NodePort', ports: [{ name: 'http', port: 80, targetPort: 8080, nodePort: 30080 }] },
  } as KubeObject);
  await env.client.create('endpoints', { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'web', namespace: NS }, subsets: subsets(ready) } as Endpoints);
  const setEndpoints = (ready: string[], notReady: string[] = []) => env.client.patch('endpoints', 'web', { subsets: subsets(ready, notReady) }, { namespace: NS });
  return { env, clusterIP: svc.spec.clusterIP!, setEndpoints };
}

test('proxy netns - ClusterIP and NodePort reach the ready endpoints, follow Endpoints within a second, reject with none, stick with ClientIP, and clean up', async (t) => {
  const lab = await startNetnsLab('a');
  t.teardown(() => lab.stop());
  const { env, clusterIP, setEndpoints } = await cluster(t, lab.endpointIPs);
  const [ep1, ep2] = lab.endpointIPs as [string, string];
  const node = env.process('node/n1');
  node.start(proxyActor, 'kube-proxy/n1', { nodeName: 'n1', nodeIPs: [lab.clientIP], netns: lab.client, debounceMs: 50 });

  await waitFor(async () => (await lab.connect(clusterIP, 80, 500)).data, 'the ClusterIP to answer', 10_000, 20);
  const spread = new Set(await answers(lab, clusterIP, 80, 30));
  t.deepEqual([...spread].sort(), [ep1, ep2], 'connections spread over both ready endpoints');
  t.true(lab.endpointIPs.includes((await lab.connect(lab.clientIP, 30080)).data ?? ''), 'the NodePort on the node IP answers');
  t.is((await lab.connect(clusterIP, 81, 300)).data, undefined, 'another port of the ClusterIP is not forwarded');

  // ep1 stops being ready: within a second, every connection goes to ep2.
  let t0 = Date.now();
  await setEndpoints([ep2], [ep1]);
  await waitFor(async () => (await answers(lab, clusterIP, 80, 12)).every((a) => a === ep2), 'only ep2 to answer', 5_000, 10);
  const followMs = Date.now() - t0;
  t.log(`rules followed the Endpoints change in ${followMs} ms`);
  t.true(followMs < 1000, `rules followed the Endpoints change in ${followMs} ms`);

  // No ready endpoint: the connection is refused (reject in the filter chains), on the ClusterIP and the NodePort.
  t0 = Date.now();
  await setEndpoints([], [ep1, ep2]);
  await waitFor(async () => (await lab.connect(clusterIP, 80, 500)).error === 'ECONNREFUSED', 'the ClusterIP to refuse', 5_000, 10);
  const rejectMs = Date.now() - t0;
  t.log(`rejected ${rejectMs} ms after the last endpoint left`);
  t.true(rejectMs < 1000, `rejected ${rejectMs} ms after the last endpoint left`);
  t.is((await lab.connect(lab.clientIP, 30080)).error, 'ECONNREFUSED');

  // sessionAffinity ClientIP: one client keeps its endpoint.
  await env.client.patch('services', 'web', { spec: { sessionAffinity: 'ClientIP' } }, { namespace: NS });
  await setEndpoints([ep1, ep2]);
  await waitFor(async () => (await lab.connect(clusterIP, 80, 500)).data, 'the ClusterIP to answer again', 5_000, 10);
  const sticky = new Set(await answers(lab, clusterIP, 80, 20));
  t.is(sticky.size, 1, `one client, one endpoint: ${[...sticky].join(', ')}`);

  t.is(await tables(lab.client), 'table ip kubus-proxy-n1');
  await node.stopAll();
  t.is(await tables(lab.client), '', 'the table is deleted when the proxy stops');
});

test('proxy netns - a failed apply is retried with backoff until it succeeds', async (t) => {
  const { env, clusterIP } = await cluster(t, ['10.77.0.2']);
  const late = `kp${process.pid}late`;
  t.teardown(() => run('ip', ['netns', 'del', late]).catch(() => {}));
  const node = env.process('node/n2');
  const proxy = node.start(proxyActor, 'kube-proxy/n2', { nodeName: 'n2', nodeIPs: [], netns: late, debounceMs: 10, retry: { initialMs: 50, maxMs: 200 } });
  // The namespace does not exist yet: nft cannot run there.
  await waitFor(() => proxy.snapshot()?.matches('retrying') && (proxy.snapshot()?.context as { failures: number }).failures >= 2, 'two failed applies', 10_000);
  await run('ip', ['netns', 'add', late]);
  await waitFor(() => proxy.snapshot()?.matches('idle'), 'an apply to succeed', 10_000);
  t.is((proxy.snapshot()?.context as { failures: number }).failures, 0);
  t.regex((await run('ip', ['netns', 'exec', late, NFT, 'list', 'map', 'ip', 'kubus-proxy-n2', 'service-ips'])).stdout, new RegExp(`${clusterIP.replace(/\./g, '\\.')} \\. tcp \\. 80`));
});
