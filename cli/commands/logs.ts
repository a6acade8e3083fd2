// `kubus logs POD|pod/NAME|deploy/NAME|job/NAME [-c C] [-f] [--previous] [--tail N]`: a container's
// log read from its node's kubelet over the bus; a deployment or job picks one of its pods as kubectl does.
import type { Command } from 'commander';
import type { Pod } from '../../api/kinds/pod.ts';
import type { KubeObject } from '../../api/meta.ts';
import type { LogChunk, LogReply, LogRequest, LogStop } from '../../api/node-protocol.ts';
import { StatusError } from '../../api/status.ts';
import type { ApiClient } from '../../bus/client.ts';
import { realClock } from '../../bus/clock.ts';
import { logStream, nodeLogs, nodeLogsStop, nodePeer, sessionId } from '../../bus/subjects.ts';
import { askKubelet, keepFollowing, validateContainer } from '../../actors/gateway/node-proxy.ts';
import { UsageError, withSession, type GlobalOptions } from '../context.ts';
import { clusterLogs, type ClusterLogFlags } from './logs-cluster.ts';

export interface LogsOptions {
  namespace: string;
  container?: string;
  follow?: boolean;
  previous?: boolean;
  tail?: number;
}

/** The kinds whose pods `logs` reads, by the names kubectl accepts. */
const OWNERS: Record<string, string> = { deploy: 'deployments', deployment: 'deployments', deployments: 'deployments', job: 'jobs', jobs: 'jobs', rs: 'replicasets', replicaset: 'replicasets', sts: 'statefulsets', statefulset: 'statefulsets', ds: 'daemonsets', daemonset: 'daemonsets' };

const PHASE_RANK: Record<string, number> = { Pending: 0, Unknown: 1, Running: 2 };
const ready = (p: Pod) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

/** Orders pods as kubectl's ByLogging: assigned, running, ready, older first. */
export function byLogging(a: Pod, b: Pod): number {
  return (
    Number(!a.spec.nodeName) - Number(!b.spec.nodeName) ||
    (PHASE_RANK[b.status?.phase ?? ''] ?? 0) - (PHASE_RANK[a.status?.phase ?? ''] ?? 0) ||
    Number(ready(b)) - Number(ready(a)) ||
    Date.parse(a.metadata.creationTimestamp ?? '') - Date.parse(b.metadata.creationTimestamp ?? '')
  );
}

/** Returns the pod a target names: the pod itself, or the first of a controller's pods by kubectl's order; `note` is kubectl's "Found N pods" line. */
export async function resolvePod(client: ApiClient, target: string, namespace: string): Promise<{ pod: Pod; note?: string }> {
  const [kind, name] = target.includes('/') ? target.split('/', 2) : ['pod', target];
  if (kind === 'pod' || kind === 'pods' || kind === 'po') return { pod: await client.get<Pod>('pods', name, { namespace }) };
  const plural = OWNERS[kind.toLowerCase().split('.')[0]];
  if (!plural) throw new UsageError(`cannot get the logs of a ${kind}: use a pod, deploy/NAME or job/NAME`);
  const owner = await client.get<KubeObject & { spec: { selector?: { matchLabels?: Record<string, string> } } }>(plural, name, { namespace });
  const labels = owner.spec.selector?.matchLabels ?? {};
  const labelSelector = Object.entries(labels).map(([k, v]) => `${k}=${v}`).join(',');
  const pods = (await client.list<Pod>('pods', { namespace, labelSelector })).items.sort(byLogging);
  if (!pods.length) throw new StatusError(404, 'NotFound', `timed out waiting for the condition`);
  return { pod: pods[0], note: pods.length > 1 ? `Found ${pods.length} pods, using pod/${pods[0].metadata.name}` : undefined };
}

/** Writes the container's log to `out`; with follow, until the container ends (or the returned promise's caller stops the process). */
export async function logs(client: ApiClient, target: string, o: LogsOptions, out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<void> {
  const { pod, note } = await resolvePod(client, target, o.namespace);
  if (note) err.write(`${note}\n`);
  const name = pod.metadata.name ?? '';
  const container = validateContainer(o.container ?? (pod.spec.containers.length > 1 ? pod.spec.containers[0].name : ''), pod);
  const node = pod.spec.nodeName;
  if (!node) throw new StatusError(400, 'BadRequest', `pod ${name} does not have a host assigned`);
  const req: LogRequest = { namespace: o.namespace, name, uid: pod.metadata.uid, container, previous: o.previous, tailLines: o.tail !== undefined && o.tail >= 0 ? o.tail : undefined };
  const write = (lines: { text: string }[]) => lines.forEach((l) => out.write(`${l.text}\n`));
  if (!o.follow || o.previous) return write((await askKubelet<LogReply>(client, node, nodeLogs(node), req)).lines);
  const subject = logStream(client.bus, sessionId(), nodePeer(client.bus, node));
  // Chunks that come before the reply wait for it (the reply holds the lines before them).
  let held: LogChunk[] | undefined = [];
  let finished!: () => void;
  const done = new Promise<void>((r) => (finished = r));
  const take = (c: LogChunk) => {
    write(c.lines ?? []);
    if (c.end) finished();
  };
  const sub = client.bus.subscribe<LogChunk>(subject, (m) => (held ? held.push(m.data) : take(m.data)));
  let stopAlive = () => {};
  try {
    write((await askKubelet<LogReply>(client, node, nodeLogs(node), { ...req, follow: subject })).lines);
    for (const c of held.splice(0)) take(c);
    held = undefined;
    stopAlive = keepFollowing(client, realClock, node, subject, finished);
    const stop = () => finished();
    process.once('SIGINT', stop);
    await done;
    process.removeListener('SIGINT', stop);
  } finally {
    stopAlive();
    sub.unsubscribe();
    client.bus.publish(nodeLogsStop(node), { follow: subject } satisfies LogStop);
  }
}

/** Returns the cluster log read of a pod that is gone: its stored lines only (as kubectl, no follow: nothing more comes), prefixed with every container. */
export const gonePodFlags = (o: LogsOptions & ClusterLogFlags): ClusterLogFlags => ({ ...o, follow: false, prefix: !!o.allContainers });

export function logsCommand(program: Command): void {
  program
    .command('logs')
    .description('Print the log of a container of a pod (or of one pod of a deployment or job); with -l, the lines of every matching pod on every node, gone pods too, from the cluster log stream')
    .argument('[target]', 'POD, pod/NAME, deploy/NAME or job/NAME (not with -l)')
    .option('-c, --container <name>', 'the container (default: the pod’s only one, else its first)')
    .option('-f, --follow', 'keep printing new lines until the container ends (with -l: until interrupted)')
    .option('-p, --previous', 'the previous instance of the container (before its last restart)')
    .option('--tail <n>', 'only the last N lines (with -l: of each container; default with -l: every line, unlike kubectl\'s 10)', (v) => Number(v))
    .option('-n, --namespace <ns>', 'namespace', 'default')
    .option('-l, --selector <selector>', 'read the cluster log stream: lines of every pod these labels match (e.g. app=web,tier!=db)')
    .option('-A, --all-namespaces', 'with -l: pods of every namespace')
    .option('--since <duration>', 'with -l (or a pod that is gone): only lines of the last DURATION (e.g. 10m, 1h)')
    .option('--since-time <time>', 'with -l: only lines from this RFC 3339 time on')
    .option('--all-containers', 'with -l: every container of each pod (default: its default container)')
    .option('--prefix', 'with -l: start each line with [pod/NAME/CONTAINER] (the default with -l)')
    .option('--no-prefix', 'with -l: print the bare lines')
    .action(async (target: string | undefined, o: LogsOptions & ClusterLogFlags) => {
      const g = program.opts<GlobalOptions>();
      if (o.selector !== undefined) {
        if (target) throw new UsageError('give either a pod (or deploy/NAME, job/NAME) or -l SELECTOR, not both');
        if (o.previous) throw new UsageError('--previous reads a kubelet: give a pod, not -l');
        if (o.tail !== undefined && o.tail >= 0 && o.follow) throw new UsageError('--tail with -l -f is not supported: use --since to start a follow later');
        await withSession(g, ({ bus }) => clusterLogs(bus, o, process.stdout));
        return;
      }
      if (!target) throw new UsageError('give a pod (POD, pod/NAME, deploy/NAME, job/NAME) or -l SELECTOR');
      await withSession(g, async ({ client, bus }) => {
        try {
          await logs(client, target, o, process.stdout, process.stderr);
        } catch (err) {
          // A pod that is gone: its lines are still in the cluster log stream.
          const name = /^(?:pods?|po)\/(.+)$/.exec(target)?.[1] ?? (target.includes('/') ? undefined : target);
          if (!(err instanceof StatusError) || err.code !== 404 || !name || o.previous) throw err;
          const n = await clusterLogs(bus, gonePodFlags(o), process.stdout, name).catch(() => 0);
          if (!n) throw err;
        }
      });
    });
}
