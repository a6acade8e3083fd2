// The control plane's making of the cluster log stream (runtime/cluster-logs.ts startLogStream) over
// real nats-servers: made where there is JetStream; said to be off within a second where there is
// none, a routed cluster included (nobody answers there: the default 5 s request timeout was waited out).
import test from 'ava';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLogStream } from '../runtime/cluster-logs.ts';
import { startNatsServer } from '../runtime/nats-server.ts';
import { freePort } from './helpers/containerd-node.ts';
import { natsServer } from './helpers/nats.ts';

const retention = { maxAgeMs: 60_000, maxBytes: 1 << 20 };

test('cluster logs - the control plane makes the log stream on a nats-server with JetStream', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'kubus-logstream-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const nats = await natsServer(t, { config: [`jetstream { store_dir: ${JSON.stringify(dir)} }`] });
  const r = await startLogStream(nats.url, null, retention);
  t.true(r.ok, r.message);
  t.regex(r.message, /cluster logs in stream \S+ \(max age 60s/);
});

test('cluster logs - a routed NATS cluster without JetStream: logging off within a second, saying how to turn it on', async (t) => {
  const routes = [await freePort(), await freePort()];
  const servers = await Promise.all(
    routes.map(async (port, i) => {
      const s = await startNatsServer({ cluster: { name: 'nojs', port, routes: routes.filter((_, j) => j !== i).map((p) => `nats://127.0.0.1:${p}`) }, config: [`server_name: nojs${i}`] });
      t.teardown(() => s.stop('SIGKILL'));
      return s;
    }),
  );
  const t0 = performance.now();
  const r = await startLogStream(servers.map((s) => s.url).join(','), null, retention);
  t.log(`answered in ${(performance.now() - t0).toFixed(0)} ms`);
  t.false(r.ok);
  // Without the server's INFO read, this was the 5 s request timeout's message.
  t.regex(r.message, /cluster logs off: .*runs without JetStream, and none was reached \(timeout\).*run nats-server with JetStream \(-js\)/);
});
