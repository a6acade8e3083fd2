// `kubus port-forward POD [LOCAL:]REMOTE...`: local TCP ports that reach ports of a pod, each
// connection a session with the kubelet of the pod's node (CRI PortForward), over the bus.
import type { Command } from 'commander';
import { createServer, type Server, type Socket } from 'node:net';
import type { Pod } from '../../api/kinds/pod.ts';
import { StatusError } from '../../api/status.ts';
import type { ApiClient } from '../../bus/client.ts';
import { openNodeStream } from '../../bus/stream-client.ts';
import { UsageError, withSession, type GlobalOptions } from '../context.ts';

/** Parses `8080:80`, `:80` (any free local port) or `80` (the same port locally). */
export function parsePorts(spec: string): { local: number; remote: number } {
  const m = /^(\d*):?(\d+)$/.exec(spec);
  const [local, remote] = m ? [spec.includes(':') ? Number(m[1] || 0) : Number(m[2]), Number(m[2])] : [NaN, NaN];
  if (!(local >= 0 && local < 65536 && remote > 0 && remote < 65536)) throw new UsageError(`invalid port mapping ${JSON.stringify(spec)}: want [LOCAL:]REMOTE`);
  return { local, remote };
}

/** Relays one local connection to the pod's port until either side ends. */
async function relay(client: ApiClient, pod: Pod, port: number, sock: Socket, err: NodeJS.WritableStream): Promise<void> {
  sock.pause();
  const node = pod.spec.nodeName!;
  const req = { kind: 'portforward' as const, namespace: pod.metadata.namespace ?? 'default', name: pod.metadata.name ?? '', uid: pod.metadata.uid, container: pod.spec.containers[0].name };
  const session = await openNodeStream(client.bus, node, { ...req, command: [], port, stdin: true, stdout: true, stderr: false, tty: false }, {
    frame: (ch, data) => (ch === 0 ? sock.write(data) : err.write(`error forwarding port ${port} to pod ${pod.metadata.name}: ${data.toString('utf8')}\n`)),
    end: () => sock.end(),
  });
  if (!session) throw new StatusError(400, 'BadRequest', `the runtime of node "${node}" cannot forward ports (sim pods have no network)`);
  sock.on('data', (d: Buffer) => session.send(0, d));
  sock.on('close', () => session.end());
  sock.on('error', () => session.end());
  sock.resume();
}

/** Listens on 127.0.0.1 for each mapping; returns the servers and the ports they got. */
export async function portForward(client: ApiClient, podName: string, specs: string[], namespace: string, err: NodeJS.WritableStream): Promise<{ servers: Server[]; lines: string[] }> {
  const pod = await client.get<Pod>('pods', podName, { namespace });
  if (pod.status?.phase !== 'Running') throw new StatusError(400, 'BadRequest', `unable to forward port because pod is not running. Current status=${pod.status?.phase ?? 'Pending'}`);
  const servers: Server[] = [];
  const lines: string[] = [];
  for (const { local, remote } of specs.map(parsePorts)) {
    const server = createServer((sock) => relay(client, pod, remote, sock, err).catch((e: unknown) => (err.write(`${(e as Error).message}\n`), sock.destroy())));
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(local, '127.0.0.1', resolve));
    servers.push(server);
    lines.push(`Forwarding from 127.0.0.1:${(server.address() as { port: number }).port} -> ${remote}`);
  }
  return { servers, lines };
}

export function portForwardCommand(program: Command): void {
  program
    .command('port-forward')
    .description('Forward local ports to ports of a pod (until Ctrl-C)')
    .argument('<pod>', 'the pod (NAME or pod/NAME)')
    .argument('<ports...>', '[LOCAL:]REMOTE, e.g. 8080:80')
    .option('-n, --namespace <ns>', 'namespace', 'default')
    .action(async (pod: string, ports: string[], o: { namespace: string }) => {
      await withSession(program.opts<GlobalOptions>(), async ({ client }) => {
        const { servers, lines } = await portForward(client, pod.replace(/^pods?\//, ''), ports, o.namespace, process.stderr);
        for (const l of lines) console.log(l);
        await new Promise<void>((resolve) => process.once('SIGINT', resolve).once('SIGTERM', resolve));
        for (const s of servers) s.close();
      });
    });
}
