// A rolling update while a node dies under it: the Deployment never runs more than replicas +
// maxSurge pods, and ends with every replica updated and running on the nodes that are left.
import { scenario } from './dsl.ts';
import { deployment, tolerateNodeLoss } from './objects.ts';

export default scenario(
  'rolling update under a node failure',
  { nodes: 4, timeScale: 10, tags: ['deployments', 'faults'], description: 'nginx 1.27 → 1.28 over 8 replicas (maxSurge 2, maxUnavailable 1) while node-2 dies' },
  async (s) => {
    const web = () => s.pods({ labels: 'app=web' });
    s.step('deploy 8 replicas of nginx:1.27');
    await s.apply(
      deployment('web', 8, {
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 2, maxUnavailable: 1 } },
        tolerations: tolerateNodeLoss(s.seconds(60)),
        annotations: { 'sim.kubus.io/start-delay': '5s' },
      }),
    );
    await s.until('8 pods Running', () => web().running().count() === 8, { within: '2m' });
    s.always('never more than 10 (replicas + maxSurge) pods alive', () => web().alive().count() <= 10);

    s.step('roll to nginx:1.28, and kill node-2 halfway');
    await s.patch('deployment', 'web', { spec: { template: { spec: { containers: [{ name: 'app', image: 'nginx:1.28' }] } } } });
    const updated = () => web().alive().where('nginx:1.28', (p) => p.spec.containers[0].image === 'nginx:1.28');
    await s.until('3 updated pods exist', () => updated().count() >= 3, { within: '1m' });
    await s.killNode('node-2');

    s.step('the rollout completes on the other nodes');
    await s.until('node-2 Unknown', () => s.nodeReady('node-2') === 'Unknown', { within: '2m' });
    await s.until('8 updated pods Running off node-2', () => updated().running().notOn('node-2').count() === 8, { within: '5m' });
    await s.eventually('no old pod left alive off node-2', () => web().alive().notOn('node-2').count() === 8, { within: '2m' });
    await s.eventually('the Deployment reports 8 available', () => (s.get('deployment', 'web')?.status as { availableReplicas?: number })?.availableReplicas === 8, { within: '2m' });
  },
);
