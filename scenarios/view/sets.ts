// Queries over the runner's caches: `s.pods({labels: 'app=web'}).running().count()`. Each
// terminal (count, names, items) notes what it read, so a failed wait can say what it saw last.
import type { Node } from '../../api/kinds/node.ts';
import type { Pod } from '../../api/kinds/pod.ts';
import { isNodeReady, isPodReady, nodeCondition } from '../../api/kinds/pod-helpers.ts';
import type { KubeObject } from '../../api/meta.ts';

/** Where terminals report what they read ("pods app=web Running: 4"). */
export type Observe = (line: string) => void;

/** A lazily filtered view of the objects of one kind; filters chain, terminals read. */
export class ObjectSet<T extends KubeObject = KubeObject> {
  constructor(
    readonly label: string,
    protected readonly source: () => Iterable<T>,
    protected readonly observe: Observe,
    protected readonly pred: (o: T) => boolean = () => true,
  ) {}

  /** Returns the objects that also satisfy `pred`; `label` names the filter in messages. */
  where(label: string, pred: (o: T) => boolean): this {
    const prev = this.pred;
    const Ctor = this.constructor as new (l: string, s: () => Iterable<T>, o: Observe, p: (o: T) => boolean) => this;
    return new Ctor(`${this.label} ${label}`, this.source, this.observe, (o) => prev(o) && pred(o));
  }

  /** Returns the matching objects. */
  items(): T[] {
    const out: T[] = [];
    for (const o of this.source()) if (this.pred(o)) out.push(o);
    this.observe(`${this.label}: ${out.length}${out.length ? ` (${preview(out.map((o) => o.metadata.name!))})` : ''}`);
    return out;
  }

  /** Returns the number of matching objects. */
  count(): number {
    let n = 0;
    for (const o of this.source()) if (this.pred(o)) n++;
    this.observe(`${this.label}: ${n}`);
    return n;
  }

  /** Returns the names (metadata.name) of the matching objects, sorted. */
  names(): string[] {
    return this.items().map((o) => o.metadata.name!).sort();
  }

  /** Returns the first match (in cache order), if any. */
  first(): T | undefined {
    return this.items()[0];
  }
}

/** Pods, with the filters scripts need most. */
export class PodSet extends ObjectSet<Pod> {
  /** Phase Running and not being deleted. */
  running(): this {
    return this.where('Running', (p) => p.status?.phase === 'Running' && !p.metadata.deletionTimestamp);
  }
  /** Condition Ready=True. */
  ready(): this {
    return this.where('Ready', isPodReady);
  }
  pending(): this {
    return this.where('Pending', (p) => p.status?.phase === 'Pending');
  }
  phase(phase: string): this {
    return this.where(phase, (p) => p.status?.phase === phase);
  }
  /** Not being deleted. */
  alive(): this {
    return this.where('alive', (p) => !p.metadata.deletionTimestamp);
  }
  terminating(): this {
    return this.where('terminating', (p) => !!p.metadata.deletionTimestamp);
  }
  scheduled(): this {
    return this.where('scheduled', (p) => !!p.spec.nodeName);
  }
  unscheduled(): this {
    return this.where('unscheduled', (p) => !p.spec.nodeName);
  }
  /** Bound to this node (or to one of these nodes). */
  on(node: string | string[]): this {
    const set = new Set(Array.isArray(node) ? node : [node]);
    return this.where(`on ${[...set].join(',')}`, (p) => set.has(p.spec.nodeName ?? ''));
  }
  /** Not bound to this node. */
  notOn(node: string): this {
    return this.where(`not on ${node}`, (p) => p.spec.nodeName !== node);
  }
  /** With a container waiting for this reason (e.g. CrashLoopBackOff). */
  waiting(reason: string): this {
    return this.where(reason, (p) => (p.status?.containerStatuses ?? []).some((c) => c.state?.waiting?.reason === reason));
  }
  /** Returns the sum of the containers' restart counts. */
  restarts(): number {
    let n = 0;
    for (const p of this.source()) if (this.pred(p)) for (const c of p.status?.containerStatuses ?? []) n += c.restartCount ?? 0;
    this.observe(`${this.label} restarts: ${n}`);
    return n;
  }
  /** Returns how many matching pods each node runs. */
  perNode(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const p of this.source()) if (this.pred(p)) out[p.spec.nodeName ?? '<none>'] = (out[p.spec.nodeName ?? '<none>'] ?? 0) + 1;
    this.observe(`${this.label} per node: ${JSON.stringify(out)}`);
    return out;
  }
}

/** Nodes, by readiness and taints. */
export class NodeSet extends ObjectSet<Node> {
  ready(): this {
    return this.where('Ready', isNodeReady);
  }
  notReady(): this {
    return this.where('not Ready', (n) => !isNodeReady(n));
  }
  /** Ready=Unknown: the node lifecycle controller lost it. */
  unknown(): this {
    return this.where('Ready=Unknown', (n) => nodeCondition(n, 'Ready')?.status === 'Unknown');
  }
  /** With a taint of this key (and effect). */
  tainted(key: string, effect?: string): this {
    return this.where(`tainted ${key}${effect ? `:${effect}` : ''}`, (n) => (n.spec?.taints ?? []).some((t) => t.key === key && (!effect || t.effect === effect)));
  }
  unschedulable(): this {
    return this.where('unschedulable', (n) => !!n.spec?.unschedulable);
  }
}

/** Returns `namespace/name`, or `name` for cluster-scoped objects. */
export const nameOf = (o: KubeObject) => (o.metadata.namespace ? `${o.metadata.namespace}/${o.metadata.name}` : o.metadata.name!);

/** Returns at most 8 names, then "… and N more". */
export function preview(names: string[]): string {
  return names.length <= 8 ? names.join(', ') : `${names.slice(0, 8).join(', ')} … and ${names.length - 8} more`;
}
