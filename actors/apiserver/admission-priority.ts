// The Priority admission plugin (upstream plugin/pkg/admission/priority): a new pod's priority and
// preemptionPolicy come from its PriorityClass (or the global default), at most one class is the
// global default; and the system classes every cluster has (upstream's scheduling post-start hook).
import type { KubeObject } from '../../api/meta.ts';
import type { Pod } from '../../api/kinds/pod.ts';
import { DEFAULT_PRIORITY_WHEN_NO_DEFAULT_CLASS_EXISTS, SYSTEM_PRIORITY_CLASSES, systemPriorityClass, type PriorityClass } from '../../api/kinds/priorityclass.ts';
import type { ResourceDef } from '../../api/resource.ts';
import { resourceFor } from '../../api/resources.ts';
import { forbidden, isAlreadyExists } from '../../api/status.ts';
import { qualified, type ServerContext } from './context.ts';

const PREFIX = '/registry/priorityclasses/';

const classOf = (ctx: ServerContext, name: string) => ctx.store.get(`${PREFIX}${name}`)?.value as PriorityClass | undefined;

/** Returns the global default class; of several (a race), the one with the lowest value, as upstream. */
export function defaultPriorityClass(ctx: ServerContext): PriorityClass | undefined {
  let best: PriorityClass | undefined;
  for (const kv of ctx.store.range(PREFIX).kvs) {
    const pc = kv.value as PriorityClass;
    if (pc.globalDefault && (!best || best.value > pc.value)) best = pc;
  }
  return best;
}

/** Resolves a new pod's priority from its class (or the default); refuses an unknown class or a conflicting priority/preemptionPolicy. */
export function admitPodPriority(ctx: ServerContext, def: ResourceDef, obj: KubeObject): void {
  const pod = obj as Pod;
  const spec = pod.spec;
  if (!spec || typeof spec !== 'object') return;
  const refuse = (why: string) => forbidden(qualified(def), pod.metadata.name ?? '', why);
  let priority: number;
  let policy: string | undefined;
  if (!spec.priorityClassName) {
    const dpc = defaultPriorityClass(ctx);
    if (dpc) {
      spec.priorityClassName = dpc.metadata.name;
      priority = dpc.value;
      policy = dpc.preemptionPolicy;
    } else {
      priority = DEFAULT_PRIORITY_WHEN_NO_DEFAULT_CLASS_EXISTS;
      policy = 'PreemptLowerPriority';
    }
  } else {
    const pc = classOf(ctx, spec.priorityClassName);
    if (!pc) throw refuse(`no PriorityClass with name ${spec.priorityClassName} was found`);
    priority = pc.value;
    policy = pc.preemptionPolicy;
  }
  if (spec.priority != null && spec.priority !== priority)
    throw refuse(`the integer value of priority (${spec.priority}) must not be provided in pod spec; priority admission controller computed ${priority} from the given PriorityClass name`);
  spec.priority = priority;
  if (policy) {
    if (spec.preemptionPolicy != null && spec.preemptionPolicy !== policy)
      throw refuse(`the string value of PreemptionPolicy (${spec.preemptionPolicy}) must not be provided in pod spec; priority admission controller computed ${policy} from the given PriorityClass name`);
    spec.preemptionPolicy = policy;
  }
}

/** On update a pod keeps the priority admission gave it (validation forbids changing it anyway). */
export function keepPodPriority(obj: KubeObject, old: KubeObject): void {
  const spec = (obj as Pod).spec;
  const was = (old as Pod).spec;
  if (!spec || typeof spec !== 'object' || !was) return;
  if (spec.priority == null && was.priority != null) spec.priority = was.priority;
  if (spec.preemptionPolicy == null && was.preemptionPolicy != null) spec.preemptionPolicy = was.preemptionPolicy;
}

/** Refuses a second global default class (creating one, or marking another class default). */
export function admitPriorityClass(ctx: ServerContext, def: ResourceDef, obj: KubeObject, old?: KubeObject): void {
  const pc = obj as PriorityClass;
  if (!pc.globalDefault) return;
  const dpc = defaultPriorityClass(ctx);
  if (dpc && (!old || dpc.metadata.name !== pc.metadata.name))
    throw forbidden(qualified(def), pc.metadata.name ?? '', `PriorityClass ${dpc.metadata.name} is already marked as default. Only one default can exist`);
}

/** Creates the system priority classes that are missing (another API server may win the race: fine). */
export async function bootstrapPriorityClasses(ctx: ServerContext, create: (def: ResourceDef, body: KubeObject) => Promise<unknown>): Promise<void> {
  const def = resourceFor('priorityclasses');
  if (!def) return;
  for (const c of SYSTEM_PRIORITY_CLASSES) {
    if (classOf(ctx, c.name)) continue;
    try {
      await create(def, systemPriorityClass(c));
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
      ctx.log.info({ name: c.name }, 'system priority class created by another API server');
    }
  }
}
