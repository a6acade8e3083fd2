// Several API servers at once over a real nats-server (replicas in this process, each on its own
// connection): when the replica holding a watch dies, the watch resumes on another from its last
// revision, nothing lost or repeated, and how long it was down is measured.
import test from 'ava';
import type { KubeObject } from '../api/meta.ts';
import { ApiClient } from '../bus/client.ts';
import { realClock } from '../bus/clock.ts';
import { Informer } from '../bus/informer.ts';
import { NatsBus } from '../bus/nats-bus.ts';
import { natsServer } from './helpers/nats.ts';
import { startReplicas } from './helpers/replicas.ts';
import { waitFor } from './helpers/wait.ts';

const ns = { namespace: 'default' };

test('apiserver replicas over NATS - a killed replica\'s watch resumes on another within seconds: 200 writes, none lost or repeated', async (t) => {
  const nats = await natsServer(t);
  const connect = async (name: string) => {
    const bus = await NatsBus.connect({ servers: nats.url, name });
    t.teardown(() => bus.close());
    return bus;
  };
  const { replicas, kill, stats } = await startReplicas(t, { feedDelayMs: 5, connect });
  const clientBus = await connect('client');
  const client = new ApiClient(clientBus, { clock: realClock });
  // A write in flight on the replica being killed gets no answer: it times out and is sent again
  // (setting n is idempotent: an update that changes nothing stores nothing, so no event repeats).
  const writer = new ApiClient(await connect('writer'), { clock: realClock, timeoutMs: 2_000 });
  const patch = async (n: number): Promise<void> => {
    for (;;) {
      try {
        await writer.patch('configmaps', 'counter', { data: { n: String(n) } }, ns);
        return;
      } catch (err) {
        if ((err as { status?: { code?: number } }).status?.code !== 504) throw err;
      }
    }
  };
  await writer.create('configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'counter', namespace: 'default' }, data: { n: '-1' } });

  const seen: Array<{ n: number; at: number }> = [];
  const informer = new Informer(client, 'configmaps', { namespace: 'default', clock: realClock });
  informer.on({ update: (_, o: KubeObject) => void seen.push({ n: Number((o.data as Record<string, string>).n), at: Date.now() }) });
  await informer.start();
  t.teardown(() => informer.stop());

  let killedAt = 0;
  let resumedAt = 0;
  for (let n = 0; n < 200; n++) {
    if (n === 60) {
      const holder = (await stats(clientBus)).find((s) => s.watches > 0)!.server;
      killedAt = Date.now();
      await kill(replicas.find((r) => r.id === holder)!);
      void waitFor(() => informer.resumes > 0, 'the watch to resume', 10_000).then(() => (resumedAt = Date.now()));
    }
    await patch(n);
  }
  await waitFor(() => seen.length >= 200 && resumedAt > 0, 'every write to reach the informer', 15_000);
  t.deepEqual(
    seen.map((s) => s.n),
    Array.from({ length: 200 }, (_, i) => i),
  );
  t.is(informer.relists, 1, 'resumed from its revision, not listed again');
  t.is(informer.resumes, 1);
  const firstAfter = seen.find((s) => s.n === 60)!.at;
  t.log(`watch down ${resumedAt - killedAt} ms (kill to resume); first write after the kill reached the informer ${firstAfter - killedAt} ms after the kill`);
  t.true(resumedAt - killedAt < 5_000);
  t.true((await stats(clientBus)).some((s) => s.watches > 0), 'the watch lives on another replica');
});
