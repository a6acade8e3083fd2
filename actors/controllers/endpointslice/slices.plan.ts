// Placing a service's endpoints in EndpointSlices, as upstream's reconciler does
// (staging/src/k8s.io/endpointslice/reconciler.go reconcileByPortMapping and finalize): endpoints
// grouped by their port set; existing slices keep the endpoints still wanted; new endpoints go
// first to slices being updated anyway, then into one unchanged slice that can take them all,
// then into new slices of at most `maxPerSlice`; slices about to be deleted are reused for
// creations; a service with no endpoints keeps one empty placeholder. Pure: no client calls.
import type { Endpoint, EndpointSlice, EndpointSlicePort } from '../../../api/kinds/endpointslice.ts';
import { sameLabels } from '../../../api/selectors.ts';
import { semanticEqual } from '../shared/semantic-equal.ts';
import { LAST_CHANGE_TRIGGER_TIME, rfc3339Nano } from '../shared/trigger-time.ts';

/** The endpoints wanted behind one port set (upstream's endpointMeta + EndpointSet). */
export interface DesiredGroup {
  ports: EndpointSlicePort[];
  endpoints: Endpoint[];
}

/** What a plan needs of the owner: a fresh, empty slice of its own (labels, owner, generateName) for these ports. */
export interface SliceOwner {
  addressTypes: string[];
  newSlice(addressType: string, ports: EndpointSlicePort[]): EndpointSlice;
  /** The labels every slice of the owner must carry now. */
  labels: Record<string, string>;
  /** ms since epoch, 0 when unknown: set as the last-change-trigger-time of every slice written. */
  triggerTime: number;
  /** Whether an owner without endpoints keeps one empty slice (the endpointslice controller's; mirroring keeps none). */
  placeholder: boolean;
}

export interface SlicePlan {
  create: EndpointSlice[];
  update: EndpointSlice[];
  delete: EndpointSlice[];
}

/** Returns the key of a port set: ports sorted by name, so order does not matter (upstream's hash of endpointMeta). */
export const portsKey = (addressType: string, ports: EndpointSlicePort[] = []): string =>
  `${addressType}|${JSON.stringify([...ports].map((p) => [p.name ?? '', p.port ?? null, p.protocol ?? 'TCP', p.appProtocol ?? '']).sort())}`;

/** Returns an endpoint's identity: its addresses, hostname and target (upstream hashEndpoint). */
export const endpointKey = (e: Endpoint): string =>
  JSON.stringify([e.addresses, e.hostname ?? '', e.targetRef?.namespace ?? '', e.targetRef?.name ?? '']);

/** Returns the slice with these endpoints, the owner's labels and the trigger time (a copy). */
function rewrite(slice: EndpointSlice, owner: SliceOwner, endpoints: Endpoint[]): EndpointSlice {
  const annotations = { ...(slice.metadata.annotations ?? {}) };
  if (owner.triggerTime > 0) annotations[LAST_CHANGE_TRIGGER_TIME] = rfc3339Nano(owner.triggerTime);
  else delete annotations[LAST_CHANGE_TRIGGER_TIME];
  const metadata = { ...slice.metadata, labels: { ...owner.labels } };
  if (Object.keys(annotations).length) metadata.annotations = annotations;
  else delete metadata.annotations;
  return { ...slice, metadata, endpoints };
}

const isPlaceholder = (s: EndpointSlice) => !s.endpoints?.length && !s.ports?.length;

/** Returns the writes that bring `existing` (the owner's slices) to `desired` (port-set key → group). */
export function planSlices(owner: SliceOwner, existing: EndpointSlice[], desired: Map<string, DesiredGroup>, maxPerSlice: number): SlicePlan {
  const plan: SlicePlan = { create: [], update: [], delete: [] };
  const byKey = new Map<string, EndpointSlice[]>();
  for (const s of existing) {
    const key = portsKey(s.addressType, s.ports);
    if (!owner.addressTypes.includes(s.addressType)) plan.delete.push(s);
    else byKey.set(key, [...(byKey.get(key) ?? []), s]);
  }
  for (const [key, slices] of byKey) if (!desired.has(key) || !desired.get(key)!.endpoints.length) plan.delete.push(...slices);
  for (const [key, group] of desired)
    if (group.endpoints.length) planGroup(plan, owner, key.slice(0, key.indexOf('|')), group, byKey.get(key) ?? [], maxPerSlice);
  keepPlaceholder(plan, owner, existing);
  reuseDeleted(plan);
  return plan;
}

// One port set (upstream reconcileByPortMapping): its slices keep the endpoints still wanted; the new
// ones fill the slices being written anyway, then one unchanged slice that takes them all, then new slices.
function planGroup(plan: SlicePlan, owner: SliceOwner, addressType: string, group: DesiredGroup, slices: EndpointSlice[], maxPerSlice: number): void {
  const wanted = new Map(group.endpoints.map((e) => [endpointKey(e), e]));
  const updating: EndpointSlice[] = [];
  const unchanged: EndpointSlice[] = [];
  for (const slice of slices) {
    const kept: Endpoint[] = [];
    let changed = !sameLabels(slice.metadata.labels, owner.labels);
    for (const e of slice.endpoints ?? []) {
      const want = wanted.get(endpointKey(e));
      if (!want) changed = true;
      else {
        if (!semanticEqual(e, want)) changed = true;
        kept.push(want);
        wanted.delete(endpointKey(e));
      }
    }
    if (!kept.length) plan.delete.push(slice);
    else if (changed) updating.push(rewrite(slice, owner, kept));
    else unchanged.push(slice);
  }
  let rest = [...wanted.values()];
  // Fill the slices being written anyway, fullest first.
  for (const s of [...updating].sort((a, b) => b.endpoints!.length - a.endpoints!.length)) {
    const room = maxPerSlice - s.endpoints!.length;
    if (room > 0 && rest.length) {
      s.endpoints!.push(...rest.slice(0, room));
      rest = rest.slice(room);
    }
  }
  // An unchanged slice that can take every remaining endpoint saves a new slice: the fullest that fits.
  if (rest.length) {
    const fit = unchanged.filter((s) => (s.endpoints?.length ?? 0) + rest.length <= maxPerSlice).sort((a, b) => (b.endpoints?.length ?? 0) - (a.endpoints?.length ?? 0))[0];
    if (fit) {
      updating.push(rewrite(fit, owner, [...(fit.endpoints ?? []), ...rest]));
      rest = [];
    }
  }
  for (let i = 0; i < rest.length; i += maxPerSlice) plan.create.push(rewrite(owner.newSlice(addressType, group.ports), owner, rest.slice(i, i + maxPerSlice)));
  plan.update.push(...updating);
}

// No slice would be left: keep (or make) the placeholder instead.
function keepPlaceholder(plan: SlicePlan, owner: SliceOwner, existing: EndpointSlice[]): void {
  if (!owner.placeholder || plan.delete.length !== existing.length || plan.create.length !== 0) return;
  const keep = plan.delete.length === 1 && isPlaceholder(plan.delete[0]) && sameLabels(plan.delete[0].metadata.labels, owner.labels) && plan.delete[0].addressType === owner.addressTypes[0];
  if (keep) plan.delete = [];
  else plan.create.push(rewrite(owner.newSlice(owner.addressTypes[0] ?? 'IPv4', []), owner, []));
}

// A slice about to go is given to a slice about to be made, instead of a delete and a create.
function reuseDeleted(plan: SlicePlan): void {
  for (let i = 0; i < plan.delete.length && plan.create.length; ) {
    const gone = plan.delete[i];
    const made = plan.create[plan.create.length - 1];
    if (gone.addressType !== made.addressType) {
      i++;
      continue;
    }
    plan.create.pop();
    plan.delete.splice(i, 1);
    const metadata = { ...gone.metadata, labels: made.metadata.labels, ownerReferences: made.metadata.ownerReferences, annotations: made.metadata.annotations };
    if (!metadata.annotations) delete metadata.annotations;
    plan.update.push({ ...gone, metadata, ports: made.ports, endpoints: made.endpoints });
  }
}
