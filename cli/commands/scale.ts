// `kubus scale KIND NAME --replicas N`: sets spec.replicas of deployments, replicasets and
// statefulsets, with kubectl's preconditions (--current-replicas, --resource-version) and messages.
import type { Command } from 'commander';
import type { KubeObject } from '../../api/meta.ts';
import { StatusError } from '../../api/status.ts';
import type { ApiClient } from '../../bus/client.ts';
import { UsageError, errorLine, withSession, type GlobalOptions } from '../context.ts';
import { refName } from '../resources.ts';
import { resourceArgs } from './rollout.ts';

const SCALABLE = new Set(['Deployment', 'ReplicaSet', 'StatefulSet']);

export interface ScaleOptions {
  replicas: number;
  namespace: string;
  /** Precondition: the current spec.replicas (-1: none). */
  currentReplicas?: number;
  /** Precondition: the object's resourceVersion. */
  resourceVersion?: string;
}

/** Scales each object; returns kubectl's `<kind>.<group>/<name> scaled` lines, or throws the first failure. */
export async function scale(client: ApiClient, args: readonly string[], opts: ScaleOptions): Promise<string[]> {
  if (!Number.isInteger(opts.replicas) || opts.replicas < 0) throw new UsageError('The --replicas=COUNT flag is required, and COUNT must be greater than or equal to 0');
  const out: string[] = [];
  for (const { def, name } of resourceArgs(args)) {
    // Other kinds have no scale subresource: the API server answers 404 for it.
    if (!SCALABLE.has(def.kind)) throw new StatusError(404, 'NotFound', 'the server could not find the requested resource');
    const obj = await client.get<KubeObject & { spec: { replicas?: number } }>(def.plural, name, { namespace: opts.namespace });
    const current = obj.spec.replicas ?? 1;
    if (opts.currentReplicas !== undefined && opts.currentReplicas >= 0 && opts.currentReplicas !== current)
      throw new Error(`Expected replicas to be ${opts.currentReplicas}, was ${current}`);
    const patch: Record<string, unknown> = { spec: { replicas: opts.replicas } };
    if (opts.resourceVersion) patch.metadata = { resourceVersion: opts.resourceVersion };
    await client.patch(def.plural, name, patch, { namespace: opts.namespace });
    out.push(`${refName(def, name)} scaled`);
  }
  return out;
}

export function scaleCommand(program: Command): void {
  program
    .command('scale')
    .description('Set the number of replicas of a deployment, replicaset or statefulset')
    .argument('<resource...>', 'KIND NAME... or KIND/NAME...')
    .option('--replicas <count>', 'the new number of replicas', (v) => Number(v))
    .option('--current-replicas <count>', 'only scale if the current number of replicas is this', (v) => Number(v), -1)
    .option('--resource-version <rv>', 'only scale if the resourceVersion is this')
    .option('-n, --namespace <ns>', 'namespace', 'default')
    .action(async (args: string[], o: { replicas?: number; currentReplicas: number; resourceVersion?: string; namespace: string }) => {
      if (o.replicas === undefined) throw new UsageError('required flag(s) "replicas" not set');
      await withSession(program.opts<GlobalOptions>(), async ({ client }) => {
        try {
          for (const line of await scale(client, args, { ...o, replicas: o.replicas! })) console.log(line);
        } catch (err) {
          process.exitCode = 1;
          console.error(errorLine(err));
        }
      });
    });
}
