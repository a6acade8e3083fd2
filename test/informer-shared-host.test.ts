// Shared informers per process: a Host makes one SharedInformers (runtime/host.ts), so components
// of one process that watch the same resource share one list and one watch of it. Counted at the
// bus: every API request a connection sends on kubus.api.pods.* is seen by a plain subscriber.
import test from 'ava';
import { podGcController } from '../actors/controllers/podgc/podgc.controller.ts';
import { schedulerActor } from '../actors/scheduler/scheduler.actor.ts';
import { requestInbox } from '../bus/subjects.ts';
import type { HostedActor } from '../runtime/host.ts';
import { pod, startApi } from './helpers/api.ts';
import { waitFor } from './helpers/wait.ts';

/** Counts the list and watch requests for pods by the connection (bus id) that sent them: its reply inbox names it. */
function podRequests(subscribe: (subject: string, fn: (m: { subject: string; reply?: string }) => void) => void) {
  const seen: string[] = [];
  subscribe('kubus.api.pods.>', (m) => seen.push(`${m.subject.split('.')[3]} ${m.reply ?? ''}`));
  return (verb: 'list' | 'watch', conn: string) => seen.filter((s) => s.startsWith(`${verb} ${requestInbox(conn)}.`)).length;
}

const synced = (h: HostedActor, what: string) =>
  waitFor(() => h.snapshot()?.matches('running') || h.snapshot()?.matches({ lifecycle: 'idle' }), `${what} synced`, 20_000);

test('informer shared host - a scheduler and a controller in one process make one list and one watch of pods', async (t) => {
  const env = await startApi(t);
  await env.client.create('pods', pod('p1'));
  const tap = env.broker.connect('tap');
  t.teardown(() => tap.close());
  const count = podRequests((subject, fn) => tap.subscribe(subject, fn));

  const cm = env.process('cm');
  const cmConn = cm.env.bus.id;
  const scheduler = cm.start(schedulerActor, 'scheduler', undefined);
  const podgc = cm.start(podGcController, 'controller/podgc', undefined);
  await Promise.all([synced(scheduler, 'scheduler'), synced(podgc, 'podgc')]);
  // An informer watches once its list is in (after sync): a pod created now and seen in the cache
  // went by that watch, and any other watch sent after its own list has reached the tap by then.
  await env.client.create('pods', pod('p2'));
  await waitFor(() => cm.env.informers!.get('pods').get('default/p2'), 'p2 in the shared cache');
  t.is(count('list', cmConn), 1, 'one list of pods for both');
  t.is(count('watch', cmConn), 1, 'one watch of pods for both');

  // The counting tells processes apart: another process's podgc lists and watches pods on its own.
  const other = env.process('other');
  await synced(other.start(podGcController, 'controller/podgc', undefined), 'the other podgc');
  await waitFor(() => count('watch', other.env.bus.id), 'the other process to watch pods');
  t.is(count('list', other.env.bus.id), 1);
  t.is(count('watch', other.env.bus.id), 1);
  t.is(count('list', cmConn) + count('watch', cmConn), 2, 'the first process asked nothing more');
});
