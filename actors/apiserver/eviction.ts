// pods/eviction as upstream's EvictionREST (pkg/registry/core/pod/storage/eviction.go): a pod guarded by
// a PodDisruptionBudget goes only when the budget allows one more disruption, which is taken from it
// (disruptionsAllowed - 1, the pod recorded in disruptedPods) before the pod is marked DisruptionTarget
// and deleted. Terminal, pending and already-deleting pods ignore budgets.
import { isPodReady } from '../../api/kinds/pod-helpers.ts';
import type { Pod } from '../../api/kinds/pod.ts';
import { pdbSelects, withDisruptionAllowedCondition, type PodDisruptionBudget, type PodDisruptionBudgetStatus } from '../../api/kinds/poddisruptionbudget.ts';
import type { KubeObject } from '../../api/meta.ts';
import { rfc3339 } from '../../api/names.ts';
import type { ApiRequest, DeleteOptions } from '../../api/protocol.ts';
import type { ResourceDef } from '../../api/resource.ts';
import { resourceFor } from '../../api/resources.ts';
import { conflict, forbidden, internalError, isConflict, MODIFIED_MESSAGE, StatusError, type Status } from '../../api/status.ts';
import type { ServerContext } from './context.ts';
import { remove } from './deletion.ts';
import { resourcePrefix } from './keys.ts';
import { fromKV } from './objects.ts';
import { getKV } from './reads.ts';
import { nameOf, namespaceOf } from './request.ts';
import { commitUpdate } from './writes.ts';

/** Upstream's MaxDisruptedPodSize: evictions the controller has not confirmed yet, at most. */
export const MAX_DISRUPTED_PODS = 2000;
/** Upstream's EvictionsRetry.Steps: attempts when a write meets a conflict. */
const ATTEMPTS = 20;
const VIOLATION = "Cannot evict pod as it would violate the pod's disruption budget.";

/** The 429 of a budget that allows no disruption now, with upstream's DisruptionBudget cause. */
const tooManyRequests = (cause: string) => new StatusError(429, 'TooManyRequests', VIOLATION, { causes: [{ reason: 'DisruptionBudget', message: cause }] });

// canIgnorePDB: the pod already disrupted its application (terminal), never ran (Pending), or is going anyway.
const canIgnorePDB = (pod: Pod) =>
  pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed' || pod.status?.phase === 'Pending' || !!pod.metadata.deletionTimestamp;

/** Returns the PDBs of the pod's namespace whose selector matches it (a nil selector matches nothing). */
function budgetsOf(ctx: ServerContext, pdbDef: ResourceDef, pod: Pod): PodDisruptionBudget[] {
  const out: PodDisruptionBudget[] = [];
  for (const kv of ctx.store.range(resourcePrefix(pdbDef, pod.metadata.namespace)).kvs) {
    const pdb = fromKV(kv) as PodDisruptionBudget;
    if (pdbSelects(pdb, pod.metadata.labels)) out.push(pdb);
  }
  return out;
}

/** Takes one disruption from the budget and records the pod in disruptedPods (upstream checkAndDecrement). */
async function checkAndDecrement(ctx: ServerContext, pdbDef: ResourceDef, pdb: PodDisruptionBudget, podName: string, dryRun: boolean): Promise<void> {
  const st = pdb.status ?? {};
  const name = pdb.metadata.name!;
  if ((st.observedGeneration ?? 0) < (pdb.metadata.generation ?? 0)) throw tooManyRequests(`The disruption budget ${name} is still being processed by the server.`);
  const allowed = st.disruptionsAllowed ?? 0;
  if (allowed < 0) throw forbidden('poddisruptionbudget.policy', name, 'pdb disruptions allowed is negative');
  if (Object.keys(st.disruptedPods ?? {}).length > MAX_DISRUPTED_PODS)
    throw forbidden('poddisruptionbudget.policy', name, 'DisruptedPods map too big - too many evictions not confirmed by PDB controller');
  if (allowed === 0)
    throw tooManyRequests(`The disruption budget ${name} needs ${st.desiredHealthy ?? 0} healthy pods and has ${st.currentHealthy ?? 0} currently`);
  if (dryRun) return;
  const now = rfc3339(ctx.clock.now());
  let next: PodDisruptionBudgetStatus = { ...st, disruptionsAllowed: allowed - 1, disruptedPods: { ...st.disruptedPods, [podName]: now } };
  if (next.disruptionsAllowed === 0) next = withDisruptionAllowedCondition(next, now);
  const kv = getKV(ctx, pdbDef, pdb.metadata.namespace, name);
  await commitUpdate(ctx, pdbDef, kv, { ...pdb, status: next } as KubeObject, 'status');
}

/** Marks the pod DisruptionTarget (reason EvictionByEvictionAPI), then deletes it (upstream addConditionAndDeletePod). */
async function addConditionAndDelete(ctx: ServerContext, podDef: ResourceDef, req: ApiRequest, opts: DeleteOptions): Promise<void> {
  let del = opts;
  if (!req.dryRun) {
    const kv = getKV(ctx, podDef, req.namespace, req.name!);
    const pod = fromKV(kv) as Pod;
    const pre = opts.preconditions;
    // The preconditions hold against the pod the condition is written to (upstream's getLatestPod).
    if (pre?.uid && pre.uid !== pod.metadata.uid) throw conflict('pods', req.name!, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${pod.metadata.uid}`);
    if (pre?.resourceVersion && pre.resourceVersion !== pod.metadata.resourceVersion) throw conflict('pods', req.name!, MODIFIED_MESSAGE);
    const conds = (pod.status?.conditions ?? []).filter((c) => c.type !== 'DisruptionTarget');
    const old = pod.status?.conditions?.find((c) => c.type === 'DisruptionTarget');
    const cond = { type: 'DisruptionTarget', status: 'True', reason: 'EvictionByEvictionAPI', message: 'Eviction API: evicting', lastTransitionTime: old?.status === 'True' ? old.lastTransitionTime : rfc3339(ctx.clock.now()) };
    const updated = await commitUpdate(ctx, podDef, kv, { ...pod, status: { ...pod.status, conditions: [...conds, cond] } } as KubeObject, 'status');
    // The condition write is ours: the precondition moves to it.
    if (pre?.resourceVersion) del = { ...opts, preconditions: { ...pre, resourceVersion: updated.metadata.resourceVersion } };
  }
  await remove(ctx, podDef, { namespace: req.namespace, name: req.name, delete: del, dryRun: req.dryRun });
}

/** How the pod is to be deleted once the budget let it go; undefined when it went already. */
type Decision = { opts: DeleteOptions; budget?: string; pinned: boolean } | undefined;

/** One attempt: decide against the current pod and budget, and take a disruption when one is needed. */
async function decide(ctx: ServerContext, podDef: ResourceDef, pdbDef: ResourceDef, req: ApiRequest): Promise<Decision> {
  const asked = req.delete ?? {};
  const pod = fromKV(getKV(ctx, podDef, req.namespace, req.name!)) as Pod;
  if (canIgnorePDB(pod)) {
    await addConditionAndDelete(ctx, podDef, req, asked);
    return undefined;
  }
  const pdbs = budgetsOf(ctx, pdbDef, pod);
  if (pdbs.length > 1) throw internalError('This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.');
  if (pdbs.length === 0) return { opts: asked, pinned: false };
  const pdb = pdbs[0];
  const st = pdb.status ?? {};
  // An unready pod may go without taking a disruption when the budget says so, or while the application is healthy
  // anyway; then only this version of it (it must not have turned ready since).
  const unhealthyMayGo =
    !isPodReady(pod) && (pdb.spec?.unhealthyPodEvictionPolicy === 'AlwaysAllow' || ((st.currentHealthy ?? 0) >= (st.desiredHealthy ?? 0) && (st.desiredHealthy ?? 0) > 0));
  if (unhealthyMayGo) return { opts: { ...asked, preconditions: { ...asked.preconditions, resourceVersion: pod.metadata.resourceVersion } }, budget: pdb.metadata.name, pinned: true };
  await checkAndDecrement(ctx, pdbDef, pdb, pod.metadata.name!, !!req.dryRun);
  return { opts: asked, budget: pdb.metadata.name, pinned: false };
}

/** pods evict: the eviction subresource; answers a Success Status (201) once the pod is deleted or marked for it. */
export async function evict(ctx: ServerContext, podDef: ResourceDef, req: ApiRequest): Promise<Status> {
  if (podDef.plural !== 'pods') throw new StatusError(405, 'MethodNotAllowed', `the server does not allow the verb "evict" on ${podDef.plural}`);
  const r: ApiRequest = { ...req, namespace: namespaceOf(podDef, req), name: nameOf(req) };
  const pdbDef = resourceFor('poddisruptionbudgets')!;
  const success: Status = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', message: '', reason: '', code: 201 };
  let decision: Decision;
  for (let attempt = 1; ; attempt++) {
    try {
      decision = await decide(ctx, podDef, pdbDef, r);
      break;
    } catch (err) {
      if (!isConflict(err) || attempt >= ATTEMPTS) throw err;
    }
  }
  if (!decision) return success;
  try {
    await addConditionAndDelete(ctx, podDef, r, decision.opts);
  } catch (err) {
    // The unready pod changed since it was judged (it may be ready now): the client retries, as on any 429.
    if (isConflict(err) && decision.pinned && !req.delete?.preconditions?.resourceVersion)
      throw tooManyRequests(`The disruption budget ${decision.budget} is still being processed by the server.`);
    throw err;
  }
  return success;
}
