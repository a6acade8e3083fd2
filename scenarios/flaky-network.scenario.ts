// A lossy, slow network: a tenth of every node's lease messages lost and watch events delayed. Leases
// retry, so nodes stay Ready; a rollout still completes. Then one node's heartbeats stop for good.
import { scenario } from './dsl.ts';
import { deployment } from './objects.ts';

export default scenario('flaky network', { nodes: 3, timeScale: 10, tags: ['faults', 'network'], description: 'dropped lease renewals and delayed watch events; heartbeats stopped on one node' }, async (s) => {
  s.step('drop 10% of lease requests, delay watch events by 2s');
  const drops = s.dropMessages(s.subjects.api('leases'), 0.1);
  const delays = s.delayMessages(s.subjects.watches, '2s');
  const allReady = s.always('every node stays Ready while the network is merely flaky', () => s.nodes().notReady().count() === 0);
  await s.apply(deployment('web', 6));
  await s.until('6 web pods Running despite the delays', () => s.pods({ labels: 'app=web' }).running().count() === 6, { within: '2m' });
  await s.advance('5m');
  drops.stop();
  delays.stop();
  allReady.stop();

  s.step('node-0 stops heartbeating (its pods keep running)');
  await s.stopHeartbeats('node-0');
  await s.until('node-0 Unknown', () => s.nodeReady('node-0') === 'Unknown', { within: '2m' });
  await s.resumeHeartbeats('node-0');
  await s.until('node-0 Ready again', () => s.nodeReady('node-0') === 'True', { within: '1m' });
});
