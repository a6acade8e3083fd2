// The kubelet gives containers their environment in the sim runtime too: ConfigMap, Secret,
// fieldRef and Service variables show in `env` run through the node's exec; a missing ConfigMap
// is a CreateContainerConfigError with upstream's message. MemoryBus, virtual clock.
import test, { type ExecutionContext } from 'ava';
import type { Pod } from '../api/kinds/pod.ts';
import type { KubeObject } from '../api/meta.ts';
import type { ExecReply } from '../api/node-protocol.ts';
import { kubeletActor } from '../actors/kubelet/kubelet.actor.ts';
import { VirtualClock } from '../bus/clock.ts';
import { nodeExec } from '../bus/subjects.ts';
import { startApi } from './helpers/api.ts';

async function cluster(t: ExecutionContext) {
  const clock = new VirtualClock(Date.UTC(2026, 11, 4, 12, 0, 0));
  const api = await startApi(t, { clock });
  const run = async <T>(p: Promise<T>): Promise<T> => {
    let done = false;
    p.then(() => (done = true), () => (done = true));
    await clock.runUntil(() => done, clock.now() + 60_000);
    return p;
  };
  api.process('node-1').start(kubeletActor, 'kubelet/node-1', { nodeName: 'node-1' });
  await clock.advance(1);
  const bus = api.broker.connect('tester');
  t.teardown(() => bus.close());
  /** Waits (on the virtual clock, up to a minute) until the pod's first container status satisfies `ok`. */
  const waitPod = async (name: string, ok: (p: Pod) => boolean): Promise<Pod> => {
    for (let i = 0; i < 60; i++) {
      const p = await run(api.client.get<Pod>('pods', name, { namespace: 'default' }));
      if (ok(p)) return p;
      await clock.advance(1_000);
    }
    throw new Error(`pod ${name} never got there`);
  };
  const exec = (pod: string, command: string[]) => run(bus.request<ExecReply>(nodeExec('node-1'), { namespace: 'default', name: pod, container: 'c', command }).then((m) => m.data));
  return { clock, client: api.client, run, waitPod, exec };
}

const pod = (name: string, env: unknown[]): KubeObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' }, spec: { nodeName: 'node-1', containers: [{ name: 'c', image: 'busybox', env }] } });

test('kubelet env - a sim container sees ConfigMap, Secret, field and Service variables', async (t) => {
  const c = await cluster(t);
  await c.run(c.client.create('configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg', namespace: 'default' }, data: { MODE: 'prod' } }));
  await c.run(c.client.create('secrets', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'creds', namespace: 'default' }, data: { password: Buffer.from('s3cret').toString('base64') } }));
  const svc = await c.run(c.client.create<KubeObject & { spec: { clusterIP: string } }>('services', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web-api', namespace: 'default' }, spec: { ports: [{ port: 8080 }], selector: { app: 'x' } } }));
  await c.run(c.client.create('pods', pod('envy', [
    { name: 'GREETING', value: 'hello $(MODE)' },
    { name: 'MODE', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'MODE' } } },
    { name: 'LATER', value: 'mode=$(MODE)' },
    { name: 'PASS', valueFrom: { secretKeyRef: { name: 'creds', key: 'password' } } },
    { name: 'MY_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
    { name: 'MY_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
  ])));
  const p = await c.waitPod('envy', (x) => !!x.status?.containerStatuses?.[0]?.state?.running);
  const out = await c.exec('envy', ['env']);
  const env = Object.fromEntries(out.stdout.trim().split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
  t.like(env, {
    GREETING: 'hello $(MODE)',
    MODE: 'prod',
    LATER: 'mode=prod',
    PASS: 's3cret',
    MY_NAME: 'envy',
    MY_IP: p.status!.podIP,
    WEB_API_SERVICE_HOST: svc.spec.clusterIP,
    WEB_API_SERVICE_PORT: '8080',
    WEB_API_PORT: `tcp://${svc.spec.clusterIP}:8080`,
  });
});

test('kubelet env - a missing ConfigMap keeps the container waiting with CreateContainerConfigError', async (t) => {
  const c = await cluster(t);
  await c.run(c.client.create('pods', pod('lost', [{ name: 'X', valueFrom: { configMapKeyRef: { name: 'missing', key: 'k' } } }])));
  const p = await c.waitPod('lost', (x) => x.status?.containerStatuses?.[0]?.state?.waiting?.reason === 'CreateContainerConfigError');
  t.is(p.status?.containerStatuses?.[0]?.state?.waiting?.message, 'configmap "missing" not found');
  const events = await c.run(c.client.list<KubeObject & { reason: string; message: string }>('events', { namespace: 'default' }));
  t.true(events.items.some((e) => e.reason === 'Failed' && e.message === 'Error: configmap "missing" not found'));
  // Once the ConfigMap exists, the next retry starts the container.
  await c.run(c.client.create('configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'missing', namespace: 'default' }, data: { k: 'v' } }));
  await c.waitPod('lost', (x) => !!x.status?.containerStatuses?.[0]?.state?.running);
  t.pass();
});
