// `kubus status`: every component of the cluster, where it runs, whether it leads, its bus
// connection and its last heartbeat (the Lease it renews).
import type { Command } from 'commander';
import type { Lease } from '../../api/kinds/lease.ts';
import { parseRfc3339 } from '../../api/names.ts';
import { STATUS_QUERY, statusReplies } from '../../bus/subjects.ts';
import type { ProcessStatus } from '../../runtime/status.ts';
import { withSession, type GlobalOptions } from '../context.ts';
import { countFlag } from '../flags.ts';
import { humanDuration, renderTable } from '../printers/index.ts';

export function statusCommand(program: Command): void {
  program
    .command('status')
    .description('Show every running kubus component: host, pid, leader or not, NATS server, last heartbeat')
    .option('--wait <ms>', 'how long to collect answers', countFlag('--wait'), 1000)
    .action(async (o: { wait: number }) => {
      await withSession(program.opts<GlobalOptions>(), async ({ bus, client }) => {
        const answers: ProcessStatus[] = [];
        const inbox = statusReplies(bus.id);
        const sub = bus.subscribe<ProcessStatus>(inbox, (m) => answers.push(m.data));
        await bus.flush();
        bus.publish(STATUS_QUERY, {}, { reply: inbox });
        await new Promise((r) => setTimeout(r, o.wait));
        sub.unsubscribe();
        const now = Date.now();
        const leases = await client.list<Lease>('leases', { namespace: 'kube-system' }).then((l) => l.items, () => [] as Lease[]);
        const nodeLeases = await client.list<Lease>('leases', { namespace: 'kube-node-lease' }).then((l) => l.items, () => [] as Lease[]);
        const ago = (t: string | undefined) => (t ? `${humanDuration(Math.max(0, now - parseRfc3339(t)))} ago` : '<none>');
        const rows: string[][] = [];
        for (const p of answers.sort((a, b) => a.host.localeCompare(b.host) || a.pid - b.pid)) {
          for (const c of p.components) {
            let heartbeat = '-';
            if (c.identity) heartbeat = ago(leases.find((l) => l.metadata.name === c.name && l.spec?.holderIdentity === c.identity)?.spec?.renewTime);
            if (c.nodes) {
              const mine = nodeLeases.filter((l) => c.nodes!.includes(l.metadata.name!));
              const latest = mine.map((l) => l.spec?.renewTime ?? '').sort().at(-1);
              heartbeat = ago(latest);
            }
            const leader = c.leader === undefined ? '-' : c.leader ? 'yes' : 'no (standby)';
            const name = c.count ? `${c.name} ×${c.count}` : c.name;
            rows.push([name, p.host, String(p.pid), leader, p.server || '-', humanDuration(now - Date.parse(p.startedAt)), heartbeat]);
          }
        }
        if (!rows.length) {
          console.error('no kubus component answered: is the cluster running (kubus up), and is --nats right?');
          process.exitCode = 1;
          return;
        }
        process.stdout.write(renderTable(['COMPONENT', 'HOST', 'PID', 'LEADER', 'NATS', 'UP', 'HEARTBEAT'], rows));
      });
    });
}
