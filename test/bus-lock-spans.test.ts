// Trace spans on the locked bus: each identity publishes only on its own span subject (its permission
// pins the token), and the recorder keeps only the records about actors that identity runs, so a kubelet
// cannot forge the API server's spans. A real nats-server with the configuration kubus generates; the
// recorder runs in the API server's process, as `kubus up` runs it.
import test, { type ExecutionContext } from 'ava';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mayClaim, ownedBatch } from '../actors/tracer/span-owner.ts';
import type { DeliveredSummary, FeedBatch, SentSummary, StateNote, Trace } from '../actors/tracer/types.ts';
import { ApiClient } from '../bus/client.ts';
import { parseIdentity } from '../bus/identity.ts';
import { NatsBus } from '../bus/nats-bus.ts';
import { permittedSubjects, TRACE_QUERY, TRACE_SPANS, traceSpans } from '../bus/subjects.ts';
import { silentLogger } from '../bus/types.ts';
import { clusterIdentities, ensureCredentials, lockedConfig } from '../runtime/bus-auth.ts';
import { controlPlaneConnectionName, startControlPlane, type ControlPlane } from '../runtime/control-plane.ts';
import { startNatsServer, type NatsServer } from '../runtime/nats-server.ts';
import { waitFor } from './helpers/wait.ts';

const home = mkdtempSync(join(tmpdir(), 'kubus-buslock-spans-'));
let nats: NatsServer;
let cp: ControlPlane;
let natsLog = '';

test.before(async () => {
  nats = await startNatsServer({ config: lockedConfig(clusterIdentities(['n1', 'n2']), [], home), onLog: (chunk) => void (natsLog += chunk) });
  cp = await startControlPlane({ nats: nats.url, actors: ['apiserver'], log: silentLogger, credentials: ensureCredentials('apiserver', home), trace: { recorder: true } });
});

test.after.always(async () => {
  await cp?.stop();
  await nats?.stop('SIGKILL');
  rmSync(home, { recursive: true, force: true });
});

let n = 0;
const traceId = () => (++n).toString(16).padStart(32, 'a');
const sent = (trace: string, from: string): SentSummary => ({ t: 's', traceId: trace, spanId: '1'.padStart(16, '0'), from, subject: 'kubus.api.pods.get', kind: 'get pods', at: 1 });
const note = (actor: string): StateNote => ({ actor, at: 1, state: 'forged', event: 'x' });
const batch = (records: SentSummary[], notes: StateNote[] = []): FeedBatch => ({ source: 'apiserver', records, notes, dropped: 0 });

async function connect(t: ExecutionContext, identity: string): Promise<NatsBus> {
  const bus = await NatsBus.connect({ servers: nats.url, name: `test/${identity}`, log: silentLogger, credentials: ensureCredentials(identity, home) });
  t.teardown(() => bus.close());
  return bus;
}

const spansOf = async (bus: NatsBus, trace: string) => (await bus.request<Trace>(TRACE_QUERY, { traceId: trace })).data.spans.map((s) => s.from);

test('bus lock spans - who may claim an actor: its own identity, or anyone for actors no identity runs', (t) => {
  const n1 = parseIdentity('node/n1');
  t.true(mayClaim(n1, 'kubelet/n1'));
  t.true(mayClaim(n1, 'kube-proxy/n1'));
  t.false(mayClaim(n1, 'kubelet/n2'));
  t.false(mayClaim(n1, 'apiserver'));
  t.false(mayClaim(n1, 'controller/replicaset'));
  t.true(mayClaim(n1, 'kubectl'), 'a CLI connection no identity runs');
  t.true(mayClaim(parseIdentity('controller-manager'), 'controller/replicaset'));
  t.false(mayClaim(parseIdentity('scheduler'), 'leader-elector/kube-controller-manager'));
  t.true(mayClaim(parseIdentity('node/a.b'), 'kubelet/a.b'));
  t.false(mayClaim(parseIdentity('node/a'), 'kubelet/a.b'));
});

test('bus lock spans - a batch keeps its identity\'s own records and notes, named by the identity; an unknown token keeps nothing', (t) => {
  const b = batch([sent('t', 'apiserver'), sent('t', 'kubelet/n1')], [note('apiserver'), note('kubelet/n1')]);
  const { batch: kept, refused } = ownedBatch(b, 'node_n1');
  t.is(refused, 2);
  t.is(kept.source, 'node/n1', 'the source is the identity, not what the batch says');
  t.deepEqual(kept.records.map((r) => (r as SentSummary).from), ['kubelet/n1']);
  t.deepEqual(kept.notes.map((x) => x.actor), ['kubelet/n1']);
  t.is(ownedBatch(b, 'nobody_x').batch.records.length, 0);
  t.is(ownedBatch(b, undefined).batch, b, 'an open bus: as it is');
  t.is(ownedBatch(b, 'apiserver').batch.records.length, 2, 'the API server may publish anything anyway');
});

const delivered = (to: string, from?: string): DeliveredSummary => ({ t: 'd', traceId: 't', spanId: '1'.padStart(16, '0'), to, subject: 'kubus.watch.x', at: 1, ...(from ? { from } : {}) });

test('bus lock spans - a delivery is kept only when its receiver is the identity\'s; a sender another identity runs is dropped, a name none runs is relabelled', (t) => {
  const records = [
    delivered('node/node-0', 'apiserver'), // another node's connection: refused
    delivered('control-plane', 'kubelet/n1'), // the API server's process: refused
    delivered('kubelet/n1', 'apiserver'), // its own kubelet; the API server names itself in its own send
    delivered('node/n1', 'kubectl'), // its own connection; a sender no identity runs stays
    delivered('kubectl', 'node/n2'), // a name no identity runs: relabelled to the identity
  ];
  const { batch: kept, refused } = ownedBatch(batch(records as unknown as SentSummary[]), 'node_n1');
  t.is(refused, 2);
  t.deepEqual(kept.records.map((r) => [(r as DeliveredSummary).to, (r as DeliveredSummary).from]), [
    ['kubelet/n1', undefined],
    ['node/n1', 'kubectl'],
    ['node/n1', undefined],
  ]);
  t.is(ownedBatch(batch([sent('t', 'kubectl')]), 'node_n1').batch.records.map((r) => (r as SentSummary).from)[0], 'node/n1', 'a send from a name no identity runs is the identity\'s');
  t.false(mayClaim(parseIdentity('node/n1'), 'node/node-0'));
  t.false(mayClaim(parseIdentity('scheduler'), 'control-plane'));
});

test('bus lock spans - a control plane process without the API server names its connection after its actors, so its identity\'s sends are kept', (t) => {
  t.is(controlPlaneConnectionName(['apiserver', 'gateway']), 'control-plane');
  t.is(controlPlaneConnectionName(['scheduler']), 'control-plane/scheduler');
  // What a locked `kubus up` runs: the scheduler's own connection creates and watches (not an actor's send).
  const own = ownedBatch(batch([sent('t', controlPlaneConnectionName(['scheduler']))]), 'scheduler');
  t.is(own.refused, 0);
  t.deepEqual(own.batch.records.map((r) => (r as SentSummary).from), ['scheduler'], 'relabelled to the identity');
  t.is(ownedBatch(batch([sent('t', 'control-plane')]), 'scheduler').refused, 1, 'the API server process\'s name stays the API server\'s');
});

test('bus lock spans - a kubelet publishes only on its own span subject; the recorder drops its forged API server spans', async (t) => {
  const p = permittedSubjects('node_n1', 'node', 'n1');
  t.true(p.publish.includes(traceSpans('node_n1')));
  t.false(p.publish.some((s) => s === 'kubus.trace.>' || s === 'kubus.trace.spans.*'), 'no other identity\'s span subject');
  const node = await connect(t, 'node/n1');
  const admin = await connect(t, 'admin');
  // On the API server's span subject: refused by nats-server itself.
  const onTheirs = traceId();
  node.publish(traceSpans('apiserver'), batch([sent(onTheirs, 'apiserver')]));
  // On the bare subject (open buses' feeds): the locked recorder takes no batch without an identity.
  const bare = traceId();
  node.publish(TRACE_SPANS, batch([sent(bare, 'apiserver')]));
  // On its own subject: its kubelet's span is kept, the one claiming the API server dropped.
  const own = traceId();
  node.publish(traceSpans('node_n1'), batch([sent(own, 'apiserver'), { ...sent(own, 'kubelet/n1'), spanId: '2'.padStart(16, '0') }]));
  await node.flush();
  await waitFor(async () => (await spansOf(admin, own)).length > 0, 'the kubelet\'s own span recorded', 10_000);
  t.deepEqual(await spansOf(admin, own), ['kubelet/n1']);
  t.deepEqual(await spansOf(admin, bare), []);
  t.deepEqual(await spansOf(admin, onTheirs), []);
  const refused = () => natsLog.split('\n').some((l) => /test\/node\/n1" - Publish Violation - Nkey "U[A-Z0-9]+", Subject "kubus\.trace\.spans\.apiserver"/.test(l));
  await waitFor(refused, 'nats-server\'s log of the refused publish', 10_000);
  // The API server's own feed publishes behind its token, and is recorded: a request it served.
  await new ApiClient(admin).list('namespaces');
  const served = async () => (await admin.request<Trace>(TRACE_QUERY, { actor: 'apiserver' })).data.spans.some((s) => s.kind === 'list namespaces');
  await waitFor(served, 'the API server\'s own span of the admin\'s list', 10_000);
});
