// The disruption controller (upstream pkg/controller/disruption): keeps each PodDisruptionBudget's
// status current — pods expected (from the pods' controllers' scale), healthy (Ready, not going,
// not recently evicted), needed healthy, disruptions allowed — so the eviction subresource can decide.
// A failed sync leaves the budget allowing nothing (DisruptionAllowed False, SyncFailed).
import type { Pod } from '../../../api/kinds/pod.ts';
import { pdbSelects, type PodDisruptionBudget, type PodDisruptionBudgetStatus } from '../../../api/kinds/poddisruptionbudget.ts';
import type { KubeObject, LabelSelector } from '../../../api/meta.ts';
import { isConflict } from '../../../api/status.ts';
import { NAMESPACE_INDEX, namespaceIndexers } from '../../../bus/indexers.ts';
import { keyOf } from '../../../bus/informer.ts';
import { defineController, type ControllerContext } from '../../lib/controller.ts';
import { scaleFinder } from './disruption.finders.ts';
import { countHealthyPods, disruptedPodMap, expectedPodCount, failSafeStatus, nextStatus } from './disruption.reconcile.ts';

type Ctx = ControllerContext<undefined>;

/** The workload caches the finders read; their changes wake nothing (upstream registers no handlers on them). */
export const SCALE_SOURCES = ['replicasets', 'deployments', 'statefulsets', 'replicationcontrollers'];

const selects = (pdb: PodDisruptionBudget, pod: KubeObject): boolean => pdbSelects(pdb, pod.metadata.labels);

/** Returns the keys of the budgets in the pod's namespace that select it. */
function budgetKeys(pod: KubeObject, ctx: Ctx): string[] {
  // A loop, not filter and map: every pod event, and most namespaces have no budget.
  const pdbs = ctx.cache<PodDisruptionBudget>('poddisruptionbudgets').byIndex(NAMESPACE_INDEX, pod.metadata.namespace ?? '');
  const out: string[] = [];
  for (let i = 0; i < pdbs.length; i++) if (selects(pdbs[i], pod)) out.push(keyOf(pdbs[i]));
  return out;
}

// Go's %v of *metav1.LabelSelector (its generated String()), as upstream's UnmanagedPods event prints it.
function selectorString(sel: LabelSelector | undefined): string {
  if (!sel) return '<nil>';
  const labels = Object.keys(sel.matchLabels ?? {}).sort().map((k) => `${k}: ${sel.matchLabels![k]},`).join('');
  const exprs = (sel.matchExpressions ?? []).map((e) => `&LabelSelectorRequirement{Key:${e.key},Operator:${e.operator},Values:[${(e.values ?? []).join(' ')}],},`).join('');
  return `&LabelSelector{MatchLabels:map[string]string{${labels}},MatchExpressions:[]LabelSelectorRequirement{${exprs}},}`;
}

async function writeStatus(ctx: Ctx, pdb: PodDisruptionBudget, status: PodDisruptionBudgetStatus): Promise<void> {
  await ctx.deps.client.updateStatus('poddisruptionbudgets', { ...pdb, status } as KubeObject);
}

/** Counts the budget's pods and writes the status they add up to (upstream trySync); returns when to look again. */
async function trySync(ctx: Ctx, pdb: PodDisruptionBudget, now: number): Promise<number | undefined> {
  const pods = ctx.cache<Pod>('pods').byIndex(NAMESPACE_INDEX, pdb.metadata.namespace!).filter((p) => selects(pdb, p));
  if (pods.length === 0) ctx.events.record(pdb, 'Normal', 'NoPods', 'No matching pods found');
  let counted: ReturnType<typeof expectedPodCount>;
  try {
    counted = expectedPodCount(pdb, pods, scaleFinder(ctx));
  } catch (err) {
    ctx.events.record(pdb, 'Warning', 'CalculateExpectedPodCountFailed', `Failed to calculate the number of expected pods: ${(err as Error).message}`);
    throw err;
  }
  if (counted.unmanaged.length)
    ctx.events.record(
      pdb,
      'Warning',
      'UnmanagedPods',
      `Pods selected by this PodDisruptionBudget (selector: ${selectorString(pdb.spec?.selector)}) were found to be unmanaged. As a result, the status of the PDB cannot be calculated correctly, which may result in undefined behavior. To account for these pods please set ".spec.minAvailable" field of the PDB to an integer value.`,
    );
  const { disrupted, overdue, recheckAt } = disruptedPodMap(pdb, pods, now);
  // Upstream names the budget as namespace/namespace here; kept, so the events read the same.
  for (const pod of overdue) ctx.events.record(pod, 'Warning', 'NotDeleted', `Pod was expected by PDB ${pdb.metadata.namespace}/${pdb.metadata.namespace} to be deleted but it wasn't`);
  const currentHealthy = countHealthyPods(pods, disrupted, now);
  const next = nextStatus(pdb, { currentHealthy, desiredHealthy: counted.desiredHealthy, expected: counted.expected, disrupted }, now);
  if (next) await writeStatus(ctx, pdb, next);
  return recheckAt;
}

export const disruptionController = defineController<void, undefined>({
  name: 'disruption',
  watches: [
    { resource: 'poddisruptionbudgets', indexers: namespaceIndexers },
    { resource: 'pods', indexers: namespaceIndexers, keys: (pod, ctx) => budgetKeys(pod, ctx) },
    ...SCALE_SOURCES.map((resource) => ({ resource, keys: () => [] })),
  ],
  async reconcile(key, ctx) {
    const pdb = ctx.cache<PodDisruptionBudget>('poddisruptionbudgets').get(key);
    if (!pdb) return;
    const now = ctx.deps.clock.now();
    try {
      const recheckAt = await trySync(ctx, pdb, now);
      if (recheckAt !== undefined) return { requeueAfterMs: Math.max(1, recheckAt - now) };
    } catch (err) {
      // A conflict only means the cache is behind: retry without giving up the budget's disruptions.
      if (isConflict(err)) throw err;
      ctx.deps.log.warn({ pdb: key, err: (err as Error).message }, 'failed to sync PodDisruptionBudget');
      await writeStatus(ctx, pdb, failSafeStatus(pdb, err as Error, now));
      throw err;
    }
  },
});
