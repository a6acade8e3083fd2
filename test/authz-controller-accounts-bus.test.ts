// The controllers' service accounts over the real locked bus: a locked control plane (each part its
// own identity, as `kubus up` runs it) and one sim node. Each controller's requests reach the API
// server as kube-system/<its account>, authorized by its system:controller: role; a role that lacks a
// rule denies that controller (403 in the audit) and nothing else; the controller manager's own
// identity is no longer system:masters; everything reconciles with no other denial.
import test, { type ExecutionContext } from 'ava';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AuditEvent } from '../api/audit-event.ts';
import type { ClusterRole } from '../api/kinds/rbac.ts';
import type { KubeObject } from '../api/meta.ts';
import { StatusError } from '../api/status.ts';
import { ApiClient } from '../bus/client.ts';
import { NatsBus } from '../bus/nats-bus.ts';
import { silentLogger } from '../bus/types.ts';
import { clusterIdentities, ensureCredentials, lockedConfig } from '../runtime/bus-auth.ts';
import type { ControlPlane } from '../runtime/control-plane.ts';
import { startNodes, type NodeProcess } from '../runtime/node.ts';
import { startLockedControlPlane, startLockedNodes } from '../runtime/up-locked.ts';
import { startNatsServer, type NatsServer } from '../runtime/nats-server.ts';
import { waitFor } from './helpers/wait.ts';

const home = mkdtempSync(join(tmpdir(), 'kubus-ctl-accounts-'));
const auditLog = join(home, 'audit.log');
const SA = (name: string) => `system:serviceaccount:kube-system:${name}`;
let nats: NatsServer;
let cp: ControlPlane;
let nodes: NodeProcess;
let admin: ApiClient;

test.before(async () => {
  nats = await startNatsServer({ config: lockedConfig(clusterIdentities(['n-0']), [], home) });
  const opts = { nats: nats.url, log: silentLogger, leaderElect: false, audit: { auditLog }, actors: ['apiserver' as const, 'scheduler' as const, 'controller-manager' as const] };
  cp = await startLockedControlPlane(opts, home);
  nodes = await startLockedNodes(startNodes, { nats: nats.url, log: silentLogger }, 1, 'n', home);
  const bus = await NatsBus.connect({ servers: nats.url, name: 'test/admin', log: silentLogger, credentials: ensureCredentials('admin', home) });
  admin = new ApiClient(bus);
});

test.after.always(async () => {
  await admin?.bus.close();
  await nodes?.stop();
  await cp?.stop();
  await nats?.stop('SIGKILL');
  rmSync(home, { recursive: true, force: true });
});

const events = () => (existsSync(auditLog) ? readFileSync(auditLog, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as AuditEvent) : []);
const complete = (e: AuditEvent) => e.stage === 'ResponseComplete';
const byUser = (user: string, verb: string, resource: string) => events().filter((e) => complete(e) && e.user.username === user && e.verb === verb && e.objectRef?.resource === resource);

async function refusal(p: Promise<unknown>): Promise<StatusError> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  if (!(err instanceof StatusError)) throw new Error(`expected a Status error, got ${String(err)}`);
  return err;
}

async function connect(t: ExecutionContext, identity: string): Promise<ApiClient> {
  const bus = await NatsBus.connect({ servers: nats.url, name: `test/${identity}`, log: silentLogger, credentials: ensureCredentials(identity, home) });
  t.teardown(() => bus.close());
  return new ApiClient(bus);
}

const deployment = (name: string, replicas: number) =>
  ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'default' },
    spec: { replicas, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'x' }] } } },
  }) as KubeObject;

const podsOf = async (app: string) => (await admin.list('pods', { namespace: 'default', labelSelector: `app=${app}` })).items;

test.serial('controller accounts bus - a Deployment, its Service and a namespace reconcile, each write as its controller\'s account', async (t) => {
  await admin.create('deployments', deployment('web', 2));
  await admin.create('services', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'default' }, spec: { selector: { app: 'web' }, ports: [{ port: 80 }] } } as KubeObject);
  await waitFor(async () => (await podsOf('web')).filter((p) => (p as { status?: { phase?: string } }).status?.phase === 'Running').length === 2, 'two Running pods', 60_000);
  await waitFor(async () => ((await admin.get('endpoints', 'web', { namespace: 'default' }).catch(() => undefined)) as { subsets?: Array<{ addresses?: unknown[] }> } | undefined)?.subsets?.[0]?.addresses?.length === 2, 'the Service\'s endpoints', 30_000);
  await admin.create('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'gone' } } as KubeObject);
  await admin.create('configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'gone' } } as KubeObject);
  await admin.delete('namespaces', 'gone');
  await waitFor(() => admin.get('namespaces', 'gone').then(() => false, (e: unknown) => e instanceof StatusError && e.code === 404), 'the namespace gone', 30_000);
  await admin.delete('deployments', 'web', { namespace: 'default' });
  await waitFor(async () => (await admin.list('replicasets', { namespace: 'default' })).items.length === 0, 'the garbage collector to delete the ReplicaSet', 30_000);

  await waitFor(() => byUser(SA('replicaset-controller'), 'create', 'pods').length >= 2, 'the pods created as replicaset-controller', 10_000);
  // The audit log is written behind the requests: the last write (the collector's delete) may land after the ReplicaSet is gone.
  await waitFor(() => byUser(SA('generic-garbage-collector'), 'delete', 'replicasets').length >= 1, 'the ReplicaSet delete audited as generic-garbage-collector', 10_000);
  t.true(byUser(SA('deployment-controller'), 'create', 'replicasets').length >= 1, 'the ReplicaSet created as deployment-controller');
  t.true(byUser(SA('endpoint-controller'), 'create', 'endpoints').length + byUser(SA('endpoint-controller'), 'update', 'endpoints').length >= 1, 'the endpoints written as endpoint-controller');
  t.true(byUser(SA('namespace-controller'), 'delete', 'configmaps').length >= 1, 'the namespace emptied as namespace-controller');
  t.true(byUser(SA('generic-garbage-collector'), 'delete', 'replicasets').length >= 1, 'the ReplicaSet collected as generic-garbage-collector');
  t.true(byUser(SA('service-account-controller'), 'create', 'serviceaccounts').length >= 1, 'default accounts made as service-account-controller');
  // The shared informers list and watch as the controller manager itself.
  t.true(byUser('system:kube-controller-manager', 'list', 'pods').length >= 1);
  // No controller was denied anything its work needed.
  const denied = events().filter((e) => complete(e) && e.responseStatus?.code === 403 && (e.user.username.startsWith('system:serviceaccount:kube-system:') || e.user.username === 'system:kube-controller-manager'));
  t.deepEqual(denied.map((e) => `${e.user.username} ${e.verb} ${e.objectRef?.resource}`), []);
});

test.serial('controller accounts bus - a controller whose role lacks a rule is denied it (403 in the audit); the rule back, it reconciles', async (t) => {
  const name = 'system:controller:replicaset-controller';
  const role = await admin.get<ClusterRole & KubeObject>('clusterroles', name);
  const without = role.rules!.map((r) => (r.resources?.includes('pods') ? { ...r, verbs: (r.verbs ?? []).filter((v) => v !== 'create') } : r));
  await admin.update('clusterroles', { ...role, rules: without } as KubeObject);
  await admin.create('deployments', deployment('blocked', 1));
  const denial = () =>
    events().find((e) => complete(e) && e.user.username === SA('replicaset-controller') && e.verb === 'create' && e.objectRef?.resource === 'pods' && e.responseStatus?.code === 403);
  await waitFor(() => !!denial(), 'the replicaset controller\'s denied pod create in the audit', 30_000);
  t.like(denial(), { annotations: { 'authorization.k8s.io/decision': 'forbid' }, objectRef: { namespace: 'default' } });
  t.is((await podsOf('blocked')).length, 0);
  // Other controllers carry on: the Deployment's ReplicaSet exists, written as deployment-controller.
  t.is((await admin.list('replicasets', { namespace: 'default', labelSelector: 'app=blocked' })).items.length, 1);
  const fresh = await admin.get<ClusterRole & KubeObject>('clusterroles', name);
  await admin.update('clusterroles', { ...fresh, rules: role.rules } as KubeObject);
  await waitFor(async () => (await podsOf('blocked')).length === 1, 'the pod, once the role allows it again', 60_000);
  t.pass();
});

test.serial('controller accounts bus - the controller manager\'s identity: not system:masters; a controller\'s account only within its role; no other user', async (t) => {
  const cm = await connect(t, 'controller-manager');
  const own = await refusal(cm.delete('pods', 'x', { namespace: 'default' }));
  t.is(own.message, 'pods "x" is forbidden: User "system:kube-controller-manager" cannot delete resource "pods" in API group "" in the namespace "default"');
  const rs = await refusal(cm.as({ username: SA('replicaset-controller'), groups: ['system:masters'] }).get('secrets', 's', { namespace: 'default' }));
  t.is(rs.message, `secrets "s" is forbidden: User "${SA('replicaset-controller')}" cannot get resource "secrets" in API group "" in the namespace "default"`);
  const other = await refusal(cm.as({ username: 'kubus-admin' }).list('secrets', { namespace: 'default' }));
  t.is(other.code, 403);
  t.regex(other.message, /User "system:kube-controller-manager" cannot impersonate resource "users"/);
  // A node may not act as a controller either.
  const node = await connect(t, 'node/n-0');
  t.regex((await refusal(node.as({ username: SA('generic-garbage-collector') }).list('secrets'))).message, /cannot impersonate/);
});
