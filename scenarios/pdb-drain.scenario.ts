// Node maintenance under a PodDisruptionBudget: a Deployment of 6 drained node by node (kubectl drain:
// cordon, evict with retries on 429, uncordon). The budget keeps at least 5 pods Ready all along.
import { drain, uncordon } from './drain.ts';
import { scenario } from './dsl.ts';
import { deployment } from './objects.ts';

const MIN_AVAILABLE = 5;

export default scenario(
  'PDB-protected Deployment drained node by node',
  { nodes: 3, timeScale: 5, tags: ['disruption', 'pdb', 'drain'], description: '6 replicas, minAvailable 5, each of 3 nodes drained and uncordoned in turn' },
  async (s) => {
    const web = () => s.pods({ labels: 'app=web' });
    s.step('deploy 6 replicas and a budget of minAvailable 5');
    await s.apply(deployment('web', 6, { annotations: { 'sim.kubus.io/start-delay': '5s', 'sim.kubus.io/ready-delay': '5s' } }));
    await s.apply({
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: { name: 'web', namespace: 'default' },
      spec: { minAvailable: MIN_AVAILABLE, selector: { matchLabels: { app: 'web' } } },
    });
    await s.until('6 pods Ready', () => web().ready().alive().count() === 6, { within: '2m' });
    await s.until('the budget allows one disruption', async () => (await s.api.get('poddisruptionbudgets', 'web', { namespace: 'default' })).status?.['disruptionsAllowed' as never] === 1, { within: '1m' });
    s.always(`never fewer than ${MIN_AVAILABLE} Ready pods not being deleted`, () => web().ready().alive().count() >= MIN_AVAILABLE);

    let refused = 0;
    for (const node of ['node-0', 'node-1', 'node-2']) {
      s.step(`drain ${node}`);
      const started = s.now();
      await drain(s, node, { onRefused: () => refused++ });
      s.metric(`drain ${node}`, (s.now() - started) / 1000, 's (cluster time)');
      await s.until('6 pods Ready again', () => web().ready().alive().count() === 6, { within: '2m' });
      await uncordon(s, node);
    }
    s.metric('evictions refused with 429', refused, 'requests');
    await s.expect('some evictions were refused (the budget held them back)', () => refused > 0);
    await s.expect('6 pods Ready at the end', () => web().ready().alive().count() === 6);
  },
);
