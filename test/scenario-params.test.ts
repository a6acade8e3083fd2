// Scenario parameters: declared with defaults, set with `--param name=value`, checked (one line
// naming the parameter and what it accepts); `scenario list` shows them; the scale-out scenario at a
// steady rate reports startup latency, memory and CPU; the steady hour samples memory.
import test from 'ava';
import { join } from 'node:path';
import { param, scenario, withParams } from '../scenarios/dsl.ts';
import { findNatsServer } from '../runtime/nats-server.ts';
import { loadScenario } from '../scenarios/load.ts';
import { accepts, bindScenario, ParamError, parseParamArgs, resolveParams } from '../scenarios/params.ts';
import { summary } from '../scenarios/report.ts';
import { runScenario } from '../scenarios/runner/run.ts';
import { scaleOut } from '../scenarios/scale-out.scenario.ts';
import type { ProgressEvent, RunReport } from '../scenarios/types.ts';
import { ROOT, runKubus } from './helpers/proc.ts';

const SPECS = {
  nodes: param.integer(3, 'nodes that join', { min: 1 }),
  rate: param.number(0, 'pods per second', { min: 0 }),
  duration: param.duration('10m', 'how long', { min: 60_000 }),
  fast: param.boolean(false, 'go fast'),
  mode: param.string('a', 'which way', { choices: ['a', 'b'] }),
};
const figure = (r: RunReport, name: string) => r.metrics.find((m) => m.name === name)?.value;

test('scenario params - defaults, given values converted by type, durations in ms', (t) => {
  t.deepEqual(resolveParams(SPECS, {}, 'x'), { nodes: 3, rate: 0, duration: 600_000, fast: false, mode: 'a' });
  t.deepEqual(resolveParams(SPECS, { nodes: '5,000', rate: '2.5', duration: '1h30m', fast: 'yes', mode: 'b' }, 'x'), { nodes: 5000, rate: 2.5, duration: 5_400_000, fast: true, mode: 'b' });
  t.deepEqual(resolveParams(SPECS, { nodes: 150_000, duration: 120_000, fast: true }, 'x'), { nodes: 150_000, rate: 0, duration: 120_000, fast: true, mode: 'a' });
  t.is(resolveParams(SPECS, { nodes: '150_000' }, 'x').nodes, 150_000);
});

const rejects = test.macro((t, given: Record<string, string>, message: RegExp) => {
  const err = t.throws(() => resolveParams(SPECS, given, 'my scenario'), { instanceOf: ParamError });
  t.regex(err!.message, message);
  t.false(err!.message.includes('\n'), 'one line');
});
test('scenario params - unknown name', rejects, { nodez: '5' }, /^unknown parameter "nodez" for scenario "my scenario": it takes nodes, rate, duration, fast, mode$/);
test('scenario params - not a number', rejects, { nodes: 'many' }, /^invalid value "many" for parameter nodes: expected a whole number ≥ 1 \(nodes that join\)$/);
test('scenario params - not whole', rejects, { nodes: '2.5' }, /for parameter nodes: expected a whole number ≥ 1/);
test('scenario params - below the minimum', rejects, { nodes: '0' }, /invalid value "0" for parameter nodes/);
test('scenario params - empty number', rejects, { rate: '' }, /invalid value "" for parameter rate: expected a number ≥ 0/);
test('scenario params - bad duration', rejects, { duration: '10 minutes' }, /for parameter duration: expected a duration such as 30s, 10m, 1h30m ≥ 1m0s/);
test('scenario params - short duration', rejects, { duration: '30s' }, /invalid value "30s" for parameter duration/);
test('scenario params - bad boolean', rejects, { fast: 'maybe' }, /for parameter fast: expected true or false/);
test('scenario params - not a choice', rejects, { mode: 'c' }, /for parameter mode: expected one of a, b/);

test('scenario params - a scenario without parameters takes none; --param is NAME=VALUE, once each', (t) => {
  t.throws(() => resolveParams(undefined, { a: '1' }, 'plain'), { message: 'unknown parameter "a" for scenario "plain": it takes no parameters' });
  t.deepEqual(parseParamArgs(['nodes=5', 'label=a=b']), { nodes: '5', label: 'a=b' });
  t.throws(() => parseParamArgs(['nodes']), { instanceOf: ParamError, message: /invalid --param "nodes": expected NAME=VALUE/ });
  t.throws(() => parseParamArgs(['=5']), { instanceOf: ParamError });
  t.throws(() => parseParamArgs(['nodes=1', 'nodes=2']), { message: '--param nodes is given twice' });
  t.is(accepts(SPECS.rate), 'a number ≥ 0');
});

test('scenario params - withParams builds the scenario for the values; options.params reach the body as s.params', async (t) => {
  const def = withParams({ nodes: param.integer(2, 'nodes') }, (p) => scenario(`${p.nodes} nodes`, { nodes: p.nodes }, async () => undefined));
  t.is(def.name, '2 nodes');
  t.deepEqual(Object.keys(def.options.params!), ['nodes']);
  const bound = bindScenario(def, { nodes: '4' });
  t.is(bound.def.name, '4 nodes');
  t.is(bound.def.options.nodes, 4);
  t.deepEqual(bound.values, { nodes: 4 });
  t.is(bindScenario(bound.def, { nodes: 1 }).def.name, '1 nodes', 'a built scenario builds again');

  let seen: unknown;
  const plain = scenario('reads params', { nodes: 1, params: { replicas: param.integer(2, 'replicas') } }, async (s) => {
    seen = s.params;
    s.metric('replicas', s.params.replicas as number, 'pods');
  });
  const r = await runScenario(plain, { params: { replicas: '7' } });
  t.true(r.ok, summary(r));
  t.deepEqual(seen, { replicas: 7 });
  t.deepEqual(r.params, { replicas: 7 });
  t.regex(summary(r), /^ {2}parameters: replicas=7$/m);
  const bad = await runScenario(plain, { params: { replicas: 'x' } });
  t.false(bad.ok);
  t.regex(bad.error!.message, /^ParamError: invalid value "x" for parameter replicas/);
});

test('scenario params - scale-out at a steady rate reports startup latency, memory and CPU; the default export is unchanged', async (t) => {
  const { def } = await loadScenario(join(ROOT, 'scenarios', 'scale-out.scenario.ts'));
  t.is(def.name, 'scale-out to 1000 nodes and 30000 pods');
  t.deepEqual(Object.keys(def.options.params!), ['nodes', 'pods', 'rate', 'duration']);
  const r = await runScenario(def, { params: { nodes: '4', pods: '1', rate: '20', duration: '2s' } });
  t.true(r.ok, summary(r));
  t.is(r.name, 'scale-out to 4 nodes and 40 pods at 20/s', 'rate × duration pods');
  t.deepEqual(r.params, { nodes: 4, pods: 1, rate: 20, duration: '2s' });
  t.true(r.clusterMs >= 2000, 'the pods came over 2 s of cluster time');
  const asked = figure(r, 'pods asked for per second (cluster)')!;
  t.true(asked > 15 && asked <= 20, `${asked} pods/s asked for`);
  const p50 = figure(r, 'pod startup p50 (cluster)')!;
  const p99 = figure(r, 'pod startup p99 (cluster)')!;
  t.true(p50 > 0 && p99 >= p50 && p99 < 5_000, `startup p50 ${p50} ms, p99 ${p99} ms`);
  t.true(figure(r, 'resident memory peak')! >= figure(r, 'resident memory at end')! && figure(r, 'resident memory at end')! > 10);
  t.true(figure(r, 'CPU time to all Running')! > 0);
  t.true(r.usage!.cpuSeconds > 0 && r.usage!.rssPeakMB > 10);
  t.regex(summary(r), /; CPU \d+\.\d s, resident memory peak [\d,]+ MB$/m);
  t.log(r.metrics.map((m) => `${m.name}: ${m.value} ${m.unit}`).join('\n'));
  t.is(scaleOut(3, 6).name, 'scale-out to 3 nodes and 6 pods', 'scaleOut(nodes, pods) as before');
});

test('scenario params - steady hour: nodes and pods as parameters, memory sampled every 5 min of cluster time', async (t) => {
  const { def } = await loadScenario(join(ROOT, 'scenarios', 'steady-hour.scenario.ts'));
  const logged = new Map<string, number>();
  const progress = (e: ProgressEvent) => {
    const m = /^resident memory (\d+) MB \(heap \d+ MB, young generation \d+ MB\) after (\S+)$/.exec(e.text);
    if (e.kind === 'info' && m) logged.set(m[2], Number(m[1]));
  };
  const r = await runScenario(def, { params: { nodes: '3', pods: '6', duration: '10m' }, progress });
  t.true(r.ok, summary(r));
  t.true(r.clusterMs >= 600_000);
  t.true(r.expectations.some((e) => e.kind === 'always' && e.description === 'every node stays Ready' && e.ok && e.checks! > 10));
  t.deepEqual([...logged.keys()], ['5m0s', '10m0s'], 'a sample every 5 min of cluster time');
  const [half, end] = [logged.get('5m0s')!, logged.get('10m0s')!];
  t.is(figure(r, 'resident memory at end'), end, 'the end figure is the last logged sample');
  t.true(end > 10);
  // The logged samples are whole MB: the figure (from the unrounded ones) lies within what they allow.
  const growth = figure(r, 'resident memory growth over the last half')!;
  t.true(Number.isFinite(growth), `growth ${growth}`);
  const low = ((end - 0.5 - (half + 0.5)) / (half + 0.5)) * 100 - 0.05;
  const high = ((end + 0.5 - (half - 0.5)) / (half - 0.5)) * 100 + 0.05;
  t.true(growth >= low && growth <= high, `growth ${growth} % from ${half} MB to ${end} MB (allowed ${low.toFixed(2)} … ${high.toFixed(2)})`);
  t.true(Number.isFinite(figure(r, 'resident memory growth over the last half, young generation apart')));
  t.truthy(figure(r, 'real time for 10m0s of cluster time'));
});

test('scenario params - the CLI: --param sets them, a bad one is one line and exit 1, list and --help show them', async (t) => {
  // Generous deadlines: `list` loads every script of the library, and a loaded machine makes that slow.
  const kubus = (args: string[]) => runKubus(args, { timeoutMs: 180_000 });
  const [run, unknown, bad, list, help] = await Promise.all([
    kubus(['scenario', 'run', 'scenarios/scale-out.scenario.ts', '--param', 'nodes=3', '--param', 'pods=6', '--param', 'rate=10']),
    kubus(['scenario', 'run', 'scenarios/scale-out.scenario.ts', '--param', 'node=3']),
    kubus(['scenario', 'run', 'scenarios/scale-out.scenario.ts', '--param', 'nodes=lots']),
    kubus(['scenario', 'list']),
    kubus(['scenario', 'run', '--help']),
  ]);
  t.is(run.code, 0, run.stdout + run.stderr);
  t.regex(run.stdout, /^PASSED: scale-out to 3 nodes and 6 pods at 10\/s/m);
  t.regex(run.stdout, /^ {2}parameters: nodes=3 pods=6 rate=10 duration=0s$/m);
  t.regex(run.stdout, /pod startup p99 \(cluster\)\s+\d/);
  t.regex(run.stdout, /resident memory peak\s+\d+ MB/);
  t.is(unknown.code, 1);
  t.is(unknown.stderr.trim(), 'error: unknown parameter "node" for scenario "scale-out to 1000 nodes and 30000 pods": it takes nodes, pods, rate, duration');
  t.is(bad.code, 1);
  t.is(bad.stderr.trim(), 'error: invalid value "lots" for parameter nodes: expected a whole number ≥ 1 (nodes that join)');
  t.is(list.code, 0, list.stderr);
  t.regex(list.stdout, /^Parameters \(set with --param NAME=VALUE\):$/m);
  t.regex(list.stdout, /scenarios\/scale-out\.scenario\.ts\s+rate\s+number\s+0\s+pods created per second of cluster time \(0: all at once\) \(a number ≥ 0\)/);
  t.regex(list.stdout, /scenarios\/steady-hour\.scenario\.ts\s+pods\s+integer\s+300\s+pods of one Deployment/);
  t.regex(help.stdout, /--param <name=value>\s+set a parameter the scenario declares/);
  // What --real does at scale: shared node processes beyond 100 nodes, or as many per process as asked.
  t.regex(help.stdout.replace(/\s+/g, ' '), /--real .*beyond 100 nodes, the nodes share `kubus node --count` processes of up to 500/);
  t.regex(help.stdout, /--nodes-per-process <k>\s+with --real: run the nodes in `kubus node --count`/);
});

const nats = findNatsServer() ? test : test.skip;

nats('scenario params - --real: scale-out with parameters against real processes; its memory and CPU are the driver process\'s', async (t) => {
  const r = await runKubus(['scenario', 'run', 'scenarios/scale-out.scenario.ts', '--real', '--param', 'nodes=2', '--param', 'pods=6', '--param', 'rate=5'], { timeoutMs: 150_000 });
  t.is(r.code, 0, r.stdout + r.stderr);
  t.regex(r.stdout, /^PASSED: scale-out to 2 nodes and 6 pods at 5\/s — .* real ×1, seed 1; CPU \d+\.\d s, resident memory peak [\d,]+ MB \(driver process\)$/m);
  t.regex(r.stdout, /^ {2}parameters: nodes=2 pods=6 rate=5 duration=0s$/m);
  t.regex(r.stdout, /pod startup p99 \(real\)\s+\d/);
  t.regex(r.stdout, /resident memory peak \(driver process\)\s+\d+ MB/);
  t.regex(r.stdout, /CPU time to all Running \(driver process\)\s+\d/);
});
