// A short partition: the cable is out just past the grace period, shorter than the kubelets'
// request timeout (10 s), so their renewals are late rather than failed. The nodes went Unknown
// meanwhile and must come back Ready within a few lease periods of the link's return.
import test from 'ava';
import { readyOf } from '../helpers/cluster.ts';
import { waitFor } from '../helpers/wait.ts';
import { hostsCluster, PERIODS } from './cluster.ts';
import { nodesByName, since } from './workloads.ts';

// The kubelet rewrites its Node status once failed renewals recover; a cut shorter than its
// request timeout fails none, so it must time them out as upstream's heartbeat client does:
// after min(10 s, lease duration). Otherwise the nodes stay Unknown until the next periodic
// status report (--node-status-report-frequency, 5 min).
test('hosts - cut a node host link just past the grace period, then restore it: the nodes come back Ready', async (t) => {
  const c = await hostsCluster(t, { nodeHosts: 1 });
  const [victim] = c.nodeHosts;
  const names = c.nodeNames.get(victim)!;
  const all = async (status: string) => {
    const nodes = await nodesByName(c.client);
    return names.every((n) => readyOf(nodes.get(n)) === status);
  };
  const cutAt = Date.now();
  victim.linkDown();
  await waitFor(() => all('Unknown'), 'nodes Unknown', 20_000, 50);
  const cutFor = since(cutAt);
  const restoredAt = Date.now();
  victim.linkUp();
  await waitFor(() => all('True'), 'nodes Ready again', 15_000, 100);
  t.log(`cut ${cutFor} ms (grace ${PERIODS.graceMs} ms); Ready ${since(restoredAt)} ms after the link came back`);
  t.pass();
});
