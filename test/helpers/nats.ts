// A real nats-server per test file, on a free loopback port, stopped at the end.
import type { ExecutionContext } from 'ava';
import { startNatsServer, type NatsServer, type NatsServerOptions } from '../../runtime/nats-server.ts';

/** Starts a nats-server for this test (or file) and stops it in teardown. */
export async function natsServer(t: ExecutionContext, opts?: NatsServerOptions): Promise<NatsServer> {
  const s = await startNatsServer(opts);
  t.teardown(() => s.stop('SIGKILL'));
  return s;
}
