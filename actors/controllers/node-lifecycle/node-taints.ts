// Pure taint logic of the node lifecycle controller: the NoSchedule taints a node's conditions
// call for (upstream TaintNodesByCondition) and the NoExecute taint of a NotReady or unreachable
// node (upstream doNoExecuteTaintingPass), merged into the node's taints without touching others.
import type { Node } from '../../../api/kinds/node.ts';
import { nodeCondition } from '../../../api/kinds/pod-helpers.ts';
import { TAINT_NOT_READY, TAINT_UNREACHABLE, TAINT_UNSCHEDULABLE, type Taint } from '../../../api/kinds/scheduling.ts';
import { rfc3339 } from '../../../api/names.ts';

const BY_CONDITION: Array<[condition: string, status: string, key: string]> = [
  ['Ready', 'False', TAINT_NOT_READY],
  ['Ready', 'Unknown', TAINT_UNREACHABLE],
  ['MemoryPressure', 'True', 'node.kubernetes.io/memory-pressure'],
  ['DiskPressure', 'True', 'node.kubernetes.io/disk-pressure'],
  ['PIDPressure', 'True', 'node.kubernetes.io/pid-pressure'],
  ['NetworkUnavailable', 'True', 'node.kubernetes.io/network-unavailable'],
];
const MANAGED_NO_SCHEDULE = new Set([...BY_CONDITION.map(([, , k]) => k), TAINT_UNSCHEDULABLE]);
const MANAGED_NO_EXECUTE = new Set([TAINT_NOT_READY, TAINT_UNREACHABLE]);

/** Returns the status of the node's Ready condition ('Unknown' when missing). */
export const readyStatus = (node: Node) => nodeCondition(node, 'Ready')?.status ?? 'Unknown';

/** Returns the NoSchedule taints the node's conditions and spec.unschedulable call for. */
export function conditionTaints(node: Node): Taint[] {
  const out: Taint[] = [];
  for (const [type, status, key] of BY_CONDITION) {
    const c = nodeCondition(node, type);
    if (c?.status === status || (type === 'Ready' && status === 'Unknown' && !c)) out.push({ key, effect: 'NoSchedule' });
  }
  if (node.spec?.unschedulable) out.push({ key: TAINT_UNSCHEDULABLE, effect: 'NoSchedule' });
  return out;
}

/** Returns the key of the NoExecute taint a Ready status calls for, or undefined for Ready=True. */
export const noExecuteKey = (ready: string) =>
  ready === 'False' ? TAINT_NOT_READY : ready === 'Unknown' ? TAINT_UNREACHABLE : undefined;

/** Returns the key of the NoExecute taint the node has now, if any. */
export const currentNoExecute = (node: Node) =>
  node.spec?.taints?.find((t) => t.effect === 'NoExecute' && MANAGED_NO_EXECUTE.has(t.key))?.key;

/**
 * Returns the node's taints with the controller's own replaced by `noSchedule` and `noExecute`
 * (a key, or undefined for none); other taints are kept, and a kept taint keeps its timeAdded.
 */
export function mergeTaints(current: Taint[] | undefined, noSchedule: Taint[], noExecute: string | undefined, now: number): Taint[] {
  const mine = (t: Taint) =>
    (t.effect === 'NoSchedule' && MANAGED_NO_SCHEDULE.has(t.key)) || (t.effect === 'NoExecute' && MANAGED_NO_EXECUTE.has(t.key));
  const out = (current ?? []).filter((t) => !mine(t));
  for (const t of noSchedule) out.push(current?.find((c) => c.key === t.key && c.effect === t.effect) ?? t);
  if (noExecute) {
    const kept = current?.find((c) => c.key === noExecute && c.effect === 'NoExecute');
    out.push(kept ?? { key: noExecute, effect: 'NoExecute', timeAdded: rfc3339(now) });
  }
  return out;
}

/** Returns true when two taint lists hold the same taints (order ignored). */
export function sameTaints(a: Taint[] | undefined, b: Taint[] | undefined): boolean {
  const key = (t: Taint) => `${t.key}=${t.value ?? ''}:${t.effect}:${t.timeAdded ?? ''}`;
  const sa = (a ?? []).map(key).sort();
  const sb = (b ?? []).map(key).sort();
  return sa.length === sb.length && sa.every((x, i) => x === sb[i]);
}
