// Real mode: the node-failure script against a real nats-server, with `kubus control-plane` per
// component and `kubus node` per node (time-scaled ×20); and a partition that is a real TCP cut.
import test from 'ava';
import { findNatsServer } from '../runtime/nats-server.ts';
import { runKubus } from './helpers/proc.ts';

const nats = findNatsServer() ? test : test.skip;

nats('scenario real - node-failure passes with --real: kill -9 of a node process, Unknown, taint, eviction, replacements', async (t) => {
  const started = Date.now();
  const r = await runKubus(['scenario', 'run', 'scenarios/node-failure.scenario.ts', '--real']);
  t.is(r.code, 0, r.stdout + r.stderr);
  t.regex(r.stdout, /— real \(time scale 20\)/);
  t.regex(r.stdout, /^PASSED: node failure — .* real ×20/m);
  t.regex(r.stdout, /✓ until node-1 Ready=Unknown/);
  t.regex(r.stdout, /✓ until 6 web pods Running on the other nodes/);
  t.log(`${Date.now() - started} ms`);
  t.true(Date.now() - started < 40_000);
});

nats('scenario real - partition and heal over a relay that cuts the node process off NATS', async (t) => {
  const r = await runKubus(['scenario', 'run', 'scenarios/partition-heal.scenario.ts', '--real', '--time-scale', '20']);
  t.is(r.code, 0, r.stdout + r.stderr);
  t.regex(r.stdout, /· partition node-2/);
  t.regex(r.stdout, /✓ until node-2 Ready again/);
});
