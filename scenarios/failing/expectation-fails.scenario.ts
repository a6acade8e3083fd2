// A scenario that fails on purpose (it is not in the library `kubus scenario list` shows): it
// checks the failure report — which expectation, when (cluster time), why, and the seed.
import { scenario } from '../dsl.ts';
import { deployment } from '../objects.ts';

export default scenario('expectation fails on purpose', { nodes: 2, tags: ['failing-on-purpose'], description: 'expects 4 replicas of a 3-replica Deployment' }, async (s) => {
  s.step('deploy 3 replicas');
  await s.apply(deployment('web', 3));
  await s.until('3 web pods Running', () => s.pods({ labels: 'app=web' }).running().count() === 3, { within: '1m' });
  s.step('expect one too many');
  await s.advance('10s');
  await s.expect('4 web pods Running', () => s.pods({ labels: 'app=web' }).running().count() === 4);
  s.always('at most 2 web pods', () => s.pods({ labels: 'app=web' }).alive().count() <= 2);
  await s.until('5 web pods Running', () => s.pods({ labels: 'app=web' }).running().count() === 5, { within: '30s' });
});
