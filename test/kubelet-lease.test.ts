// The node's heartbeat Lease (actors/kubelet/lease.ts). A renewal every 10 s per node is most of a
// steady cluster's writes: the usual one changes spec.renewTime alone and passes the received (frozen)
// metadata on as it is, so neither the kubelet nor the bus's snapshot copies it.
import test from 'ava';
import type { Lease } from '../api/kinds/lease.ts';
import { rfc3339Micro } from '../api/names.ts';
import { deepFreeze } from '../bus/freeze.ts';
import { nodeLease, NODE_LEASE_NAMESPACE, renewedLease } from '../actors/kubelet/lease.ts';

const T0 = Date.parse('2026-01-01T00:00:00Z');

/** A Lease as the kubelet receives it back from the API server: system metadata filled, deeply frozen. */
function received(nodeUid: string | undefined): Lease {
  const lease = nodeLease('n1', nodeUid, 40, T0);
  return deepFreeze({
    ...lease,
    metadata: { ...lease.metadata, uid: 'lease-uid', resourceVersion: '7', creationTimestamp: '2026-01-01T00:00:00Z', labels: { keep: 'me' }, managedFields: [{ manager: 'kubelet', operation: 'Update' }] },
  } as Lease);
}

test('kubelet lease - a new lease is held by the node and owned by its Node object', (t) => {
  const lease = nodeLease('n1', 'node-uid', 40, T0);
  t.deepEqual(lease.metadata, { name: 'n1', namespace: NODE_LEASE_NAMESPACE, ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: 'n1', uid: 'node-uid' }] });
  t.deepEqual(lease.spec, { holderIdentity: 'n1', leaseDurationSeconds: 40, renewTime: rfc3339Micro(T0) });
  t.false('ownerReferences' in nodeLease('n1', undefined, 40, T0).metadata, 'no owner before the Node has a uid');
});

test('kubelet lease - the usual renewal changes only spec.renewTime and reuses the frozen metadata object', (t) => {
  const lease = received('node-uid');
  const renewed = renewedLease(lease, 'n1', 'node-uid', 40, T0 + 10_000);
  t.is(renewed.metadata, lease.metadata, 'the very metadata object received, not a copy');
  t.true(Object.isFrozen(renewed) && Object.isFrozen(renewed.spec), 'sent as it is: the bus snapshot copies nothing');
  t.not(renewed.spec, lease.spec);
  t.deepEqual(renewed.spec, { ...lease.spec, renewTime: rfc3339Micro(T0 + 10_000) });
  t.deepEqual({ ...renewed, spec: lease.spec }, lease, 'nothing else changed');
  t.is(renewed.spec!.renewTime, '2026-01-01T00:00:10.000000Z');
  t.is(renewedLease(lease, 'n1', undefined, 40, T0 + 10_000).metadata, lease.metadata, 'no uid known: metadata as it came');
});

test('kubelet lease - a renewal takes the lease back: holder and duration as the node wants them', (t) => {
  const taken = deepFreeze({ ...received('node-uid'), spec: { holderIdentity: 'other', leaseDurationSeconds: 15, renewTime: rfc3339Micro(T0), leaseTransitions: 2 } } as Lease);
  const renewed = renewedLease(taken, 'n1', 'node-uid', 40, T0 + 10_000);
  t.deepEqual(renewed.spec, { holderIdentity: 'n1', leaseDurationSeconds: 40, renewTime: rfc3339Micro(T0 + 10_000), leaseTransitions: 2 });
  t.is(renewed.metadata, taken.metadata);
});

test('kubelet lease - a renewal without the Node owner sets it in a metadata copy, keeping the rest', (t) => {
  const lease = received(undefined);
  const renewed = renewedLease(lease, 'n1', 'node-uid', 40, T0 + 10_000);
  t.not(renewed.metadata, lease.metadata);
  t.deepEqual(renewed.metadata, { ...lease.metadata, ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: 'n1', uid: 'node-uid' }] });
  t.is(renewed.spec!.renewTime, rfc3339Micro(T0 + 10_000));
  // A stale owner (the Node was recreated with a new uid) is replaced, not added to.
  const stale = renewedLease(received('old-uid'), 'n1', 'node-uid', 40, T0);
  t.deepEqual(stale.metadata.ownerReferences!.map((r) => r.uid), ['node-uid']);
});
