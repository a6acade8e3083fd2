// The node lifecycle controller's monitor pass (node-monitor.ts): it looks only at nodes whose
// deadline passed and at nodes that are not idle, never at every node every period.
import test from 'ava';
import type { Lease } from '../api/kinds/lease.ts';
import type { Node } from '../api/kinds/node.ts';
import { rfc3339, rfc3339Micro } from '../api/names.ts';
import { DEFAULT_LIFECYCLE } from '../actors/controllers/node-lifecycle/node-health.ts';
import { NodeMonitor } from '../actors/controllers/node-lifecycle/node-monitor.ts';

const T0 = Date.UTC(2026, 10, 23, 10, 0, 0);

const node = (name: string, ready = 'True', extra: Partial<Node['spec']> = {}): Node => ({
  apiVersion: 'v1',
  kind: 'Node',
  metadata: { name, creationTimestamp: rfc3339(T0) },
  spec: { ...extra },
  status: { conditions: [{ type: 'Ready', status: ready, lastHeartbeatTime: rfc3339(T0), lastTransitionTime: rfc3339(T0) }] },
});
const lease = (name: string, at: number): Lease => ({
  apiVersion: 'coordination.k8s.io/v1',
  kind: 'Lease',
  metadata: { name, namespace: 'kube-node-lease' },
  spec: { holderIdentity: name, leaseDurationSeconds: 40, renewTime: rfc3339Micro(at) },
});

/** A cluster of `n` Ready nodes whose leases renew every 10 s, except those in `dead` after T0. */
function world(n: number) {
  const nodes = new Map<string, Node>();
  const leases = new Map<string, Lease>();
  for (let i = 0; i < n; i++) {
    nodes.set(`n${i}`, node(`n${i}`));
    leases.set(`n${i}`, lease(`n${i}`, T0));
  }
  const find = (name: string) => {
    const nd = nodes.get(name);
    return nd && { node: nd, lease: leases.get(name) };
  };
  return { nodes, leases, find };
}

test('node lifecycle monitor - idle nodes that renew are not looked at each pass; a silent one is, once its grace runs out', (t) => {
  const w = world(1000);
  const m = new NodeMonitor(DEFAULT_LIFECYCLE);
  for (const [name, nd] of w.nodes) m.note(nd, w.leases.get(name), T0);
  let looked: string[] = [];
  const visit = (nd: Node) => looked.push(nd.metadata.name!);
  // Every node but n7 renews every 10 s; passes every 5 s.
  const due: string[] = [];
  for (let now = T0 + 5_000; now <= T0 + 120_000; now += 5_000) {
    if (now % 10_000 === 0)
      for (const [name, nd] of w.nodes) {
        if (name === 'n7') continue;
        w.leases.set(name, lease(name, now));
        m.note(nd, w.leases.get(name), now);
      }
    looked = [];
    m.pass(now, w.find, visit);
    t.true(looked.length <= 1000, 'each node at most once a pass');
    if (now < T0 + 50_000) t.is(looked.length, 0, `${(now - T0) / 1000} s: nothing is due before the grace period`);
    if (looked.includes('n7')) due.push(`${(now - T0) / 1000}`);
    // The live nodes come up once per grace period (their heap entry), never every pass.
    if (now === T0 + 50_000) t.is(looked.length, 1000, 'their first deadline: each node once');
    if (now === T0 + 55_000 || now === T0 + 60_000) t.deepEqual(looked, ['n7'], 'the passes after: only the silent node');
  }
  t.is(due[0], '50', 'the silent node is looked at from its deadline on');
  t.is(due.length, 15, 'and every pass after that (as upstream)');
  t.deepEqual(m.sizes, { heap: 1000, busy: 0, nodes: 1000 });
});

test('node lifecycle monitor - not-ready, tainted or cordoned nodes are looked at every pass; gone nodes are forgotten', (t) => {
  const w = world(3);
  w.nodes.set('n1', node('n1', 'False'));
  w.nodes.set('n2', node('n2', 'True', { unschedulable: true }));
  const m = new NodeMonitor(DEFAULT_LIFECYCLE);
  for (const [name, nd] of w.nodes) m.note(nd, w.leases.get(name), T0);
  t.true(m.zonesDirty, 'zones must be computed after nodes came');
  const looked: string[] = [];
  m.pass(T0 + 5_000, w.find, (nd) => looked.push(nd.metadata.name!));
  t.deepEqual(looked.sort(), ['n1', 'n2']);
  m.zonesDirty = false;
  w.nodes.delete('n1');
  looked.length = 0;
  m.pass(T0 + 10_000, w.find, (nd) => looked.push(nd.metadata.name!));
  t.deepEqual(looked, ['n2']);
  t.true(m.zonesDirty, 'a node gone changes the zones');
  t.is(m.sizes.nodes, 2);
});

test('node lifecycle monitor - a Ready status change marks the zones for recomputing; a heartbeat does not', (t) => {
  const w = world(2);
  const m = new NodeMonitor(DEFAULT_LIFECYCLE);
  for (const [name, nd] of w.nodes) m.note(nd, w.leases.get(name), T0);
  m.zonesDirty = false;
  m.note(w.nodes.get('n0')!, lease('n0', T0 + 10_000), T0 + 10_000);
  t.false(m.zonesDirty);
  m.note(node('n0', 'Unknown'), lease('n0', T0 + 10_000), T0 + 20_000);
  t.true(m.zonesDirty);
});
