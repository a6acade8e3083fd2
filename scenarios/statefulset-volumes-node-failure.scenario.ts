// A StatefulSet's volumes outlive a node failure: each replica's claim (volumeClaimTemplates) is
// provisioned by the local-path provisioner on the node the scheduler picked (WaitForFirstConsumer),
// so the volume is pinned there. When that node stops heartbeating, its pod is evicted and the
// replacement waits (untolerated taint + volume node affinity conflict) rather than starting
// elsewhere without its data; when the node is back, the pod returns there with the same claim
// and volume. No claim or volume is lost or rebound at any time.
import { scenario } from './dsl.ts';

/** The StatefulSet; pods tolerate a lost node for `toleration` seconds (cluster time, scaled in real runs). */
const db = (toleration: number) => ({
  apiVersion: 'apps/v1',
  kind: 'StatefulSet',
  metadata: { name: 'db', namespace: 'default' },
  spec: {
    replicas: 3,
    serviceName: 'db',
    selector: { matchLabels: { app: 'db' } },
    template: {
      metadata: { labels: { app: 'db' } },
      spec: {
        tolerations: [
          { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: toleration },
          { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: toleration },
        ],
        containers: [{ name: 'db', image: 'busybox', imagePullPolicy: 'IfNotPresent', command: ['sh', '-c', 'date >> /data/starts; exec sleep 3600'], volumeMounts: [{ name: 'data', mountPath: '/data' }] }],
      },
    },
    volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '64Mi' } } } }],
  },
});

export default scenario(
  'statefulset volumes through a node failure',
  { nodes: 3, timeScale: 20, tags: ['storage', 'faults', 'nodes'], description: 'a StatefulSet keeps its local volumes through a node failure: the pod waits for its node and comes back to its data' },
  async (s) => {
    s.step('a StatefulSet of 3 with a volume claim template');
    await s.apply(db(s.seconds(30)));
    await s.until('3 db pods Running', () => s.pods({ labels: 'app=db' }).running().count() === 3, { within: '3m' });
    await s.until('3 claims Bound', () => s.list('persistentvolumeclaims').where('Bound', (c) => (c.status as { phase?: string })?.phase === 'Bound').count() === 3, { within: '1m' });
    const volumeOf = new Map(s.list('persistentvolumeclaims').items().map((c) => [c.metadata.name!, (c.spec as { volumeName?: string }).volumeName!]));
    s.always('no claim is lost or rebound', () =>
      [...volumeOf].every(([claim, pv]) => (s.get('persistentvolumeclaims', claim)?.spec as { volumeName?: string } | undefined)?.volumeName === pv),
    );
    s.always('no volume is deleted', () => s.list('persistentvolumes').count() === 3);

    s.step('the node of db-1 stops heartbeating');
    const victim = (s.get('pods', 'db-1')!.spec as { nodeName: string }).nodeName;
    await s.stopHeartbeats(victim);
    await s.until(`${victim} Ready=Unknown`, () => s.nodeReady(victim) === 'Unknown', { within: '2m' });
    const db1 = () => s.pods({ labels: 'app=db' }).where('db-1', (p) => p.metadata.name === 'db-1');
    const moved = () => db1().where('on another node', (p) => !!p.spec?.nodeName && p.spec.nodeName !== victim).count() > 0;
    s.always('db-1 never runs away from its volume', () => !moved());
    await s.until('db-1 evicted after its 30 s toleration', () => db1().where('terminating or waiting', (p) => !!p.metadata.deletionTimestamp || !p.spec?.nodeName).count() === 1, { within: '3m' });
    // The kubelet of a node that only lost its heartbeats finishes the deletion; the replacement then waits for the node.
    await s.advance('30s');
    if (db1().where('waiting', (p) => !p.spec?.nodeName).count() === 1)
      await s.eventually('the scheduler says why db-1 waits: its volume is pinned to the tainted node', () =>
        s.events({ reason: 'FailedScheduling' }).where('about db-1', (e) => e.involvedObject?.name === 'db-1' && /volume node affinity conflict/.test(e.message ?? '')).count() > 0, { within: '1m' });
    await s.expect('db-0 and db-2 keep running', () => s.pods({ labels: 'app=db' }).running().notOn(victim).count() >= 2);

    s.step('the node comes back; db-1 returns to it with its volume');
    await s.resumeHeartbeats(victim);
    await s.until(`${victim} Ready`, () => s.nodeReady(victim) === 'True', { within: '2m' });
    await s.until('db-1 Running again on its node', () => s.pods({ labels: 'app=db' }).running().on(victim).where('db-1', (p) => p.metadata.name === 'db-1').count() === 1, { within: '3m' });
    await s.until('3 db pods Running', () => s.pods({ labels: 'app=db' }).running().count() === 3, { within: '2m' });
  },
);
