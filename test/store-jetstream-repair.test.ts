// The jetstream store's replica repair (jetstream-repair.ts) on a real 3-server cluster with an R3 stream:
// probing reads every replica's message at a sequence; agreeing replicas are left alone; a replica
// dropped and replaced comes back on its server, empty, and catches up with the leader (nats-server
// 2.9.10 re-places the dropped peer on a stream update at the configured replicas).
import test from 'ava';
import { connectNats, jetstreamManager } from '../bus/nats-bus.ts';
import { probeReplicas, repairDiverged, replaceReplica, restoreReplicas } from '../actors/apiserver/store/jetstream-repair.ts';
import { JetStreamStore } from '../actors/apiserver/store/jetstream-store.ts';
import { freshStream } from './fixtures/store-helpers.ts';
import { jetstreamCluster } from './helpers/jetstream-cluster.ts';
import { waitFor } from './helpers/wait.ts';

test('store jetstream repair - probes read every replica; agreeing ones stay; a replaced one comes back and catches up', async (t) => {
  t.timeout(180_000);
  const servers = await jetstreamCluster(t, 'kubus-repair');
  const stream = freshStream();
  const store = await JetStreamStore.open({ servers: servers.map((s) => s.url).join(','), stream, replicas: 3, onWarn: () => undefined });
  t.teardown(() => store.close());
  for (let i = 0; i < 20; i++) t.true((await store.txn({ op: 'create', key: `/k/${i}`, value: i })).ok);
  const nc = await connectNats({ servers: servers.map((s) => s.url) });
  t.teardown(() => nc.close());
  const seq = store.range('/k/5').kvs[0].modRevision;

  // Placement of the probes is random: 12 of them miss a replica in ~2% of calls, so probing goes on until all 3 were read.
  const { peers, seen } = await waitFor(async () => {
    const p = await probeReplicas(nc, stream, seq);
    return p.seen.size === 3 ? p : undefined;
  }, 'every replica read', 30_000, 0);
  t.deepEqual([...peers].sort(), ['n0', 'n1', 'n2']);
  t.deepEqual([...seen.keys()].sort(), ['n0', 'n1', 'n2']);
  t.is(new Set(seen.values()).size, 1, 'all hold one message there');
  t.truthy([...seen.values()][0]);

  const warnings: string[] = [];
  const r = await repairDiverged(nc, stream, seq, (m) => warnings.push(m), { want: 3 });
  t.deepEqual(r, { majority: [...seen.values()][0], dropped: [] });

  const jsm = await jetstreamManager(nc);
  const leader = (await jsm.streams.info(stream)).cluster!.leader!;
  const victim = peers.find((p) => p !== leader)!;
  await replaceReplica(nc, stream, victim, (m) => warnings.push(m), 3);
  t.true(warnings.some((w) => w.includes(`the replica on ${victim} dropped`)), warnings.join('\n'));
  // Back in the group, current, with the messages it had and the ones written since.
  for (let i = 20; i < 25; i++) t.true((await store.txn({ op: 'create', key: `/k/${i}`, value: i })).ok);
  await waitFor(
    async () => {
      const c = (await jsm.streams.info(stream)).cluster;
      return (c?.replicas ?? []).length === 2 && (c?.replicas ?? []).every((x) => x.current) && [c?.leader, ...(c?.replicas ?? []).map((x) => x.name)].includes(victim);
    },
    `${victim} back in the group and current`,
    60_000,
    250,
  );
  const last = store.range('/k/24').kvs[0].modRevision;
  const again = await waitFor(async () => {
    const p = await probeReplicas(nc, stream, last);
    return p.seen.get(victim) ? p : undefined;
  }, `${victim}'s new replica read at ${last}`, 60_000, 250);
  const others = [...again.seen].filter(([p, v]) => p !== victim && v !== undefined).map(([, v]) => v);
  t.true(others.length > 0, 'another replica read there too');
  t.true(others.every((v) => v === again.seen.get(victim)), `${victim} holds what the others hold at ${last}`);
  const early = await waitFor(async () => {
    const p = await probeReplicas(nc, stream, seq);
    return p.seen.has(victim) ? p : undefined;
  }, `${victim}'s new replica read at ${seq}`, 60_000, 250);
  t.is(early.seen.get(victim), [...seen.values()][0], 'the fresh replica holds what the others hold');

  // A scale-up that failed leaves the stream configured with 2: the store's count (3) brings it back.
  const info = await jsm.streams.info(stream);
  await jsm.streams.update(stream, { ...info.config, num_replicas: 2 });
  t.true(await restoreReplicas(nc, stream, 3, (m) => warnings.push(m)));
  t.is((await jsm.streams.info(stream)).config.num_replicas, 3);
  t.false(await restoreReplicas(nc, stream, 3, (m) => warnings.push(m)), 'nothing to do at 3');
  await waitFor(async () => ((await jsm.streams.info(stream)).cluster?.replicas ?? []).length === 2, 'the group back at 3 peers', 60_000, 250);
});

test('store jetstream repair - a replacement whose group is whole again when it would scale down leaves it alone', async (t) => {
  t.timeout(180_000);
  const servers = await jetstreamCluster(t, 'kubus-repair2');
  const stream = freshStream();
  const store = await JetStreamStore.open({ servers: servers.map((s) => s.url).join(','), stream, replicas: 3, onWarn: () => undefined });
  t.teardown(() => store.close());
  for (let i = 0; i < 5; i++) t.true((await store.txn({ op: 'create', key: `/k/${i}`, value: i })).ok);
  const nc = await connectNats({ servers: servers.map((s) => s.url) });
  t.teardown(() => nc.close());
  const jsm = await jetstreamManager(nc);
  const leader = (await jsm.streams.info(stream)).cluster!.leader!;
  const victim = ['n0', 'n1', 'n2'].find((p) => p !== leader)!;
  // Two repairs of one replica at once (two API servers before the lock, or a lock taken over): each removes
  // the peer; the later one must not scale the group down once the earlier one has placed the copy back.
  const warnings: string[] = [];
  await Promise.all([replaceReplica(nc, stream, victim, (m) => warnings.push(m), 3), replaceReplica(nc, stream, victim, (m) => warnings.push(m), 3)]);
  // Each repair returns once it has seen the group whole; the later one's last read is the state it leaves.
  let seen = '';
  const end = await waitFor(async () => {
    const i = await jsm.streams.info(stream);
    seen = `${i.config.num_replicas} configured, group ${[i.cluster?.leader, ...(i.cluster?.replicas ?? []).map((r) => r.name)].join(' ')}`;
    return i.config.num_replicas === 3 && (i.cluster?.replicas ?? []).length === 2 ? i : undefined;
  }, 'the stream at 3 replicas', 10_000, 250).catch((err: Error) => {
    throw new Error(`${err.message}; last seen: ${seen}; the repairs warned: ${warnings.join(' | ')}`);
  });
  t.is(end.config.num_replicas, 3, warnings.join('\n'));
  t.is(1 + (end.cluster?.replicas ?? []).length, 3);
});
