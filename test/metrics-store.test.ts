// The metrics server's store moves a pod's series on in place when its batch entry matches the last
// one; what it answers must be what building fresh maps from every batch gave (the reference below,
// the store as it was), whatever the batches hold: pods that move, restart (new uid), change
// containers, show up twice in a batch, or go missing, and nodes that come and go.
import test from 'ava';
import { MetricsStore } from '../actors/metrics/metrics.store.ts';
import { cpuRate, usageOf, type MetricPoint, type NodeStats } from '../api/metrics.ts';

interface Series {
  prev?: MetricPoint;
  last: MetricPoint;
  since?: number;
}

/** The store as it was: each batch builds new maps from the last one. */
class Reference {
  nodes = new Map<string, Series>();
  pods = new Map<string, { uid: string; containers: Map<string, Series> }>();
  store(batch: readonly NodeStats[]): void {
    const nodes = new Map<string, Series>();
    const pods = new Map<string, { uid: string; containers: Map<string, Series> }>();
    for (const s of batch) {
      const before = this.nodes.get(s.node);
      const since = before?.last.at;
      nodes.set(s.node, { prev: before?.last, last: { at: s.at, startedAt: 0, cpuNs: s.cpuNs, memoryBytes: s.memoryBytes }, since });
      for (const p of s.pods) {
        const key = `${p.namespace}/${p.name}`;
        const old = this.pods.get(key);
        const same = old?.uid === p.uid ? old : undefined;
        const containers = new Map<string, Series>();
        for (const c of p.containers)
          containers.set(c.name, { prev: same?.containers.get(c.name)?.last, last: { at: s.at, startedAt: c.startedAt, cpuNs: c.cpuNs, memoryBytes: c.memoryBytes }, since });
        pods.set(key, { uid: p.uid, containers });
      }
    }
    this.nodes = nodes;
    this.pods = pods;
  }
  /** What a rate reader sees of a pod: each container's name and rate inputs, in order. */
  pod(key: string) {
    const p = this.pods.get(key);
    return p && [...p.containers].map(([name, s]) => ({ name, rate: cpuRate(s.prev, s.last, s.since), memoryBytes: s.last.memoryBytes }));
  }
}

/** A small deterministic generator (xorshift). */
function rng(seed: number) {
  let x = seed;
  return (n: number) => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) % n;
  };
}

test('metrics store - answers as the rebuilt maps did, over random batches (moves, restarts, duplicates, container changes, gaps)', (t) => {
  for (let seed = 1; seed <= 40; seed++) {
    const r = rng(seed * 7919);
    const store = new MetricsStore();
    const ref = new Reference();
    const uids = new Map<string, number>();
    let checked = 0;
    for (let round = 1; round <= 30; round++) {
      const at = round * 15_000;
      const batch: NodeStats[] = [];
      for (let n = 0; n < 4; n++) {
        if (r(8) === 0) continue; // a node not scraped this time
        const node = `n${n}`;
        const pods: NodeStats['pods'] = [];
        for (let i = 0; i < 6; i++) {
          if (r(3) !== 0) continue;
          const name = `p${r(8)}`; // may repeat on this node or another: a pod twice in a batch
          if (r(10) === 0) uids.set(name, (uids.get(name) ?? 0) + 1); // restarted under the same name
          const names = r(6) === 0 ? ['b', 'a'] : r(6) === 0 ? ['a', 'a'] : r(5) === 0 ? ['a', 'b', 'c'] : ['a', 'b'];
          const startedAt = r(7) === 0 ? at - 1000 : -1;
          pods.push({ namespace: `ns${r(2)}`, name, uid: `${name}-${uids.get(name) ?? 0}`, containers: names.map((c) => ({ name: c, startedAt, cpuNs: at * (1 + r(3)) * 1e3, memoryBytes: r(1000) })) });
        }
        batch.push({ node, at, cpuNs: at * 1e3 * (1 + r(2)), memoryBytes: r(1000), pods });
        if (r(12) === 0) batch.push({ node, at, cpuNs: at * 2e3, memoryBytes: 7, pods: [] }); // a node twice
      }
      store.store(batch);
      ref.store(batch);
      for (let n = 0; n < 4; n++) {
        const s = ref.nodes.get(`n${n}`);
        const want = s && cpuRate(s.prev, s.last, s.since);
        t.is(store.node(`n${n}`)?.window, want ? `${want.windowMs / 1000}s` : undefined, `seed ${seed} round ${round} node n${n}`);
        if (want) t.deepEqual(store.node(`n${n}`)?.value, usageOf(want.nanoCores, s.last.memoryBytes));
      }
      for (const ns of ['ns0', 'ns1'])
        for (let i = 0; i < 8; i++) {
          const want = ref.pod(`${ns}/p${i}`);
          const got = store.pod(ns, `p${i}`);
          const complete = want && want.length > 0 && want.every((c) => c.rate);
          t.is(!!got, !!complete, `seed ${seed} round ${round} ${ns}/p${i} answered`);
          if (got && want) {
            t.deepEqual(got.value.map((c) => c.name), want.map((c) => c.name));
            t.deepEqual(got.value.map((c) => c.usage), want.map((c) => usageOf(c.rate!.nanoCores, c.memoryBytes)));
            t.is(got.window, `${Math.max(...want.map((c) => c.rate!.windowMs)) / 1000}s`);
            checked++;
          }
        }
    }
    t.true(checked > 20, `seed ${seed}: some pods had rates to compare (${checked})`);
  }
});
