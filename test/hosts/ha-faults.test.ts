// The HA layout on the jetstream store (3 nats-servers, stream R3, 3 control planes, a node host),
// one fault per test while writers and watchers run: every writer writes again within the
// failover time, and the history passes the checker (no acknowledged write lost, revisions in
// order, every watcher sees every revision once, reads and writes linearizable).
import test from 'ava';
import { haCluster } from './ha-cluster.ts';
import { expectFailover, FAILOVER_MS, killServingApiServer, partition, STREAM_LEADER_FAILOVER_MS } from './ha-run.ts';

test.serial('hosts - HA jetstream - kill -9 the API server serving a writer: writes go on within the failover time, the history checks', async (t) => {
  const c = await haCluster(t, 'jetstream');
  await expectFailover(t, c, 'kill -9 an API server', killServingApiServer(t, c));
});

for (const which of ['leader', 'follower'] as const) {
  test.serial(`hosts - HA jetstream - kill -9 the nats-server of the stream ${which}: writes go on within the failover time, the history checks`, async (t) => {
    const c = await haCluster(t, 'jetstream');
    await expectFailover(t, c, `kill -9 the stream ${which}'s nats-server`, {
      async fault() {
        const leader = await c.streamLeader();
        const victim = which === 'leader' ? leader : (leader + 1) % 3;
        t.log(`stream leader: ${c.cp[leader].name}; killing the nats-server of ${c.cp[victim].name}`);
        await c.nats.servers[victim].stop('SIGKILL');
      },
    }, which === 'leader' ? STREAM_LEADER_FAILOVER_MS : FAILOVER_MS);
  });
}

// After the heal, the old stream leader's replica on nats-server 2.9.10 holds, from the first sequence written after
// the cut on, messages the new leader has elsewhere or not at all (the cut-off leader stored writes it could not
// commit), while the leader calls it current; a consumer placed there fed its API server's cache another stream.
// The store finds such a replica (it probes every replica's message at a sequence) and has it dropped and placed
// again empty (jetstream-repair.ts); the test waits for every replica's stored copy to agree with the leader's.
test.serial('hosts - HA jetstream - partition the stream leader host, then heal: the others write within the failover time, the history checks', async (t) => {
  t.timeout(300_000); // the setup, the run, then up to 60 s each for the replicas to converge and their copies to agree
  const c = await haCluster(t, 'jetstream');
  await expectFailover(t, c, 'partition of the stream leader host', partition(t, c, 'stream leader', () => c.streamLeader()));
});

test.serial('hosts - HA jetstream - restart of everything: the data survives, writes go on, the history checks', async (t) => {
  const c = await haCluster(t, 'jetstream');
  await expectFailover(
    t,
    c,
    'kill -9 of every process, then all started again',
    {
      fault: () => c.restartAll(),
      recoverWithinMs: 60_000,
      // Every API server is new: as upstream's watch caches, they may answer an old revision with 410.
      relistAllowed: true,
    },
    60_000,
  );
});
