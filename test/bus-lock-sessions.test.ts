// A followed log over the locked bus, end to end: the follower's session subject names it as receiver
// and the pod's kubelet as sender, and the kubelet (node/n1's credentials, as `kubus up` runs it) writes
// its chunks there; its publish permission allows no other sender's token (bus-lock-subjects).
import test from 'ava';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LogChunk, LogReply } from '../api/node-protocol.ts';
import type { KubeObject } from '../api/meta.ts';
import { ApiClient } from '../bus/client.ts';
import { NatsBus } from '../bus/nats-bus.ts';
import { logStream, nodeLogs, nodeLogsStop, nodePeer, sessionId } from '../bus/subjects.ts';
import { silentLogger } from '../bus/types.ts';
import { clusterIdentities, ensureCredentials, lockedConfig } from '../runtime/bus-auth.ts';
import { startControlPlane, type ControlPlane } from '../runtime/control-plane.ts';
import { startNodes, type NodeProcess } from '../runtime/node.ts';
import { startLockedNodes } from '../runtime/up-locked.ts';
import { startNatsServer, type NatsServer } from '../runtime/nats-server.ts';
import { waitFor } from './helpers/wait.ts';

const home = mkdtempSync(join(tmpdir(), 'kubus-buslock-sessions-'));
let nats: NatsServer;
let cp: ControlPlane;
let nodes: NodeProcess;

test.before(async () => {
  nats = await startNatsServer({ config: lockedConfig(clusterIdentities(['n-0']), [], home) });
  cp = await startControlPlane({ nats: nats.url, actors: ['apiserver'], log: silentLogger, credentials: ensureCredentials('apiserver', home) });
  nodes = await startLockedNodes(startNodes, { nats: nats.url, log: silentLogger }, 1, 'n', home);
});

test.after.always(async () => {
  await nodes?.stop();
  await cp?.stop();
  await nats?.stop('SIGKILL');
  rmSync(home, { recursive: true, force: true });
});

test('bus lock sessions - a followed log reaches the admin from the pod\'s kubelet over the locked bus', async (t) => {
  const bus = await NatsBus.connect({ servers: nats.url, name: 'test/admin', log: silentLogger, credentials: ensureCredentials('admin', home) });
  t.teardown(() => bus.close());
  const admin = new ApiClient(bus);
  const node = nodes.names[0];
  await admin.create('serviceaccounts', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: 'default' } } as KubeObject);
  const annotations = { 'sim.kubus.io/log-lines': 'tick', 'sim.kubus.io/log-every': '200ms' };
  await admin.create('pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default', annotations }, spec: { nodeName: node, containers: [{ name: 'c', image: 'x' }] } } as KubeObject);
  await waitFor(async () => (await admin.get<KubeObject & { status?: { phase?: string } }>('pods', 'p', { namespace: 'default' })).status?.phase === 'Running', 'the pod Running', 30_000);
  const follow = logStream(bus, sessionId(), nodePeer(bus, node));
  t.regex(follow, new RegExp(`^kubus\\.logs\\.admin\\.node_${node}\\.`));
  const chunks: LogChunk[] = [];
  bus.subscribe<LogChunk>(follow, (m) => void chunks.push(m.data));
  await bus.flush();
  const first = (await bus.request<LogReply>(nodeLogs(node), { namespace: 'default', name: 'p', container: 'c', follow }, { timeoutMs: 10_000 })).data;
  t.true(first.lines.some((l) => l.text.includes('started')), JSON.stringify(first));
  await waitFor(() => chunks.some((c) => c.lines?.some((l) => l.text === 'tick')), 'a followed chunk from the kubelet', 15_000);
  bus.publish(nodeLogsStop(node), { follow });
});
