// `kubus set image KIND/NAME CONTAINER=IMAGE...`: updates container images of pod templates (or
// pods), as kubectl set image: `*` names every container; a name that matches none is an error.
import type { Command } from 'commander';
import type { KubeObject } from '../../api/meta.ts';
import type { ApiClient } from '../../bus/client.ts';
import { UsageError, errorLine, withSession, type GlobalOptions } from '../context.ts';
import { refName } from '../resources.ts';
import { resourceArgs } from './rollout.ts';

interface Containers {
  containers?: Array<{ name: string; image?: string }>;
  initContainers?: Array<{ name: string; image?: string }>;
}

/** Returns the JSON pointer of the pod spec in an object of this kind (pods: /spec; workloads: /spec/template/spec). */
const podSpecPath = (kind: string) => (kind === 'Pod' ? '/spec' : kind === 'CronJob' ? '/spec/jobTemplate/spec/template/spec' : '/spec/template/spec');

/** Returns the JSON patch that sets the images, or undefined when nothing changes; throws for a container that is not there. */
export function imagePatch(obj: KubeObject, images: ReadonlyMap<string, string>): Array<{ op: string; path: string; value: string }> | undefined {
  const path = podSpecPath(obj.kind);
  const spec = path.split('/').slice(1).reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], obj) as Containers | undefined;
  const ops: Array<{ op: string; path: string; value: string }> = [];
  for (const [name, image] of images) {
    let found = false;
    for (const field of ['initContainers', 'containers'] as const)
      (spec?.[field] ?? []).forEach((c, i) => {
        if (name !== '*' && c.name !== name) return;
        found = true;
        if (c.image !== image) ops.push({ op: 'replace', path: `${path}/${field}/${i}/image`, value: image });
      });
    if (!found) throw new Error(`unable to find container named "${name}"`);
  }
  return ops.length ? ops : undefined;
}

/** Sets images on each object; returns kubectl's `<kind>.<group>/<name> image updated` lines (none for an object already so). */
export async function setImage(client: ApiClient, args: readonly string[], namespace: string): Promise<string[]> {
  const pairs = args.filter((a) => a.includes('='));
  const targets = resourceArgs(args.filter((a) => !a.includes('=')));
  if (pairs.length === 0) throw new UsageError('at least one image update is required');
  const images = new Map<string, string>();
  for (const p of pairs) {
    const [name, image] = [p.slice(0, p.indexOf('=')), p.slice(p.indexOf('=') + 1)];
    if (!name || !image) throw new UsageError(`invalid image update "${p}": expected CONTAINER=IMAGE`);
    images.set(name, image);
  }
  const out: string[] = [];
  for (const { def, name } of targets) {
    const obj = await client.get(def.plural, name, { namespace });
    const patch = imagePatch(obj, images);
    if (!patch) continue;
    await client.patch(def.plural, name, patch, { namespace, type: 'json' });
    out.push(`${refName(def, name)} image updated`);
  }
  return out;
}

export function setImageCommand(program: Command): void {
  const set = program.commands.find((c) => c.name() === 'set') ?? program.command('set').description('Set specific features on objects');
  set
    .command('image')
    .description('Update the images of containers in pod templates (deployment/web nginx=nginx:1.27)')
    .argument('<args...>', 'KIND/NAME... CONTAINER=IMAGE...')
    .option('-n, --namespace <ns>', 'namespace', 'default')
    .action(async (args: string[], o: { namespace: string }) => {
      await withSession(program.opts<GlobalOptions>(), async ({ client }) => {
        try {
          for (const line of await setImage(client, args, o.namespace)) console.log(line);
        } catch (err) {
          process.exitCode = 1;
          console.error(errorLine(err));
        }
      });
    });
}
