// The HPA's normalization of a proposed replica count (upstream horizontal.go): stabilization over
// the recent recommendations, then the scale rate (behavior policies, or without a behavior the
// v1 rule of at most double or 4), then min/max. Pure: the recommendations and scale events a
// controller keeps per HPA are passed in and changed in place; `now` is the cluster's clock.

/** autoscaling/v2 HPAScalingRules after defaulting. */
export interface ScalingRules {
  stabilizationWindowSeconds?: number;
  selectPolicy?: string;
  policies?: Array<{ type?: string; value?: number; periodSeconds?: number }>;
}

export interface Behavior {
  scaleUp?: ScalingRules;
  scaleDown?: ScalingRules;
}

/** Upstream's --horizontal-pod-autoscaler-downscale-stabilization (5 min). */
export const DOWNSCALE_STABILIZATION_MS = 300_000;

/** Upstream's defaults for rules not given (GenerateHPAScaleUpRules / GenerateHPAScaleDownRules). */
export function defaultedRules(rules: ScalingRules | undefined, up: boolean): Required<ScalingRules> {
  return {
    stabilizationWindowSeconds: rules?.stabilizationWindowSeconds ?? (up ? 0 : DOWNSCALE_STABILIZATION_MS / 1000),
    selectPolicy: rules?.selectPolicy ?? 'Max',
    policies: rules?.policies ?? (up ? [{ type: 'Pods', value: 4, periodSeconds: 15 }, { type: 'Percent', value: 100, periodSeconds: 15 }] : [{ type: 'Percent', value: 100, periodSeconds: 15 }]),
  };
}

export interface Recommendation {
  replicas: number;
  at: number;
}

export interface ScaleEvent {
  change: number;
  at: number;
  outdated: boolean;
}

/** What the HPA remembers between syncs (upstream keeps it per HPA key in the controller). */
export interface HpaMemory {
  recommendations: Recommendation[];
  scaleUp: ScaleEvent[];
  scaleDown: ScaleEvent[];
}

export const newMemory = (): HpaMemory => ({ recommendations: [], scaleUp: [], scaleDown: [] });

/** A normalized count with the conditions it sets: AbleToScale's reason and ScalingLimited's. */
export interface Normalized {
  replicas: number;
  able: { reason: string; message: string };
  limited: { status: 'True' | 'False'; reason: string; message: string };
}

const READY = { reason: 'ReadyForNewScale', message: 'recommended size matches current size' };
const UP_STABILIZED = { reason: 'ScaleUpStabilized', message: 'recent recommendations were lower than current one, applying the lowest recent recommendation' };
const DOWN_STABILIZED = { reason: 'ScaleDownStabilized', message: 'recent recommendations were higher than current one, applying the highest recent recommendation' };
const WITHIN = { reason: 'DesiredWithinRange', message: 'the desired count is within the acceptable range' };
const UP_LIMIT = { reason: 'ScaleUpLimit', message: 'the desired replica count is increasing faster than the maximum scale rate' };
const DOWN_LIMIT = { reason: 'ScaleDownLimit', message: 'the desired replica count is decreasing faster than the maximum scale rate' };
const TOO_MANY = { reason: 'TooManyReplicas', message: 'the desired replica count is more than the maximum replica count' };
const TOO_FEW = { reason: 'TooFewReplicas', message: 'the desired replica count is less than the minimum replica count' };

/** Records a recommendation, reusing the slot of one older than every window (as upstream). */
function record(mem: HpaMemory, replicas: number, now: number, oldIndex: number | undefined): void {
  if (oldIndex !== undefined) mem.recommendations[oldIndex] = { replicas, at: now };
  else mem.recommendations.push({ replicas, at: now });
}

/** Sum of the changes within the last `periodSeconds` (upstream getReplicasChangePerPeriod). */
const changeInPeriod = (periodSeconds: number, events: ScaleEvent[], now: number) => events.filter((e) => e.at > now - periodSeconds * 1000).reduce((s, e) => s + e.change, 0);

/** Upstream calculateScaleUpLimitWithScalingRules / calculateScaleDownLimitWithBehaviors. */
export function scaleLimit(current: number, mem: HpaMemory, rules: Required<ScalingRules>, up: boolean, now: number): number {
  if (rules.selectPolicy === 'Disabled') return current;
  // Up: Max takes the largest proposal; down: Max the largest change, the smallest count.
  const pickLarger = (rules.selectPolicy === 'Min') !== up;
  let result = pickLarger ? -Infinity : Infinity;
  for (const p of rules.policies) {
    const period = p.periodSeconds ?? 15;
    const start = current - changeInPeriod(period, mem.scaleUp, now) + changeInPeriod(period, mem.scaleDown, now);
    const v = p.value ?? 0;
    const proposed = p.type === 'Pods' ? (up ? start + v : start - v) : up ? Math.ceil(start * (1 + v / 100)) : Math.trunc(start * (1 - v / 100));
    result = pickLarger ? Math.max(result, proposed) : Math.min(result, proposed);
  }
  return result;
}

/** Upstream normalizeDesiredReplicasWithBehaviors: stabilize in both windows, then limit by the policies and min/max. */
export function normalizeWithBehavior(behavior: Behavior, mem: HpaMemory, current: number, desired: number, min: number, max: number, now: number): Normalized {
  const up = defaultedRules(behavior.scaleUp, true);
  const down = defaultedRules(behavior.scaleDown, false);
  const upCutoff = now - up.stabilizationWindowSeconds * 1000;
  const downCutoff = now - down.stabilizationWindowSeconds * 1000;
  let upRec = desired;
  let downRec = desired;
  let oldIndex: number | undefined;
  mem.recommendations.forEach((r, i) => {
    if (r.at > upCutoff) upRec = Math.min(r.replicas, upRec);
    if (r.at > downCutoff) downRec = Math.max(r.replicas, downRec);
    if (r.at < upCutoff && r.at < downCutoff) oldIndex = i;
  });
  const stabilized = Math.min(Math.max(current, upRec), downRec);
  record(mem, desired, now, oldIndex);
  const able = stabilized === desired ? READY : desired >= current ? UP_STABILIZED : DOWN_STABILIZED;
  let replicas = stabilized;
  let why = WITHIN;
  if (stabilized > current) {
    const limit = Math.max(scaleLimit(current, mem, up, true, now), current);
    const allowed = Math.min(max, limit);
    if (stabilized > allowed) [replicas, why] = [allowed, max > limit ? UP_LIMIT : TOO_MANY];
  } else if (stabilized < current) {
    const limit = Math.min(scaleLimit(current, mem, down, false, now), current);
    const allowed = Math.max(min, limit);
    if (stabilized < allowed) [replicas, why] = [allowed, min < limit ? DOWN_LIMIT : TOO_FEW];
  }
  return { replicas, able, limited: { status: replicas === stabilized ? 'False' : 'True', ...why } };
}

/** Upstream normalizeDesiredReplicas (no behavior): the highest recommendation of the last 5 minutes, at most max(2×, 4), then min/max. */
export function normalizeDefault(mem: HpaMemory, current: number, desired: number, min: number, max: number, now: number): Normalized {
  const cutoff = now - DOWNSCALE_STABILIZATION_MS;
  let stabilized = desired;
  let oldIndex: number | undefined;
  mem.recommendations.forEach((r, i) => {
    if (r.at < cutoff) oldIndex = i;
    else if (r.replicas > stabilized) stabilized = r.replicas;
  });
  record(mem, desired, now, oldIndex);
  const able = stabilized !== desired ? DOWN_STABILIZED : READY;
  const upLimit = Math.max(2 * current, 4);
  const [maxAllowed, overWhy] = max > upLimit ? [upLimit, UP_LIMIT] : [max, TOO_MANY];
  let replicas = stabilized;
  let why = WITHIN;
  if (stabilized < min) [replicas, why] = [min, TOO_FEW];
  else if (stabilized > maxAllowed) [replicas, why] = [maxAllowed, overWhy];
  return { replicas, able, limited: { status: replicas === stabilized ? 'False' : 'True', ...why } };
}

/** Upstream storeScaleEvent: remembers a rescale for the policies' periods (with a behavior only). */
export function storeScaleEvent(behavior: Behavior | undefined, mem: HpaMemory, from: number, to: number, now: number): void {
  if (!behavior || from === to) return;
  const up = to > from;
  const rules = defaultedRules(up ? behavior.scaleUp : behavior.scaleDown, up);
  const longest = Math.max(0, ...rules.policies.map((p) => p.periodSeconds ?? 0));
  const events = up ? mem.scaleUp : mem.scaleDown;
  for (const e of events) if (e.at <= now - longest * 1000) e.outdated = true;
  const event = { change: Math.abs(to - from), at: now, outdated: false };
  const slot = events.findIndex((e) => e.outdated);
  if (slot >= 0) events[slot] = event;
  else events.push(event);
}
