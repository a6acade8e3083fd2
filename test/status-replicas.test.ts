// `kubus status` with two API server replicas on one shared store, on a real nats-server: both
// replicas answer, each row with its host, pid, store, cache revision and watches.
import test from 'ava';
import { hostname } from 'node:os';
import { apiserverActor } from '../actors/apiserver/apiserver.actor.ts';
import { SharedMemoryBackend } from '../actors/apiserver/store/shared-memory.ts';
import { apiServersTable, componentsTable, gatherStatus } from '../cli/commands/status.ts';
import { realClock } from '../bus/clock.ts';
import { ApiClient } from '../bus/client.ts';
import { NatsBus } from '../bus/nats-bus.ts';
import { seededRng } from '../bus/random.ts';
import { silentLogger } from '../bus/types.ts';
import { serving } from '../runtime/control-plane.ts';
import { Host } from '../runtime/host.ts';
import { serveStatus } from '../runtime/status.ts';
import { natsServer } from './helpers/nats.ts';

test('status - each API server replica is a row with its host, pid and store', async (t) => {
  const nats = await natsServer(t);
  const backend = new SharedMemoryBackend({ feedDelayMs: 2, clock: realClock });
  const stops: Array<() => Promise<void>> = [];
  t.teardown(async () => {
    for (const stop of stops.reverse()) await stop();
  });
  for (const [i, storeName] of [[0, 'jetstream:3'], [1, 'jetstream:3']] as const) {
    const bus = await NatsBus.connect({ servers: nats.url, name: `cp-${i}` });
    const host = new Host({ bus, clock: realClock, rng: seededRng(i + 1), log: silentLogger });
    const store = backend.replica();
    stops.push(async () => {
      await host.stopAll();
      await bus.close();
      await store.close();
    });
    await serving(host.start(apiserverActor, 'apiserver', { store, serverId: `apiserver-${i}`, storeName }));
    const sub = serveStatus(bus, 'control-plane', () => [{ name: 'apiserver' }]);
    stops.push(async () => sub.unsubscribe());
  }
  const cli = await NatsBus.connect({ servers: nats.url, name: 'kubus-cli' });
  stops.push(() => cli.close());

  const status = await gatherStatus(cli, 500);
  t.is(status.processes.length, 2);
  t.deepEqual(status.apiservers.map((s) => s.server).sort(), ['apiserver-0', 'apiserver-1']);
  const table = apiServersTable(status.apiservers)!;
  const lines = table.trimEnd().split('\n');
  t.regex(lines[0], /^API SERVER\s+HOST\s+PID\s+STORE\s+REVISION\s+WATCHES$/);
  t.is(lines.length, 3);
  for (const [i, line] of lines.slice(1).entries()) {
    const [server, host, pid, store, revision] = line.split(/\s+/);
    t.deepEqual([server, host, pid, store], [`apiserver-${i}`, hostname(), String(process.pid), 'jetstream:3']);
    t.true(Number(revision) > 0, 'the cache revision of a bootstrapped store');
  }
  const components = await componentsTable(new ApiClient(cli, { clock: realClock }), status.processes);
  t.is(components!.trimEnd().split('\n').filter((l) => l.startsWith('apiserver')).length, 2);
});
