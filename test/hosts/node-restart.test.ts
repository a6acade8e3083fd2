// A containerd node's process killed -9 and started again on its host: the new process takes its
// own containerd's state over from the previous run's containerd (which outlived it), adopts the
// running pod (same container, same pod IP, no restart), and removes the sandbox and container of
// a pod deleted while it was down.
import test from 'ava';
import { execFileSync } from 'node:child_process';
import type { Pod } from '../../api/kinds/pod.ts';
import type { KubeObject } from '../../api/meta.ts';
import { CriClient } from '../../actors/kubelet/runtimes/cri/cri-client.ts';
import { POD_UID_LABEL } from '../../actors/kubelet/runtimes/cri/cri-convert.ts';
import { alive, containerdPids } from '../../runtime/containerd-cleanup.ts';
import { NODE_STATE_DIR } from '../../runtime/node-cri.ts';
import { NFT } from '../../actors/proxy/nft.ts';
import { isReady } from '../helpers/cluster.ts';
import { waitFor } from '../helpers/wait.ts';
import { realCluster } from './real-cluster.ts';
import { httpd } from './workloads.ts';

const pod = (name: string, nodeName: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'default' },
  spec: {
    nodeName,
    terminationGracePeriodSeconds: 1,
    containers: [httpd],
  },
});

test('hosts - a containerd node killed -9 and started again: takes over its containerd, adopts the running pod (same container and IP), removes the sandbox of a pod deleted meanwhile', async (t) => {
  const c = await realCluster(t, { nodeHosts: 1 });
  const [node] = c.nodes as [(typeof c.nodes)[0]];
  const config = `${NODE_STATE_DIR}/${node.name}/config.toml`;
  const cri = new CriClient(`unix://${NODE_STATE_DIR}/${node.name}/containerd.sock`, { deadlineMs: 10_000 });
  t.teardown(() => cri.close());
  const get = (name: string) => c.client.get<Pod>('pods', name, { namespace: 'default' });
  await c.client.create('pods', pod('keep', node.name));
  await c.client.create('pods', pod('gone', node.name));
  await waitFor(async () => isReady(await get('keep')) && isReady(await get('gone')), 'both pods Ready', 60_000, 200);
  const before = await get('keep');
  const goneUid = (await get('gone')).metadata.uid!;
  const sandboxesOf = async (uid: string) => (await cri.runtime.listPodSandbox({ filter: { labelSelector: { [POD_UID_LABEL]: uid } } })).items;
  const containersOf = async (uid: string) => (await cri.runtime.listContainers({ filter: { labelSelector: { [POD_UID_LABEL]: uid } } })).containers;
  t.is((await sandboxesOf(goneUid)).length, 1);

  const [previous] = containerdPids(config);
  t.truthy(previous, 'the node runs its containerd');
  await node.proc.kill('SIGKILL');
  t.true(alive(previous!), 'its containerd outlives the node process');
  // Deleted while the node is down: gone from the API at once (no kubelet to confirm).
  await c.client.delete('pods', 'gone', { namespace: 'default', gracePeriodSeconds: 0 });
  await waitFor(async () => !(await get('gone').catch(() => undefined)), 'pod gone deleted', 10_000, 100);

  await c.restartNode(node);
  t.false(alive(previous!), "the previous run's containerd is gone");
  const now = containerdPids(config);
  t.is(now.length, 1, `one containerd serves the node's dir: ${now.join(' ')}`);
  await waitFor(async () => (await sandboxesOf(goneUid)).length === 0 && (await containersOf(goneUid)).length === 0, "the deleted pod's sandbox and container removed", 30_000, 200);
  await waitFor(async () => isReady(await get('keep')), 'keep Ready after the restart', 30_000, 200);
  const after = await get('keep');
  t.is(after.status?.containerStatuses?.[0]?.containerID, before.status?.containerStatuses?.[0]?.containerID, 'the same container');
  t.is(after.status?.containerStatuses?.[0]?.restartCount, 0);
  t.is(after.status?.podIP, before.status?.podIP, 'the same pod IP');
  const served = await c.exec('keep', `wget -qO- http://${after.status!.podIP}:8080/`);
  t.is(served.stdout.trim(), 'keep', `the adopted pod serves on its IP: ${served.stderr}`);
  // Its nftables: the pod masquerade table once, rewritten by the new process. (The system nft by path: under
  // npm, node_modules/.bin's `nft` is another program.)
  const tables = execFileSync('ip', ['netns', 'exec', node.host.name, NFT, 'list', 'tables'], { encoding: 'utf8' });
  t.is(tables.match(new RegExp(`^table ip kubus-masq-${node.name}$`, 'gm'))?.length, 1, tables);
});
