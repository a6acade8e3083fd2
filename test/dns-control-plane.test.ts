// The dns actor as `kubus control-plane --actors apiserver,dns --dns-address 127.0.0.1:0` runs it:
// over a real nats-server, the control plane reports where DNS answers, and kube-dns resolves.
import test from 'ava';
import { DNS_CLUSTER_IP } from '../actors/dns/dns.addon.ts';
import { silentLogger } from '../bus/types.ts';
import { startControlPlane } from '../runtime/control-plane.ts';
import { ask, dataOf } from './helpers/dns.ts';
import { natsServer } from './helpers/nats.ts';
import { waitFor } from './helpers/wait.ts';

test('dns - control-plane --actors apiserver,dns serves kube-dns on the asked address', async (t) => {
  const nats = await natsServer(t);
  const cp = await startControlPlane({ nats: nats.url, actors: ['apiserver', 'dns'], dnsAddress: '127.0.0.1:0', log: silentLogger });
  t.teardown(() => cp.stop());
  t.regex(cp.dnsAddress ?? '', /^127\.0\.0\.1:\d+$/);
  const port = Number(cp.dnsAddress!.split(':')[1]);
  const reply = await waitFor(async () => {
    const r = await ask(port, 'kube-dns.kube-system.svc.cluster.local', 'A');
    return r.answers?.length ? r : undefined;
  }, 'kube-dns A record');
  t.deepEqual(dataOf(reply, 'A'), [DNS_CLUSTER_IP]);
});

test('dns - control-plane reports an address it cannot listen on', async (t) => {
  const nats = await natsServer(t);
  await t.throwsAsync(startControlPlane({ nats: nats.url, actors: ['apiserver', 'dns'], dnsAddress: '192.0.2.1:0', log: silentLogger }), {
    message: /the cluster DNS could not listen on 192\.0\.2\.1:0/,
  });
});
