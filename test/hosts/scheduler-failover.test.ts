// Two scheduler replicas (hosts 2 and 3) behind leader election: exactly one schedules. Its host
// dies (every process on it, its nats-server too): the other takes the Lease over within the
// lease duration and schedules the pods that were created meanwhile.
import test from 'ava';
import type { Pod } from '../../api/kinds/pod.ts';
import type { KubeObject } from '../../api/meta.ts';
import { runKubus } from '../helpers/proc.ts';
import { waitFor } from '../helpers/wait.ts';
import { hostsCluster, PERIODS } from './cluster.ts';
import { since } from './workloads.ts';

const LEADING = /"lock":"kube-system\/kube-scheduler"[^\n]*"msg":"started leading"/;
const pod = (name: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'default', labels: { app: 'pending' } },
  spec: { containers: [{ name: 'c', image: 'nginx:1.27' }] },
});

test('hosts - kill the active scheduler host: the standby replica takes over within the lease duration and schedules the pending pods', async (t) => {
  const c = await hostsCluster(t, { nodeHosts: 1 });
  t.true(c.leaderElection, 'this build runs the scheduler behind leader election (--leader-elect-* flags)');
  const leader = await waitFor(() => c.leaderHost('kube-scheduler'), 'a scheduler leader', 15_000, 100);
  const [active, standby] = leader === c.hosts[1] ? c.schedulers : [...c.schedulers].reverse();
  const standbyHost = leader === c.hosts[1] ? c.hosts[2] : c.hosts[1];
  await active.waitFor(LEADING);
  t.notRegex(standby.output(), LEADING, 'exactly one replica leads');
  const status = await runKubus(['--nats', c.nats.urls, 'status'], { env: c.lock.adminEnv });
  const schedulerRows = status.stdout.split('\n').filter((l) => l.startsWith('kube-scheduler'));
  t.is(schedulerRows.length, 2, status.stdout + status.stderr);
  t.regex(schedulerRows.find((l) => l.includes(leader!.name)) ?? '', /\byes\b/, '`kubus status` shows the leader');
  t.regex(schedulerRows.find((l) => l.includes(standbyHost.name)) ?? '', /no \(standby\)/, '`kubus status` shows the standby');

  // Working before: a pod is scheduled by the leader.
  await c.client.create('pods', pod('before'));
  await waitFor(async () => (await c.client.get<Pod>('pods', 'before', { namespace: 'default' })).spec.nodeName, 'pod "before" scheduled', 10_000, 50);

  const killedAt = Date.now();
  await leader!.kill('SIGKILL');
  const pending = Array.from({ length: 5 }, (_, i) => `pending-${i}`);
  // The test's own connection may have been on the dead host's nats-server: writes retry until it has failed over.
  for (const name of pending)
    await waitFor(() => c.client.create('pods', pod(name)).then(() => true, (err: Error) => /AlreadyExists/.test(err.message)), `create ${name}`, 10_000, 100);
  await standby.waitFor(LEADING, 20_000);
  const takeoverAfter = since(killedAt);
  t.is((await c.leaderHost('kube-scheduler'))?.name, standbyHost.name, 'the Lease names the standby now');
  await waitFor(async () => {
    const pods = (await c.client.list<Pod>('pods', { namespace: 'default', labelSelector: 'app=pending' })).items;
    return pods.length === pending.length + 1 && pods.every((p) => p.spec.nodeName);
  }, 'the pending pods scheduled', 20_000, 50);
  const scheduledAfter = since(killedAt);

  t.log(`scheduler failover: standby leads ${takeoverAfter} ms after kill -9 of the leader's host (lease ${PERIODS.electionLeaseMs} ms, renew deadline ${PERIODS.electionRenewMs} ms, retry ${PERIODS.electionRetryMs} ms); pending pods scheduled after ${scheduledAfter} ms`);
  // The standby may take over once it has seen the record unchanged for a lease duration; it looks every retry period.
  t.true(takeoverAfter <= PERIODS.electionLeaseMs + 2 * PERIODS.electionRetryMs + 1000, `takeover within the lease duration (+ retry periods): ${takeoverAfter} ms`);
});
