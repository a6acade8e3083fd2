// Control-plane faults of scenario scripts in simulated mode: replicas behind leader election,
// s.leader(), crash/restart of one replica or of all, and the bus going down and up.
import test from 'ava';
import { scenario } from '../scenarios/dsl.ts';
import failover from '../scenarios/control-plane-failover.scenario.ts';
import { pod } from '../scenarios/objects.ts';
import { summary } from '../scenarios/report.ts';
import { runScenario } from '../scenarios/runner/run.ts';

test('scenario faults - s.leader names the replica holding the Lease; crash(component) kills every replica, restart(replica) one', async (t) => {
  const seen: Record<string, unknown> = {};
  const def = scenario('replicas', { nodes: 1, replicas: { scheduler: 3 } }, async (s) => {
    seen.replicas = s.replicas('scheduler');
    await s.until('a scheduler leads', () => s.leader('scheduler') !== undefined, { within: '30s' });
    seen.first = s.leader('scheduler');
    await s.crash('scheduler');
    await s.apply(pod('p'));
    await s.advance('1m');
    await s.expect('no replica left to bind it', () => s.pods().unscheduled().count() === 1);
    await s.restart('scheduler-2');
    await s.until('scheduler-2 leads', () => s.leader('scheduler') === 'scheduler-2', { within: '30s' });
    await s.until('and binds the pod', () => s.pods().scheduled().count() === 1, { within: '10s' });
  });
  const r = await runScenario(def);
  t.true(r.ok, summary(r));
  t.deepEqual(seen.replicas, ['scheduler-0', 'scheduler-1', 'scheduler-2']);
  t.regex(String(seen.first), /^scheduler-[012]$/);
  t.is(r.expectations.length, 5);
});

test('scenario faults - leader() of a single replica and a node started while the bus is down fail clearly', async (t) => {
  const single = await runScenario(scenario('no election', { nodes: 1 }, async (s) => void s.leader('scheduler')));
  t.false(single.ok);
  t.regex(single.error!.message, /FaultSpecError: scheduler runs one replica, without leader election/);

  const down = await runScenario(
    scenario('bus down', { nodes: 1 }, async (s) => {
      await s.crashBus();
      await s.addNode('late');
    }),
  );
  t.false(down.ok);
  t.regex(down.error!.message, /can't add node late while the bus is down: call s.restartBus\(\) first/);
});

test('scenario faults - while the bus is down requests are refused at once (503); after restartBus the runner and the cluster resume', async (t) => {
  const errors: string[] = [];
  const def = scenario('bus', { nodes: 2 }, async (s) => {
    await s.apply(pod('before'));
    await s.until('before runs', () => s.pods().running().count() === 1, { within: '30s' });
    await s.crashBus();
    await s.api.list('pods').then(
      () => errors.push('answered'),
      (err: Error & { code?: number }) => errors.push(`${err.name} ${err.code}`),
    );
    await s.restartBus();
    await s.apply(pod('after'));
    await s.until('after runs too', () => s.pods().running().count() === 2, { within: '30s' });
  });
  const r = await runScenario(def);
  t.true(r.ok, summary(r));
  t.deepEqual(errors, ['StatusError 503'], 'the runner had no connection while the bus was down');
});

test('scenario faults - control-plane failover replays exactly with the same seed', async (t) => {
  const a = await runScenario(failover, { seed: 3 });
  const b = await runScenario(failover, { seed: 3 });
  t.true(a.ok, summary(a));
  t.deepEqual(b.metrics, a.metrics);
  t.deepEqual(
    b.expectations.map((e) => [e.description, e.at]),
    a.expectations.map((e) => [e.description, e.at]),
  );
  const failoverS = a.metrics.find((m) => m.name.startsWith('scheduler failover: new leader'))!.value;
  t.true(failoverS > 10 && failoverS <= 15 + 2 + 1, `took over after ${failoverS} s: once the 15 s lease ran out, within a retry period`);
});
