// A 3-server NATS cluster across harness hosts: one nats-server per host (client port 4222,
// routes on 6222, monitoring on 8222), with routes between all of them; optionally with JetStream
// (clustered: each server keeps its store in a folder of its own).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ExecutionContext } from 'ava';
import { startNatsServer, type NatsServer } from '../../runtime/nats-server.ts';
import { waitFor } from '../helpers/wait.ts';
import type { TestHost } from './harness.ts';

export interface NatsCluster {
  servers: NatsServer[];
  hosts: TestHost[];
  /** Client URLs of every server, comma-separated (what `--nats` takes). */
  urls: string;
  /** Resolves once every running server has routes to all the other running ones. */
  waitForRoutes(timeoutMs?: number): Promise<void>;
  /** Resolves once a server names a JetStream meta leader (JetStream only): streams can be made. */
  metaLeader(timeoutMs?: number): Promise<void>;
  /**
   * The message IDs (Nats-Msg-Id) in server `i`'s copy of `stream` on disk, in stored order (JetStream only; a
   * diagnostic read of its block files, removed messages included until their block is compacted).
   */
  storedMsgIds(i: number, stream: string): string[];
  /** Index of the server holding a client connection with a subscription on `subject` (e.g. the API server's). */
  serverWithSubscription(subject: string): Promise<number>;
}

interface Routez {
  num_routes: number;
}
interface Jsz {
  meta_cluster?: { leader?: string };
}
interface Connz {
  connections?: Array<{ name?: string; subscriptions_list?: string[] }>;
}

/** Returns the JSON of a monitoring endpoint (`/routez`, `/jsz`...) of the nats-server on `h`. */
export const monitor = async <T>(h: TestHost, path: string): Promise<T> => {
  const r = await fetch(`http://${h.ip}:8222${path}`, { signal: AbortSignal.timeout(2000) });
  return (await r.json()) as T;
};

export interface NatsClusterOptions {
  /** Enables JetStream, each server storing under `<jetstream>/<host name>` (kept across restarts). */
  jetstream?: string;
  /** More lines of every server's config. */
  config?: string[];
}

/** Starts one nats-server on each host and waits until the routes between them are up. */
export async function natsCluster(t: ExecutionContext, hosts: TestHost[], opts: NatsClusterOptions = {}): Promise<NatsCluster> {
  const servers = await Promise.all(
    hosts.map((h) =>
      startNatsServer({
        netns: h.name,
        host: h.ip,
        port: 4222,
        cluster: { name: 'kubus', port: 6222, routes: hosts.filter((o) => o !== h).map((o) => `nats-route://${o.ip}:6222`) },
        config: [`server_name: ${h.name}`, `http: "${h.ip}:8222"`, ...(opts.jetstream ? [`jetstream { store_dir: "${opts.jetstream}/${h.name}" }`] : []), ...(opts.config ?? [])],
      }),
    ),
  );
  t.teardown(() => Promise.all(servers.map((s) => s.stop('SIGKILL'))));
  const alive = () => hosts.filter((_, i) => servers[i].pid !== undefined && isRunning(servers[i].pid!));
  const cluster: NatsCluster = {
    servers,
    hosts,
    urls: hosts.map((h) => `nats://${h.ip}:4222`).join(','),
    async waitForRoutes(timeoutMs = 15_000) {
      await waitFor(
        async () => {
          const up = alive();
          const routes = await Promise.all(up.map((h) => monitor<Routez>(h, '/routez')));
          return routes.every((r) => r.num_routes >= up.length - 1);
        },
        'NATS routes between all servers',
        timeoutMs,
        100,
      );
    },
    async metaLeader(timeoutMs = 20_000) {
      await waitFor(async () => (await Promise.all(alive().map((h) => monitor<Jsz>(h, '/jsz').catch(() => ({}) as Jsz)))).some((j) => j.meta_cluster?.leader), 'a JetStream meta leader', timeoutMs, 100);
    },
    storedMsgIds(i, stream) {
      const accounts = join(opts.jetstream ?? '', hosts[i].name, 'jetstream');
      if (!opts.jetstream || !existsSync(accounts)) return [];
      const ids: string[] = [];
      for (const account of readdirSync(accounts)) {
        const dir = join(accounts, account, 'streams', stream, 'msgs');
        if (!existsSync(dir)) continue;
        const blocks = readdirSync(dir).filter((f) => f.endsWith('.blk')).sort((a, b) => parseInt(a) - parseInt(b));
        for (const b of blocks) for (const m of readFileSync(join(dir, b), 'latin1').matchAll(/Nats-Msg-Id:\s*([\w-]+)/g)) ids.push(m[1]);
      }
      return ids;
    },
    async serverWithSubscription(subject) {
      return waitFor(
        async () => {
          for (const [i, h] of hosts.entries()) {
            if (!alive().includes(h)) continue;
            const c = await monitor<Connz>(h, '/connz?subs=1&limit=1024');
            if ((c.connections ?? []).some((x) => (x.subscriptions_list ?? []).some((s) => s.startsWith(subject)))) return i + 1;
          }
          return 0;
        },
        `a NATS connection subscribed to ${subject}`,
        10_000,
        100,
      ).then((i) => i - 1);
    },
  };
  await cluster.waitForRoutes();
  return cluster;
}

const isRunning = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
