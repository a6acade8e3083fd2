// A 3-server NATS cluster with JetStream on loopback for one test: free ports, a temp store dir per server, killed in teardown.
import type { ExecutionContext } from 'ava';
import { join } from 'node:path';
import { startNatsServer, type NatsServer } from '../../runtime/nats-server.ts';
import { tempDir } from '../fixtures/store-helpers.ts';
import { freePort } from './containerd-node.ts';

/** Starts three routed nats-servers with JetStream (`n0`..`n2`, cluster `name`); teardown kills them and deletes their stores. */
export async function jetstreamCluster(t: ExecutionContext, name: string): Promise<NatsServer[]> {
  const root = await tempDir(t, `${name}-`);
  const routes = [await freePort(), await freePort(), await freePort()];
  return Promise.all(
    routes.map(async (port, i) => {
      const s = await startNatsServer({
        cluster: { name, port, routes: routes.filter((_, j) => j !== i).map((p) => `nats://127.0.0.1:${p}`) },
        config: [`server_name: n${i}`, `jetstream { store_dir: ${JSON.stringify(join(root, `n${i}`))} }`],
      });
      t.teardown(() => s.stop('SIGKILL'));
      return s;
    }),
  );
}
