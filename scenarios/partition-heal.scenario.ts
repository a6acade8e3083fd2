// A node cut off from the bus (both ways) looks dead to the control plane: Unknown, tainted, its
// pods marked not ready. Healed before the tolerations run out, it is Ready again, untainted, and
// keeps its pods.
import { scenario } from './dsl.ts';
import { deployment, tolerateNodeLoss } from './objects.ts';
import type { Node } from '../api/kinds/node.ts';
import { nodeCondition } from '../api/kinds/pod-helpers.ts';

export default scenario('partition and heal', { nodes: 3, timeScale: 10, tags: ['faults', 'nodes'], description: 'node-2 partitioned for 2 minutes, then healed: back to Ready, pods kept' }, async (s) => {
  await s.apply(deployment('web', 6, { tolerations: tolerateNodeLoss(s.seconds(300)) }));
  await s.until('6 web pods Ready', () => s.pods({ labels: 'app=web' }).ready().count() === 6, { within: '1m' });
  const mine = s.pods({ labels: 'app=web', node: 'node-2' }).names();
  const readySince = () => nodeCondition(s.get<Node>('nodes', 'node-2')!, 'Ready')?.lastTransitionTime ?? '';
  s.always('no web pod is deleted', () => s.pods({ labels: 'app=web' }).alive().count() === 6);

  s.step('partition node-2');
  await s.partition('node-2');
  await s.until('node-2 Unknown', () => s.nodeReady('node-2') === 'Unknown', { within: '2m' });
  const unknownSince = readySince();
  await s.until('node-2 tainted unreachable', () => s.nodeTaints('node-2').includes('node.kubernetes.io/unreachable:NoExecute'), { within: '30s' });
  await s.until('its pods marked not ready', () => s.pods({ labels: 'app=web', node: 'node-2' }).ready().count() === 0, { within: '30s' });
  await s.advance('1m');

  s.step('heal it');
  await s.heal('node-2');
  await s.until('node-2 Ready again', () => s.nodeReady('node-2') === 'True', { within: '1m' });
  // The kubelet never saw the Unknown its node lifecycle controller wrote: its write must still count Unknown → True as a transition.
  await s.expect('its Ready condition changed after the Unknown one', () => readySince() > unknownSince);
  await s.until('its taints removed', () => s.nodeTaints('node-2').length === 0, { within: '30s' });
  await s.until('its pods Ready again', () => s.pods({ labels: 'app=web', node: 'node-2' }).ready().count() === mine.length, { within: '1m' });
});
