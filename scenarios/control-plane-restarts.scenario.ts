// Control-plane components die and come back: pods created while the scheduler is down wait
// Pending and are bound after its restart; the API server's crash loses no object (its store is
// kept, as on disk) and every watcher resumes; the controller manager catches up on a scale-up.
import { scenario } from './dsl.ts';
import { deployment, pod } from './objects.ts';

export default scenario('control-plane restarts', { nodes: 2, timeScale: 10, tags: ['faults', 'control-plane'], description: 'scheduler, API server and controller manager crash and restart' }, async (s) => {
  s.step('the scheduler crashes');
  await s.crash('scheduler');
  await s.apply([pod('a'), pod('b')]);
  await s.advance('30s');
  await s.expect('pods stay Pending while it is down', () => s.pods().unscheduled().count() === 2);
  await s.restart('scheduler');
  await s.until('both bound and Running after the restart', () => s.pods().running().count() === 2, { within: '1m' });

  s.step('the API server crashes');
  await s.apply(deployment('web', 3));
  await s.until('3 web pods Running', () => s.pods({ labels: 'app=web' }).running().count() === 3, { within: '1m' });
  await s.crash('apiserver');
  await s.advance('20s');
  await s.restart('apiserver');
  await s.expect('no object lost', async () => (await s.api.list('pods', { namespace: 'default' })).items.length === 5);
  await s.scale('deployment', 'web', 5);
  await s.until('the controllers and kubelets resumed: 5 web pods Running', () => s.pods({ labels: 'app=web' }).running().count() === 5, { within: '2m' });

  s.step('the controller manager crashes');
  await s.crash('controller-manager');
  await s.scale('deployment', 'web', 2);
  await s.advance('30s');
  await s.expect('nothing scales it down while it is down', () => s.pods({ labels: 'app=web' }).alive().count() === 5);
  await s.restart('controller-manager');
  await s.until('2 web pods after the restart', () => s.pods({ labels: 'app=web' }).alive().count() === 2, { within: '1m' });
});
