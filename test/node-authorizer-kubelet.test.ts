// A real kubelet (sim runtime) whose every request carries its node identity (system:node:node-1 in
// system:nodes) keeps working under Node,RBAC and NodeRestriction: it registers its Node, renews its
// Lease, reads its pod's Secret and ConfigMap, writes pod status, and removes the pod once deleted.
// MemoryBus, virtual clock.
import test from 'ava';
import type { Pod } from '../api/kinds/pod.ts';
import type { KubeObject } from '../api/meta.ts';
import type { ExecReply } from '../api/node-protocol.ts';
import { kubeletActor } from '../actors/kubelet/kubelet.actor.ts';
import { ApiClient } from '../bus/client.ts';
import { VirtualClock } from '../bus/clock.ts';
import { seededRng } from '../bus/random.ts';
import { nodeExec } from '../bus/subjects.ts';
import type { Logger } from '../bus/types.ts';
import { Host } from '../runtime/host.ts';
import { startApi, statusOf } from './helpers/api.ts';

const NODE_USER = { username: 'system:node:node-1', groups: ['system:nodes'] };

/** A logger that keeps every line that mentions a denial (a kubelet logs and retries what the API server refuses). */
function denialLog(lines: string[]): Logger {
  const keep = (obj: object | string, msg?: string) => {
    const line = `${typeof obj === 'string' ? obj : JSON.stringify(obj)} ${msg ?? ''}`;
    if (/forbidden|403/i.test(line)) lines.push(line);
  };
  const log: Logger = { debug: keep, info: keep, warn: keep, error: keep, child: () => log };
  return log;
}

test('node authz kubelet - a kubelet with its node identity registers, renews its Lease, runs its pod with secret and configmap env, and removes it', async (t) => {
  const clock = new VirtualClock(Date.UTC(2026, 11, 6, 8, 0, 0));
  const api = await startApi(t, { clock });
  const run = async <T>(p: Promise<T>): Promise<T> => {
    let done = false;
    p.then(() => (done = true), () => (done = true));
    await clock.runUntil(() => done, clock.now() + 60_000);
    return p;
  };
  const bus = api.broker.connect('node-1');
  const kubelet = new ApiClient(bus, { clock }).as(NODE_USER);
  const denials: string[] = [];
  const host = new Host({ bus, clock, rng: seededRng(7), log: denialLog(denials), client: kubelet });
  t.teardown(async () => {
    let stopped = false;
    const stopping = host.stopAll().finally(() => (stopped = true));
    await clock.runUntil(() => stopped, clock.now() + 60_000);
    await stopping;
    await bus.close();
  });
  const admin = api.client;
  await run(admin.create('configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg', namespace: 'default' }, data: { MODE: 'prod' } } as KubeObject));
  await run(admin.create('secrets', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'creds', namespace: 'default' }, data: { password: Buffer.from('s3cret').toString('base64') } } as KubeObject));
  host.start(kubeletActor, 'kubelet/node-1', { nodeName: 'node-1' });
  const until = async (what: string, ok: () => Promise<boolean>) => {
    for (let i = 0; i < 120; i++) {
      if (await run(ok())) return;
      await clock.advance(1_000);
    }
    throw new Error(`never: ${what}`);
  };
  await until('the node is Ready', async () => {
    const n = await admin.get<KubeObject & { status?: { conditions?: Array<{ type: string; status: string }> } }>('nodes', 'node-1').catch(() => undefined);
    return n?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
  });
  await until('the node Lease exists', async () => !!(await admin.get('leases', 'node-1', { namespace: 'kube-node-lease' }).catch(() => undefined)));
  await run(admin.create('pods', {
    apiVersion: 'v1', kind: 'Pod', metadata: { name: 'envy', namespace: 'default' },
    spec: { nodeName: 'node-1', containers: [{ name: 'c', image: 'busybox', env: [
      { name: 'MODE', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'MODE' } } },
      { name: 'PASS', valueFrom: { secretKeyRef: { name: 'creds', key: 'password' } } },
    ] }] },
  } as KubeObject));
  await until('the pod runs', async () => !!(await admin.get<Pod>('pods', 'envy', { namespace: 'default' })).status?.containerStatuses?.[0]?.state?.running);
  const tester = api.broker.connect('tester');
  t.teardown(() => tester.close());
  const out = await run(tester.request<ExecReply>(nodeExec('node-1'), { namespace: 'default', name: 'envy', container: 'c', command: ['env'] }).then((m) => m.data));
  t.true(out.stdout.includes('MODE=prod'), out.stdout);
  t.true(out.stdout.includes('PASS=s3cret'), out.stdout);
  // The same identity reads nothing its pods do not use.
  await run(admin.create('secrets', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'other', namespace: 'default' } } as KubeObject));
  t.is((await run(statusOf(kubelet.get('secrets', 'other', { namespace: 'default' })))).code, 403);
  await run(admin.delete('pods', 'envy', { namespace: 'default' }));
  await until('the kubelet removed the pod', async () => (await statusOf(admin.get('pods', 'envy', { namespace: 'default' })).catch(() => undefined))?.code === 404);
  await until('its secret is no longer the node\'s', async () => (await statusOf(kubelet.get('secrets', 'creds', { namespace: 'default' })).catch(() => undefined))?.code === 403);
  t.deepEqual(denials, [], 'the kubelet was refused nothing');
});
