// The Deployment controller: rolls a Deployment's pod template out through ReplicaSets named
// `<deployment>-<pod-template-hash>` (RollingUpdate or Recreate), scales them proportionally,
// keeps revisionHistoryLimit old ones, and reports Available and Progressing conditions.
import type { Deployment } from '../../../api/kinds/deployment.ts';
import type { Pod } from '../../../api/kinds/pod.ts';
import { isPodTerminal } from '../../../api/kinds/pod-helpers.ts';
import type { ReplicaSet } from '../../../api/kinds/replicaset.ts';
import type { KubeObject } from '../../../api/meta.ts';
import { labelSelectorMatcher, type LabelMatcher } from '../../../api/selectors.ts';
import { keyOf } from '../../../bus/informer.ts';
import { defineController, type ControllerContext } from '../../lib/controller.ts';
import { OwnerIndex } from '../shared/owner-index.ts';
import { claimObjects } from '../shared/ownership.client.ts';
import { controllerRefOf, newControllerRef } from '../shared/ownership.ts';
import { Wakeups } from '../shared/wakeups.ts';
import { syncDeployment } from './rollout.ts';
import { DeploymentSync } from './sync.ts';

/** Keys that fan out: an orphan ReplicaSet wakes the Deployments selecting it; a pod going away wakes its ReplicaSet's Deployment. */
const ORPHAN_RS = '~orphan-rs/';
const POD_GONE = '~pod-gone/';

interface Memory {
  wakeups: Wakeups;
  sets: OwnerIndex<ReplicaSet>;
  pods: OwnerIndex<Pod>;
}

const memories = new WeakMap<ControllerContext, Memory>();

function memoryOf(ctx: ControllerContext): Memory {
  let m = memories.get(ctx);
  if (!m) {
    const mem: Memory = {
      wakeups: new Wakeups(ctx.deps.clock, (key) => ctx.queue.add(key)),
      sets: new OwnerIndex(ctx.cache<ReplicaSet>('replicasets')),
      pods: new OwnerIndex(ctx.cache<Pod>('pods')),
    };
    ctx.deps.onStop(() => (mem.wakeups.clear(), mem.sets.close(), mem.pods.close()));
    memories.set(ctx, (m = mem));
  }
  return m;
}

/** Returns the keys a ReplicaSet change wakes: its Deployment, or the orphan fan-out key. */
function replicaSetKeys(rs: KubeObject): string[] {
  const ref = controllerRefOf(rs);
  if (!ref) return [`${ORPHAN_RS}${keyOf(rs)}`];
  return ref.kind === 'Deployment' ? [`${rs.metadata.namespace}/${ref.name}`] : [];
}

/** Returns the keys a pod change wakes: only pods going away matter (a Recreate waits for old pods to be gone). */
function podKeys(pod: KubeObject): string[] {
  const ref = controllerRefOf(pod);
  if (!ref || ref.kind !== 'ReplicaSet') return [];
  if (!pod.metadata.deletionTimestamp && !isPodTerminal(pod as Pod)) return [];
  return [`${POD_GONE}${pod.metadata.namespace}/${ref.name}`];
}

/** Returns a matcher for a Deployment's selector (nothing for an empty or broken one). */
function selectorOf(d: Deployment, ctx: ControllerContext): LabelMatcher | undefined {
  const sel = d.spec.selector;
  if (!sel || Object.keys(sel.matchLabels ?? {}).length + (sel.matchExpressions?.length ?? 0) === 0) return undefined;
  try {
    return labelSelectorMatcher(sel);
  } catch (err) {
    ctx.deps.log.warn({ deployment: keyOf(d), err: (err as Error).message }, 'invalid selector; the Deployment selects nothing');
    return undefined;
  }
}

/** Wakes what a fan-out key stands for. */
function fanOut(ctx: ControllerContext, key: string): void {
  const deployments = ctx.cache<Deployment>('deployments');
  if (key.startsWith(ORPHAN_RS)) {
    const rs = ctx.cache<ReplicaSet>('replicasets').get(key.slice(ORPHAN_RS.length));
    if (!rs || controllerRefOf(rs)) return;
    for (const d of deployments.list())
      if (d.metadata.namespace === rs.metadata.namespace && selectorOf(d, ctx)?.(rs.metadata.labels)) ctx.queue.add(keyOf(d));
    return;
  }
  const rs = ctx.cache<ReplicaSet>('replicasets').get(key.slice(POD_GONE.length));
  const ref = rs && controllerRefOf(rs);
  if (!ref || ref.kind !== 'Deployment') return;
  const d = deployments.get(`${rs.metadata.namespace}/${ref.name}`);
  if (d?.spec.strategy?.type === 'Recreate') ctx.queue.add(keyOf(d));
}

export const deploymentController = defineController({
  name: 'deployment',
  watches: [{ resource: 'deployments' }, { resource: 'replicasets', keys: replicaSetKeys }, { resource: 'pods', keys: podKeys }],
  started: (ctx) => void memoryOf(ctx),
  async reconcile(key, ctx) {
    if (key.startsWith('~')) return fanOut(ctx, key);
    const mem = memoryOf(ctx);
    const cached = ctx.cache<Deployment>('deployments').get(key);
    if (!cached) return;
    const d = structuredClone(cached);
    const matches = selectorOf(d, ctx);
    // Claim the ReplicaSets: adopt matching orphans, release owned ones that stopped matching.
    const candidates = [...mem.sets.owned(d.metadata.uid), ...mem.sets.orphansIn(d.metadata.namespace)];
    const rsList = await claimObjects(ctx, candidates, {
      owner: d,
      ownerResource: 'deployments',
      resource: 'replicasets',
      ref: newControllerRef(d, 'apps/v1', 'Deployment'),
      matches: (rs) => !!matches?.(rs.metadata.labels),
    });
    const podMap = new Map(rsList.map((rs) => [rs.metadata.uid!, mem.pods.owned(rs.metadata.uid)]));
    const s = new DeploymentSync(ctx, d, rsList.map((rs) => structuredClone(rs)), podMap, ctx.deps.clock.now());
    await syncDeployment(s);
    if (s.checkInMs !== undefined) mem.wakeups.after(key, s.checkInMs);
  },
});
