// The node authorizer and NodeRestriction in the API server over the bus (MemoryBus), with a kubelet's
// identity (system:node:<name> in system:nodes) set on the requests: the abuse cases of issue 15 (another
// node's pods' secrets, another node's pods), what a kubelet may still do, upstream's denial texts,
// and the graph following a pod's deletion.
import test from 'ava';
import type { KubeObject } from '../api/meta.ts';
import type { ApiClient } from '../bus/client.ts';
import { startApi, statusOf } from './helpers/api.ts';

const asNode = (client: ApiClient, node: string) => client.as({ username: `system:node:${node}`, groups: ['system:nodes'] });
const obj = (kind: string, name: string, more: Record<string, unknown> = {}, namespace: string | undefined = 'default') =>
  ({ apiVersion: 'v1', kind, metadata: { name, ...(namespace ? { namespace } : {}) }, ...more }) as KubeObject;
const podOn = (name: string, node: string, secret: string, sa = 'default') =>
  obj('Pod', name, { spec: { nodeName: node, serviceAccountName: sa, containers: [{ name: 'c', image: 'x' }], volumes: [{ name: 's', secret: { secretName: secret } }] } });

async function cluster(t: Parameters<typeof startApi>[0]) {
  const env = await startApi(t);
  const admin = env.client;
  for (const n of ['n1', 'n2']) await admin.create('nodes', obj('Node', n, {}, undefined));
  for (const s of ['s1', 's2']) await admin.create('secrets', obj('Secret', s, { data: { k: Buffer.from(s).toString('base64') } }));
  for (const sa of ['default', 'robot']) if (!(await admin.list('serviceaccounts', { namespace: 'default' })).items.some((x) => x.metadata.name === sa)) await admin.create('serviceaccounts', obj('ServiceAccount', sa));
  const p1 = await admin.create('pods', podOn('p1', 'n1', 's1'));
  const p2 = await admin.create('pods', podOn('p2', 'n2', 's2', 'robot'));
  return { env, admin, n1: asNode(admin, 'n1'), p1, p2 };
}

test('node authz api - a kubelet reads its own pods\' secrets, never another node\'s (upstream text), and loses them once the pod goes', async (t) => {
  const { admin, n1 } = await cluster(t);
  t.is((await n1.get('secrets', 's1', { namespace: 'default' })).metadata.name, 's1');
  const denied = await statusOf(n1.get('secrets', 's2', { namespace: 'default' }));
  t.is(denied.code, 403);
  t.is(denied.message, 'secrets "s2" is forbidden: User "system:node:n1" cannot get resource "secrets" in API group "" in the namespace "default": no relationship found between node \'n1\' and this object');
  t.is((await statusOf(n1.list('secrets', { namespace: 'default' }))).message,
    'secrets is forbidden: User "system:node:n1" cannot list resource "secrets" in API group "" in the namespace "default": No Object name found');
  await admin.delete('pods', 'p1', { namespace: 'default', gracePeriodSeconds: 0 });
  // The API server's graph follows its store: once the pod is gone, its secret is n1's no more.
  const gone = await statusOf(n1.get('secrets', 's1', { namespace: 'default' }));
  t.is(gone.code, 403);
});

test('node authz api - a kubelet cannot delete, evict or write the status of another node\'s pods; its own it can', async (t) => {
  const { admin, n1, p1 } = await cluster(t);
  t.is((await statusOf(n1.delete('pods', 'p2', { namespace: 'default' }))).message, 'pods "p2" is forbidden: node "n1" can only delete pods with spec.nodeName set to itself');
  t.is((await statusOf(n1.evict('default', 'p2'))).message, 'pods "p2" is forbidden: node n1 can only evict pods with spec.nodeName set to itself');
  const p2 = await admin.get('pods', 'p2', { namespace: 'default' });
  t.is((await statusOf(n1.updateStatus('pods', { ...p2, status: { phase: 'Failed' } }))).message,
    'pods "p2" is forbidden: node "n1" can only update pod status for pods with spec.nodeName set to itself');
  t.is((await statusOf(n1.patch('pods', 'p2', { metadata: { labels: { a: 'b' } } }, { namespace: 'default' }))).code, 403, 'no pod updates at all');
  t.is((await admin.get('pods', 'p2', { namespace: 'default' })).metadata.uid, p2.metadata.uid, 'p2 is untouched');
  t.is((await n1.updateStatus<KubeObject & { status: { phase: string } }>('pods', { ...p1, status: { phase: 'Running' } })).status.phase, 'Running');
  await n1.delete('pods', 'p1', { namespace: 'default', gracePeriodSeconds: 0 });
  t.is((await statusOf(admin.get('pods', 'p1', { namespace: 'default' }))).code, 404);
});

test('node authz api - pods: list and watch only with its own spec.nodeName selector; mirror pods only as upstream allows', async (t) => {
  const { n1 } = await cluster(t);
  const mine = await n1.list('pods', { fieldSelector: 'spec.nodeName=n1' });
  t.deepEqual(mine.items.map((p) => p.metadata.name), ['p1']);
  t.is((await statusOf(n1.list('pods'))).message,
    'pods is forbidden: User "system:node:n1" cannot list resource "pods" in API group "" at the cluster scope: can only list/watch pods with spec.nodeName field selector');
  t.is((await statusOf(n1.list('pods', { fieldSelector: 'spec.nodeName=n2' }))).code, 403);
  t.is((await statusOf(n1.watch('pods', { fieldSelector: 'spec.nodeName=n2' }, { event: () => {}, end: () => {} }))).code, 403);
  (await n1.watch('pods', { fieldSelector: 'spec.nodeName=n1' }, { event: () => {}, end: () => {} })).stop();
  t.is((await statusOf(n1.get('pods', 'p2', { namespace: 'default' }))).code, 403);
  t.is((await n1.get('pods', 'p1', { namespace: 'default' })).metadata.name, 'p1');
  t.is((await statusOf(n1.create('pods', obj('Pod', 'sneaky', { spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'x' }] } })))).message,
    'pods "sneaky" is forbidden: pod does not have "kubernetes.io/config.mirror" annotation, node "n1" can only create mirror pods');
  const mirror = (node: string, more: Record<string, unknown> = {}) => obj('Pod', `static-${node}`, { spec: { nodeName: node, containers: [{ name: 'c', image: 'x' }], ...more } });
  const annotated = (p: KubeObject, uid: string) => ({ ...p, metadata: { ...p.metadata, annotations: { 'kubernetes.io/config.mirror': 'x' }, ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: 'n1', uid, controller: true }] } });
  const node1 = await n1.get('nodes', 'n1');
  t.is((await statusOf(n1.create('pods', annotated(mirror('n2'), node1.metadata.uid!)))).message, 'pods "static-n2" is forbidden: node "n1" can only create pods with spec.nodeName set to itself');
  t.is((await statusOf(n1.create('pods', annotated(mirror('n1', { volumes: [{ name: 's', secret: { secretName: 's2' } }] }), node1.metadata.uid!)))).message,
    'pods "static-n1" is forbidden: node "n1" can not create pods that reference secrets');
  t.is((await n1.create('pods', annotated(mirror('n1'), node1.metadata.uid!))).metadata.name, 'static-n1');
});

test('node authz api - a kubelet writes only its own Node (no taints, only kubelet labels) and its own Lease', async (t) => {
  const { n1 } = await cluster(t);
  t.is((await statusOf(n1.patch('nodes', 'n2', { metadata: { labels: { a: 'b' } } }))).message, 'nodes "n2" is forbidden: node "n1" is not allowed to modify node "n2"');
  t.is((await statusOf(n1.patch('nodes', 'n2', { status: { phase: 'x' } }, { status: true }))).message, 'nodes "n2" is forbidden: node "n1" is not allowed to modify node "n2"');
  t.is((await statusOf(n1.patch('nodes', 'n1', { metadata: { labels: { 'node-restriction.kubernetes.io/gpu': 'yes', 'node-role.kubernetes.io/control-plane': '' } } }))).message,
    'nodes "n1" is forbidden: is not allowed to modify labels: node-restriction.kubernetes.io/gpu, node-role.kubernetes.io/control-plane');
  t.is((await statusOf(n1.patch('nodes', 'n1', { spec: { taints: [{ key: 'k', effect: 'NoSchedule' }] } }))).message, 'nodes "n1" is forbidden: node "n1" is not allowed to modify taints');
  const labelled = await n1.patch('nodes', 'n1', { metadata: { labels: { 'kubernetes.io/hostname': 'n1', 'kubelet.kubernetes.io/x': 'y', 'example.com/team': 'a' } } });
  t.is(labelled.metadata.labels?.['example.com/team'], 'a');
  await n1.patch('nodes', 'n1', { status: { conditions: [{ type: 'Ready', status: 'True' }] } }, { status: true });
  t.is((await statusOf(n1.delete('nodes', 'n2'))).code, 403);
  t.is((await statusOf(n1.create('nodes', obj('Node', 'n3', {}, undefined)))).message, 'nodes "n3" is forbidden: node "n1" is not allowed to modify node "n3"');
  const lease = (name: string) => ({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name, namespace: 'kube-node-lease' }, spec: { holderIdentity: name } }) as KubeObject;
  t.is((await statusOf(n1.create('leases', lease('n2')))).message, 'leases.coordination.k8s.io "n2" is forbidden: can only access node lease with the same name as the requesting node');
  const own = await n1.create('leases', lease('n1'));
  await n1.update('leases', { ...own, spec: { holderIdentity: 'n1', leaseDurationSeconds: 40 } });
  t.is((await statusOf(n1.get('leases', 'n2', { namespace: 'kube-node-lease' }))).code, 403);
});

test('node authz api - tokens only for its pods\' service accounts, bound to such a pod', async (t) => {
  const { n1, p1, p2 } = await cluster(t);
  const bound = (p: KubeObject) => ({ boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: p.metadata.name, uid: p.metadata.uid } });
  const ok = await n1.createToken<{ status: { token: string } }>('default', 'default', bound(p1));
  t.true(ok.status.token.length > 20);
  t.is((await statusOf(n1.createToken('default', 'robot', bound(p2)))).message,
    'serviceaccounts "robot" is forbidden: User "system:node:n1" cannot create resource "serviceaccounts/token" in API group "" in the namespace "default": no relationship found between node \'n1\' and this object');
  t.is((await statusOf(n1.createToken('default', 'default'))).message, 'serviceaccounts "default" is forbidden: node requested token not bound to a pod');
  t.is((await statusOf(n1.createToken('default', 'default', bound(p2)))).message, 'serviceaccounts "default" is forbidden: node requested token bound to a pod scheduled on a different node');
});

test('node authz api - kube-proxy, in its node\'s process and identity, lists and watches Services and EndpointSlices; a node still reads no ConfigMap list', async (t) => {
  const { n1 } = await cluster(t);
  t.is((await n1.list('endpointslices')).kind, 'EndpointSliceList');
  t.is((await n1.list('services')).kind, 'ServiceList');
  (await n1.watch('endpointslices', {}, { event: () => {}, end: () => {} })).stop();
  t.is((await statusOf(n1.list('configmaps', { namespace: 'default' }))).code, 403);
  t.is((await statusOf(n1.create('endpointslices', { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 'x', namespace: 'default' }, addressType: 'IPv4', endpoints: [] } as unknown as KubeObject))).code, 403);
});
