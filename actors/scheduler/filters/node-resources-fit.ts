// NodeResourcesFit (filter): pod count, cpu, memory, ephemeral storage and extended resources
// requested must fit in allocatable minus what the node's pods (assumed ones too) request.
import type { FilterPlugin, NodeInfo, PodInfo, Status } from '../types.ts';

const cache = new Map<string, Status>();
/** Returns the (shared) Unschedulable status for a list of reasons. */
function statusOf(reasons: string[]): Status {
  const k = reasons.join('\n');
  let s = cache.get(k);
  if (!s) {
    s = { plugin: 'NodeResourcesFit', code: 'Unschedulable', reasons };
    if (cache.size < 1024) cache.set(k, s);
  }
  return s;
}

/** Returns upstream's insufficiency reasons, in its order: Too many pods, cpu, memory, ephemeral-storage, extended resources. */
export function insufficientResources(pod: PodInfo, node: NodeInfo): string[] {
  const out: string[] = [];
  if (node.pods.size + 1 > node.allowedPods) out.push('Too many pods');
  const r = pod.requests;
  if (r.cpu === 0 && r.memory === 0 && r.eph === 0 && !r.scalars) return out;
  const a = node.allocatable;
  const used = node.requested;
  if (r.cpu > 0 && r.cpu > a.cpu - used.cpu) out.push('Insufficient cpu');
  if (r.memory > 0 && r.memory > a.memory - used.memory) out.push('Insufficient memory');
  if (r.eph > 0 && r.eph > a.eph - used.eph) out.push('Insufficient ephemeral-storage');
  if (r.scalars)
    for (const k in r.scalars) {
      const want = r.scalars[k];
      if (want === 0) continue;
      if (want > (a.scalars?.[k] ?? 0) - (used.scalars?.[k] ?? 0)) out.push(`Insufficient ${k}`);
    }
  return out;
}

/** Rejects nodes without room for the pod's requests (podRequests, not the scoring defaults). */
export const nodeResourcesFitFilter: FilterPlugin = {
  name: 'NodeResourcesFit',
  filter(pod, node) {
    // Fast path: the common "fits" case allocates nothing and reads the NodeInfo alone (its room fields).
    const r = pod.requests;
    if (node.roomPods > 0 && r.cpu <= node.roomCpu && r.memory <= node.roomMemory && r.eph <= node.roomEph && !r.scalars) return undefined;
    const reasons = insufficientResources(pod, node);
    return reasons.length ? statusOf(reasons) : undefined;
  },
};
