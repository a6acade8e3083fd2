// The garbage collector's pure parts: the owner graph kept from events, and the plan for one
// object once its owners have been looked up.
import test from 'ava';
import type { KubeObject, OwnerReference } from '../api/meta.ts';
import { AbsentOwnerCache } from '../actors/controllers/garbage-collector/absent-owner-cache.ts';
import { classify, planDeletion, type ItemView, type OwnerLookup } from '../actors/controllers/garbage-collector/deletion-plan.ts';
import { GraphBuilder, alternateOwnerIdentity, type GraphEvent } from '../actors/controllers/garbage-collector/graph-builder.ts';
import { GraphNode, OwnerGraph, referencesDiff } from '../actors/controllers/garbage-collector/owner-graph.ts';
import { silentLogger } from '../bus/types.ts';

function builder() {
  const graph = new OwnerGraph();
  const absent = new AbsentOwnerCache();
  const toDelete: string[] = [];
  const toOrphan: string[] = [];
  const b = new GraphBuilder(graph, absent, {
    attemptToDelete: (n) => toDelete.push(n.identity.name),
    attemptToOrphan: (n) => toOrphan.push(n.identity.name),
    invalidNamespaceOwnerRef: () => {},
  }, silentLogger);
  const drain = () => toDelete.splice(0).sort();
  return { graph, absent, b, drain, toOrphan };
}

const obj = (kind: string, name: string, uid: string, meta: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: kind === 'Pod' ? 'v1' : 'apps/v1',
  kind,
  metadata: { name, namespace: 'default', uid, ...meta },
});
const ref = (o: KubeObject, block = true): OwnerReference => ({ apiVersion: o.apiVersion, kind: o.kind, name: o.metadata.name!, uid: o.metadata.uid!, controller: true, blockOwnerDeletion: block });
const ev = (type: GraphEvent['type'], o: KubeObject, old?: KubeObject): GraphEvent => ({ type, obj: o, old, apiVersion: o.apiVersion, kind: o.kind });

test('gc - graph: a dependent seen before its owner creates a virtual owner to verify; the owner then takes its place', (t) => {
  const { graph, b, drain } = builder();
  const rs = obj('ReplicaSet', 'web', 'rs-1');
  b.process(ev('add', obj('Pod', 'web-a', 'p-1', { ownerReferences: [ref(rs)] })));
  t.true(graph.get('rs-1')?.virtual);
  t.deepEqual(drain(), ['web'], 'the virtual owner is checked against the API server');
  b.process(ev('add', rs));
  t.false(graph.get('rs-1')!.virtual);
  t.is(graph.get('rs-1')!.dependents.size, 1);
  t.deepEqual(drain(), []);
});

test('gc - graph: deleting an owner queues its dependents and records it absent', (t) => {
  const { graph, absent, b, drain } = builder();
  const rs = obj('ReplicaSet', 'web', 'rs-1');
  b.process(ev('add', rs));
  for (const n of ['a', 'b']) b.process(ev('add', obj('Pod', n, `p-${n}`, { ownerReferences: [ref(rs)] })));
  drain();
  b.process(ev('delete', rs));
  t.deepEqual(drain(), ['a', 'b']);
  t.is(graph.get('rs-1'), undefined);
  t.true(absent.has({ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web', uid: 'rs-1', namespace: 'default' }));
});

test('gc - graph: foreground and orphan deletions start on the transition, once', (t) => {
  const { graph, b, drain, toOrphan } = builder();
  const rs = obj('ReplicaSet', 'web', 'rs-1');
  const pod = obj('Pod', 'a', 'p-a', { ownerReferences: [ref(rs)] });
  b.process(ev('add', rs));
  b.process(ev('add', pod));
  drain();
  const deleting = obj('ReplicaSet', 'web', 'rs-1', { deletionTimestamp: '2026-11-23T10:00:00Z', finalizers: ['foregroundDeletion'] });
  b.process(ev('update', deleting, rs));
  t.true(graph.get('rs-1')!.deletingDependents);
  t.deepEqual(drain(), ['a', 'web']);
  b.process(ev('update', { ...deleting, metadata: { ...deleting.metadata, labels: { x: 'y' } } }, deleting));
  t.deepEqual(drain(), [], 'not again on later updates');
  const other = obj('ReplicaSet', 'other', 'rs-2');
  b.process(ev('add', other));
  b.process(ev('update', obj('ReplicaSet', 'other', 'rs-2', { deletionTimestamp: '2026-11-23T10:00:00Z', finalizers: ['orphan'] }), other));
  t.deepEqual(toOrphan, ['other']);
});

test('gc - graph: removing a blocking reference wakes the owner; the dependent leaves its dependents', (t) => {
  const { graph, b, drain } = builder();
  const rs = obj('ReplicaSet', 'web', 'rs-1');
  const pod = obj('Pod', 'a', 'p-a', { ownerReferences: [ref(rs)] });
  b.process(ev('add', rs));
  b.process(ev('add', pod));
  drain();
  b.process(ev('update', obj('Pod', 'a', 'p-a', { resourceVersion: '9' }), pod));
  t.deepEqual(drain(), ['web']);
  t.is(graph.get('rs-1')!.dependents.size, 0);
});

test('gc - graph: referencesDiff and alternate identities', (t) => {
  const a: OwnerReference = { apiVersion: 'v1', kind: 'X', name: 'a', uid: '1' };
  const b2: OwnerReference = { apiVersion: 'v1', kind: 'X', name: 'b', uid: '2' };
  const d = referencesDiff([a, b2], [{ ...a, blockOwnerDeletion: true }, { apiVersion: 'v1', kind: 'X', name: 'c', uid: '3' }]);
  t.deepEqual([d.added.map((r) => r.uid), d.removed.map((r) => r.uid), d.changed.map((c) => c.now.uid)], [['3'], ['2'], ['1']]);
  const dep = new GraphNode({ apiVersion: 'v1', kind: 'Pod', name: 'p', uid: 'p', namespace: 'ns' }, [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'other', uid: 'o' }], false);
  const alt = alternateOwnerIdentity([dep], { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web', uid: 'o', namespace: 'ns' });
  t.like(alt, { name: 'other', namespace: 'ns' });
});

const view = (dependents = 0, cycle = false): ItemView => ({ dependents, dependentDeletingDependents: cycle });
const owner = (name: string, meta: Record<string, unknown> = {}): OwnerLookup => ({ ref: { apiVersion: 'v1', kind: 'X', name, uid: name }, dangling: false, owner: obj('X', name, name, meta) });
const gone = (name: string): OwnerLookup => ({ ref: { apiVersion: 'v1', kind: 'X', name, uid: name }, dangling: true });
const waiting = (name: string) => owner(name, { deletionTimestamp: 'x', finalizers: ['foregroundDeletion'] });
const item = (finalizers?: string[]) => obj('Pod', 'p', 'p', finalizers ? { finalizers } : {});

const plan = test.macro((t, lookups: OwnerLookup[], v: ItemView, latest: KubeObject, expected: unknown) => {
  t.deepEqual(planDeletion(v, latest, classify(lookups)), expected);
});

test('gc - plan: a solid owner keeps the object', plan, [owner('a')], view(), item(), { type: 'keep' });
test('gc - plan: references to gone and waiting owners are dropped when a solid one remains', plan, [owner('a'), gone('b'), waiting('c')], view(), item(), { type: 'remove-refs', uids: ['b', 'c'] });
test('gc - plan: all owners gone → background delete', plan, [gone('a')], view(), item(), { type: 'delete', policy: 'Background', unblock: false });
test('gc - plan: an orphan finalizer already on the object is honoured', plan, [gone('a')], view(), item(['orphan']), { type: 'delete', policy: 'Orphan', unblock: false });
test('gc - plan: owner waiting and the object has dependents → foreground delete', plan, [waiting('a')], view(2), item(), { type: 'delete', policy: 'Foreground', unblock: false });
test('gc - plan: foreground with a dependent also deleting dependents → unblock first (cycle guard)', plan, [waiting('a')], view(1, true), item(), { type: 'delete', policy: 'Foreground', unblock: true });
test('gc - plan: owner waiting, no dependents → background delete', plan, [waiting('a')], view(0), item(), { type: 'delete', policy: 'Background', unblock: false });
