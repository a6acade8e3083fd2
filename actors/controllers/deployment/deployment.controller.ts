// The Deployment controller: rolls a Deployment's pod template out through ReplicaSets named
// `<deployment>-<pod-template-hash>` (RollingUpdate or Recreate), scales them proportionally,
// keeps revisionHistoryLimit old ones, and reports Available and Progressing conditions.
import type { Deployment } from '../../../api/kinds/deployment.ts';
import type { Pod } from '../../../api/kinds/pod.ts';
import { isPodTerminal } from '../../../api/kinds/pod-helpers.ts';
import type { ReplicaSet } from '../../../api/kinds/replicaset.ts';
import { controllerRefOf, type KubeObject } from '../../../api/meta.ts';
import { isEmptySelector, labelSelectorMatcher, type LabelMatcher } from '../../../api/selectors.ts';
import { CONTROLLER_INDEX, controllerIndexers, namespaceIndexers, orphansIn } from '../../../bus/indexers.ts';
import { keyOf } from '../../../bus/informer.ts';
import type { Logger } from '../../../bus/types.ts';
import { defineController, type ControllerContext } from '../../lib/controller.ts';
import { ownerOrAdopters, ownerUpdateKeys, selectingOwners } from '../shared/owner-keys.ts';
import { claimObjects } from '../shared/ownership.client.ts';
import { newControllerRef } from '../shared/ownership.ts';
import { syncDeployment } from './rollout.ts';
import { DeploymentSync } from './sync.ts';

export interface DeploymentControllerOptions {
  /** Deployments synced at once (upstream --concurrent-deployment-syncs, 5). */
  workers?: number;
}

/** Upstream's default --concurrent-deployment-syncs. */
export const DEPLOYMENT_WORKERS = 5;

/** Returns a matcher for a Deployment's selector (nothing for an empty or broken one). */
function selectorOf(d: Deployment, log: Logger): LabelMatcher | undefined {
  if (isEmptySelector(d.spec.selector)) return undefined;
  try {
    return labelSelectorMatcher(d.spec.selector);
  } catch (err) {
    log.warn({ deployment: keyOf(d), err: (err as Error).message }, 'invalid selector; the Deployment selects nothing');
    return undefined;
  }
}

/** Returns the Deployments that may adopt an orphan ReplicaSet (getDeploymentsForReplicaSet). */
const adopters = (ctx: ControllerContext) => (rs: KubeObject) => selectingOwners(ctx.cache<Deployment>('deployments').lister(), rs, ctx.deps.log);

/** Returns the keys a pod change wakes: the Recreate Deployment of a pod going away (it waits for old pods to be gone). */
function podKeys(pod: KubeObject, ctx: ControllerContext): string[] {
  const ref = controllerRefOf(pod);
  if (!ref || ref.kind !== 'ReplicaSet') return [];
  if (!pod.metadata.deletionTimestamp && !isPodTerminal(pod as Pod)) return [];
  const rs = ctx.cache<ReplicaSet>('replicasets').get(`${pod.metadata.namespace}/${ref.name}`);
  const owner = rs && rs.metadata.uid === ref.uid ? controllerRefOf(rs) : undefined;
  if (!owner || owner.kind !== 'Deployment') return [];
  const d = ctx.cache<Deployment>('deployments').get(`${rs!.metadata.namespace}/${owner.name}`);
  return d?.spec.strategy?.type === 'Recreate' ? [keyOf(d)] : [];
}

export const deploymentController = defineController<DeploymentControllerOptions | void>({
  name: 'deployment',
  watches: [
    { resource: 'deployments', indexers: namespaceIndexers },
    { resource: 'replicasets', indexers: controllerIndexers, keys: (rs, ctx) => ownerOrAdopters(rs, 'Deployment', adopters(ctx)), updateKeys: (old, rs, ctx) => ownerUpdateKeys(old, rs, 'Deployment', adopters(ctx)) },
    { resource: 'pods', indexers: controllerIndexers, keys: podKeys },
  ],
  workers: (input) => (input && input.workers) || DEPLOYMENT_WORKERS,
  async reconcile(key, ctx) {
    const cached = ctx.cache<Deployment>('deployments').get(key);
    if (!cached) return;
    const d = structuredClone(cached);
    const matches = selectorOf(d, ctx.deps.log);
    // Claim the ReplicaSets: adopt matching orphans, release owned ones that stopped matching.
    const sets = ctx.cache<ReplicaSet>('replicasets');
    const candidates = [...sets.byIndex(CONTROLLER_INDEX, d.metadata.uid!), ...sets.byIndex(CONTROLLER_INDEX, orphansIn(d.metadata.namespace))];
    const rsList = await claimObjects(ctx, candidates, {
      owner: d,
      ownerResource: 'deployments',
      resource: 'replicasets',
      ref: newControllerRef(d, 'apps/v1', 'Deployment'),
      matches: (rs) => !!matches?.(rs.metadata.labels),
    });
    const pods = ctx.cache<Pod>('pods');
    const podMap = new Map(rsList.map((rs) => [rs.metadata.uid!, pods.byIndex(CONTROLLER_INDEX, rs.metadata.uid!)]));
    const s = new DeploymentSync(ctx, d, rsList.map((rs) => structuredClone(rs)), podMap, ctx.deps.clock.now());
    await syncDeployment(s);
    // The progress deadline passes with no event to say so (upstream requeueStuckDeployment).
    if (s.checkInMs !== undefined) return { requeueAfterMs: s.checkInMs };
  },
});
