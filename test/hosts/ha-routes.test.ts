// The NATS cluster of the HA layout loses a cut host quickly even while it is busy: an R3 stream
// written to all the time (Raft traffic to the cut host never stops) must not keep the other
// servers' routes to it alive, or requests for a queue group member there go on being lost.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { connectNats, jetstream, jetstreamManager } from '../../bus/nats-bus.ts';
import { waitFor } from '../helpers/wait.ts';
import { PING, TCP_RETRIES2 } from './ha-cluster.ts';
import { hosts } from './harness.ts';
import { monitor, natsCluster } from './nats-cluster.ts';

interface Routez {
  routes?: Array<{ ip: string }>;
}

test('hosts - HA NATS - the routes to a cut host drop within 5 s while an R3 stream is written', async (t) => {
  const hs = await hosts(t, 3);
  for (const h of hs) h.sysctl('net.ipv4.tcp_retries2', TCP_RETRIES2);
  const data = mkdtempSync(join(tmpdir(), 'kubus-ha-routes-'));
  t.teardown(() => rmSync(data, { recursive: true, force: true }));
  const nats = await natsCluster(t, hs, { jetstream: data, config: PING });
  const [victim, ...others] = hs;
  // Writes through the two servers that stay reachable.
  const nc = await connectNats({ servers: others.map((h) => `nats://${h.ip}:4222`) });
  t.teardown(() => nc.close());
  await waitFor(
    () => jetstreamManager(nc).then((jsm) => jsm.streams.add({ name: 'ROUTES', subjects: ['routes.>'], num_replicas: 3 })).then(() => true),
    'an R3 stream (once JetStream has a meta leader)',
    30_000,
    200,
  );
  const js = jetstream(nc);
  let writing = true;
  let acked = 0;
  const writer = (async () => {
    for (let i = 0; writing; i++) {
      // Acks stop for a moment while the stream elects a new leader; no pacing then would spin.
      await js.publish(`routes.${i % 5}`, 'x', { timeout: 1000 }).then(() => acked++, () => undefined);
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  t.teardown(() => {
    writing = false;
    return writer;
  });
  await waitFor(() => acked >= 20, '20 acknowledged writes', 10_000, 10);
  const listed = async () => (await Promise.all(others.map((h) => monitor<Routez>(h, '/routez')))).some((r) => (r.routes ?? []).some((x) => x.ip === victim.ip));
  t.true(await listed(), 'routes to the victim before the cut');
  const cutAt = Date.now();
  victim.linkDown();
  await waitFor(async () => !(await listed()), 'no route to the cut host listed', 15_000, 100);
  const goneAfter = Date.now() - cutAt;
  const before = acked;
  await waitFor(() => acked > before + 10, '10 writes acknowledged by the majority after the cut', 15_000, 10);
  t.log(`routes to the cut host dropped ${goneAfter} ms after the cut (net.ipv4.tcp_retries2=${TCP_RETRIES2}); the majority acknowledged writes again`);
  t.true(goneAfter <= 5000, `the routes dropped within 5 s (took ${goneAfter} ms)`);
  victim.linkUp();
  await nats.waitForRoutes();
});
