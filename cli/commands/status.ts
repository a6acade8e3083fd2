// `kubus status`: every component of the cluster, where it runs, whether it leads, its bus
// connection and its last heartbeat (the Lease it renews); then each API server replica with its
// store, cache revision and watches (several serve at once on a shared store).
import type { Command } from 'commander';
import type { Lease } from '../../api/kinds/lease.ts';
import { parseRfc3339 } from '../../api/names.ts';
import type { ApiClient } from '../../bus/client.ts';
import { APISERVER_STATS, STATUS_QUERY, statusReplies } from '../../bus/subjects.ts';
import type { Bus } from '../../bus/types.ts';
import type { ProcessStatus } from '../../runtime/status.ts';
import { withSession, type GlobalOptions } from '../context.ts';
import { countFlag } from '../flags.ts';
import { humanDuration, renderTable } from '../printers/index.ts';

/** What an API server replica answers on APISERVER_STATS (its ApiServerStats), as far as status shows it; older servers lack some. */
export interface ApiServerAnswer {
  server: string;
  host?: string;
  pid?: number;
  /** The store as `--store` names it. */
  store?: string;
  revision: number;
  watches: number;
}

/** What the processes and API servers on the bus answered within the wait. */
export interface ClusterStatus {
  processes: ProcessStatus[];
  apiservers: ApiServerAnswer[];
}

const isApiServerAnswer = (d: unknown): d is ApiServerAnswer => !!d && typeof d === 'object' && 'revision' in d && 'server' in d;

/** Asks every process (STATUS_QUERY) and every API server replica (APISERVER_STATS) at once; collects answers for `waitMs`. */
export async function gatherStatus(bus: Bus, waitMs: number): Promise<ClusterStatus> {
  const got: ClusterStatus = { processes: [], apiservers: [] };
  const inbox = statusReplies(bus);
  const sub = bus.subscribe(inbox, (m) => {
    if (isApiServerAnswer(m.data)) got.apiservers.push(m.data);
    else got.processes.push(m.data as ProcessStatus);
  });
  try {
    await bus.flush();
    bus.publish(STATUS_QUERY, {}, { reply: inbox });
    bus.publish(APISERVER_STATS, {}, { reply: inbox });
    await new Promise((r) => setTimeout(r, waitMs));
  } finally {
    sub.unsubscribe();
  }
  return got;
}

/** Returns the components table: one row per component of every process, with its heartbeat from the Leases. */
export async function componentsTable(client: ApiClient, processes: ProcessStatus[], now = Date.now()): Promise<string | undefined> {
  const leases = await client.list<Lease>('leases', { namespace: 'kube-system' }).then((l) => l.items, () => [] as Lease[]);
  const nodeLeases = await client.list<Lease>('leases', { namespace: 'kube-node-lease' }).then((l) => l.items, () => [] as Lease[]);
  const ago = (t: string | undefined) => (t ? `${humanDuration(Math.max(0, now - parseRfc3339(t)))} ago` : '<none>');
  const rows: string[][] = [];
  for (const p of [...processes].sort((a, b) => a.host.localeCompare(b.host) || a.pid - b.pid)) {
    for (const c of p.components) {
      let heartbeat = '-';
      if (c.identity) heartbeat = ago(leases.find((l) => l.metadata.name === c.name && l.spec?.holderIdentity === c.identity)?.spec?.renewTime);
      if (c.nodes) {
        const mine = nodeLeases.filter((l) => c.nodes!.includes(l.metadata.name!));
        heartbeat = ago(mine.map((l) => l.spec?.renewTime ?? '').sort().at(-1));
      }
      const leader = c.leader === undefined ? '-' : c.leader ? 'yes' : 'no (standby)';
      const name = c.count ? `${c.name} ×${c.count}` : c.name;
      rows.push([name, p.host, String(p.pid), leader, p.server || '-', humanDuration(now - Date.parse(p.startedAt)), heartbeat]);
    }
  }
  return rows.length ? renderTable(['COMPONENT', 'HOST', 'PID', 'LEADER', 'NATS', 'UP', 'HEARTBEAT'], rows) : undefined;
}

/** Returns the API servers table: each replica, where it runs, its store (as `--store` names it), cache revision and watches. */
export function apiServersTable(stats: ApiServerAnswer[]): string | undefined {
  if (!stats.length) return undefined;
  const rows = [...stats]
    .sort((a, b) => (a.host ?? '').localeCompare(b.host ?? '') || (a.pid ?? 0) - (b.pid ?? 0) || a.server.localeCompare(b.server))
    .map((s) => [s.server, s.host ?? '-', s.pid === undefined ? '-' : String(s.pid), s.store ?? '-', String(s.revision), String(s.watches)]);
  return renderTable(['API SERVER', 'HOST', 'PID', 'STORE', 'REVISION', 'WATCHES'], rows);
}

export function statusCommand(program: Command): void {
  program
    .command('status')
    .description('Show every running kubus component (host, pid, leader or not, NATS server, last heartbeat) and each API server replica with its store')
    .option('--wait <ms>', 'how long to collect answers', countFlag('--wait'), 1000)
    .action(async (o: { wait: number }) => {
      await withSession(program.opts<GlobalOptions>(), async ({ bus, client }) => {
        const { processes, apiservers } = await gatherStatus(bus, o.wait);
        const components = await componentsTable(client, processes);
        if (!components) {
          console.error('no kubus component answered: is the cluster running (kubus up), and is --nats right?');
          process.exitCode = 1;
          return;
        }
        const servers = apiServersTable(apiservers);
        process.stdout.write(servers ? `${components}\n${servers}` : components);
      });
    });
}
