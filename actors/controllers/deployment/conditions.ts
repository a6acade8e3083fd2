// Deployment conditions as upstream's New/Get/Set/RemoveDeploymentCondition. Pure.
import type { Condition } from '../../../api/kinds/common.ts';
import type { DeploymentStatus } from '../../../api/kinds/deployment.ts';
import { rfc3339 } from '../../../api/names.ts';

/** Returns a condition stamped now (both lastUpdateTime and lastTransitionTime). */
export const newCondition = (type: string, status: string, reason: string, message: string, now: number): Condition => ({
  type,
  status,
  lastUpdateTime: rfc3339(now),
  lastTransitionTime: rfc3339(now),
  reason,
  message,
});

/** Returns the condition of a type, if any. */
export const getCondition = (s: DeploymentStatus | undefined, type: string): Condition | undefined => s?.conditions?.find((c) => c.type === type);

/** Sets a condition in place unless one with the same status and reason exists; keeps lastTransitionTime when the status is unchanged. */
export function setCondition(s: DeploymentStatus, c: Condition): void {
  const cur = getCondition(s, c.type);
  if (cur && cur.status === c.status && cur.reason === c.reason) return;
  const next = cur && cur.status === c.status ? { ...c, lastTransitionTime: cur.lastTransitionTime } : c;
  s.conditions = [...(s.conditions ?? []).filter((x) => x.type !== c.type), next];
}

/** Removes the condition of a type in place. */
export function removeCondition(s: DeploymentStatus, type: string): void {
  const rest = (s.conditions ?? []).filter((x) => x.type !== type);
  if (rest.length) s.conditions = rest;
  else delete s.conditions;
}
