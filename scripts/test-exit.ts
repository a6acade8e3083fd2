// The test workers' exit (package.json ava.require): once ava has run a file's tests, hooks and
// teardowns and handed its results over (results sent, worker freed, no unhandled rejection), the
// worker exits instead of waiting for whatever the code under test left armed (a keep-alive socket, a
// timer); measured: gateway-up-certs' worker lived on 10 s after its last result, holding one of the
// run's two concurrency slots. registerCompletionHandler is ava's public export; 'ava' can only be
// imported once the worker has made its runner, so this is an ava `require` module (loaded then, before
// the test file), not a --import preload (there, importing 'ava' fails its assertion that a runner
// exists and the worker dies). A .ts file: with extensions {ts: module}, ava would require() an .mjs.
// Exit handlers still run: nats-server.ts and test/helpers/proc.ts kill what is left of their children there.
// With KUBUS_TEST_TIMES=<file>, each worker appends a JSON line there as it exits: its test file, wall
// times (process start, this module loaded, done) and CPU (own and waited-for children's, ms); see
// scripts/test-times.mjs.
import { appendFileSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import process from 'node:process';
import { registerCompletionHandler } from 'ava';

const TIMES = process.env.KUBUS_TEST_TIMES;
const loaded = Date.now();

/** ms of CPU of the children this process has waited for (/proc/self/stat cutime + cstime, 100 Hz). */
function childrenCpuMs(): number {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[13]) + Number(fields[14])) * 10;
  } catch {
    return 0;
  }
}

function record(): void {
  if (!TIMES) return;
  const root = join(import.meta.dirname, '..');
  // ava's worker options (not exported by the package: required by path, the same module instance).
  const { file } = createRequire(import.meta.url)(join(root, 'node_modules', 'ava', 'lib', 'worker', 'options.cjs')).get();
  const cpu = process.cpuUsage();
  const line = {
    // A bundle (build/tests/test/x.test.mjs, see scripts/test-bundle.mjs) is named by its source.
    file: relative(root, file).replace(/^build\/tests\/(.*)\.mjs$/, '$1.ts'),
    start: Math.round(performance.timeOrigin),
    loaded,
    end: Date.now(),
    cpuMs: Math.round((cpu.user + cpu.system) / 1000),
    childCpuMs: childrenCpuMs(),
  };
  appendFileSync(TIMES, `${JSON.stringify(line)}\n`);
}

registerCompletionHandler(() => {
  record();
  process.exit();
});
