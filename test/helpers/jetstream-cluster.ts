// A 3-server NATS cluster with JetStream on loopback for one test: free ports, a temp store dir per server, killed in teardown.
import type { ExecutionContext } from 'ava';
import { join } from 'node:path';
import { startNatsServer, type NatsServer } from '../../runtime/nats-server.ts';
import { tempDir } from '../fixtures/store-helpers.ts';
import { freePort } from './containerd-node.ts';

/**
 * Starts three routed nats-servers with JetStream (`n0`..`n2`, cluster `name`); teardown kills them and
 * deletes their stores. The route ports are found free and bound a moment later: when another process
 * took one in between (a server exits: address already in use), the cluster starts again on new ports, once.
 */
export async function jetstreamCluster(t: ExecutionContext, name: string): Promise<NatsServer[]> {
  const root = await tempDir(t, `${name}-`);
  for (let attempt = 1; ; attempt++) {
    const routes = [await freePort(), await freePort(), await freePort()];
    const started = await Promise.allSettled(
      routes.map((port, i) =>
        startNatsServer({
          cluster: { name, port, routes: routes.filter((_, j) => j !== i).map((p) => `nats://127.0.0.1:${p}`) },
          config: [`server_name: n${i}`, `jetstream { store_dir: ${JSON.stringify(join(root, `${attempt}`, `n${i}`))} }`],
        }),
      ),
    );
    const servers = started.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    for (const s of servers) t.teardown(() => s.stop('SIGKILL'));
    const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (!failed) return servers;
    await Promise.all(servers.map((s) => s.stop('SIGKILL')));
    if (attempt > 1 || !/address already in use/.test(String((failed.reason as Error)?.message))) throw failed.reason;
    t.log(`a route port was taken before its server bound it; the cluster starts again on new ports`);
  }
}
