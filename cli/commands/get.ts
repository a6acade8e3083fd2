// `kubus get` and `kubus describe`: kubectl's output over the API client.
import type { Command } from 'commander';
import type { KubeObject } from '../../api/meta.ts';
import type { ResourceDef } from '../../api/resource.ts';
import type { ApiClient } from '../../bus/client.ts';
import { UsageError, withSession, type GlobalOptions } from '../context.ts';
import { describe, formatOutput, listOf, noResourcesMessage, renderTable, tableFor, toJson, toYaml, watchPrinter, type OutputFormat } from '../printers/index.ts';
import { refName, resolveResource } from '../resources.ts';

const FORMATS = ['wide', 'yaml', 'json', 'name'] as const;

interface GetOptions {
  namespace?: string;
  allNamespaces?: boolean;
  selector?: string;
  fieldSelector?: string;
  output?: string;
  watch?: boolean;
  watchOnly?: boolean;
}

/** What `kubectl get all` shows: upstream's "all" category in discovery order (core, apps, autoscaling, batch; each by resource name). */
export const ALL = ['pods', 'replicationcontrollers', 'services', 'daemonsets', 'deployments', 'replicasets', 'statefulsets', 'horizontalpodautoscalers', 'cronjobs', 'jobs'];

/** `get a,b,c` (or `all`): one table per kind that has objects, names as `kind/name`; one List for -o json|yaml. */
async function getMany(program: Command, defs: ResourceDef[], names: string[], o: GetOptions): Promise<void> {
  if (names.length || o.watch || o.watchOnly) throw new UsageError('names and --watch need a single resource kind');
  const format: OutputFormat = (o.output as OutputFormat) ?? 'table';
  await withSession(program.opts<GlobalOptions>(), async ({ client }) => {
    const lists: Array<[ResourceDef, KubeObject[]]> = [];
    for (const def of defs) {
      const list = await client.list(def.plural, { namespace: scope(def, o), labelSelector: o.selector, fieldSelector: o.fieldSelector });
      lists.push([def, list.items]);
    }
    const items = lists.flatMap(([, l]) => l);
    if (format === 'json' || format === 'yaml') return void process.stdout.write(format === 'json' ? toJson(listOf(items)) : toYaml(listOf(items)));
    if (format === 'name') return void process.stdout.write(lists.flatMap(([def, l]) => l.map((x) => `${refName(def, x.metadata.name!)}\n`)).join(''));
    const tables = lists
      .filter(([, l]) => l.length)
      .map(([def, l]) => {
        const t = tableFor(def.plural, { wide: format === 'wide', allNamespaces: !!o.allNamespaces, now: Date.now() });
        const at = t.headers.indexOf('NAME');
        return renderTable(t.headers, l.map((x) => t.row(x).map((cell, i) => (i === at ? refName(def, cell) : cell))));
      });
    if (tables.length === 0) console.error(noResourcesMessage(o.allNamespaces ? undefined : (o.namespace ?? 'default')));
    else process.stdout.write(tables.join('\n'));
  });
}

const scope = (def: ResourceDef, o: GetOptions) => (!def.namespaced || o.allNamespaces ? undefined : (o.namespace ?? 'default'));

/** Follows changes after `rv` and prints each as kubectl get -w does, until Ctrl-C. */
async function follow(client: ApiClient, def: ResourceDef, o: GetOptions, rv: string, print: (ev: { type: string; object: KubeObject }) => void): Promise<void> {
  let resolveDone!: () => void;
  const done = new Promise<void>((r) => (resolveDone = r));
  let from = rv;
  const start = async (): Promise<void> => {
    await client.watch(
      def.plural,
      { namespace: scope(def, o), labelSelector: o.selector, fieldSelector: o.fieldSelector, resourceVersion: from },
      {
        event: (ev) => {
          const obj = ev.object as KubeObject;
          from = obj.metadata.resourceVersion ?? from;
          print({ type: ev.type, object: obj });
        },
        end: (reason) => {
          if (reason === 'stopped') return;
          if (reason === 'expired' || reason === 'error') {
            console.error(`error: the watch ended (${reason}); run the command again`);
            return resolveDone();
          }
          void start().catch((err: Error) => {
            console.error(`error: ${err.message}`);
            resolveDone();
          });
        },
      },
    );
  };
  await start();
  process.once('SIGINT', resolveDone);
  await done;
}

export function getCommand(program: Command): void {
  program
    .command('get')
    .description('Show objects as tables (kubectl columns), YAML, JSON or names; -w follows changes')
    .argument('<kind>', 'resource (pods|po, nodes|no, namespaces|ns, deployments|deploy, replicasets|rs, services|svc, ...), several comma-separated, or all')
    .argument('[names...]', 'only these objects')
    .option('-n, --namespace <ns>', 'namespace (default: default)')
    .option('-A, --all-namespaces', 'every namespace')
    .option('-l, --selector <selector>', 'label selector, e.g. app=web,tier!=db')
    .option('--field-selector <selector>', 'field selector, e.g. spec.nodeName=node-1')
    .option('-o, --output <format>', `output format: ${FORMATS.join('|')}`)
    .option('-w, --watch', 'after listing, print changes as they happen')
    .option('--watch-only', 'print changes only, without the initial list')
    .action(async (kind: string, names: string[], o: GetOptions) => {
      const kinds = kind === 'all' ? ALL : kind.split(',').filter(Boolean);
      if (kinds.length > 1) return getMany(program, kinds.map(resolveResource), names, o);
      const def = resolveResource(kind);
      if (o.output && !FORMATS.includes(o.output as (typeof FORMATS)[number]))
        throw new UsageError(`unable to match a printer suitable for the output format "${o.output}", allowed formats are: ${FORMATS.join(',')}`);
      const format: OutputFormat = (o.output as OutputFormat) ?? 'table';
      const opts = { allNamespaces: !!o.allNamespaces && def.namespaced, now: Date.now(), wide: format === 'wide' };
      await withSession(program.opts<GlobalOptions>(), async ({ client }) => {
        const namespace = scope(def, o);
        if (names.length) {
          const objs = [];
          for (const name of names) objs.push(await client.get(def.plural, name, { namespace: namespace ?? o.namespace }));
          process.stdout.write(formatOutput(def.plural, names.length === 1 ? objs[0] : objs, format, opts));
          return;
        }
        const list = await client.list(def.plural, { namespace, labelSelector: o.selector, fieldSelector: o.fieldSelector });
        if (!o.watch && !o.watchOnly) {
          if (list.items.length === 0 && (format === 'table' || format === 'wide')) console.error(noResourcesMessage(namespace));
          else process.stdout.write(formatOutput(def.plural, list.items, format, opts));
          return;
        }
        if (format === 'table' || format === 'wide') {
          const printer = watchPrinter(def.plural, { ...opts, wide: format === 'wide' });
          if (!o.watchOnly) process.stdout.write(printer.list(list.items));
          await follow(client, def, o, list.metadata.resourceVersion, (ev) => process.stdout.write(printer.event({ ...ev, object: { ...ev.object } })));
        } else {
          if (!o.watchOnly) for (const item of list.items) process.stdout.write(formatOutput(def.plural, item, format, opts));
          await follow(client, def, o, list.metadata.resourceVersion, (ev) => process.stdout.write(formatOutput(def.plural, ev.object, format, opts)));
        }
      });
    });

  program
    .command('describe')
    .description('Show one object in detail, with its events (kubectl describe layout)')
    .argument('<kind>', 'resource')
    .argument('<name>', 'object name')
    .option('-n, --namespace <ns>', 'namespace (default: default)')
    .action(async (kind: string, name: string, o: { namespace?: string }) => {
      const def = resolveResource(kind);
      await withSession(program.opts<GlobalOptions>(), async ({ client }) => {
        const namespace = def.namespaced ? (o.namespace ?? 'default') : undefined;
        const obj = await client.get(def.plural, name, { namespace });
        const fs = [`involvedObject.name=${name}`, `involvedObject.kind=${def.kind}`];
        if (namespace) fs.push(`involvedObject.namespace=${namespace}`);
        const events = (await client.list('events', { namespace, fieldSelector: fs.join(',') })).items;
        const ctx: Record<string, unknown> = {};
        if (def.plural === 'nodes') {
          ctx.pods = (await client.list('pods', { fieldSelector: `spec.nodeName=${name}` })).items;
          ctx.lease = await client.get('leases', name, { namespace: 'kube-node-lease' }).catch(() => undefined);
        } else if (def.plural === 'deployments') ctx.replicaSets = (await client.list('replicasets', { namespace })).items;
        // kubectl describe service reads the service's EndpointSlices.
        else if (def.plural === 'services') ctx.endpointSlices = (await client.list('endpointslices', { namespace, labelSelector: `kubernetes.io/service-name=${name}` })).items;
        // kubectl describe ingress reads its backends' Services and their EndpointSlices.
        else if (def.plural === 'ingresses') {
          ctx.services = (await client.list('services', { namespace })).items;
          ctx.endpointSlices = (await client.list('endpointslices', { namespace })).items;
        } else if (def.plural === 'namespaces') {
          ctx.resourceQuotas = (await client.list('resourcequotas', { namespace: name })).items;
          ctx.limitRanges = (await client.list('limitranges', { namespace: name })).items;
        }
        if (['deployments', 'replicasets', 'daemonsets', 'statefulsets', 'jobs', 'persistentvolumeclaims', 'replicationcontrollers'].includes(def.plural))
          ctx.pods = (await client.list('pods', { namespace })).items;
        process.stdout.write(describe(def.plural, obj, events, Date.now(), ctx));
      });
    });
}

