// ServiceAccount admission (upstream plugin/pkg/admission/serviceaccount) on an API server that runs
// every plugin, and the root-ca-cert-publisher that gives each namespace kube-root-ca.crt.
import test, { type ExecutionContext } from 'ava';
import type { Pod } from '../api/kinds/pod.ts';
import type { KubeObject } from '../api/meta.ts';
import { StatusError } from '../api/status.ts';
import { apiserverActor } from '../actors/apiserver/apiserver.actor.ts';
import { apiAccessVolume, API_TOKEN_MOUNT_PATH, DEFAULT_ACCOUNT_WAIT_MS } from '../actors/apiserver/admission-serviceaccount.ts';
import { MemoryStore } from '../actors/apiserver/store/index.ts';
import { DESCRIPTION, rootCaPublisher } from '../actors/controllers/root-ca-publisher/root-ca-publisher.controller.ts';
import { serviceAccountController } from '../actors/controllers/serviceaccount/serviceaccount.controller.ts';
import { realClock, VirtualClock, type Clock } from '../bus/clock.ts';
import { ApiClient } from '../bus/client.ts';
import { MemoryBroker } from '../bus/memory-bus.ts';
import { seededRng } from '../bus/random.ts';
import { silentLogger } from '../bus/types.ts';
import { serving } from '../runtime/control-plane.ts';
import { Host } from '../runtime/host.ts';
import { pod } from './helpers/api.ts';
import { settle, waitFor } from './helpers/wait.ts';

/** An API server with every admission plugin (as the control plane runs it), a client, and a host for controllers; on `clock` (default the real one). */
async function startFullApi(t: ExecutionContext, clock: Clock = realClock) {
  const broker = new MemoryBroker({ clock, rng: seededRng(1) });
  const host = new Host({ bus: broker.connect('control-plane'), clock, rng: seededRng(2), log: silentLogger });
  await serving(host.start(apiserverActor, 'apiserver', { store: new MemoryStore(), disableAdmissionPlugins: [] }));
  const bus = broker.connect('client');
  t.teardown(async () => {
    await bus.close();
    await host.stopAll();
  });
  return { host, client: new ApiClient(bus, { clock }) };
}

const sa = (name: string, namespace = 'default', extra: Record<string, unknown> = {}): KubeObject => ({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace }, ...extra } as KubeObject);

test('serviceaccount admission - a missing account is refused with upstream\'s text; the default one is waited for', async (t) => {
  const clock = new VirtualClock();
  const { client } = await startFullApi(t, clock);
  const named = await t.throwsAsync(client.create('pods', pod('p', { serviceAccountName: 'robot' })), { instanceOf: StatusError });
  t.is(named.code, 403);
  t.is(named.message, 'pods "p" is forbidden: error looking up service account default/robot: serviceaccount "robot" not found');
  // The wait is on the server's clock: the create is answered once it has run its course, not before.
  const idle = clock.pending;
  let answered = false;
  const missingP = t.throwsAsync(client.create('pods', pod('p')), { instanceOf: StatusError }).finally(() => (answered = true));
  // Waiting: the request's timeout and the admission's wait are both set.
  await waitFor(() => clock.pending >= idle + 2, 'the create waiting for the default account');
  await clock.advance(DEFAULT_ACCOUNT_WAIT_MS - 1);
  t.false(answered, 'still waiting');
  const missing = await settle(clock, missingP, 1);
  t.is(missing.message, 'pods "p" is forbidden: error looking up service account default/default: serviceaccount "default" not found');
  // The controller makes it while a create waits: the create goes through, before the wait is over.
  const asked = clock.now();
  const creating = client.create<Pod>('pods', pod('q'));
  // Waiting: the request's timeout and the admission's wait are both set.
  await waitFor(() => clock.pending >= idle + 2, 'the create waiting for the default account');
  await clock.advance(500);
  // Neither needs the clock to move: the account's create ends the wait.
  await client.create('serviceaccounts', sa('default'));
  t.is((await creating).spec.serviceAccountName, 'default');
  t.true(clock.now() - asked < DEFAULT_ACCOUNT_WAIT_MS, 'the account ended the wait');
});

test('serviceaccount admission - the kube-api-access volume and a read-only mount in every container', async (t) => {
  const { client } = await startFullApi(t);
  await client.create('serviceaccounts', sa('default'));
  const made = await client.create<Pod>('pods', pod('p', {
    initContainers: [{ name: 'init', image: 'busybox' }],
    containers: [{ name: 'a', image: 'nginx' }, { name: 'own', image: 'nginx', volumeMounts: [{ name: 'x', mountPath: API_TOKEN_MOUNT_PATH }] }],
    volumes: [{ name: 'x', emptyDir: {} }],
  }));
  t.is(made.spec.serviceAccountName, 'default');
  const vol = made.spec.volumes!.find((v) => v.name.startsWith('kube-api-access-'))!;
  t.regex(vol.name, /^kube-api-access-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
  t.deepEqual(vol, apiAccessVolume(vol.name) as never);
  t.deepEqual((vol as any).projected.sources[0], { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } });
  t.is((vol as any).projected.defaultMode, 420);
  const mount = { name: vol.name, readOnly: true, mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' };
  t.deepEqual(made.spec.initContainers![0].volumeMounts, [mount]);
  t.deepEqual(made.spec.containers[0].volumeMounts, [mount]);
  // A container with its own mount at the path keeps it alone (upstream).
  t.deepEqual(made.spec.containers[1].volumeMounts, [{ name: 'x', mountPath: API_TOKEN_MOUNT_PATH }]);
});

test('serviceaccount admission - automountServiceAccountToken: the pod\'s choice, else the account\'s; the account\'s pull secrets; mirror pods are left alone', async (t) => {
  const { client } = await startFullApi(t);
  await client.create('serviceaccounts', sa('quiet', 'default', { automountServiceAccountToken: false, imagePullSecrets: [{ name: 'registry' }] }));
  await client.create('serviceaccounts', sa('default'));
  const quiet = await client.create<Pod>('pods', pod('a', { serviceAccountName: 'quiet' }));
  t.is(quiet.spec.volumes, undefined);
  t.deepEqual((quiet.spec as { imagePullSecrets?: unknown }).imagePullSecrets, [{ name: 'registry' }], 'the account\'s pull secrets');
  const asked = await client.create<Pod>('pods', pod('b', { serviceAccountName: 'quiet', automountServiceAccountToken: true }));
  t.is(asked.spec.volumes?.length, 1);
  const off = await client.create<Pod>('pods', pod('c', { automountServiceAccountToken: false }));
  t.is(off.spec.volumes, undefined);
  t.is(off.spec.serviceAccountName, 'default');
  const mirror = await client.create<Pod>('pods', { ...pod('d'), metadata: { name: 'd', namespace: 'default', annotations: { 'kubernetes.io/config.mirror': 'x' } } });
  t.is(mirror.spec.serviceAccountName, undefined);
  t.is(mirror.spec.volumes, undefined);
});

test('root-ca-cert-publisher - every namespace gets kube-root-ca.crt; an edited or deleted one comes back', async (t) => {
  const { client, host } = await startFullApi(t);
  host.start(rootCaPublisher, 'controller/root-ca-cert-publisher', { caCert: 'PEM' });
  host.start(serviceAccountController, 'controller/serviceaccount', undefined);
  await client.create('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'fresh' } });
  const get = () => client.get('configmaps', 'kube-root-ca.crt', { namespace: 'fresh' }).catch(() => undefined);
  const cm = await waitFor(get, 'kube-root-ca.crt in fresh', 5_000);
  t.deepEqual((cm as any).data, { 'ca.crt': 'PEM' });
  t.is(cm!.metadata.annotations?.['kubernetes.io/description'], DESCRIPTION);
  await client.update('configmaps', { ...cm!, data: { 'ca.crt': 'tampered' } } as KubeObject);
  await waitFor(async () => ((await get()) as any)?.data?.['ca.crt'] === 'PEM', 'the edit undone', 5_000);
  await client.delete('configmaps', 'kube-root-ca.crt', { namespace: 'fresh' });
  await waitFor(async () => ((await get()) as any)?.data?.['ca.crt'] === 'PEM', 'the ConfigMap back', 5_000);
  // With the service account controller, a pod in a brand-new namespace is admitted (the default account is waited for).
  await client.create('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'newer' } });
  const p = await client.create<Pod>('pods', { ...pod('p'), metadata: { name: 'p', namespace: 'newer' } });
  t.is(p.spec.serviceAccountName, 'default');
});

test('root-ca-cert-publisher - a leader without a CA never blanks a published ca.crt', async (t) => {
  const { client, host } = await startFullApi(t);
  await client.create('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'kept' } });
  await client.create('configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'kube-root-ca.crt', namespace: 'kept' }, data: { 'ca.crt': 'PEM' } } as KubeObject);
  host.start(rootCaPublisher, 'controller/root-ca-cert-publisher', { caCert: '' });
  // One worker, keys in order: once the later namespace has its ConfigMap, 'kept' was reconciled.
  await client.create('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'later' } });
  await waitFor(() => client.get('configmaps', 'kube-root-ca.crt', { namespace: 'later' }).catch(() => undefined), 'kube-root-ca.crt in later', 5_000);
  const kept = await client.get('configmaps', 'kube-root-ca.crt', { namespace: 'kept' });
  t.deepEqual((kept as any).data, { 'ca.crt': 'PEM' });
});
