// The horizontal pod autoscaler (upstream pkg/controller/podautoscaler, autoscaling/v2) for
// resource metrics: every 15 s (the sync period, on the cluster's clock) each HPA reads its
// target's scale and its pods' cpu/memory from the metrics server, proposes a replica count per
// metric (hpa.replicas.ts), takes the largest, normalizes it (hpa.behavior.ts), rescales the target
// through its scale subresource and writes status: replicas, current metrics, and the conditions
// AbleToScale, ScalingActive and ScalingLimited with upstream's reasons.
import type { HorizontalPodAutoscaler } from '../../../api/kinds/autoscaling.ts';
import type { Pod } from '../../../api/kinds/pod.ts';
import { rfc3339 } from '../../../api/names.ts';
import { selectorMatcher } from '../../../api/selectors.ts';
import { NAMESPACE_INDEX, namespaceIndexers } from '../../../bus/indexers.ts';
import { defineController, type ControllerContext } from '../../lib/controller.ts';
import { newMemory, normalizeDefault, normalizeWithBehavior, storeScaleEvent, type Behavior, type HpaMemory } from './hpa.behavior.ts';
import { getScale, podResourceMetrics, updateScale, type TargetScale } from './hpa.metrics.ts';
import { computeReplicasForMetrics, type FetchedMetrics, type MetricSpec } from './hpa.compute.ts';

export interface HpaControllerInput {
  /** Upstream's --horizontal-pod-autoscaler-sync-period (15 s). */
  syncPeriodMs?: number;
}

type Ctx = ControllerContext<Map<string, HpaMemory>>;
type Condition = { type: string; status: string; reason: string; message: string; lastTransitionTime: string };

/** The HPA's conditions, updated in place: a condition keeps its lastTransitionTime while its status holds. */
class Conditions {
  readonly list: Condition[];
  constructor(
    old: unknown,
    private readonly now: string,
  ) {
    this.list = Array.isArray(old) ? (old as Condition[]).map((c) => ({ ...c })) : [];
  }
  set(type: string, status: 'True' | 'False', reason: string, message: string): void {
    const c = this.list.find((x) => x.type === type);
    if (!c) this.list.push({ type, status, reason, message, lastTransitionTime: this.now });
    else Object.assign(c, { reason, message }, c.status !== status ? { status, lastTransitionTime: this.now } : {});
  }
}

/** Fetches the pods' metrics of each resource the spec's Resource metrics name (once per resource); a failure is kept as its Error. */
async function fetchMetrics(ctx: Ctx, hpa: HorizontalPodAutoscaler, metrics: MetricSpec[], selector: string): Promise<FetchedMetrics> {
  const out: FetchedMetrics = new Map();
  for (const m of metrics) {
    const resource = m.resource?.name;
    if (m.type !== 'Resource' || !resource || out.has(resource)) continue;
    const got = await podResourceMetrics(ctx.deps.bus, hpa.metadata.namespace!, selector, resource).catch(
      (err: Error) => new Error(`unable to get metrics for resource ${resource}: ${err.message}`),
    );
    out.set(resource, got);
  }
  return out;
}

/** Brings one HPA's target to the replica count its metrics ask for, and writes its status. */
async function sync(ctx: Ctx, hpa: HorizontalPodAutoscaler, mem: HpaMemory, now: number): Promise<void> {
  const spec = hpa.spec ?? {};
  const conds = new Conditions(hpa.status?.conditions, rfc3339(now));
  const min = spec.minReplicas ?? 1;
  const max = spec.maxReplicas ?? 1;
  const old = hpa.status ?? {};
  const writeStatus = async (status: Record<string, unknown>) => {
    const next = { ...status, conditions: conds.list, ...(hpa.metadata.generation ? { observedGeneration: hpa.metadata.generation } : {}) };
    if (JSON.stringify(next) !== JSON.stringify(old)) await ctx.deps.client.updateStatus('horizontalpodautoscalers', { ...hpa, status: next });
  };
  let scale: TargetScale;
  try {
    scale = await getScale(ctx.deps.client, hpa.metadata.namespace!, spec.scaleTargetRef ?? {});
  } catch (err) {
    const message = `the HPA controller was unable to get the target's current scale: ${(err as Error).message}`;
    ctx.events.record(hpa, 'Warning', 'FailedGetScale', (err as Error).message);
    conds.set('AbleToScale', 'False', 'FailedGetScale', message);
    return writeStatus({ ...old, currentReplicas: old.currentReplicas ?? 0, desiredReplicas: old.desiredReplicas ?? 0 });
  }
  const current = scale.replicas;
  if (mem.recommendations.length === 0) mem.recommendations.push({ replicas: current, at: now });
  conds.set('AbleToScale', 'True', 'SucceededGetScale', 'the HPA controller was able to get the target\'s current scale');
  let desired = 0;
  let reason = '';
  let metricStatuses: Array<Record<string, unknown>> = (old.currentMetrics as Array<Record<string, unknown>>) ?? [];
  if (current === 0 && min !== 0) {
    conds.set('ScalingActive', 'False', 'ScalingDisabled', 'scaling is disabled since the replica count of the target is zero');
    desired = 0;
  } else if (current > max) {
    [desired, reason] = [max, 'Current number of replicas above Spec.MaxReplicas'];
  } else if (current < min) {
    [desired, reason] = [min, 'Current number of replicas below Spec.MinReplicas'];
  } else {
    if (!scale.selector) {
      conds.set('ScalingActive', 'False', 'InvalidSelector', "the HPA target's scale is missing a selector");
      return writeStatus({ currentReplicas: current, desiredReplicas: old.desiredReplicas ?? current, currentMetrics: metricStatuses });
    }
    const metrics = spec.metrics ?? [];
    const match = selectorMatcher(scale.selector);
    const pods = ctx.cache<Pod>('pods').byIndex(NAMESPACE_INDEX, hpa.metadata.namespace!).filter((p) => match(p.metadata.labels));
    const { best, statuses, errors } = computeReplicasForMetrics(metrics, await fetchMetrics(ctx, hpa, metrics, scale.selector), pods, current, now);
    for (const err of errors) {
      ctx.events.record(hpa, 'Warning', err.reason, err.message);
      conds.set('ScalingActive', 'False', err.reason, `the HPA was unable to compute the replica count: ${err.message}`);
    }
    if (!best || errors.length >= metrics.length) {
      const message = `invalid metrics (${errors.length} invalid out of ${metrics.length}), first error is: ${errors[0]?.message}`;
      ctx.events.record(hpa, 'Warning', 'FailedComputeMetricsReplicas', message);
      return writeStatus({ currentReplicas: current, desiredReplicas: old.desiredReplicas ?? current, currentMetrics: statuses.length ? statuses : metricStatuses });
    }
    metricStatuses = statuses;
    conds.set('ScalingActive', 'True', 'ValidMetricFound', `the HPA was able to successfully calculate a replica count from ${best.name}`);
    const behavior = spec.behavior as Behavior | undefined;
    const n = behavior ? normalizeWithBehavior(behavior, mem, current, best.replicas, min, max, now) : normalizeDefault(mem, current, best.replicas, min, max, now);
    conds.set('AbleToScale', 'True', n.able.reason, n.able.message);
    conds.set('ScalingLimited', n.limited.status, n.limited.reason, n.limited.message);
    desired = n.replicas;
    reason = desired > current ? `${best.name} above target` : 'All metrics below target';
  }
  const rescale = desired !== current && !(current === 0 && min !== 0);
  let lastScaleTime = old.lastScaleTime;
  if (rescale) {
    try {
      await updateScale(ctx.deps.client, scale, desired);
    } catch (err) {
      conds.set('AbleToScale', 'False', 'FailedUpdateScale', `the HPA controller was unable to update the target scale: ${(err as Error).message}`);
      ctx.events.record(hpa, 'Warning', 'FailedRescale', `New size: ${desired}; reason: ${reason}; error: ${(err as Error).message}`);
      await writeStatus({ ...old, currentReplicas: current, desiredReplicas: old.desiredReplicas ?? current, currentMetrics: metricStatuses });
      throw err;
    }
    conds.set('AbleToScale', 'True', 'SucceededRescale', `the HPA controller was able to update the target scale to ${desired}`);
    ctx.events.record(hpa, 'Normal', 'SuccessfulRescale', `New size: ${desired}; reason: ${reason}`);
    storeScaleEvent(spec.behavior as Behavior | undefined, mem, current, desired, now);
    lastScaleTime = rfc3339(now);
  }
  await writeStatus({ ...(lastScaleTime ? { lastScaleTime } : {}), currentReplicas: current, desiredReplicas: desired, ...(metricStatuses.length ? { currentMetrics: metricStatuses } : {}) });
}

/** The HPA controller actor (kind `controller/horizontalpodautoscaling`). */
export const hpaController = defineController<HpaControllerInput | undefined, Map<string, HpaMemory>>({
  name: 'horizontalpodautoscaling',
  watches: [
    // A spec change is synced at once; status writes (ours) wait for the next period, as upstream's queue does.
    { resource: 'horizontalpodautoscalers', updateKeys: (a, b) => (a.metadata.generation !== b.metadata.generation ? [`${b.metadata.namespace}/${b.metadata.name}`] : []) },
    { resource: 'pods', indexers: namespaceIndexers, keys: () => [] },
  ],
  init: () => new Map(),
  async reconcile(key, ctx, input) {
    const hpa = ctx.cache<HorizontalPodAutoscaler>('horizontalpodautoscalers').get(key);
    if (!hpa) {
      ctx.state.delete(key);
      return;
    }
    const mem = ctx.state.get(key) ?? newMemory();
    ctx.state.set(key, mem);
    try {
      await sync(ctx, hpa, mem, ctx.deps.clock.now());
    } catch (err) {
      ctx.deps.log.warn({ hpa: key, err: (err as Error).message }, 'horizontal pod autoscaler: sync failed');
    }
    return { requeueAfterMs: input?.syncPeriodMs ?? 15_000 };
  },
});
