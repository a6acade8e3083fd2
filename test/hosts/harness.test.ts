// The harness itself: hosts with their own address and hostname, a NATS cluster across three of
// them that the test process reaches, a pulled cable, and nothing left behind.
import test from 'ava';
import { NatsBus } from '../../bus/nats-bus.ts';
import { waitFor } from '../helpers/wait.ts';
import { hosts } from './harness.ts';
import { ip } from './netns.ts';
import { natsCluster } from './nats-cluster.ts';

/** A one-line node program that connects to host:port and prints "connected" or the error. */
const probe = (host: string, port: number) =>
  `const s=require('net').connect(${port},'${host}');s.setTimeout(1500);` +
  `s.on('connect',()=>{console.log('connected',require('os').hostname());process.exit(0)});` +
  `s.on('timeout',()=>{console.log('unreachable');process.exit(1)});s.on('error',e=>{console.log('unreachable',e.code);process.exit(1)})`;

test('hosts - the harness: own addresses and hostnames, a NATS cluster the test reaches, a pulled cable, nothing left behind', async (t) => {
  const hs = await hosts(t, 4);
  const nats = await natsCluster(t, hs.slice(0, 3));

  const reach = hs[3].spawn('probe', process.execPath, ['-e', probe(hs[0].ip, 4222)]);
  await reach.waitFor(new RegExp(`^connected ${hs[3].name}$`, 'm'));

  // Two clients on different servers of the cluster see each other's messages.
  const a = await NatsBus.connect({ servers: `nats://${hs[0].ip}:4222`, name: 'a' });
  const b = await NatsBus.connect({ servers: `nats://${hs[2].ip}:4222`, name: 'b' });
  t.teardown(() => Promise.all([a.close(), b.close()]));
  const got: unknown[] = [];
  b.subscribe('harness.ping', (m) => void got.push(m.data));
  await b.flush();
  await waitFor(() => (a.publish('harness.ping', 'hi'), got.length > 0), 'a message across the cluster', 5000, 100);
  t.deepEqual(got[0], 'hi');
  t.is(nats.urls.split(',').length, 3);

  hs[3].linkDown();
  const cut = hs[3].spawn('probe-cut', process.execPath, ['-e', probe(hs[0].ip, 4222)]);
  await cut.waitFor(/^unreachable/m);
  hs[3].linkUp();
  const back = hs[3].spawn('probe-back', process.execPath, ['-e', probe(hs[0].ip, 4222)]);
  await back.waitFor(/^connected/m, 10_000);

  // What teardown does: every process gone, nothing of this run left in `ip`.
  const pids = hs.flatMap((h) => h.procs).map((p) => p.child);
  await hs.remove();
  t.true(pids.every((c) => c.exitCode !== null || c.signalCode !== null), 'every process of the run has exited');
  const id = hs.net.id;
  t.deepEqual(ip('netns', 'list').match(new RegExp(`^kh-${id}-\\d+`, 'gm')), null, 'no namespace left');
  t.deepEqual(ip('-o', 'link', 'show').match(new RegExp(`\\b(kbr|kv)-${id}\\b`, 'g')), null, 'no bridge or veth left');
});
