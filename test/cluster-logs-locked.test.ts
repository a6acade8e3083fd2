// Cluster logs on a locked bus with JetStream (a real nats-server with kubus's configuration and an API
// server's control plane that makes the log stream and serves its reads): no identity but the API
// server's may use JetStream (so a front can no longer make the stream deliver to a subject of its
// choice), and reads through the API server's process are authorized as upstream's `get pods/log`.
import test, { type ExecutionContext } from 'ava';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClusterLogBatch, ClusterLogEntry, ClusterLogQuery } from '../api/cluster-logs.ts';
import type { UserInfo } from '../api/protocol.ts';
import { ApiClient } from '../bus/client.ts';
import { jetstreamManager, NatsBus, AckPolicy, DeliverPolicy } from '../bus/nats-bus.ts';
import { CLUSTER_LOG_STREAM, clusterLogQuery, clusterLogSubject } from '../bus/subjects.ts';
import { silentLogger } from '../bus/types.ts';
import { clusterIdentities, ensureCredentials, lockedConfig } from '../runtime/bus-auth.ts';
import { connectLogs } from '../runtime/cluster-logs.ts';
import { readRemoteClusterLogs } from '../runtime/cluster-logs-client.ts';
import { startControlPlane, type ControlPlane } from '../runtime/control-plane.ts';
import { startNatsServer, type NatsServer } from '../runtime/nats-server.ts';
import { waitFor } from './helpers/wait.ts';

const home = mkdtempSync(join(tmpdir(), 'kubus-logs-locked-'));
const creds = (id: string) => ensureCredentials(id, home);
let nats: NatsServer;
let cp: ControlPlane;

test.before(async () => {
  nats = await startNatsServer({ config: [`jetstream { store_dir: ${JSON.stringify(join(home, 'js'))} }`, ...lockedConfig(clusterIdentities(['n1']), [], home)] });
  cp = await startControlPlane({ nats: nats.url, actors: ['apiserver'], log: silentLogger, credentials: creds('apiserver'), clusterLogs: { maxAgeMs: 3_600_000, maxBytes: 8 << 20 } });
});
test.after.always(async () => {
  await cp?.stop();
  await nats?.stop('SIGKILL');
  rmSync(home, { recursive: true, force: true });
});

async function connect(t: ExecutionContext, identity: string): Promise<NatsBus> {
  const bus = await NatsBus.connect({ servers: nats.url, name: `test/${identity}`, log: silentLogger, credentials: creds(identity), connectTimeoutMs: 10_000 });
  t.teardown(() => bus.close());
  return bus;
}

const batch = (namespace: string, pod: string, text: string): ClusterLogBatch => ({
  node: 'n1',
  namespace,
  pod,
  uid: `u-${pod}`,
  container: 'c',
  labels: { app: 'web' },
  default: true,
  lines: [{ at: Date.now(), stream: 'stdout', text }],
});

async function read(bus: NatsBus, q: ClusterLogQuery, user?: UserInfo): Promise<string[]> {
  const out: ClusterLogEntry[] = [];
  await readRemoteClusterLogs(bus, q, (e) => out.push(e), undefined, user);
  return out.map((e) => `${e.namespace}/${e.pod} ${e.text}`);
}

test.serial('cluster logs locked - a front cannot make a consumer of the log stream (its deliver subject was never checked against its permissions)', async (t) => {
  for (const id of ['gateway', 'admin', 'node/n1']) {
    const nc = await connectLogs(nats.url, creds(id), `test-${id}`);
    t.teardown(() => nc.close());
    const jsm = await jetstreamManager(nc, { checkAPI: false });
    // A push consumer delivering into the admin's API request subject: bytes the gateway may not publish itself.
    await t.throwsAsync(
      jsm.consumers.add(CLUSTER_LOG_STREAM, { deliver_subject: 'kubus.api.pods.create.admin', deliver_policy: DeliverPolicy.All, ack_policy: AckPolicy.None }),
      { message: /Permissions Violation|permission/i },
      `${id} made a consumer`,
    );
  }
});

test.serial('cluster logs locked - reads go through the API server’s process, authorized as get pods/log per namespace', async (t) => {
  const node = await connect(t, 'node/n1');
  node.publish(clusterLogSubject('n1', 'team-a', 'web-a', 'c'), batch('team-a', 'web-a', 'line a'));
  node.publish(clusterLogSubject('n1', 'team-b', 'web-b', 'c'), batch('team-b', 'web-b', 'line b'));
  await node.flush();
  const admin = await connect(t, 'admin');
  t.deepEqual(
    await waitFor(async () => {
      const r = await read(admin, { selector: 'app=web' });
      return r.length === 2 ? r : undefined;
    }, 'the admin’s read of both namespaces', 10_000, 200),
    ['team-a/web-a line a', 'team-b/web-b line b'],
  );
  // The gateway passes on its HTTP caller: alice, with no rights yet, is refused in upstream's words.
  const gateway = await connect(t, 'gateway');
  const alice: UserInfo = { username: 'alice', groups: ['system:authenticated'] };
  await t.throwsAsync(read(gateway, { namespace: 'team-a' }, alice), { message: 'pods is forbidden: User "alice" cannot get resource "pods/log" in API group "" in the namespace "team-a"' });
  // view in team-a: team-a's lines only; team-b and every namespace stay refused.
  const api = new ApiClient(admin);
  for (const name of ['team-a', 'team-b']) await api.create('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } } as never);
  await api.create('rolebindings', { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'alice-view', namespace: 'team-a' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' }, subjects: [{ kind: 'User', name: 'alice', apiGroup: 'rbac.authorization.k8s.io' }] } as never, { namespace: 'team-a' });
  const once = async () => {
    const r = await read(gateway, { namespace: 'team-a' }, alice).catch(() => undefined);
    return r?.length ? r : undefined;
  };
  t.deepEqual(await waitFor(once, 'alice’s read once her binding counts', 10_000, 200), ['team-a/web-a line a']);
  await t.throwsAsync(read(gateway, { namespace: 'team-b' }, alice), { message: /User "alice" cannot get resource "pods\/log" in API group "" in the namespace "team-b"/ });
  await t.throwsAsync(read(gateway, {}, alice), { message: /User "alice" cannot get resource "pods\/log" in API group "" at the cluster scope/ });
  // A node is itself (it may not read logs), and may not claim to be anyone else.
  await t.throwsAsync(read(node, { namespace: 'team-a' }), { message: /User "system:node:n1" cannot get resource "pods\/log"/ });
  await t.throwsAsync(read(node, { namespace: 'team-a' }, { username: 'kubus-admin', groups: ['system:masters'] }), { message: /cannot impersonate resource "users"/ });
  // The controller manager may name its controllers' accounts (as on the API's requests), and no one else.
  const cm = await connect(t, 'controller-manager');
  await t.throwsAsync(read(cm, { namespace: 'team-a' }, { username: 'system:serviceaccount:kube-system:deployment-controller' }), { message: /User "system:serviceaccount:kube-system:deployment-controller" cannot get resource "pods\/log"/ });
  await t.throwsAsync(read(cm, { namespace: 'team-a' }, { username: 'kubus-admin' }), { message: /cannot impersonate resource "users"/ });
  // The lines go only into the requester's own session: one aimed at the admin's is refused.
  const aimed = await gateway.request<{ code?: number; message?: string }>(clusterLogQuery(gateway.identity), { query: {}, session: 'kubus.logs.admin.*.conn.id' });
  t.is(aimed.data.code, 400);
  t.regex(aimed.data.message ?? '', /the requester's own session/);
  // A namespace or pod goes into the stream's filter subject: a wildcard or more tokens are refused, naming the field.
  for (const [query, field] of [[{ namespace: 'team-a.>' }, 'query.namespace'], [{ namespace: '*' }, 'query.namespace'], [{ namespace: 'team-a', pod: 'web.*' }, 'query.pod']] as const) {
    const r = await admin.request<{ code?: number; details?: { causes?: { field?: string }[] } }>(clusterLogQuery(admin.identity), { query, session: `kubus.logs.${admin.identity}.*.conn.id` });
    t.is(r.data.code, 400, JSON.stringify(query));
    t.is(r.data.details?.causes?.[0]?.field, field);
  }
});

test.serial('cluster logs locked - a follow gets new lines; once its reader is gone the server ends the read and its consumer', async (t) => {
  const node = await connect(t, 'node/n1');
  const admin = await connect(t, 'admin');
  const nc = await connectLogs(nats.url, creds('apiserver'), 'test-consumers');
  t.teardown(() => nc.close());
  const jsm = await jetstreamManager(nc);
  const consumers = async () => (await jsm.streams.info(CLUSTER_LOG_STREAM)).state.consumer_count;
  await waitFor(async () => (await consumers()) === 0, 'no reads before', 10_000, 100);
  const seen: string[] = [];
  const stop = new AbortController();
  const following = readRemoteClusterLogs(admin, { namespace: 'team-f', follow: true, sinceMs: Date.now() }, (e) => seen.push(e.text), stop.signal);
  await waitFor(async () => (await consumers()) === 1, 'the follow’s consumer', 10_000, 100);
  node.publish(clusterLogSubject('n1', 'team-f', 'web-f', 'c'), batch('team-f', 'web-f', 'followed'));
  await waitFor(() => seen.includes('followed'), 'the new line');
  stop.abort();
  await following;
  // The server learns at its next heartbeat (no one answers in the session): its consumer goes.
  await waitFor(async () => (await consumers()) === 0, 'the follow’s consumer deleted', 40_000, 200);
  t.deepEqual(seen, ['followed']);
});
