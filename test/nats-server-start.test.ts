// startNatsServer's readiness: a blocked event loop does not fail a server that is ready, and a
// failure explains itself (command line, config, pid state, both outputs).
import test from 'ava';
import { once } from 'node:events';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from '@nats-io/transport-node';
import { startNatsServer } from '../runtime/nats-server.ts';

/** Starts with `NATS_SERVER` set to `bin` (read synchronously at the start, so restored at once). */
function startWith(bin: string, opts: Parameters<typeof startNatsServer>[0]) {
  const before = process.env.NATS_SERVER;
  process.env.NATS_SERVER = bin;
  try {
    return startNatsServer(opts);
  } finally {
    if (before === undefined) delete process.env.NATS_SERVER;
    else process.env.NATS_SERVER = before;
  }
}

function fakeServer(t: import('ava').ExecutionContext, script: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'kubus-fake-nats-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const bin = join(dir, 'nats-server');
  writeFileSync(bin, `#!/bin/sh\n${script}\n`);
  chmodSync(bin, 0o755);
  return bin;
}

const gone = (pid: number) => {
  try {
    process.kill(pid, 0);
    return false;
  } catch {
    return true;
  }
};

test('a server that became ready while the event loop was blocked past the limit is ready, not timed out', async (t) => {
  // The limit counts the server's real start too (seconds at load ~25), so it is 5 s and the loop
  // stays blocked 8 s (as a test's spawnSync does), from before the server could write a line until
  // after it has: the output waits unread in the pipe when the limit is due.
  const started = startNatsServer({ readyTimeoutMs: 5000 });
  const end = Date.now() + 8000;
  while (Date.now() < end);
  const s = await started;
  t.teardown(() => s.stop('SIGKILL'));
  const nc = await connect({ servers: s.url });
  t.truthy(nc.info?.server_id);
  await nc.close();
});

test('a server that never becomes ready fails with its command, config, pid state and both outputs, and is killed', async (t) => {
  const bin = fakeServer(t, 'echo "on stdout"; echo "on stderr" >&2; exec sleep 60');
  const err = await t.throwsAsync(startWith(bin, { readyTimeoutMs: 2000, config: ['# marker-line'] }));
  const m = err!.message;
  t.regex(m, /^nats-server did not become ready within 2000 ms \(\d+ ms since it was started\)/);
  t.true(m.includes(`command: `) && m.includes(`${bin} -c `), m);
  t.regex(m, /config: listen: "127\.0\.0\.1:-1"; max_payload: 8MB; # marker-line/);
  t.regex(m, /pid \d+: alive, state [RSD]; killed now/);
  t.regex(m, /stderr \(10 chars\):\non stderr\n/);
  t.regex(m, /stdout \(10 chars\):\non stdout\n/);
  t.true(gone(Number(/pid (\d+)/.exec(m)![1])), 'the hung server was killed');
});

test('a server that exits before it is ready fails with its exit code and its whole output', async (t) => {
  const err = await t.throwsAsync(startNatsServer({ config: ['nonsense {{{'] }));
  const m = err!.message;
  t.regex(m, /^nats-server exited before it was ready/);
  t.regex(m, /pid \d+: exited \(code 1, signal null\)/);
  t.regex(m, /Parse error on line \d+/);
});

test('a clustered server is ready only once its route port is bound: a taken one fails the start, naming it', async (t) => {
  // nats-server 2.9 logs "Server is ready" before it binds the route port, then exits when it cannot.
  const taken = createServer().listen(0, '127.0.0.1');
  await once(taken, 'listening');
  t.teardown(() => void taken.close());
  const port = (taken.address() as AddressInfo).port;
  const err = await t.throwsAsync(startNatsServer({ cluster: { name: 'c', port, routes: ['nats://127.0.0.1:1'] } }));
  t.regex(err!.message, /^nats-server exited before it was ready/);
  t.regex(err!.message, new RegExp(`Error listening on router port: ${port} .*address already in use`));
});
