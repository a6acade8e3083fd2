// One sync of a Deployment (upstream deployment_controller.go syncDeployment, sync.go sync,
// rolling.go rolloutRolling, recreate.go rolloutRecreate): paused and scaling Deployments are only
// scaled; otherwise the strategy takes one step and the status is written.
import { isEmptySelector } from '../../../api/selectors.ts';
import { getCondition, newCondition, setCondition } from './conditions.ts';
import { PAUSED, RESUMED, TIMED_OUT } from './constants.ts';
import { activeReplicaSets, deploymentComplete, desiredReplicasAnnotation, hasProgressDeadline, replicas } from './deployment.util.ts';
import { allReplicaSets } from './new-replicaset.ts';
import { oldPodsRunning } from './recreate.ts';
import { newReplicaSetTarget, oldReplicaSetSteps } from './rolling.ts';
import { planScale } from './scale.ts';
import type { DeploymentSync } from './sync.ts';

/** Sets Progressing to Unknown/DeploymentPaused or DeploymentResumed when paused or resumed, so a pause never times out (checkPausedConditions). */
async function checkPausedConditions(s: DeploymentSync): Promise<void> {
  if (!hasProgressDeadline(s.d)) return;
  const cond = getCondition(s.d.status, 'Progressing');
  if (cond?.reason === TIMED_OUT) return;
  const pausedCond = cond?.reason === PAUSED;
  const status = structuredClone(s.d.status ?? {});
  if (s.d.spec.paused && !pausedCond) setCondition(status, newCondition('Progressing', 'Unknown', PAUSED, 'Deployment is paused', s.now));
  else if (!s.d.spec.paused && pausedCond) setCondition(status, newCondition('Progressing', 'Unknown', RESUMED, 'Deployment is resumed', s.now));
  else return;
  await s.writeStatus(status);
}

/** Scales without rolling out (paused, or a scaling event): proportional scaling, cleanup when paused, status (sync). */
async function syncScale(s: DeploymentSync): Promise<void> {
  const { newRS, oldRSs } = await allReplicaSets(s, false);
  await s.applyScale(planScale(s.d, newRS && s.latest(newRS), oldRSs.map((rs) => s.latest(rs))));
  if (s.d.spec.paused) await s.cleanupDeployment(oldRSs);
  await s.syncDeploymentStatus([...oldRSs, newRS], newRS);
}

/** Returns whether spec.replicas changed since the active ReplicaSets were last scaled (isScalingEvent). */
async function isScalingEvent(s: DeploymentSync): Promise<boolean> {
  const { newRS, oldRSs } = await allReplicaSets(s, false);
  return activeReplicaSets([...oldRSs, newRS]).some((rs) => {
    const desired = desiredReplicasAnnotation(rs);
    return desired !== undefined && desired !== replicas(s.d);
  });
}

/** One RollingUpdate step: scale the new ReplicaSet up, or else old ones down; clean up once complete (rolloutRolling). */
async function rolloutRolling(s: DeploymentSync): Promise<void> {
  const { newRS, oldRSs } = await allReplicaSets(s, true);
  const all = () => [...oldRSs, newRS].map((rs) => rs && s.latest(rs));
  const target = newRS && newReplicaSetTarget(s.d, all(), s.latest(newRS));
  if (newRS && target !== undefined && (await s.scaleAndRecord(newRS, target))) return s.syncRolloutStatus(all(), newRS);
  let scaledDown = false;
  const olds = activeReplicaSets(oldRSs.map((rs) => s.latest(rs)));
  for (const step of oldReplicaSetSteps(s.d, all(), olds, newRS && s.latest(newRS))) if (await s.scaleAndRecord(step.rs, step.to)) scaledDown = true;
  if (scaledDown) return s.syncRolloutStatus(all(), newRS);
  if (deploymentComplete(s.d, s.d.status ?? {})) await s.cleanupDeployment(oldRSs);
  await s.syncRolloutStatus(all(), newRS);
}

/** One Recreate step: scale old ReplicaSets to 0, wait for their pods to go, then create and scale up the new one (rolloutRecreate). */
async function rolloutRecreate(s: DeploymentSync): Promise<void> {
  let { newRS, oldRSs } = await allReplicaSets(s, false);
  const all = () => [...oldRSs, newRS].map((rs) => rs && s.latest(rs));
  let scaledDown = false;
  for (const rs of activeReplicaSets(oldRSs.map((x) => s.latest(x)))) if (await s.scaleAndRecord(rs, 0)) scaledDown = true;
  if (scaledDown) return s.syncRolloutStatus(all(), newRS);
  if (oldPodsRunning(newRS && s.latest(newRS), oldRSs.map((rs) => s.latest(rs)), s.podMap)) return s.syncRolloutStatus(all(), newRS);
  if (!newRS) ({ newRS, oldRSs } = await allReplicaSets(s, true));
  if (newRS) await s.scaleAndRecord(newRS, replicas(s.d));
  if (deploymentComplete(s.d, s.d.status ?? {})) await s.cleanupDeployment(oldRSs);
  await s.syncRolloutStatus(all(), newRS);
}

/** Brings a Deployment one step closer to its spec (syncDeployment after the ReplicaSets are claimed). */
export async function syncDeployment(s: DeploymentSync): Promise<void> {
  if (isEmptySelector(s.d.spec.selector)) {
    s.ctx.events.record(s.d, 'Warning', 'SelectingAll', 'This deployment is selecting all pods. A non-empty selector is required.');
    if ((s.d.status?.observedGeneration ?? 0) < (s.d.metadata.generation ?? 0)) await s.writeStatus({ ...s.d.status, observedGeneration: s.d.metadata.generation });
    return;
  }
  if (s.d.metadata.deletionTimestamp) {
    const { newRS, oldRSs } = await allReplicaSets(s, false);
    return s.syncDeploymentStatus([...oldRSs, newRS], newRS);
  }
  await checkPausedConditions(s);
  if (s.d.spec.paused || (await isScalingEvent(s))) return syncScale(s);
  if (s.d.spec.strategy?.type === 'Recreate') return rolloutRecreate(s);
  return rolloutRolling(s);
}
