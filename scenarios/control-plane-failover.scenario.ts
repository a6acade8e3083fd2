// Control-plane failover with two scheduler and two controller-manager replicas behind leader
// election: the leading scheduler is killed and the other takes its Lease over once it runs out
// and schedules new pods; the bus (nats-server) dies and comes back, and every component
// reconnects and resumes its watches; the API server is killed -9 and restarted on its store,
// and every object the script created (acknowledged writes) is still there. Reports the times.
import type { Lease } from '../api/kinds/lease.ts';
import type { KubeObject } from '../api/meta.ts';
import { cacheMatchesApi, CreatedObjects } from './consistency.ts';
import { scenario } from './dsl.ts';
import { deployment, pod } from './objects.ts';

const web = 'app=web';
const configMap = (name: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default' }, data: { written: name } });
// Kinds whose objects stay put once the cluster has converged (leases and events never do).
const SETTLED = ['pods', 'deployments', 'replicasets', 'nodes'];

export default scenario(
  'control-plane failover',
  {
    nodes: 2,
    timeScale: 15,
    replicas: { scheduler: 2, 'controller-manager': 2 },
    tags: ['faults', 'control-plane'],
    description: 'leading scheduler killed, nats-server killed and restarted, API server killed -9: failover and recovery times',
  },
  async (s) => {
    const created = new CreatedObjects();
    // Real mode: besides cluster time, allow 1 s of wall clock for process start, informer sync and round trips.
    const slack = 5_000 + (s.mode === 'real' ? 1_000 * s.timeScale : 0);

    s.step('deploy a workload');
    // Upstream's 30 s grace, scaled like every period in real mode (the sim runtime waits it out).
    created.add(await s.apply(deployment('web', 4, { spec: { terminationGracePeriodSeconds: s.seconds(30) } })));
    await s.until('4 web pods Running', () => s.pods({ labels: web }).running().count() === 4, { within: '1m' });
    await s.until('one scheduler replica leads', () => s.leader('scheduler') !== undefined, { within: '30s' });
    await s.until('one controller-manager replica leads', () => s.leader('controller-manager') !== undefined, { within: '30s' });

    s.step('kill -9 the leading scheduler');
    const old = s.leader('scheduler')!;
    // The Lease says how long the others wait (whole seconds: real mode rounds the scaled duration).
    const leaseMs = (s.get<Lease>('lease', 'kube-scheduler', 'kube-system')?.spec?.leaseDurationSeconds ?? 15) * 1000 * s.timeScale;
    await s.crash(old);
    const killedAt = s.now();
    created.add(await s.apply([pod('after-failover-0'), pod('after-failover-1')]));
    await s.until('another replica holds the Lease', () => { const l = s.leader('scheduler'); return (l !== undefined && l !== old) || { ok: false, seen: `leader ${l}` }; }, { within: '1m' });
    const tookOver = s.now() - killedAt;
    await s.until('the new pods are bound', () => s.pods({ name: 'after-failover-' }).scheduled().count() === 2, { within: '1m' });
    const bound = s.now() - killedAt;
    s.metric('scheduler failover: new leader after (cluster)', tookOver / 1000, 's');
    s.metric('scheduler failover: new pods bound after (cluster)', bound / 1000, 's');
    await s.expect(`bound within the lease duration (${leaseMs / 1000} s) + ${slack / 1000} s`, () => bound <= leaseMs + slack || { ok: false, seen: `bound after ${bound / 1000} s` });
    await s.until('they run', () => s.pods({ name: 'after-failover-' }).running().count() === 2, { within: '1m' });
    const leader = s.leader('scheduler');
    await s.restart(old);
    await s.advance('20s');
    await s.expect('the restarted replica follows: the leader is unchanged', () => s.leader('scheduler') === leader);

    s.step('the bus (nats-server) dies and comes back');
    await s.crashBus();
    await s.advance('3s');
    await s.restartBus();
    const busBack = s.now();
    await s.until('the API server answers again', async () => (await s.api.list('namespaces')).items.length > 0, { within: '30s', every: '200ms' });
    s.metric('bus restart: API reachable after (cluster)', (s.now() - busBack) / 1000, 's');
    await s.scale('deployment', 'web', 6);
    await s.until('the scale-up converges: 6 web pods Running', () => s.pods({ labels: web }).running().count() === 6, { within: '1m' });
    s.metric('bus restart: scale-up to 6 Running after (cluster)', (s.now() - busBack) / 1000, 's');
    await s.until('no watch lost an event: the runner\'s caches equal a fresh list', cacheMatchesApi(s, SETTLED), { within: '30s' });
    await s.expect('both elected components have a leader', () => s.leader('scheduler') !== undefined && s.leader('controller-manager') !== undefined);

    s.step('kill -9 the API server');
    // Each create below was acknowledged before the kill: each must survive it.
    for (let i = 0; i < 10; i++) created.add(await s.apply(configMap(`acked-${i}`)));
    await s.crash('apiserver');
    await s.advance('5s');
    await s.restart('apiserver');
    const apiBack = s.now();
    await s.expect(`every object the script created is still there (${created.size})`, created.allPresent(s));
    await s.expect('the last acknowledged write kept its content', async () => (await s.api.get<KubeObject & { data?: Record<string, string> }>('configmaps', 'acked-9', { namespace: 'default' })).data?.written === 'acked-9');
    await s.scale('deployment', 'web', 3);
    await s.until('the cluster converges: 3 web pods left, all Running', () => s.pods({ labels: web }).count() === 3 && s.pods({ labels: web }).running().count() === 3, { within: '1m' });
    s.metric('API server restart: scale-down converged after (cluster)', (s.now() - apiBack) / 1000, 's');
    await s.until('the runner\'s caches equal a fresh list', cacheMatchesApi(s, SETTLED), { within: '30s' });
  },
);
