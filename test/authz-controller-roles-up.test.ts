// Every controller kubus runs, on a locked control plane (each part its own identity, the controllers
// as their own service accounts, as `kubus up` runs by default) with sim nodes: each reconciles its
// kind, and the audit log has no denial (403) for any kube-system service account. One cluster for the
// file; the tests run at once, each waiting on its own objects.
import test, { type ExecutionContext } from 'ava';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AuditEvent } from '../api/audit-event.ts';
import type { KubeObject } from '../api/meta.ts';
import { StatusError } from '../api/status.ts';
import { ApiClient } from '../bus/client.ts';
import { NatsBus } from '../bus/nats-bus.ts';
import { silentLogger } from '../bus/types.ts';
import { clusterIdentities, ensureCredentials, lockedConfig } from '../runtime/bus-auth.ts';
import type { ControlPlane } from '../runtime/control-plane.ts';
import { startEachNode, startNodes, type NodeProcess } from '../runtime/node.ts';
import { startLockedControlPlane } from '../runtime/up-locked.ts';
import { startNatsServer, type NatsServer } from '../runtime/nats-server.ts';
import { widget, widgetCrd } from './fixtures/crd-widget.ts';
import { waitFor } from './helpers/wait.ts';

const home = mkdtempSync(join(tmpdir(), 'kubus-ctl-roles-'));
const auditLog = join(home, 'audit.log');
const CA = '-----BEGIN CERTIFICATE-----\nMIIBkubusrolestest\n-----END CERTIFICATE-----\n';
const SA = (name: string) => `system:serviceaccount:kube-system:${name}`;
const NS = 'default';
const ON_N0 = { 'kubernetes.io/hostname': 'n-0' };
let nats: NatsServer;
let cp: ControlPlane;
let stay: NodeProcess; // n-0: keeps running
let lost: NodeProcess | undefined; // m-0: stops heartbeating in the node lifecycle test
let admin: ApiClient;

const startNode = (name: string, firstIndex: number) =>
  startEachNode(startNodes, { nats: nats.url, log: silentLogger, name, count: 1, firstIndex, kubelet: { renewIntervalMs: 1000, nodeStatusReportMs: 2000 } }, (n) => ensureCredentials(`node/${n}`, home));

test.before(async () => {
  nats = await startNatsServer({ config: lockedConfig(clusterIdentities(['n-0', 'm-0']), [], home) });
  const controllers = { rootCaCert: CA, nodeLifecycle: { gracePeriodMs: 6000, monitorPeriodMs: 1000 }, podGc: { periodMs: 1000, quarantineMs: 1000 } };
  cp = await startLockedControlPlane({ nats: nats.url, log: silentLogger, leaderElect: false, audit: { auditLog }, actors: ['apiserver', 'scheduler', 'controller-manager'], controllers }, home);
  stay = await startNode('n', 0);
  lost = await startNode('m', 1);
  const bus = await NatsBus.connect({ servers: nats.url, name: 'test/admin', log: silentLogger, credentials: ensureCredentials('admin', home) });
  admin = new ApiClient(bus);
});

test.after.always(async () => {
  await admin?.bus.close();
  await lost?.stop();
  await stay?.stop();
  await cp?.stop();
  await nats?.stop('SIGKILL');
  rmSync(home, { recursive: true, force: true });
});

const events = () => (existsSync(auditLog) ? readFileSync(auditLog, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as AuditEvent) : []);
const complete = (e: AuditEvent) => e.stage === 'ResponseComplete';
const wrote = (account: string, verb: string, resource: string, sub?: string) =>
  events().some((e) => complete(e) && e.user.username === SA(account) && e.verb === verb && e.objectRef?.resource === resource && (sub === undefined || e.objectRef?.subresource === sub) && (e.responseStatus?.code ?? 200) < 300);
/** The control plane's own identities, checked too: the scheduler binds the StatefulSet's volumes. */
const SYSTEM = ['system:kube-scheduler', 'system:kube-controller-manager'];
const denials = () =>
  events()
    .filter((e) => complete(e) && e.responseStatus?.code === 403 && (e.user.username.startsWith('system:serviceaccount:kube-system:') || SYSTEM.includes(e.user.username)))
    .map((e) => `${e.user.username} ${e.verb} ${e.objectRef?.resource}${e.objectRef?.subresource ? '/' + e.objectRef.subresource : ''} (${e.annotations?.['authorization.k8s.io/decision'] ?? '?'})`);
let fences = 0;
/** Waits until the audit log holds every request made so far: a marker request's event, written after theirs. */
async function fence(): Promise<void> {
  const name = `audit-fence-${++fences}`;
  await admin.get('configmaps', name, { namespace: NS }).catch(() => undefined);
  await waitFor(() => events().some((e) => complete(e) && e.objectRef?.name === name), 'the audit log to catch up', 30_000, 100);
}
/** Asserts an account's successful write is in the audit log. */
async function audited(t: ExecutionContext, account: string, verb: string, resource: string, sub?: string) {
  await fence();
  t.true(wrote(account, verb, resource, sub), `${account} ${verb} ${resource}${sub ? '/' + sub : ''} in the audit log`);
}
/** Fails the test with every denial so far (any test's: the one that ends last sees them all). */
async function noDenials(t: ExecutionContext) {
  await fence();
  t.deepEqual([...new Set(denials())], []);
}

/** waitFor whose timeout names the denials so far: a missing rule shows as what the controller was refused. */
const until = (cond: () => Promise<unknown> | unknown, what: string, ms: number, every?: number) =>
  waitFor(cond as () => Promise<boolean>, what, ms, every ?? 200).catch((err: Error) => {
    throw new Error(`${err.message}; denied so far: ${[...new Set(denials())].join(', ') || 'nothing'}`);
  });

type Obj = KubeObject & { spec?: any; status?: any }; // eslint-disable-line @typescript-eslint/no-explicit-any
const get = (resource: string, name: string, namespace?: string) => admin.get<Obj>(resource, name, namespace ? { namespace } : {}).catch((e: unknown) => (e instanceof StatusError && e.code === 404 ? undefined : Promise.reject(e)));
const list = async (resource: string, opts: { namespace?: string; labelSelector?: string } = {}) => (await admin.list<Obj>(resource, opts)).items;
const gone = async (resource: string, name: string, namespace?: string) => (await get(resource, name, namespace)) === undefined;
const running = (p: Obj) => p.status?.phase === 'Running' && !p.metadata.deletionTimestamp;
const template = (app: string, extra: Record<string, unknown> = {}, annotations: Record<string, string> = {}) => ({
  metadata: { labels: { app }, annotations },
  spec: { nodeSelector: ON_N0, containers: [{ name: 'c', image: 'x', resources: { requests: { cpu: '100m' } } }], ...extra },
});
const obj = (apiVersion: string, kind: string, name: string, spec: unknown, namespace: string | undefined = NS) => ({ apiVersion, kind, metadata: { name, ...(namespace ? { namespace } : {}) }, spec }) as KubeObject;

test('controller roles up - StatefulSet claims provisioned, bound, then protected until their pod is gone; the volume deleted', async (t) => {
  await until(async () => !!(await get('storageclasses', 'standard')), 'the standard StorageClass (local-path provisioner)', 30_000);
  const sts = obj('apps/v1', 'StatefulSet', 'db', {
    replicas: 1,
    serviceName: 'db',
    selector: { matchLabels: { app: 'db' } },
    template: template('db'),
    volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }],
  });
  await admin.create('statefulsets', sts);
  await until(async () => { const p = await get('pods', 'db-0', NS); return !!p && running(p); }, 'db-0 Running', 60_000);
  const claim = (await get('persistentvolumeclaims', 'data-db-0', NS))!;
  t.is(claim.status?.phase, 'Bound');
  t.true(claim.metadata.finalizers?.includes('kubernetes.io/pvc-protection'));
  const volume = claim.spec.volumeName as string;
  await until(async () => (await get('persistentvolumes', volume))?.status?.phase === 'Bound', 'the volume Bound', 30_000);
  await admin.delete('persistentvolumeclaims', 'data-db-0', { namespace: NS });
  // While db-0 uses it, the claim stays (Terminating).
  t.truthy((await get('persistentvolumeclaims', 'data-db-0', NS))?.metadata.deletionTimestamp);
  await admin.delete('statefulsets', 'db', { namespace: NS });
  await until(() => gone('pods', 'db-0', NS), 'db-0 collected', 60_000);
  await until(() => gone('persistentvolumeclaims', 'data-db-0', NS), 'the claim released by pvc-protection', 60_000);
  await until(() => gone('persistentvolumes', volume), 'the volume deleted (reclaim Delete)', 60_000);
  await audited(t, 'statefulset-controller', 'create', 'persistentvolumeclaims');
  await audited(t, 'local-path-provisioner', 'create', 'persistentvolumes');
  await audited(t, 'persistent-volume-binder', 'update', 'persistentvolumeclaims', 'status');
  await noDenials(t);
});

test('controller roles up - DaemonSet, ReplicationController, Job, TTL after finished', async (t) => {
  await admin.create('daemonsets', obj('apps/v1', 'DaemonSet', 'agent', { selector: { matchLabels: { app: 'agent' } }, template: template('agent') }));
  await admin.create('replicationcontrollers', obj('v1', 'ReplicationController', 'rc', { replicas: 1, selector: { app: 'rc' }, template: template('rc') }));
  const job = (name: string, extra: Record<string, unknown>) =>
    obj('batch/v1', 'Job', name, { ...extra, backoffLimit: 1, template: template(name, { restartPolicy: 'Never' }, { 'sim.kubus.io/exit-after': '1s' }) });
  await admin.create('jobs', job('once', {}));
  await admin.create('jobs', job('brief', { ttlSecondsAfterFinished: 0 }));
  await until(async () => (await get('daemonsets', 'agent', NS))?.status?.numberReady === 1, 'the DaemonSet\'s pod on n-0 Ready', 60_000);
  await until(async () => (await get('replicationcontrollers', 'rc', NS))?.status?.readyReplicas === 1, 'the ReplicationController\'s pod Ready', 60_000);
  await until(async () => !!(await get('jobs', 'once', NS))?.status?.conditions?.some((c: { type: string; status: string }) => c.type === 'Complete' && c.status === 'True'), 'Job once Complete', 60_000);
  await until(() => gone('jobs', 'brief', NS), 'Job brief deleted after it finished', 60_000);
  await audited(t, 'ttl-after-finished-controller', 'delete', 'jobs');
  await audited(t, 'daemon-set-controller', 'create', 'pods');
  await noDenials(t);
});

test('controller roles up - a CronJob starts the Job it missed', async (t) => {
  const jobTemplate = { spec: { backoffLimit: 0, template: template('tick', { restartPolicy: 'Never' }, { 'sim.kubus.io/exit-after': '1s' }) } };
  await admin.create('cronjobs', obj('batch/v1', 'CronJob', 'tick', { schedule: '* * * * *', jobTemplate }));
  // A last start two minutes back (as after the controller was down): the latest missed one is due at
  // once, so the test need not wait for the next minute (at most 60 s, still a Job if this write lost).
  const earlier = new Date(Math.floor(Date.now() / 60_000) * 60_000 - 120_000).toISOString().replace('.000Z', 'Z');
  await until(async () => {
    const cj = (await get('cronjobs', 'tick', NS))!;
    if (cj.status?.lastScheduleTime) return true;
    return admin.updateStatus('cronjobs', { ...cj, status: { ...cj.status, lastScheduleTime: earlier } }).then(() => true, () => false);
  }, 'the CronJob\'s earlier start written', 30_000);
  await until(async () => (await list('jobs', { namespace: NS })).some((j) => j.metadata.ownerReferences?.[0]?.name === 'tick'), 'a Job of CronJob tick', 90_000, 500);
  await until(async () => (await get('cronjobs', 'tick', NS))?.status?.lastScheduleTime > earlier, 'the CronJob\'s lastScheduleTime moved on', 30_000);
  await audited(t, 'cronjob-controller', 'create', 'jobs');
  await noDenials(t);
});

test('controller roles up - HPA scales a Deployment on the metrics server\'s usage; a PodDisruptionBudget\'s status', async (t) => {
  const load = obj('apps/v1', 'Deployment', 'load', { replicas: 1, selector: { matchLabels: { app: 'load' } }, template: template('load', {}, { 'sim.kubus.io/cpu-usage': '300m' }) });
  await admin.create('deployments', load);
  await admin.create('horizontalpodautoscalers', obj('autoscaling/v2', 'HorizontalPodAutoscaler', 'load', {
    scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'load' },
    minReplicas: 1,
    maxReplicas: 3,
    metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }],
  }));
  await admin.create('poddisruptionbudgets', obj('policy/v1', 'PodDisruptionBudget', 'load', { minAvailable: 1, selector: { matchLabels: { app: 'load' } } }));
  await until(async () => (await get('poddisruptionbudgets', 'load', NS))?.status?.expectedPods >= 1, 'the PDB\'s status', 60_000);
  // Two scrapes 15 s apart make the first rate; then the HPA's next sync (15 s).
  await until(async () => (await get('deployments', 'load', NS))?.spec?.replicas === 3, 'the HPA to scale load to 3', 120_000, 500);
  await until(async () => (await get('poddisruptionbudgets', 'load', NS))?.status?.currentHealthy === 3, 'the PDB to count 3 healthy pods', 60_000);
  await audited(t, 'horizontal-pod-autoscaler', 'update', 'horizontalpodautoscalers', 'status');
  await audited(t, 'disruption-controller', 'update', 'poddisruptionbudgets', 'status');
  await noDenials(t);
});

test('controller roles up - ResourceQuota status, the root CA in a new namespace, EndpointSlices and their mirror', async (t) => {
  await admin.create('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'quota' } } as KubeObject);
  await until(async () => (await get('configmaps', 'kube-root-ca.crt', 'quota'))?.data?.['ca.crt' as never] === CA, 'kube-root-ca.crt in namespace quota', 30_000);
  // Made after the namespace's first ConfigMap, so only the controller's count writes its status.
  await admin.create('resourcequotas', obj('v1', 'ResourceQuota', 'q', { hard: { pods: '10', configmaps: '5' } }, 'quota'));
  await until(async () => { const used = (await get('resourcequotas', 'q', 'quota'))?.status?.used; return used?.pods === '0' && /^[01]$/.test(used?.configmaps ?? ''); }, 'the quota\'s used pods and configmaps', 30_000);
  await admin.create('deployments', obj('apps/v1', 'Deployment', 'web', { replicas: 2, selector: { matchLabels: { app: 'web' } }, template: template('web') }));
  await admin.create('services', obj('v1', 'Service', 'web', { selector: { app: 'web' }, ports: [{ port: 80 }] }));
  await admin.create('services', obj('v1', 'Service', 'ext', { ports: [{ port: 80 }] }));
  await admin.create('endpoints', { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'ext', namespace: NS }, subsets: [{ addresses: [{ ip: '10.9.8.7' }], ports: [{ port: 80 }] }] } as KubeObject);
  const slices = (svc: string) => list('endpointslices', { namespace: NS, labelSelector: `kubernetes.io/service-name=${svc}` });
  const ready = async (svc: string) => (await slices(svc)).flatMap((s) => ((s as unknown as { endpoints?: Array<{ conditions?: { ready?: boolean } }> }).endpoints ?? []).filter((e) => e.conditions?.ready));
  await until(async () => (await ready('web')).length === 2, 'the Service web\'s slice with 2 ready endpoints', 60_000);
  await until(async () => (await slices('ext')).length === 1, 'the mirrored slice of Endpoints ext', 30_000);
  t.is((await slices('ext'))[0]!.metadata.labels?.['endpointslice.kubernetes.io/managed-by'], 'endpointslicemirroring-controller.k8s.io');
  await audited(t, 'resourcequota-controller', 'update', 'resourcequotas', 'status');
  await audited(t, 'root-ca-cert-publisher', 'create', 'configmaps');
  await audited(t, 'endpointslice-controller', 'create', 'endpointslices');
  await audited(t, 'endpointslicemirroring-controller', 'create', 'endpointslices');
  await noDenials(t);
});

test('controller roles up - ClusterRole aggregation; CRD deletion removes its objects', async (t) => {
  const label = { 'roles-test.kubus.io/aggregate': 'true' };
  await admin.create('clusterroles', { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'roles-test-agg' }, aggregationRule: { clusterRoleSelectors: [{ matchLabels: label }] }, rules: [] } as KubeObject);
  await admin.create('clusterroles', { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'roles-test-part', labels: label }, rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get'] }] } as KubeObject);
  await until(async () => ((await get('clusterroles', 'roles-test-agg')) as unknown as { rules?: unknown[] })?.rules?.length === 1, 'the aggregated rule', 30_000);

  await admin.create('customresourcedefinitions', widgetCrd() as KubeObject);
  await until(() => admin.create('widgets', widget('w', { size: 'small', replicas: 1 }) as KubeObject).then(() => true, () => false), 'a widget created once the CRD serves', 30_000);
  await admin.delete('customresourcedefinitions', 'widgets.example.com');
  await until(() => gone('customresourcedefinitions', 'widgets.example.com'), 'the CRD gone after its objects', 30_000);
  await audited(t, 'clusterrole-aggregation-controller', 'patch', 'clusterroles');
  await audited(t, 'crd-cleanup-controller', 'delete', 'widgets');
  await noDenials(t);
});

test('controller roles up - a node that stops heartbeating: Unknown, tainted, its pod evicted, then collected once the node is deleted', async (t) => {
  await until(async () => (await get('nodes', 'm-0'))?.status?.conditions?.some((c: { type: string; status: string }) => c.type === 'Ready' && c.status === 'True'), 'm-0 Ready', 30_000);
  const toleration = (key: string) => ({ key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 1 });
  await admin.create('pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'stray', namespace: NS }, spec: { nodeName: 'm-0', tolerations: [toleration('node.kubernetes.io/unreachable'), toleration('node.kubernetes.io/not-ready')], containers: [{ name: 'c', image: 'x' }] } } as KubeObject);
  await until(async () => { const p = await get('pods', 'stray', NS); return !!p && running(p); }, 'stray Running on m-0', 30_000);
  await lost!.stop();
  lost = undefined;
  await until(async () => (await get('nodes', 'm-0'))?.spec?.taints?.some((x: { key: string; effect: string }) => x.key === 'node.kubernetes.io/unreachable' && x.effect === 'NoExecute'), 'm-0 tainted unreachable', 60_000);
  t.is((await get('nodes', 'm-0'))?.status?.conditions?.find((c: { type: string }) => c.type === 'Ready')?.status, 'Unknown');
  await until(async () => !!(await get('pods', 'stray', NS))?.metadata.deletionTimestamp, 'stray evicted (taint eviction)', 60_000);
  await admin.delete('nodes', 'm-0');
  await until(() => gone('pods', 'stray', NS), 'the pod of the deleted node collected', 60_000);
  await audited(t, 'node-controller', 'delete', 'pods');
  await audited(t, 'node-controller', 'update', 'nodes'); // the taint
  await audited(t, 'node-controller', 'update', 'pods', 'status');
  await audited(t, 'pod-garbage-collector', 'delete', 'pods');
  await noDenials(t);
});

test.after('controller roles up - no kube-system service account was denied anything', async (t) => {
  await noDenials(t);
});
