// Node order for the feasible-node search: zones interleaved round-robin, so that sampling a
// percentage of nodes still spreads across zones (upstream internal/cache/node_tree.go).
import type { Labels } from './types.ts';

const REGION = ['topology.kubernetes.io/region', 'failure-domain.beta.kubernetes.io/region'];
const ZONE = ['topology.kubernetes.io/zone', 'failure-domain.beta.kubernetes.io/zone'];

/** Returns upstream's zone key of a node's labels ("" when it has neither region nor zone). */
export function zoneKey(labels: Labels): string {
  const region = labels[REGION[0]] ?? labels[REGION[1]] ?? '';
  const zone = labels[ZONE[0]] ?? labels[ZONE[1]] ?? '';
  return region === '' && zone === '' ? '' : `${region}:\u0000:${zone}`;
}

/** Node names grouped by zone, in insertion order. */
export class NodeTree {
  private readonly zones: string[] = [];
  private readonly tree = new Map<string, string[]>();
  private readonly zoneOf = new Map<string, string>();

  get size(): number {
    return this.zoneOf.size;
  }

  /** Adds a node (or moves it when its zone changed); returns whether the order changed. */
  add(name: string, labels: Labels): boolean {
    const z = zoneKey(labels);
    const cur = this.zoneOf.get(name);
    if (cur === z) return false;
    if (cur !== undefined) this.remove(name);
    let list = this.tree.get(z);
    if (!list) {
      this.tree.set(z, (list = []));
      this.zones.push(z);
    }
    list.push(name);
    this.zoneOf.set(name, z);
    return true;
  }

  remove(name: string): void {
    const z = this.zoneOf.get(name);
    if (z === undefined) return;
    this.zoneOf.delete(name);
    const list = this.tree.get(z)!;
    list.splice(list.indexOf(name), 1);
    if (list.length === 0) {
      this.tree.delete(z);
      this.zones.splice(this.zones.indexOf(z), 1);
    }
  }

  /** Returns the names: the first of each zone, then the second of each, and so on. */
  list(): string[] {
    const out: string[] = [];
    for (let i = 0; out.length < this.zoneOf.size; i++)
      for (const z of this.zones) {
        const l = this.tree.get(z)!;
        if (i < l.length) out.push(l[i]);
      }
    return out;
  }
}
