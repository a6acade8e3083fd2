// `kubus delete KIND NAME... | -f FILE`: deletes, then waits until the objects are gone (as kubectl).
import type { Command } from 'commander';
import type { KubeObject } from '../../api/meta.ts';
import type { PropagationPolicy } from '../../api/protocol.ts';
import type { ResourceDef } from '../../api/resource.ts';
import { isNotFound } from '../../api/status.ts';
import type { ApiClient } from '../../bus/client.ts';
import { UsageError, errorLine, withSession, type GlobalOptions } from '../context.ts';
import { readManifests } from '../manifests.ts';
import { namespaceFor, resolveResource, resourceOfObject } from '../resources.ts';

const CASCADE: Record<string, PropagationPolicy> = { background: 'Background', foreground: 'Foreground', orphan: 'Orphan' };

/** Resolves once the object is gone (watching for its DELETED event), or after timeoutMs. */
export async function waitGone(client: ApiClient, def: ResourceDef, name: string, namespace: string | undefined, timeoutMs: number): Promise<boolean> {
  let done!: (gone: boolean) => void;
  const gone = new Promise<boolean>((r) => (done = r));
  const w = await client.watch(
    def.plural,
    { namespace, fieldSelector: `metadata.name=${name}` },
    { event: (ev) => ev.type === 'DELETED' && done(true), end: () => {} },
  );
  const timer = setTimeout(() => done(false), timeoutMs);
  // The watch starts with ADDED for what exists now: if nothing is there, it is already gone.
  client.get(def.plural, name, { namespace }).catch((err) => isNotFound(err) && done(true));
  const result = await gone;
  clearTimeout(timer);
  w.stop();
  return result;
}

export function deleteCommand(program: Command): void {
  program
    .command('delete')
    .description('Delete objects by kind and name, or those in manifests')
    .argument('[kind]', 'resource kind (pods, po, deployment, ...)')
    .argument('[names...]', 'object names')
    .option('-f, --filename <path...>', 'delete the objects in these manifests')
    .option('-n, --namespace <ns>', 'namespace (default: default)')
    .option('--grace-period <seconds>', 'seconds to let pods stop (0: at once)', (v) => Number(v))
    .option('--cascade <policy>', 'background, foreground or orphan', 'background')
    .option('--wait <bool>', 'wait until the objects are gone', 'true')
    .option('--timeout <seconds>', 'how long to wait', (v) => Number(v), 120)
    .action(async (kind: string | undefined, names: string[], opts: { filename?: string[]; namespace?: string; gracePeriod?: number; cascade: string; wait: string; timeout: number }) => {
      const policy = CASCADE[opts.cascade];
      if (!policy) throw new UsageError(`--cascade must be background, foreground or orphan, got "${opts.cascade}"`);
      const targets: Array<{ def: ResourceDef; name: string; namespace?: string }> = [];
      if (opts.filename) {
        for (const m of readManifests(opts.filename)) {
          const def = resourceOfObject(m.obj as KubeObject, m.source);
          targets.push({ def, name: m.obj.metadata.name!, namespace: namespaceFor(def, m.obj, opts.namespace) });
        }
      } else {
        if (!kind || names.length === 0) throw new UsageError('give a kind and names (kubus delete pod web), or -f FILE');
        const def = resolveResource(kind);
        for (const name of names) targets.push({ def, name, namespace: namespaceFor(def, undefined, opts.namespace) });
      }
      await withSession(program.opts<GlobalOptions>(), async ({ client }) => {
        for (const t of targets) {
          try {
            await client.delete(t.def.plural, t.name, { namespace: t.namespace, gracePeriodSeconds: opts.gracePeriod, propagationPolicy: policy });
            console.log(`${t.def.singular} "${t.name}" deleted`);
            if (opts.wait !== 'false' && !(await waitGone(client, t.def, t.name, t.namespace, opts.timeout * 1000)))
              console.error(`error: timed out waiting for ${t.def.singular} "${t.name}" to be gone`);
          } catch (err) {
            process.exitCode = 1;
            console.error(errorLine(err));
          }
        }
      });
    });
}
