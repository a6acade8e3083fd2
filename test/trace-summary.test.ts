// Message summaries on the shapes the API server really sends and receives (recorded from a live
// MemoryBus), and on the other subjects kubus uses.
import test from 'ava';
import { summarize } from '../actors/tracer/summary.ts';
import type { KubeObject } from '../api/meta.ts';
import { StatusError } from '../api/status.ts';
import { APISERVER_STATS, SCHEDULER_EXPLAIN, apiSubject, componentStatus, requestInbox, unwatchSubject, watchEvents, watchHeartbeat } from '../bus/subjects.ts';
import type { SentRecord } from '../bus/tap.ts';
import { pod, startApi } from './helpers/api.ts';
import { waitFor } from './helpers/wait.ts';

const lease = (rv?: string): KubeObject => ({
  apiVersion: 'coordination.k8s.io/v1',
  kind: 'Lease',
  metadata: { name: 'node-1', namespace: 'kube-node-lease', ...(rv ? { resourceVersion: rv } : {}) },
  spec: { holderIdentity: 'node-1', leaseDurationSeconds: 40 },
});

test('trace summary - API requests, replies and watch events as the API server sends them', async (t) => {
  const env = await startApi(t);
  const sent: SentRecord[] = [];
  env.broker.tap = { sent: (r) => void sent.push(r), delivered: () => {} };
  const watcher = env.connect('watcher');
  const seen: string[] = [];
  const w = await watcher.watch('pods', { namespace: 'default' }, { event: (e) => void seen.push(e.type), end: () => {} });
  t.teardown(() => w.stop());
  const created = await env.client.create<KubeObject>('pods', pod('web'));
  await env.client.create('pods', pod('web')).catch((e: unknown) => t.true(e instanceof StatusError));
  await env.client.update('pods', { ...created, metadata: { ...created.metadata, resourceVersion: '1' } }).catch(() => {});
  await env.client.bind('default', 'web', 'node-1');
  await env.client.updateStatus('pods', { ...created, status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] } }).catch(() => {});
  await env.client.list('pods', { namespace: 'default', labelSelector: 'app=web' });
  await env.client.create('leases', lease());
  const l = await env.client.get<KubeObject>('leases', 'node-1', { namespace: 'kube-node-lease' });
  await env.client.update('leases', l);
  await env.client.get('pods', 'nope', { namespace: 'default' }).catch(() => {});
  await waitFor(() => seen.length >= 2, 'watch events');

  const sums = sent.map((r) => ({ subject: r.subject, ...summarize(r.subject, r.data) }));
  const find = (kind: string, object?: string) => sums.find((s) => s.kind === kind && (object === undefined || s.object === object));
  t.truthy(find('create pods', 'pod/default/web'), 'create');
  t.truthy(find('reply 200', 'pod/default/web'), 'reply with the object');
  t.truthy(find('reply 409 AlreadyExists'), 'create of an existing name');
  t.regex(find('reply 409 Conflict')?.detail ?? '', /the object has been modified/);
  t.deepEqual(find('bind pods', 'pod/default/web')?.detail, 'to node-1');
  t.truthy(find('reply 201'), 'bind answers a Success Status');
  t.is(find('update-status pods', 'pod/default/web')?.detail, 'Running Ready');
  t.is(find('list pods')?.detail, 'in default app=web');
  t.regex(find('reply 200', undefined)?.detail ?? '', /./);
  t.truthy(sums.find((s) => s.kind === 'reply 200' && /items$/.test(s.detail ?? '')), 'a list reply says its size');
  t.truthy(find('update leases', 'lease/kube-node-lease/node-1'), 'a lease renewal');
  t.truthy(find('reply 404 NotFound'));
  const watchReq = find('watch pods');
  t.truthy(watchReq?.watch, 'a watch request says where its events will come');
  t.is(find('reply watching')?.reply, true);
  const added = sums.find((s) => s.kind === 'watch ADDED' && s.object === 'pod/default/web');
  t.truthy(added, 'a watch event names its object');
  t.is(added!.subject, watchReq!.watch ?? '(none)', 'on the subject the request named');
  t.regex(added!.detail ?? '', /^Pending, rv \d+$/);
  t.true(sums.filter((s) => s.subject.startsWith(requestInbox(''))).every((s) => s.reply === true), 'every reply is marked');
});

const table: Array<[string, string, unknown, Partial<ReturnType<typeof summarize>>]> = [
  [
    'a batch of several objects names the first and counts them',
    watchEvents('conn1', '4'),
    {
      events: [
        { type: 'MODIFIED', seq: 1, object: { kind: 'Pod', metadata: { name: 'a', namespace: 'ns' } } },
        { type: 'MODIFIED', seq: 2, object: { kind: 'Pod', metadata: { name: 'b', namespace: 'ns' } } },
        { type: 'DELETED', seq: 3, object: { kind: 'Pod', metadata: { name: 'c', namespace: 'ns' } } },
      ],
    },
    { kind: 'watch MODIFIED,DELETED', object: 'pod/ns/a', objects: ['pod/ns/a', 'pod/ns/b', 'pod/ns/c'], objectCount: 3, detail: '3 events' },
  ],
  [
    'several events of one object',
    watchEvents('conn1', '4'),
    { events: [1, 2].map((seq) => ({ type: 'MODIFIED', seq, object: { kind: 'Pod', metadata: { name: 'a', namespace: 'ns', resourceVersion: `${seq + 10}` }, spec: { nodeName: 'n1' }, status: { phase: 'Running' } } })) },
    { kind: 'watch MODIFIED', object: 'pod/ns/a', detail: '2 events, Running on n1, rv 12' },
  ],
  ['a bookmark', watchEvents('c', '1'), { events: [{ type: 'BOOKMARK', seq: 5, object: { kind: 'Pod', metadata: { resourceVersion: '9' } } }] }, { kind: 'watch BOOKMARK' }],
  ['410 Expired', watchEvents('c', '1'), { events: [{ type: 'ERROR', seq: 1, object: { kind: 'Status', code: 410, reason: 'Expired' } }] }, { kind: 'watch ERROR', detail: '410 Expired' }],
  ['a heartbeat', watchHeartbeat('c'), { server: 'apiserver', watches: [['1', 3], ['2', 0]] }, { kind: 'watch heartbeat', detail: '2 watches' }],
  ['a heartbeat reply', `${requestInbox('c')}.7`, { unknown: [] }, { kind: 'reply heartbeat', reply: true }],
  ['scheduler explain', SCHEDULER_EXPLAIN, { namespace: 'demo', name: 'web' }, { kind: 'explain pods', object: 'pod/demo/web' }],
  ['its reply', `${requestInbox('c')}.8`, { namespace: 'demo', name: 'web', found: true, nodes: [] }, { kind: 'reply explain', object: 'pod/demo/web' }],
  ['stats', APISERVER_STATS, {}, { kind: 'stats' }],
  ['component status', componentStatus('control-plane'), { components: [] }, { kind: 'status control-plane' }],
  ['unwatch', unwatchSubject('apiserver'), { conn: 'c', id: '1' }, { kind: 'unwatch' }],
  ['a cluster-scoped object', apiSubject('nodes', 'update-status'), { name: 'n1', body: { kind: 'Node', metadata: { name: 'n1' }, status: { conditions: [{ type: 'Ready', status: 'False' }] } } }, { kind: 'update-status nodes', object: 'node/n1', detail: 'Ready=False' }],
  ['generateName', apiSubject('pods', 'create'), { namespace: 'd', body: { kind: 'Pod', metadata: { generateName: 'web-' } } }, { kind: 'create pods', object: 'pod/d/web-*' }],
  ['an event', apiSubject('events', 'create'), { namespace: 'd', body: { kind: 'Event', metadata: { name: 'web.1' }, reason: 'Scheduled' } }, { kind: 'create events', object: 'event/d/web.1', detail: 'Scheduled' }],
  ['a delete by name', apiSubject('pods', 'delete'), { namespace: 'd', name: 'web', delete: { gracePeriodSeconds: 0 } }, { kind: 'delete pods', object: 'pod/d/web' }],
  ['a request known only by its subject (delivery without body)', apiSubject('deployments', 'patch'), undefined, { kind: 'patch deployments' }],
  ['a body that is not an object', apiSubject('pods', 'create'), 'garbage', { kind: 'create pods' }],
  ['an unknown subject', 'other.thing', { x: 1 }, { kind: 'other.thing' }],
];

for (const [what, subject, data, want] of table)
  test(`trace summary - ${what}`, (t) => {
    const got = summarize(subject, data);
    for (const [k, v] of Object.entries(want)) t.deepEqual(got[k as keyof typeof got], v, k);
  });

test('trace summary - deterministic: the same message gives the same summary', (t) => {
  const [, subject, data] = table[0];
  t.deepEqual(summarize(subject, data), summarize(subject, structuredClone(data)));
});
