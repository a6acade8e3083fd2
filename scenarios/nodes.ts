// Topology: the nodes a scenario starts with (a count, or specs per node or per group), resolved.
import type { Taint } from '../api/kinds/scheduling.ts';
import type { ResolvedNode } from './runner/driver.ts';
import type { NodeSpec, ScenarioOptions } from './types.ts';

/** Thrown for a node spec a script spelled wrong. */
export class NodeSpecError extends Error {
  override name = 'NodeSpecError';
}

/** Returns a taint from `key[=value]:Effect` (as kubelet's --register-with-taints), or the object as given. */
export function parseTaint(t: Taint | string): Taint {
  if (typeof t !== 'string') return t;
  const m = /^([^=:]+)(?:=([^:]*))?:(NoSchedule|PreferNoSchedule|NoExecute)$/.exec(t.trim());
  if (!m) throw new NodeSpecError(`invalid taint "${t}": expected key[=value]:NoSchedule|PreferNoSchedule|NoExecute`);
  return m[2] === undefined ? { key: m[1], effect: m[3] } : { key: m[1], value: m[2], effect: m[3] };
}

/** Returns one node from its name, fleet number and spec. */
export function nodeFromSpec(name: string, index: number, spec: Omit<NodeSpec, 'name' | 'prefix' | 'count'> = {}): ResolvedNode {
  if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(name)) throw new NodeSpecError(`invalid node name "${name}": lowercase letters, digits, '-' and '.'`);
  const n: ResolvedNode = { name, index };
  if (spec.capacity) n.capacity = { ...spec.capacity };
  if (spec.labels) n.labels = { ...spec.labels };
  if (spec.taints) n.taints = spec.taints.map(parseTaint);
  return n;
}

/** Returns the nodes of `options.nodes` (default 3: node-0 … node-2) in order, numbered from 0. */
export function resolveNodes(nodes: ScenarioOptions['nodes'] = 3): ResolvedNode[] {
  const specs: NodeSpec[] = typeof nodes === 'number' ? [{ count: nodes }] : nodes;
  const out: ResolvedNode[] = [];
  const perPrefix = new Map<string, number>();
  for (const spec of specs) {
    if (spec.name !== undefined) {
      if (spec.count !== undefined || spec.prefix !== undefined) throw new NodeSpecError(`node "${spec.name}": give a name, or a prefix with a count, not both`);
      out.push(nodeFromSpec(spec.name, out.length, spec));
      continue;
    }
    const prefix = spec.prefix ?? 'node';
    const count = spec.count ?? 1;
    if (!Number.isInteger(count) || count < 0) throw new NodeSpecError(`node group "${prefix}": count must be a whole number, got ${count}`);
    for (let i = 0; i < count; i++) {
      const k = perPrefix.get(prefix) ?? 0;
      perPrefix.set(prefix, k + 1);
      out.push(nodeFromSpec(`${prefix}-${k}`, out.length, spec));
    }
  }
  const names = new Set<string>();
  for (const n of out) {
    if (names.has(n.name)) throw new NodeSpecError(`node "${n.name}" is declared twice`);
    names.add(n.name);
  }
  return out;
}
