// `kubus record` and `kubus replay` as processes over a real nats-server: progress on stderr, a clean
// end on Ctrl-C (SIGINT) with every change in the file, then the file replayed.
import test from 'ava';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { apiserverActor } from '../actors/apiserver/apiserver.actor.ts';
import { MemoryStore } from '../actors/apiserver/store/index.ts';
import type { KubeObject } from '../api/meta.ts';
import { parseRecording } from '../api/record-format.ts';
import { realClock } from '../bus/clock.ts';
import { ApiClient } from '../bus/client.ts';
import { NatsBus } from '../bus/nats-bus.ts';
import { seededRng } from '../bus/random.ts';
import { silentLogger } from '../bus/types.ts';
import { serving } from '../runtime/control-plane.ts';
import { Host } from '../runtime/host.ts';
import { natsServer } from './helpers/nats.ts';
import { runKubus, startKubus } from './helpers/proc.ts';

const ns = { namespace: 'default' };
const cm = (v: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg', namespace: 'default' }, data: { v } }) as KubeObject;

test('record-replay cli - kubus record counts changes on stderr, ends cleanly on SIGINT; kubus replay --speed applies the file', async (t) => {
  const nats = await natsServer(t);
  const dir = mkdtempSync(join(tmpdir(), 'kubus-record-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const env = { KUBUS_HOME: dir, KUBUS_NATS: nats.url };
  const serverBus = await NatsBus.connect({ servers: nats.url, name: 'apiserver' });
  const host = new Host({ bus: serverBus, clock: realClock, rng: seededRng(1), log: silentLogger });
  t.teardown(async () => {
    await host.stopAll();
    await serverBus.close();
  });
  await serving(host.start(apiserverActor, 'apiserver', { store: new MemoryStore() }));
  const clientBus = await NatsBus.connect({ servers: nats.url, name: 'client' });
  t.teardown(() => clientBus.close());
  const client = new ApiClient(clientBus, { clock: realClock });

  const file = join(dir, 'cfg.jsonl');
  const rec = startKubus(t, ['record', '-o', file, '-n', 'default', '--resources', 'cm'], env);
  await rec.waitFor(/recording to .*: 0 changes/, 20_000);
  await client.create('configmaps', cm('1'));
  await client.patch('configmaps', 'cfg', { data: { v: '2' } }, ns);
  await client.delete('configmaps', 'cfg', ns);
  await rec.waitFor(/: 3 changes/, 10_000);
  rec.child.kill('SIGINT');
  t.is(await rec.exited, 0, rec.output());
  const changes = parseRecording(readFileSync(file, 'utf8'));
  t.deepEqual(
    changes.map((c) => `${c.type} ${c.resource} ${(c.object as KubeObject & { data: { v: string } }).data.v}`),
    ['ADDED configmaps 1', 'MODIFIED configmaps 2', 'DELETED configmaps 2'],
  );

  // Replayed without the DELETED line: the ConfigMap is back with its last data.
  const kept = readFileSync(file, 'utf8').split('\n').slice(0, 2).join('\n');
  const partial = join(dir, 'kept.jsonl');
  writeFileSync(partial, `${kept}\n`);
  const r = await runKubus(['replay', partial, '--speed', '1000'], { env, timeoutMs: 30_000 });
  t.is(r.code, 0, r.stderr);
  t.regex(r.stdout, /replayed 2 of 2 changes from /);
  t.regex(r.stderr, /\[2\/2\] .*MODIFIED configmaps\/cfg/);
  const got = await client.get<KubeObject & { data: { v: string } }>('configmaps', 'cfg', ns);
  t.is(got.data.v, '2');
  t.not(got.metadata.uid, changes[0].object.metadata.uid, 'a new object, not the recorded uid');

  // A change the server refuses is reported with its number and the server's reason; the rest still go in, and the exit code is 1.
  const bad = join(dir, 'bad.jsonl');
  const line = (name: string) => JSON.stringify({ offsetMs: 0, type: 'ADDED', resource: 'configmaps', object: { metadata: { name, namespace: 'default' }, data: { v: 'x' } } });
  writeFileSync(bad, `${line('Bad_Name')}\n${line('good')}\n`);
  const b = await runKubus(['replay', bad, '--speed', '1000'], { env, timeoutMs: 30_000 });
  t.is(b.code, 1, b.stderr);
  t.regex(b.stderr, /change 1 \(ADDED configmaps\/Bad_Name\): The ConfigMap "Bad_Name" is invalid/);
  t.regex(b.stdout, /replayed 1 of 2 changes/);
  t.is((await client.get('configmaps', 'good', ns)).metadata.name, 'good');
});
