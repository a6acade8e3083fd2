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

// Known to fail about one run in three, so not in CI (KUBUS_KNOWN_FAILING=1 npm run test:hosts runs it):
// after the heal, the old stream leader's replica on nats-server 2.9.10 can hold the stream numbered
// differently from the new leader's; the store on that host detects it (a write's acknowledged sequence
// holds another message in its feed: it reloads and answers 503) but cannot repair it, and the history
// checker finds stale reads and writes decided differently there. The etcd variant is known-failing too (ha-etcd.test.ts).
const knownFailing = process.env.KUBUS_KNOWN_FAILING ? test.serial : undefined;
knownFailing?.('hosts - HA jetstream - partition the stream leader host, then heal: the others write within the failover time, the history checks', async (t) => {
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
