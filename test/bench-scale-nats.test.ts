// The scale-nats bench, run tiny (20 nodes in 2 processes, 30 pods): it is otherwise only type-checked,
// so a change that breaks its processes, its waits or its report would go unseen until a scale run.
// It starts its own nats-server (startNatsServer: a free loopback port, never 4222) and stops every
// child before it exits; the test runs it in a process group of its own, killed in teardown whatever happens.
import test from 'ava';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findNatsServer } from '../runtime/nats-server.ts';
import { startNode } from './helpers/proc.ts';
import { waitFor } from './helpers/wait.ts';

const nats = findNatsServer() ? test : test.skip;
const ARGS = ['--nodes', '20', '--procs', '2', '--rate', '10', '--duration', '3', '--idle', '2', '--settle', '2', '--cold', '1', '--ready-timeout', '90'];
const PROCESSES = ['control plane', 'nodes node-0…node-9', 'nodes node-10…node-19', 'nats-server'];

/** Returns the measured value of a report row (`name  1,234 ms  …`), NaN when the row is missing or not a number. */
function measured(out: string, name: string, unit: string): number {
  const row = out.split('\n').find((l) => l.startsWith(`${name}  `));
  const m = row && new RegExp(`^\\S.*?\\s{2,}(-?[\\d,.]+|NaN) ${unit}(\\s|$)`).exec(row);
  return m ? Number(m[1].replace(/,/g, '')) : NaN;
}

/** True while any process of the group led by `pid` is alive. */
function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

nats('bench scale-nats - a tiny run brings its nodes Ready, reports startup and per-process use, and leaves no process behind', async (t) => {
  t.timeout(240_000);
  const home = mkdtempSync(join(tmpdir(), 'kubus-bench-home-'));
  t.teardown(() => rmSync(home, { recursive: true, force: true }));
  const bench = startNode(t, ['bench/scale-nats.bench.ts', ...ARGS], { KUBUS_HOME: home });
  // 14 s on an idle 2-core machine; the deadline allows for a loaded one (teardown kills the group after it).
  const code = await Promise.race([bench.exited, new Promise<'late'>((r) => setTimeout(r, 200_000, 'late').unref())]);
  const out = bench.output();
  t.is(code, 0, out);

  t.regex(out, /^\[scale-nats bench\] 20 nodes in 2 node process\(es\) of up to 10; then 30 pods at 10\/s$/m);
  t.regex(out, /^\[scale-nats bench\] nats-server at nats:\/\/127\.0\.0\.1:(?!4222\b)\d+, control plane up$/m, 'its own nats-server');
  t.regex(out, /^\[scale-nats bench\] 20 nodes Ready after \d+\.\d s; during start-up: control plane /m);
  t.regex(out, /^Real mode at scale over NATS: 20 sim nodes, 30 pods at 10\/s$/m, 'every create succeeded and every pod ran');

  const ready = measured(out, 'nodes Ready (20 in 2 processes)', 's');
  t.true(ready > 0 && ready < 90, `nodes Ready after ${ready} s`);
  const p50 = measured(out, 'pod startup p50 (30 pods at 10/s)', 'ms');
  const p99 = measured(out, 'pod startup p99 (create → Running, real time)', 'ms');
  t.true(Number.isFinite(p99) && p99 > 0 && p99 >= p50, `startup p50 ${p50} ms, p99 ${p99} ms`);
  t.true(Number.isFinite(measured(out, 'create → bound p99', 'ms')));
  for (const name of PROCESSES) {
    for (const when of ['idle', 'pod load']) {
      const cpu = measured(out, `${when}: ${name} CPU`, '% core');
      const rss = measured(out, `${when}: ${name} RSS${when === 'pod load' ? ' (peak)' : ''}`, 'MiB');
      t.true(cpu >= 0 && rss > 5, `${when}: ${name} CPU ${cpu} % core, RSS ${rss} MiB`);
    }
  }
  // The bench stops its children before it exits: nothing of its group outlives it.
  await waitFor(() => !groupAlive(bench.child.pid!), 'the bench process group to be empty', 10_000);
  t.pass();
});
