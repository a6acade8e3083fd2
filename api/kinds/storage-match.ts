// Which volume a claim binds to, as upstream's FindMatchingVolume (pkg/controller/volume/
// persistentvolume/util): pre-bound first, else the smallest Available volume of the claim's class
// with its access modes, selector, volume mode and (given a node) node affinity. Shared by the PV
// binder and the scheduler's VolumeBinding plugin.
import { compareQuantities, tryParseQuantity, type Quantity } from '../quantity.ts';
import { labelSelectorMatcher } from '../selectors.ts';
import type { Node } from './node.ts';
import { nodeSelectorTermMatches } from './scheduling.ts';
import { claimClass, claimRequest, volumeCapacity, type PersistentVolume, type PersistentVolumeClaim } from './storage.ts';


/** Parsed capacities of volume objects seen (cache objects are replaced, never changed, on update): matching a claim reads every volume. */
const capacities = new WeakMap<PersistentVolume, Quantity | undefined>();
function capacityOf(pv: PersistentVolume): Quantity | undefined {
  if (!capacities.has(pv)) capacities.set(pv, tryParseQuantity(volumeCapacity(pv)));
  return capacities.get(pv);
}

/** Returns true when a volume's claimRef names this claim (and, once set, its uid). */
export function isVolumeBoundToClaim(pv: PersistentVolume, pvc: PersistentVolumeClaim): boolean {
  const ref = pv.spec?.claimRef;
  if (!ref || ref.name !== pvc.metadata.name || ref.namespace !== pvc.metadata.namespace) return false;
  return !ref.uid || ref.uid === pvc.metadata.uid;
}

/** Returns true when a volume offers every access mode the claim asks for (upstream CheckAccessModes). */
export const hasAccessModes = (pv: PersistentVolume, pvc: PersistentVolumeClaim): boolean =>
  (pvc.spec?.accessModes ?? []).every((m) => (pv.spec?.accessModes ?? []).includes(m));

/** Returns true when a node satisfies a volume's nodeAffinity (no affinity: every node; upstream CheckNodeAffinity). */
export function volumeFitsNode(pv: PersistentVolume, node: Pick<Node, 'metadata'>): boolean {
  const terms = pv.spec?.nodeAffinity?.required?.nodeSelectorTerms;
  if (!terms) return true;
  return terms.some((t) => nodeSelectorTermMatches(t, node.metadata.labels, node.metadata.name!));
}

export interface MatchOptions {
  /** The node the pod goes to (the scheduler's check); none for the binder. */
  node?: Pick<Node, 'metadata'>;
  /** The claim's class binds late (WaitForFirstConsumer): without a node, only a pre-bound volume matches. */
  delayBinding?: boolean;
  /** Volumes already chosen for other claims of the same pod. */
  excluded?: ReadonlySet<string>;
}

/** Returns the volume a claim should bind to, or undefined. */
export function findMatchingVolume(pvc: PersistentVolumeClaim, volumes: Iterable<PersistentVolume>, opts: MatchOptions = {}): PersistentVolume | undefined {
  const want = tryParseQuantity(claimRequest(pvc));
  if (!want) return undefined;
  const cls = claimClass(pvc);
  const mode = pvc.spec?.volumeMode ?? 'Filesystem';
  const selector = pvc.spec?.selector ? labelSelectorMatcher(pvc.spec.selector) : undefined;
  let best: PersistentVolume | undefined;
  let bestQty: Quantity | undefined;
  for (const pv of volumes) {
    if (opts.excluded?.has(pv.metadata.name!)) continue;
    if ((pv.spec?.volumeMode ?? 'Filesystem') !== mode) continue;
    if (isVolumeBoundToClaim(pv, pvc)) {
      // A volume pre-bound to this claim wins whatever its size, unless the node cannot reach it.
      if (opts.node && !volumeFitsNode(pv, opts.node)) return undefined;
      return pv;
    }
    if (!opts.node && opts.delayBinding) continue;
    if (pv.spec?.claimRef || pv.metadata.deletionTimestamp) continue;
    if (pv.status?.phase === 'Released' || pv.status?.phase === 'Failed') continue;
    if (selector && !selector(pv.metadata.labels ?? {})) continue;
    if ((pv.spec?.storageClassName ?? '') !== cls) continue;
    if (opts.node && !volumeFitsNode(pv, opts.node)) continue;
    if (!hasAccessModes(pv, pvc)) continue;
    const have = capacityOf(pv);
    if (!have || compareQuantities(have, want) < 0) continue;
    if (!bestQty || compareQuantities(bestQty, have) > 0) {
      best = pv;
      bestQty = have;
    }
  }
  return best;
}
