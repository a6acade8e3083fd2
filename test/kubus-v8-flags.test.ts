// bin/kubus runs `kubus scenario run` again with the V8 options a simulated cluster needs: only that
// command, only once, and never over a young-generation size or heap limit the user gave.
import test from 'ava';
import { oldSpaceMb, REEXEC_MARK, reexecFlags, SIMULATION_V8_FLAGS } from '../scripts/v8-flags.mjs';

test('kubus v8 flags - scenario run gets a larger young generation', (t) => {
  t.deepEqual(reexecFlags(['scenario', 'run', 'scenarios/scale-out.scenario.ts', '--param', 'nodes=10']), SIMULATION_V8_FLAGS);
  t.deepEqual(reexecFlags(['--nats', 'nats://h:4222', 'scenario', 'run', 'x.scenario.ts']), SIMULATION_V8_FLAGS);
  t.true(SIMULATION_V8_FLAGS.some((f) => f.startsWith('--max-semi-space-size=')));
  t.true(SIMULATION_V8_FLAGS.some((f) => f.startsWith('--max-old-space-size=')));
});

test('kubus v8 flags - the heap limit is three quarters of the memory, at most 12 GiB', (t) => {
  t.is(oldSpaceMb(8 * 2 ** 30), 6144);
  t.is(oldSpaceMb(24 * 2 ** 30), 12_288);
  t.is(oldSpaceMb(2 * 2 ** 30), 1536);
});

test('kubus v8 flags - other commands run as they are', (t) => {
  for (const args of [[], ['get', 'pods'], ['scenario', 'list'], ['up', '--nodes', '3'], ['node', '--count', '1000']]) t.is(reexecFlags(args), undefined, args.join(' '));
});

test('kubus v8 flags - never twice, never over the user’s own size', (t) => {
  const args = ['scenario', 'run', 'x.scenario.ts'];
  t.is(reexecFlags(args, [], { [REEXEC_MARK]: '1' }), undefined);
  t.deepEqual(reexecFlags(args, ['--max-semi-space-size=8']), SIMULATION_V8_FLAGS.slice(1));
  t.deepEqual(reexecFlags(args, ['--max_semi_space_size=8']), SIMULATION_V8_FLAGS.slice(1));
  t.is(reexecFlags(args, [], { NODE_OPTIONS: '--max-old-space-size=9000 --max-semi-space-size=32' }), undefined);
  // Each option the user did not give is added.
  t.deepEqual(reexecFlags(args, [], { NODE_OPTIONS: '--max-old-space-size=9000' }), ['--max-semi-space-size=64']);
});
