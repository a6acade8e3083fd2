// PriorityClass (scheduling.k8s.io/v1): validation, the system classes, and the Priority admission plugin.
import test from 'ava';
import type { KubeObject } from '../api/meta.ts';
import { describe } from '../cli/printers/describe.ts';
import { tableFor } from '../cli/printers/table.ts';
import { pod, startApi, statusOf } from './helpers/api.ts';

const pc = (name: string, value: number, extra: Record<string, unknown> = {}): KubeObject =>
  ({ apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name }, value, ...extra }) as KubeObject;

type PodSpec = { priority?: number; preemptionPolicy?: string; priorityClassName?: string };
const specOf = (o: KubeObject) => o.spec as PodSpec;

test('priorityclass - the system classes exist from the start', async (t) => {
  const { client } = await startApi(t);
  const items = (await client.list('priorityclasses')).items as unknown as Array<{ metadata: { name: string }; value: number; preemptionPolicy: string; globalDefault?: boolean }>;
  t.deepEqual(
    items.map((i) => [i.metadata.name, i.value, i.preemptionPolicy, i.globalDefault ?? false]),
    [
      ['system-cluster-critical', 2000000000, 'PreemptLowerPriority', false],
      ['system-node-critical', 2000001000, 'PreemptLowerPriority', false],
    ],
  );
});

test('priorityclass - validation as upstream: user values up to 1e9, system- prefix reserved, policy enum, value immutable', async (t) => {
  const { client, store } = await startApi(t);
  const big = await statusOf(client.create('priorityclasses', pc('huge', 1_000_000_001)));
  t.is(big.code, 422);
  t.true(big.message.endsWith('"huge" is invalid: value: Forbidden: maximum allowed value of a user defined priority is 1000000000'), big.message);
  const sys = await statusOf(client.create('priorityclasses', pc('system-mine', 10)));
  t.deepEqual(sys.status.details?.causes, [
    { reason: 'FieldValueForbidden', field: 'metadata.name', message: "Forbidden: priority class names with 'system-' prefix are reserved for system use only. error: system-mine is not a known system priority class" },
  ]);
  const policy = await statusOf(client.create('priorityclasses', pc('p', 10, { preemptionPolicy: 'Sometimes' })));
  t.is(policy.status.details?.causes?.[0].message, 'Unsupported value: "Sometimes": supported values: "PreemptLowerPriority", "Never"');
  t.is(store.range('/registry/priorityclasses/').kvs.length, 2, 'nothing stored');

  const created = await client.create('priorityclasses', pc('high', 1000));
  const changed = await statusOf(client.update('priorityclasses', { ...created, value: 2000 } as KubeObject));
  t.true(changed.message.endsWith('"high" is invalid: value: Forbidden: may not be changed in an update.'), changed.message);
  const desc = await client.update('priorityclasses', { ...created, description: 'now described' } as KubeObject);
  t.is((desc as unknown as { description: string }).description, 'now described');
});

test('priority admission - a pod gets its class value and policy; 0 and PreemptLowerPriority without a class', async (t) => {
  const { client } = await startApi(t);
  await client.create('priorityclasses', pc('high', 1000, { preemptionPolicy: 'Never' }));
  const plain = await client.create('pods', pod('plain'));
  t.like(specOf(plain), { priority: 0, preemptionPolicy: 'PreemptLowerPriority' });
  t.is(specOf(plain).priorityClassName, undefined);
  const high = await client.create('pods', pod('high', { priorityClassName: 'high' }));
  t.like(specOf(high), { priority: 1000, preemptionPolicy: 'Never' });
  const crit = await client.create('pods', { ...pod('crit', { priorityClassName: 'system-node-critical' }), metadata: { name: 'crit', namespace: 'kube-system' } });
  t.is(specOf(crit).priority, 2000001000);
  const same = await client.create('pods', pod('same', { priorityClassName: 'high', priority: 1000 }));
  t.is(specOf(same).priority, 1000, 'a priority equal to the class value is accepted');
});

test('priority admission - unknown class, a different priority or policy are 403 Forbidden and nothing is stored', async (t) => {
  const { client, store } = await startApi(t);
  await client.create('priorityclasses', pc('high', 1000));
  const unknown = await statusOf(client.create('pods', pod('a', { priorityClassName: 'nope' })));
  t.is(unknown.code, 403);
  t.is(unknown.reason, 'Forbidden');
  t.is(unknown.message, 'pods "a" is forbidden: no PriorityClass with name nope was found');
  const prio = await statusOf(client.create('pods', pod('b', { priorityClassName: 'high', priority: 7 })));
  t.is(prio.message, 'pods "b" is forbidden: the integer value of priority (7) must not be provided in pod spec; priority admission controller computed 1000 from the given PriorityClass name');
  const none = await statusOf(client.create('pods', pod('c', { priority: 5 })));
  t.is(none.message, 'pods "c" is forbidden: the integer value of priority (5) must not be provided in pod spec; priority admission controller computed 0 from the given PriorityClass name');
  const policy = await statusOf(client.create('pods', pod('d', { priorityClassName: 'high', preemptionPolicy: 'Never' })));
  t.is(policy.message, 'pods "d" is forbidden: the string value of PreemptionPolicy (Never) must not be provided in pod spec; priority admission controller computed PreemptLowerPriority from the given PriorityClass name');
  t.is(store.range('/registry/pods/').kvs.length, 0);
});

test('priority admission - the global default applies to pods without a class; only one default may exist', async (t) => {
  const { client } = await startApi(t);
  await client.create('priorityclasses', pc('normal', 100, { globalDefault: true }));
  const p = await client.create('pods', pod('p'));
  t.like(specOf(p), { priorityClassName: 'normal', priority: 100, preemptionPolicy: 'PreemptLowerPriority' });
  const second = await statusOf(client.create('priorityclasses', pc('other', 5, { globalDefault: true })));
  t.is(second.code, 403);
  t.is(second.message, 'priorityclasses.scheduling.k8s.io "other" is forbidden: PriorityClass normal is already marked as default. Only one default can exist');
  const low = await client.create('priorityclasses', pc('low', 1));
  const marked = await statusOf(client.update('priorityclasses', { ...low, globalDefault: true } as KubeObject));
  t.is(marked.code, 403);
  const again = await client.get('priorityclasses', 'normal');
  const kept = await client.update('priorityclasses', { ...again, description: 'still default' } as KubeObject);
  t.is((kept as unknown as { globalDefault: boolean }).globalDefault, true, 'the default itself may be updated');
});

test('priority admission - an update of a pod keeps its priority', async (t) => {
  const { client } = await startApi(t);
  await client.create('priorityclasses', pc('high', 1000));
  const p = await client.create('pods', pod('p', { priorityClassName: 'high' }));
  const spec = { ...(p.spec as Record<string, unknown>) };
  delete spec.priority;
  delete spec.preemptionPolicy;
  const next = await client.update('pods', { ...p, metadata: { ...p.metadata, labels: { a: 'b' } }, spec } as KubeObject);
  t.like(specOf(next), { priority: 1000, preemptionPolicy: 'PreemptLowerPriority' });
  t.deepEqual(next.metadata.labels, { a: 'b' });
});

test('priorityclass - table columns and describe as kubectl', (t) => {
  const now = Date.parse('2024-05-01T12:00:00Z');
  const obj = { metadata: { name: 'high', creationTimestamp: '2024-05-01T11:00:00Z', annotations: { a: 'b' } }, value: 1000, globalDefault: true, preemptionPolicy: 'Never', description: 'for the important ones' };
  const narrow = tableFor('pc', { wide: false, allNamespaces: false, now });
  t.deepEqual(narrow.row(obj), ['high', '1000', 'true', '60m', 'Never'], 'PREEMPTIONPOLICY shows without -o wide, as upstream');
  t.is(
    describe('priorityclass', obj, [], now),
    ['Name:              high', 'Value:             1000', 'GlobalDefault:     true', 'PreemptionPolicy:  Never', 'Description:       for the important ones', 'Annotations:       a=b', 'Events:            <none>', ''].join('\n'),
  );
});
