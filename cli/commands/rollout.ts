// `kubus rollout status|history|undo|pause|resume|restart deployment NAME`, with kubectl's
// messages. undo is client-side, as kubectl's: the Deployment gets the old ReplicaSet's template.
import type { Command } from 'commander';
import type { Deployment } from '../../api/kinds/deployment.ts';
import type { ReplicaSet } from '../../api/kinds/replicaset.ts';
import { rfc3339 } from '../../api/names.ts';
import type { ResourceDef } from '../../api/resource.ts';
import { labelSelectorMatcher } from '../../api/selectors.ts';
import { annotationsForRollback } from '../../actors/controllers/deployment/annotations.ts';
import { CHANGE_CAUSE, HASH_LABEL, TIMED_OUT } from '../../actors/controllers/deployment/constants.ts';
import { equalIgnoreHash, revisionOf } from '../../actors/controllers/deployment/deployment.util.ts';
import { realClock, type Clock } from '../../bus/clock.ts';
import type { ApiClient } from '../../bus/client.ts';
import { describePodTemplate } from '../printers/describe-containers.ts';
import { DescribeWriter } from '../printers/describe-writer.ts';
import { DESCRIBE_TABWRITER, tabify } from '../printers/tabwriter.ts';
import { UsageError, withSession, type GlobalOptions } from '../context.ts';
import { refName, resolveResource } from '../resources.ts';

/** Returns [kind, name] pairs from `TYPE NAME...` or `TYPE/NAME...` (kubectl's resource arguments). */
export function resourceArgs(args: readonly string[]): Array<{ def: ResourceDef; name: string }> {
  if (args.length === 0) throw new UsageError('you must specify the type of resource and its name (e.g. deployment/web)');
  if (args.every((a) => a.includes('/')))
    return args.map((a) => {
      const [kind, name] = a.split('/', 2);
      return { def: resolveResource(kind), name };
    });
  if (args.some((a) => a.includes('/'))) throw new UsageError('there is no need to specify a resource type as a separate argument when passing arguments in resource/name form');
  const [kind, ...names] = args;
  if (names.length === 0) throw new UsageError(`you must specify the name of the ${kind}`);
  const def = resolveResource(kind);
  return names.map((name) => ({ def, name }));
}

const deploymentOnly = (def: ResourceDef, what: string) => {
  if (def.kind !== 'Deployment') throw new UsageError(`no ${what} has been implemented for ${def.kind} (only deployments)`);
};

/** Returns kubectl's rollout status line for a Deployment and whether the rollout is done; throws on a deadline or revision mismatch. */
export function deploymentStatusMessage(d: Deployment, revision = 0): { message: string; done: boolean } {
  const name = d.metadata.name;
  if (revision > 0 && revision !== revisionOf(d)) throw new Error(`desired revision (${revision}) is different from the running revision (${revisionOf(d)})`);
  const s = d.status ?? {};
  if ((d.metadata.generation ?? 0) > (s.observedGeneration ?? 0)) return { message: 'Waiting for deployment spec update to be observed...', done: false };
  if (s.conditions?.find((c) => c.type === 'Progressing')?.reason === TIMED_OUT) throw new Error(`deployment "${name}" exceeded its progress deadline`);
  const want = d.spec.replicas ?? 1;
  const [updated, replicas, available] = [s.updatedReplicas ?? 0, s.replicas ?? 0, s.availableReplicas ?? 0];
  if (updated < want) return { message: `Waiting for deployment "${name}" rollout to finish: ${updated} out of ${want} new replicas have been updated...`, done: false };
  if (replicas > updated) return { message: `Waiting for deployment "${name}" rollout to finish: ${replicas - updated} old replicas are pending termination...`, done: false };
  if (available < updated) return { message: `Waiting for deployment "${name}" rollout to finish: ${available} of ${updated} updated replicas are available...`, done: false };
  return { message: `deployment "${name}" successfully rolled out`, done: true };
}

export interface StatusOptions {
  namespace: string;
  watch?: boolean;
  /** 0: wait forever. */
  timeoutMs?: number;
  revision?: number;
  clock?: Clock;
}

/** Prints status lines until the rollout is done (kubectl rollout status); throws on a deadline, deletion or timeout. */
export async function rolloutStatus(client: ApiClient, name: string, opts: StatusOptions, out: (line: string) => void): Promise<void> {
  const clock = opts.clock ?? realClock;
  const first = deploymentStatusMessage(await client.get<Deployment>('deployments', name, { namespace: opts.namespace }), opts.revision);
  // When watching, the watch's first (ADDED) event prints the current state, as kubectl's list+watch.
  if (first.done || opts.watch === false) return out(first.message);
  await new Promise<void>((resolve, reject) => {
    let timer: unknown;
    let settled = false;
    const end = (err?: unknown) => {
      if (settled) return;
      settled = true;
      clock.clearTimeout(timer);
      void stop.then((w) => w.stop());
      if (err) reject(err);
      else resolve();
    };
    if (opts.timeoutMs) timer = clock.setTimeout(() => end(new Error('timed out waiting for the condition')), opts.timeoutMs);
    const stop = client.watch('deployments', { namespace: opts.namespace, fieldSelector: `metadata.name=${name}` }, {
      event: (ev) => {
        if (ev.type === 'DELETED') return end(new Error('object has been deleted'));
        if (ev.type !== 'ADDED' && ev.type !== 'MODIFIED') return;
        try {
          const s = deploymentStatusMessage(ev.object as Deployment, opts.revision);
          out(s.message);
          if (s.done) end();
        } catch (err) {
          end(err);
        }
      },
      end: (reason, status) => end(new Error(`the watch ended (${reason}${status ? `: ${status.message}` : ''})`)),
    });
    stop.catch(end);
  });
}

/** Returns the ReplicaSets a Deployment controls (kubectl's GetAllReplicaSets). */
async function replicaSetsOf(client: ApiClient, d: Deployment): Promise<ReplicaSet[]> {
  const all = await client.list<ReplicaSet>('replicasets', { namespace: d.metadata.namespace });
  const matches = labelSelectorMatcher(d.spec.selector);
  return all.items.filter((rs) => matches(rs.metadata.labels) && rs.metadata.ownerReferences?.some((r) => r.controller && r.uid === d.metadata.uid));
}

/** Returns kubectl's rollout history text for a Deployment (a table of revisions, or one revision's pod template). */
export async function rolloutHistory(client: ApiClient, name: string, namespace: string, revision = 0): Promise<string> {
  const d = await client.get<Deployment>('deployments', name, { namespace });
  const history = new Map<number, ReplicaSet>();
  for (const rs of await replicaSetsOf(client, d)) if (!Number.isNaN(revisionOf(rs))) history.set(revisionOf(rs), rs);
  if (history.size === 0) return 'No rollout history found.\n';
  const ref = `deployment.apps/${name}`;
  if (revision > 0) {
    const rs = history.get(revision);
    if (!rs) throw new Error('unable to find the specified revision');
    const w = new DescribeWriter();
    const template = structuredClone(rs.spec.template);
    const cause = rs.metadata.annotations?.[CHANGE_CAUSE];
    if (cause) template.metadata = { ...template.metadata, annotations: { ...template.metadata?.annotations, [CHANGE_CAUSE]: cause } };
    describePodTemplate(w, template);
    return `${ref} with revision #${revision}\n${w.toString()}\n`;
  }
  const rows = [...history.keys()].sort((a, b) => a - b).map((r) => `${r}\t${history.get(r)!.metadata.annotations?.[CHANGE_CAUSE] || '<none>'}`);
  return `${ref} \n${tabify(['REVISION\tCHANGE-CAUSE', ...rows].join('\n') + '\n', DESCRIBE_TABWRITER)}\n`;
}

/** Rolls a Deployment back to a revision (0: the previous one) as kubectl does; returns kubectl's message. */
export async function rolloutUndo(client: ApiClient, name: string, namespace: string, toRevision = 0): Promise<string> {
  if (toRevision < 0) throw new Error(`unable to find specified revision ${toRevision} in history`);
  const d = await client.get<Deployment>('deployments', name, { namespace });
  const rss = await replicaSetsOf(client, d);
  let target: ReplicaSet | undefined;
  if (toRevision > 0) {
    target = rss.find((rs) => revisionOf(rs) === toRevision);
    if (!target) throw new Error(`unable to find specified revision ${toRevision} in history`);
  } else {
    const byRevision = rss.filter((rs) => !Number.isNaN(revisionOf(rs))).sort((a, b) => revisionOf(b) - revisionOf(a));
    target = byRevision[1];
    if (!target) throw new Error(`no rollout history found for deployment "${name}"`);
  }
  if (d.spec.paused) throw new Error("you cannot rollback a paused deployment; resume it first with 'kubus rollout resume' and try again");
  const revision = revisionOf(target);
  if (equalIgnoreHash(target.spec.template, d.spec.template)) return `deployment.apps/${name} skipped rollback (current template already matches revision ${revision})`;
  const template = structuredClone(target.spec.template);
  if (template.metadata?.labels) delete template.metadata.labels[HASH_LABEL];
  const patch = [
    { op: 'replace', path: '/spec/template', value: template },
    { op: 'add', path: '/metadata/annotations', value: annotationsForRollback(d, target) },
  ];
  try {
    await client.patch('deployments', name, patch, { namespace, type: 'json' });
  } catch (err) {
    throw new Error(`failed restoring revision ${revision}: ${(err as Error).message}`);
  }
  return `deployment.apps/${name} rolled back`;
}

/** Pauses, resumes or restarts a Deployment; returns kubectl's message or throws its error. */
export async function rolloutSet(client: ApiClient, verb: 'pause' | 'resume' | 'restart', name: string, namespace: string, now = Date.now()): Promise<string> {
  const d = await client.get<Deployment>('deployments', name, { namespace });
  const paused = !!d.spec.paused;
  if (verb === 'pause' && paused) throw new Error(`deployments.apps "${name}" is already paused`);
  if (verb === 'resume' && !paused) throw new Error(`deployments.apps "${name}" is not paused`);
  if (verb === 'restart' && paused) throw new Error("can't restart paused deployment (run rollout resume first)");
  const patch =
    verb === 'restart'
      ? { spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': rfc3339(now) } } } } }
      : { spec: { paused: verb === 'pause' ? true : null } };
  await client.patch('deployments', name, patch, { namespace });
  return `deployment.apps/${name} ${verb === 'pause' ? 'paused' : verb === 'resume' ? 'resumed' : 'restarted'}`;
}

export function rolloutCommand(program: Command): void {
  const rollout = program.command('rollout').description('Manage the rollout of a deployment (status, history, undo, pause, resume, restart)');
  const each = async (args: string[], what: string, fn: (client: ApiClient, name: string) => Promise<void>) => {
    const targets = resourceArgs(args);
    for (const t of targets) deploymentOnly(t.def, what);
    await withSession(program.opts<GlobalOptions>(), async ({ client }) => {
      for (const t of targets) await fn(client, t.name);
    });
  };
  rollout
    .command('status')
    .description('Watch a rollout until it finishes (non-zero exit when its progress deadline is exceeded)')
    .argument('<resource...>', 'deployment NAME or deployment/NAME')
    .option('-n, --namespace <ns>', 'namespace', 'default')
    .option('-w, --watch <bool>', 'watch until the rollout finishes', 'true')
    .option('--timeout <seconds>', 'give up after this long (0: never)', (v) => Number(v), 0)
    .option('--revision <n>', 'the revision to wait for', (v) => Number(v), 0)
    .action((args: string[], o: { namespace: string; watch: string; timeout: number; revision: number }) =>
      each(args, 'status viewer', (client, name) =>
        rolloutStatus(client, name, { namespace: o.namespace, watch: o.watch !== 'false', timeoutMs: o.timeout * 1000, revision: o.revision }, (l) => console.log(l)),
      ),
    );
  rollout
    .command('history')
    .description('Show the revisions of a deployment')
    .argument('<resource...>', 'deployment NAME or deployment/NAME')
    .option('-n, --namespace <ns>', 'namespace', 'default')
    .option('--revision <n>', 'show the pod template of this revision', (v) => Number(v), 0)
    .action((args: string[], o: { namespace: string; revision: number }) =>
      each(args, 'history viewer', async (client, name) => void process.stdout.write(await rolloutHistory(client, name, o.namespace, o.revision))),
    );
  rollout
    .command('undo')
    .description('Roll a deployment back to the previous revision (or --to-revision)')
    .argument('<resource...>', 'deployment NAME or deployment/NAME')
    .option('-n, --namespace <ns>', 'namespace', 'default')
    .option('--to-revision <n>', 'the revision to roll back to (0: the previous one)', (v) => Number(v), 0)
    .action((args: string[], o: { namespace: string; toRevision: number }) =>
      each(args, 'rollbacker', async (client, name) => console.log(await rolloutUndo(client, name, o.namespace, o.toRevision))),
    );
  for (const verb of ['pause', 'resume', 'restart'] as const)
    rollout
      .command(verb)
      .description(`${verb[0].toUpperCase()}${verb.slice(1)} a deployment's rollout`)
      .argument('<resource...>', 'deployment NAME or deployment/NAME')
      .option('-n, --namespace <ns>', 'namespace', 'default')
      .action((args: string[], o: { namespace: string }) => each(args, `${verb}r`, async (client, name) => console.log(await rolloutSet(client, verb, name, o.namespace))));
}
