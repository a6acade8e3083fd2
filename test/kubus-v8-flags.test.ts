// bin/kubus runs `kubus scenario run` again with the V8 options a simulated cluster needs: only that
// command, only once, and never over a young-generation size or heap limit the user gave. Whoever
// starts `kubus node --count` passes the node process's own (launchFlags).
import test from 'ava';
import { KubusProcess } from '../scenarios/runner/processes.ts';
import { launchFlags, NODE_PROCESS_V8_FLAGS, oldSpaceMb, REEXEC_MARK, reexecFlags, SIMULATION_V8_FLAGS } from '../scripts/v8-flags.mjs';

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
  // --heap-growing-percent is not allowed in NODE_OPTIONS: it is always added, unless given to node itself.
  t.deepEqual(reexecFlags(args, [], { NODE_OPTIONS: '--max-old-space-size=9000 --max-semi-space-size=32' }), ['--heap-growing-percent=100']);
  t.is(reexecFlags(args, ['--heap-growing-percent=30'], { NODE_OPTIONS: '--max-old-space-size=9000 --max-semi-space-size=32' }), undefined);
  // Each option the user did not give is added.
  t.deepEqual(reexecFlags(args, [], { NODE_OPTIONS: '--max-old-space-size=9000' }), ['--max-semi-space-size=128', '--heap-growing-percent=100']);
});

test('kubus v8 flags - launchers start `kubus node --count` with a larger young generation', (t) => {
  t.deepEqual(launchFlags(['--nats', 'nats://h:4222', 'node', '--name', 'node', '--count', '5000']), NODE_PROCESS_V8_FLAGS);
  t.deepEqual(launchFlags(['node', '--name', 'n', '--count=2']), NODE_PROCESS_V8_FLAGS);
  t.true(NODE_PROCESS_V8_FLAGS.includes('--max-semi-space-size=64'));
  // One node per process, other commands, and a size the user chose in NODE_OPTIONS: nothing added.
  for (const args of [['node', '--name', 'n'], ['control-plane', '--actors', 'apiserver'], ['up', '--nodes', '3'], ['get', 'nodes', '--count']]) t.deepEqual(launchFlags(args), [], args.join(' '));
  t.deepEqual(launchFlags(['node', '--name', 'n', '--count', '9'], { NODE_OPTIONS: '--max_semi_space_size=32' }), []);
});

test('kubus v8 flags - real mode starts a shared node process with them, itself (no wrapper in between)', (t) => {
  const proc = new KubusProcess('group', ['--nats', 'nats://127.0.0.1:1', 'node', '--name', 'node', '--count', '2', '--log-level', 'warn']);
  t.teardown(() => void proc.child.kill('SIGKILL'));
  const argv = proc.child.spawnargs;
  t.is(argv[0], process.execPath);
  t.deepEqual(argv.slice(1, 1 + NODE_PROCESS_V8_FLAGS.length), NODE_PROCESS_V8_FLAGS);
  t.regex(argv[1 + NODE_PROCESS_V8_FLAGS.length]!, /bin\/kubus$/);
  // bin/kubus runs `kubus node` in its own process: it never starts itself again for it.
  t.is(reexecFlags(argv.slice(2 + NODE_PROCESS_V8_FLAGS.length), NODE_PROCESS_V8_FLAGS, {}), undefined);
});
