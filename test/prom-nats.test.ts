// Scrapes over a real, locked nats-server: the gateway's identity (a front) scrapes the kubelet of a
// node, the scheduler and the API server on their subjects; a node may scrape no component, and a
// component may serve only its own metrics subject.
import test from 'ava';
import { kubeletActor } from '../actors/kubelet/kubelet.actor.ts';
import { schedulerActor } from '../actors/scheduler/scheduler.actor.ts';
import { realClock } from '../bus/clock.ts';
import type { NatsBus } from '../bus/nats-bus.ts';
import { cryptoRng } from '../bus/random.ts';
import { nodeProm, promSubject } from '../bus/subjects.ts';
import { silentLogger } from '../bus/types.ts';
import { Host } from '../runtime/host.ts';
import { capture, lockedBus } from './helpers/locked-bus.ts';
import { parseExposition, valueOf } from './helpers/prom-text.ts';
import { waitFor } from './helpers/wait.ts';

const locked = lockedBus({ prefix: 'kubus-prom-nats-', nodes: ['prom-n1'] });

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\>]/g, '\\$&');
const refused = (log: { lines: string[] }, kind: 'Subscription' | 'Publish', subject: string) =>
  log.lines.some((l) => new RegExp(`Permissions Violation for ${kind} to \\W*${escape(subject)}\\W`).test(l));

const scrape = async (bus: NatsBus, subject: string) => {
  const text = (await bus.request<string>(subject, {}, { timeoutMs: 10_000 })).data;
  if (typeof text !== 'string') throw new Error(`${subject} answered ${JSON.stringify(text)}`);
  return parseExposition(text).samples;
};

test('prom nats - on a locked bus the gateway scrapes a kubelet, the scheduler and the API server; a node scrapes none; a component serves only its own', async (t) => {
  const hosts: Host[] = [];
  t.teardown(async () => {
    for (const h of hosts.reverse()) await h.stopAll();
  });
  const host = async (identity: string) => {
    const h = new Host({ bus: await locked.connect(t, identity), clock: realClock, rng: cryptoRng(), log: silentLogger });
    hosts.push(h);
    return h;
  };
  (await host('node/prom-n1')).start(kubeletActor, 'kubelet/prom-n1', { nodeName: 'prom-n1' });
  const sched = (await host('scheduler')).start(schedulerActor, 'scheduler', {});
  const gateway = await locked.connect(t, 'gateway');
  await waitFor(() => sched.snapshot()?.matches({ lifecycle: 'idle' }), 'scheduler synced');

  const kubelet = await waitFor(async () => scrape(gateway, nodeProm('prom-n1')).catch(() => undefined), 'the kubelet answers its scrape');
  t.is(valueOf(kubelet, 'kubelet_node_name', { node: 'prom-n1' }), 1);
  t.true(kubelet.some((s) => s.name === 'process_cpu_seconds_total'));
  const scheduler = await scrape(gateway, promSubject('scheduler'));
  t.is(valueOf(scheduler, 'scheduler_pending_pods', { queue: 'active' }), 0);
  const api = await scrape(gateway, promSubject('apiserver'));
  t.true(valueOf(api, 'apiserver_request_total', { resource: 'nodes' }) >= 1, 'the kubelet registered its node through this API server');

  const nodeLog = capture();
  const node = await locked.connect(t, 'node/prom-n1', nodeLog);
  await t.throwsAsync(node.request(promSubject('scheduler'), {}, { timeoutMs: 2_000 }));
  await waitFor(() => refused(nodeLog, 'Publish', promSubject('scheduler')), 'a node may not scrape the scheduler');

  const cmLog = capture();
  const cm = await locked.connect(t, 'controller-manager', cmLog);
  cm.subscribe(promSubject('scheduler'), (m) => cm.respond(m, 'stolen'));
  await waitFor(() => refused(cmLog, 'Subscription', promSubject('scheduler')), 'the controller manager may not serve the scheduler\'s metrics');
  cm.subscribe(promSubject('controller-manager'), (m) => cm.respond(m, '# its own\n'));
  await cm.flush();
  t.false(refused(cmLog, 'Subscription', promSubject('controller-manager')));
  const again = await scrape(gateway, promSubject('scheduler'));
  t.true(again.some((s) => s.name === 'scheduler_pending_pods'), 'the scheduler still answers its own');
});
