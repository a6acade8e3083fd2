// The node authorizer in process: the graph it keeps from the store (pods bound to a node, what they
// refer to, PVs to claims to secrets) through rebinding and deletion; its decisions and reasons; the
// union with RBAC and upstream's denial text; the kubelet label rule of NodeRestriction.
import test from 'ava';
import type { Attributes } from '../api/authorization.ts';
import { forbiddenError } from '../api/authorization.ts';
import { AuthorizerChain } from '../actors/apiserver/authz/chain.ts';
import { RbacAuthorizer } from '../actors/apiserver/authz/authorizer.ts';
import { BindingIndex } from '../actors/apiserver/authz/binding-index.ts';
import { checkEscalation } from '../actors/apiserver/authz/escalation.ts';
import { NodeAuthorizer } from '../actors/apiserver/authz/node-authorizer.ts';
import { NodeGraph, podReferences } from '../actors/apiserver/authz/node-graph.ts';
import { nodeIdentity } from '../actors/apiserver/authz/node-identity.ts';
import { isForbiddenNodeLabel } from '../actors/apiserver/admission-node-labels.ts';
import { authorizeCaughtUp, startAuthorization } from '../actors/apiserver/authz/node-rbac.ts';
import type { ServerContext } from '../actors/apiserver/context.ts';
import type { UserInfo } from '../api/protocol.ts';
import { resourceFor } from '../api/resources.ts';
import { MemoryStore } from '../actors/apiserver/store/index.ts';
import { silentLogger } from '../bus/types.ts';

const kubelet = (node: string) => ({ username: `system:node:${node}`, groups: ['system:nodes', 'system:authenticated'] });

function pod(name: string, node: string | undefined, spec: Record<string, unknown> = {}, ns = 'ns') {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: ns, uid: `uid-${name}` }, spec: { ...(node ? { nodeName: node } : {}), containers: [{ name: 'c', image: 'x' }], ...spec } };
}

async function setup(t: { teardown: (fn: () => void) => void }) {
  const store = new MemoryStore();
  const graph = new NodeGraph(store, silentLogger);
  graph.start();
  t.teardown(() => graph.close());
  const put = async (key: string, value: unknown) => {
    const cur = store.get(key);
    await store.txn(cur ? { op: 'update', key, value, ifModRevision: cur.modRevision } : { op: 'create', key, value });
  };
  const del = async (key: string) => {
    const cur = store.get(key)!;
    await store.txn({ op: 'delete', key, ifModRevision: cur.modRevision });
  };
  return { store, graph, put, del };
}

test('node graph - a pod relates its secrets, configmaps, claims and service account to its node only', async (t) => {
  const { graph, put } = await setup(t);
  await put('/registry/pods/ns/web', pod('web', 'n1', {
    serviceAccountName: 'robot',
    imagePullSecrets: [{ name: 'pull' }],
    containers: [{ name: 'c', image: 'x', envFrom: [{ configMapRef: { name: 'env-cm' } }], env: [{ name: 'P', valueFrom: { secretKeyRef: { name: 'env-secret', key: 'k' } } }] }],
    initContainers: [{ name: 'i', image: 'x', env: [{ name: 'Q', valueFrom: { configMapKeyRef: { name: 'init-cm', key: 'k' } } }] }],
    volumes: [
      { name: 'a', secret: { secretName: 'vol-secret' } },
      { name: 'b', configMap: { name: 'vol-cm' } },
      { name: 'c', persistentVolumeClaim: { claimName: 'data' } },
      { name: 'd', projected: { sources: [{ secret: { name: 'proj-secret' } }, { configMap: { name: 'proj-cm' } }, { serviceAccountToken: { path: 'token' } }] } },
      { name: 'e', csi: { driver: 'x', nodePublishSecretRef: { name: 'csi-secret' } } },
      { name: 'f', ephemeral: { volumeClaimTemplate: {} } },
    ],
  }));
  for (const s of ['pull', 'env-secret', 'vol-secret', 'proj-secret', 'csi-secret']) {
    t.true(graph.related('n1', 'secrets', 'ns', s), s);
    t.false(graph.related('n2', 'secrets', 'ns', s), `${s} is not n2's`);
  }
  for (const c of ['env-cm', 'init-cm', 'vol-cm', 'proj-cm']) t.true(graph.related('n1', 'configmaps', 'ns', c), c);
  t.true(graph.related('n1', 'persistentvolumeclaims', 'ns', 'data'));
  t.true(graph.related('n1', 'persistentvolumeclaims', 'ns', 'web-f'), 'an ephemeral volume claim is named <pod>-<volume>');
  t.true(graph.related('n1', 'serviceaccounts', 'ns', 'robot'));
  t.true(graph.related('n1', 'pods', 'ns', 'web'));
  t.false(graph.related('n1', 'secrets', 'other', 'pull'), 'the same name in another namespace is another object');
  t.false(graph.related('n1', 'secrets', 'ns', 'unrelated'));
});

test('node graph - PV → claim → pod → node, and the PV\'s secrets; an unbound pod relates nothing', async (t) => {
  const { graph, put, del } = await setup(t);
  await put('/registry/persistentvolumes/pv1', { apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'pv1' }, spec: { claimRef: { namespace: 'ns', name: 'data' }, csi: { driver: 'd', volumeHandle: 'h', nodeStageSecretRef: { name: 'stage', namespace: 'storage' } } } });
  t.false(graph.related('n1', 'persistentvolumes', '', 'pv1'), 'no pod uses the claim yet');
  await put('/registry/pods/ns/pending', pod('pending', undefined, { volumes: [{ name: 'v', persistentVolumeClaim: { claimName: 'data' } }] }));
  t.false(graph.related('n1', 'persistentvolumes', '', 'pv1'), 'an unbound pod is on no node');
  await put('/registry/pods/ns/pending', pod('pending', 'n1', { volumes: [{ name: 'v', persistentVolumeClaim: { claimName: 'data' } }] }));
  t.true(graph.related('n1', 'persistentvolumes', '', 'pv1'));
  t.true(graph.related('n1', 'secrets', 'storage', 'stage'), 'the PV\'s secret through its claim');
  t.false(graph.related('n2', 'secrets', 'storage', 'stage'));
  await del('/registry/persistentvolumes/pv1');
  t.false(graph.related('n1', 'secrets', 'storage', 'stage'), 'the PV gone, its secret is nobody\'s');
  t.false(graph.related('n1', 'persistentvolumes', '', 'pv1'));
});

test('node graph - deletion, a name reused on another node, shared references and status-only writes', async (t) => {
  const { graph, put, del, store } = await setup(t);
  const withSecret = (name: string, node: string) => pod(name, node, { volumes: [{ name: 's', secret: { secretName: 'shared' } }] });
  await put('/registry/pods/ns/a', withSecret('a', 'n1'));
  await put('/registry/pods/ns/b', withSecret('b', 'n1'));
  await del('/registry/pods/ns/a');
  t.true(graph.related('n1', 'secrets', 'ns', 'shared'), 'b still uses it');
  t.false(graph.related('n1', 'pods', 'ns', 'a'));
  await del('/registry/pods/ns/b');
  t.false(graph.related('n1', 'secrets', 'ns', 'shared'), 'no pod of n1 uses it now');
  // The same name again, bound elsewhere: the old node loses it, the new one has it.
  await put('/registry/pods/ns/a', withSecret('a', 'n1'));
  await del('/registry/pods/ns/a');
  await put('/registry/pods/ns/a', withSecret('a', 'n2'));
  t.false(graph.related('n1', 'secrets', 'ns', 'shared'));
  t.true(graph.related('n2', 'secrets', 'ns', 'shared'));
  // A status write (the stored spec shared) changes nothing; a graph started later reads what is stored.
  const cur = store.get('/registry/pods/ns/a')!.value as Record<string, unknown>;
  await put('/registry/pods/ns/a', { ...cur, status: { phase: 'Running' } });
  t.true(graph.related('n2', 'secrets', 'ns', 'shared'));
  t.is(graph.podCount, 1);
  const late = new NodeGraph(store, silentLogger);
  late.start();
  t.teardown(() => late.close());
  t.true(late.related('n2', 'secrets', 'ns', 'shared'));
  t.false(late.related('n1', 'pods', 'ns', 'a'));
});

test('node graph - a pod\'s references: an unnamed service account is "default"; no node, no references', (t) => {
  t.deepEqual(podReferences(pod('p', 'n1'))?.refs, ['pods/ns/p', 'serviceaccounts/ns/default']);
  t.is(podReferences(pod('p', undefined)), undefined);
  t.is(podReferences({ metadata: {} }), undefined);
});

test('node identity - system:node:<name> in system:nodes; anything else is not a node', (t) => {
  t.is(nodeIdentity(kubelet('n1')), 'n1');
  t.is(nodeIdentity({ username: 'system:node:', groups: ['system:nodes'] }), '');
  t.is(nodeIdentity({ username: 'system:node:n1' }), undefined, 'the group is required');
  t.is(nodeIdentity({ username: 'kubelet', groups: ['system:nodes'] }), undefined, 'the name is required');
  t.is(nodeIdentity(undefined), undefined);
});

const attrs = (node: string, verb: string, resource: string, more: Partial<Attributes> = {}): Attributes => ({ user: kubelet(node), verb, apiGroup: '', resource, namespace: 'ns', name: '', ...more });

test('node authorizer - graph reads, pods by selector, own Lease, static rules; no opinion for other users', async (t) => {
  const { graph, put } = await setup(t);
  await put('/registry/pods/ns/web', pod('web', 'n1', { volumes: [{ name: 's', secret: { secretName: 'creds' } }] }));
  const z = new NodeAuthorizer(graph);
  const ok = (a: Attributes) => t.true(z.authorize(a).allowed, JSON.stringify(a));
  const no = (a: Attributes, reason: string) => t.deepEqual(z.authorize(a), { allowed: false, reason }, JSON.stringify(a));
  ok(attrs('n1', 'get', 'secrets', { name: 'creds' }));
  ok(attrs('n1', 'watch', 'secrets', { name: 'creds', fieldSelector: 'metadata.name=creds' }));
  no(attrs('n2', 'get', 'secrets', { name: 'creds' }), "no relationship found between node 'n2' and this object");
  no(attrs('n1', 'list', 'secrets'), 'No Object name found');
  no(attrs('n1', 'delete', 'secrets', { name: 'creds' }), 'can only read resources of this type');
  no(attrs('n1', 'list', 'persistentvolumes', { namespace: '' }), 'can only get individual resources of this type');
  ok(attrs('n1', 'list', 'pods', { fieldSelector: 'spec.nodeName=n1' }));
  no(attrs('n1', 'list', 'pods', { fieldSelector: 'spec.nodeName=n2' }), 'can only list/watch pods with spec.nodeName field selector');
  no(attrs('n1', 'watch', 'pods'), 'can only list/watch pods with spec.nodeName field selector');
  ok(attrs('n1', 'get', 'pods', { name: 'web' }));
  no(attrs('n2', 'get', 'pods', { name: 'web' }), "no relationship found between node 'n2' and this object");
  ok(attrs('n2', 'delete', 'pods', { name: 'web' })); // NodeRestriction decides whose pod it is
  ok(attrs('n1', 'update', 'pods', { name: 'web', subresource: 'status' }));
  no(attrs('n1', 'update', 'pods', { name: 'web' }), '');
  ok(attrs('n1', 'create', 'serviceaccounts', { name: 'default', subresource: 'token' }));
  no(attrs('n2', 'create', 'serviceaccounts', { name: 'default', subresource: 'token' }), "no relationship found between node 'n2' and this object");
  const lease = (node: string, verb: string, name: string, namespace = 'kube-node-lease') => attrs(node, verb, 'leases', { apiGroup: 'coordination.k8s.io', name, namespace });
  ok(lease('n1', 'update', 'n1'));
  ok(lease('n1', 'create', ''));
  no(lease('n1', 'update', 'n2'), 'can only access node lease with the same name as the requesting node');
  no(lease('n1', 'get', 'n1', 'default'), 'can only access leases in the "kube-node-lease" system namespace');
  no(lease('n1', 'list', ''), 'can only get, create, update, patch, or delete a node lease');
  ok(attrs('n1', 'watch', 'services'));
  ok(attrs('n1', 'patch', 'nodes', { namespace: '', name: 'n1', subresource: 'status' }));
  ok(attrs('n1', 'create', 'events'));
  no(attrs('n1', 'list', 'deployments', { apiGroup: 'apps' }), '');
  no(attrs('n1', 'delete', 'nodes', { namespace: '', name: 'n1' }), '');
  t.deepEqual(z.authorize({ ...attrs('n1', 'get', 'secrets', { name: 'creds' }), user: { username: 'jane', groups: ['system:authenticated'] } }), { allowed: false, reason: '' });
  no({ ...attrs('n1', 'get', 'services'), user: { username: 'system:node:', groups: ['system:nodes'] } }, 'unknown node for user "system:node:"');
});

test('node authorizer - Node,RBAC: RBAC still allows what a binding grants; a denial reads as upstream', async (t) => {
  const { store, graph } = await setup(t);
  const index = new BindingIndex(store, silentLogger);
  index.start();
  t.teardown(() => index.close());
  const chain = new AuthorizerChain(new NodeAuthorizer(graph), new RbacAuthorizer(index));
  const a = attrs('n1', 'get', 'secrets', { name: 'other' });
  const d = chain.authorize(a);
  t.false(d.allowed);
  t.is(forbiddenError(a, d.reason).message,
    'secrets "other" is forbidden: User "system:node:n1" cannot get resource "secrets" in API group "" in the namespace "ns": no relationship found between node \'n1\' and this object');
  t.true(chain.authorize({ ...a, user: { username: 'root', groups: ['system:masters'] } }).allowed, 'RBAC after Node');
  // As upstream: the node authorizer resolves no rules, it only says it cannot.
  const rules = chain.rulesFor(kubelet('n1'), 'ns');
  t.deepEqual(rules.rules, []);
  t.deepEqual(rules.errors, ['node authorizer does not support user rule resolution']);
  // So a node's graph-gated rights (reading secrets) never count as held when it writes a role.
  const ctx = { authz: chain, store } as unknown as ServerContext;
  const role = { rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['get'] }] };
  const write = { operation: 'CREATE', def: resourceFor('roles')!, subresource: '', user: kubelet('n1'), namespace: 'ns', name: 'r', object: role };
  const err = t.throws(() => checkEscalation(ctx, write as unknown as Parameters<typeof checkEscalation>[1]));
  t.regex(err?.message ?? '', /attempting to grant RBAC permissions not currently held/);
});

test('node restriction labels - kubelet labels and namespaces allowed; node-restriction and other kubernetes.io labels not', (t) => {
  for (const k of ['kubernetes.io/hostname', 'topology.kubernetes.io/zone', 'node.kubernetes.io/instance-type', 'kubelet.kubernetes.io/x', 'foo.node.kubernetes.io/y', 'beta.kubernetes.io/arch', 'example.com/team', 'plain'])
    t.false(isForbiddenNodeLabel(k), k);
  for (const k of ['node-restriction.kubernetes.io/pci', 'x.node-restriction.kubernetes.io/a', 'node-role.kubernetes.io/control-plane', 'kubernetes.io/anything', 'k8s.io/x', 'sub.k8s.io/y'])
    t.true(isForbiddenNodeLabel(k), k);
});

test('node authorizer - on a shared store a refused kubelet is authorized again once the replica caught up (its pod arrived meanwhile)', async (t) => {
  const store = new MemoryStore();
  const { authz, close } = startAuthorization(store, silentLogger);
  t.teardown(close);
  let syncs = 0;
  // This replica's cache lags: the pod bound to n1 arrives only with sync().
  const lagging = { sync: async () => void (syncs++ === 0 && (await store.txn({ op: 'create', key: '/registry/pods/ns/web', value: pod('web', 'n1', { volumes: [{ name: 's', secret: { secretName: 'creds' } }] }) }))), revision: 0 };
  const ctx = (shared: boolean) => ({ authz, store: shared ? lagging : { revision: 0 }, hub: { reach: async () => true, position: 0 } }) as unknown as ServerContext;
  const get = (user: UserInfo, name: string, shared = true) => authorizeCaughtUp(ctx(shared), user, 'get', resourceFor('secrets')!, { namespace: 'ns', name });
  await t.throwsAsync(get(kubelet('n1'), 'creds', false), { message: /no relationship found between node 'n1'/ }, 'one API server: its cache is the store');
  await get(kubelet('n1'), 'creds');
  t.is(syncs, 1);
  await t.throwsAsync(get(kubelet('n2'), 'creds'), { message: /no relationship found between node 'n2'/ }, 'still refused after catching up');
  t.is(syncs, 2);
  await t.throwsAsync(get({ username: 'jane' }, 'creds'), { message: /User "jane" cannot get/ });
  t.is(syncs, 2, 'a user who is no node is not waited for');
});
