// Nodes as real processes over a real nats-server, with shortened periods: kill -9 a node
// process → Unknown + taint → eviction → the Deployment's replacements run on the other nodes.
import test from 'ava';
import type { Node } from '../api/kinds/node.ts';
import type { Pod } from '../api/kinds/pod.ts';
import type { KubeObject } from '../api/meta.ts';
import { ApiClient } from '../bus/client.ts';
import { NatsBus } from '../bus/nats-bus.ts';
import { isReady, readyOf } from './helpers/cluster.ts';
import { natsServer } from './helpers/nats.ts';
import { startKubus } from './helpers/proc.ts';
import { waitFor } from './helpers/wait.ts';

test('e2e - kill -9 a node process: Unknown, unreachable taint, eviction, replacements elsewhere (shortened periods)', async (t) => {
  const nats = await natsServer(t);
  const at = ['--nats', nats.url];
  const cp = startKubus(t, [...at, 'control-plane', '--node-monitor-grace-period', '3s', '--node-monitor-period', '500ms', '--log-level', 'warn']);
  await cp.waitFor(/control plane .* running/);
  const short = ['--node-lease-duration', '2s', '--log-level', 'warn'];
  const a = startKubus(t, [...at, 'node', '--name', 'a', '--count', '2', ...short]);
  const b = startKubus(t, [...at, 'node', '--name', 'b', '--first-index', '10', ...short]);
  await Promise.all([a.waitFor(/node\(s\) .* running/), b.waitFor(/node\(s\) .* running/)]);
  const bus = await NatsBus.connect({ servers: nats.url, name: 'e2e' });
  t.teardown(() => bus.close());
  const client = new ApiClient(bus);
  const nodes = () => client.list<Node>('nodes').then((l) => l.items);
  const pods = () => client.list<Pod>('pods', { namespace: 'default' }).then((l) => l.items.filter((p) => !p.metadata.deletionTimestamp));
  await waitFor(async () => (await nodes()).filter(isReady).length === 3, '3 Ready nodes', 20_000, 100);

  const tolerate = (key: string) => ({ key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 2 });
  await client.create('deployments', {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default' },
    spec: {
      replicas: 6,
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: {
          containers: [{ name: 'c', image: 'nginx:1.27' }],
          tolerations: [tolerate('node.kubernetes.io/unreachable'), tolerate('node.kubernetes.io/not-ready')],
        },
      },
    },
  } as KubeObject);
  await waitFor(async () => (await pods()).filter(isReady).length === 6, '6 Ready pods', 20_000, 100);
  const onB = (await pods()).filter((p) => p.spec.nodeName === 'b').map((p) => p.metadata.name!);
  t.true(onB.length > 0, `LeastAllocated spread some pods onto node b (${onB.length})`);

  const killedAt = Date.now();
  await b.kill('SIGKILL');
  await waitFor(async () => readyOf((await nodes()).find((n) => n.metadata.name === 'b')) === 'Unknown', 'b Unknown', 20_000, 100);
  const unknownAfter = Date.now() - killedAt;
  const bNode = (await nodes()).find((n) => n.metadata.name === 'b')!;
  await waitFor(async () => ((await nodes()).find((n) => n.metadata.name === 'b')!.spec?.taints ?? []).some((x) => x.key === 'node.kubernetes.io/unreachable' && x.effect === 'NoExecute'), 'unreachable NoExecute taint', 10_000, 100);
  await waitFor(async () => (await pods()).every((p) => !onB.includes(p.metadata.name!)), 'pods on b evicted', 15_000, 100);
  await waitFor(async () => {
    const ps = await pods();
    return ps.length === 6 && ps.every((p) => p.spec.nodeName?.startsWith('a-') && isReady(p));
  }, '6 Ready pods on the a nodes', 20_000, 100);
  t.log(`node Unknown ${unknownAfter} ms after kill -9 (grace 3 s, lease 2 s); recovered in ${Date.now() - killedAt} ms`);
  t.true(unknownAfter >= 2_000, `not Unknown before the grace period (${unknownAfter} ms)`);
  t.like(bNode.status?.conditions?.find((c) => c.type === 'Ready'), { reason: 'NodeStatusUnknown' });
});
