// A StatefulSet's volumeClaimTemplates (upstream stateful_set_utils.go getPersistentVolumeClaims,
// updateStorage, and StatefulPodControl.createPersistentVolumeClaims): claim `<template>-<set>-<ordinal>`
// per template, made before the pod and kept when the pod goes; with whenDeleted Delete the set
// owns them, with whenScaled Delete a condemned pod does, so the garbage collector removes them.
import type { Pod } from '../../../api/kinds/pod.ts';
import type { PersistentVolumeClaim } from '../../../api/kinds/storage.ts';
import type { StatefulSet } from '../../../api/kinds/statefulset.ts';
import { isAlreadyExists, isNotFound } from '../../../api/status.ts';
import type { ControllerContext } from '../../lib/controller.ts';
import { ordinalOf, STS_API_VERSION, STS_KIND } from './statefulset.pods.ts';

type Template = { metadata?: { name?: string; labels?: Record<string, string>; annotations?: Record<string, string> }; spec?: PersistentVolumeClaim['spec'] };

const templates = (set: StatefulSet) => (set.spec.volumeClaimTemplates ?? []) as Template[];

/** Returns a claim's name for a template and ordinal (getPersistentVolumeClaimName). */
export const claimName = (set: StatefulSet, template: string, ordinal: number) => `${template}-${set.metadata.name}-${ordinal}`;

/** Returns the claims the pod at `ordinal` needs (getPersistentVolumeClaims): the template, its name, the selector's labels. */
export function claimsFor(set: StatefulSet, ordinal: number): PersistentVolumeClaim[] {
  return templates(set).map((t) => {
    const labels = { ...t.metadata?.labels, ...set.spec.selector?.matchLabels };
    const pvc: PersistentVolumeClaim = {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: claimName(set, t.metadata?.name ?? '', ordinal), namespace: set.metadata.namespace, labels, ...(t.metadata?.annotations ? { annotations: { ...t.metadata.annotations } } : {}) },
      spec: structuredClone(t.spec ?? {}),
    };
    if (set.spec.persistentVolumeClaimRetentionPolicy?.whenDeleted === 'Delete')
      pvc.metadata.ownerReferences = [{ apiVersion: STS_API_VERSION, kind: STS_KIND, name: set.metadata.name!, uid: set.metadata.uid!, blockOwnerDeletion: true }];
    return pvc;
  });
}

/** Points the pod's volumes named after templates at its claims, keeping its other volumes (updateStorage). */
export function withClaimVolumes(set: StatefulSet, pod: Pod, ordinal: number): void {
  const names = templates(set).map((t) => t.metadata?.name ?? '');
  if (!names.length) return;
  const others = (pod.spec.volumes ?? []).filter((v) => !names.includes(v.name));
  pod.spec.volumes = [...names.map((n) => ({ name: n, persistentVolumeClaim: { claimName: claimName(set, n, ordinal) } })), ...others] as Pod['spec']['volumes'];
}

/** Creates the pod's missing claims before the pod, with upstream's events; throws on the first failure. */
export async function createMissingClaims(ctx: ControllerContext<unknown>, set: StatefulSet, pod: Pod): Promise<void> {
  for (const claim of claimsFor(set, ordinalOf(pod))) {
    const name = claim.metadata.name!;
    const event = (err?: unknown) =>
      err
        ? ctx.events.record(set, 'Warning', 'FailedCreate', `create Claim ${name} for Pod ${pod.metadata.name} in StatefulSet ${set.metadata.name} failed error: ${(err as Error).message}`)
        : ctx.events.record(set, 'Normal', 'SuccessfulCreate', `create Claim ${name} Pod ${pod.metadata.name} in StatefulSet ${set.metadata.name} success`);
    try {
      const have = await ctx.deps.client.get<PersistentVolumeClaim>('persistentvolumeclaims', name, { namespace: set.metadata.namespace });
      if (have.metadata.deletionTimestamp) throw new Error(`pvc ${name} is being deleted`);
      continue;
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    try {
      await ctx.deps.client.create('persistentvolumeclaims', claim);
      event();
    } catch (err) {
      if (isAlreadyExists(err)) continue;
      event(err);
      throw err;
    }
  }
}

/** whenScaled Delete: a condemned pod's claims get the pod as owner, so the garbage collector removes them after it (upstream updateClaimOwnerRefForSetAndPod). */
export async function giveClaimsToCondemnedPod(ctx: ControllerContext<unknown>, set: StatefulSet, pod: Pod): Promise<void> {
  if (set.spec.persistentVolumeClaimRetentionPolicy?.whenScaled !== 'Delete') return;
  for (const claim of claimsFor(set, ordinalOf(pod))) {
    const ns = { namespace: set.metadata.namespace };
    let have: PersistentVolumeClaim;
    try {
      have = await ctx.deps.client.get<PersistentVolumeClaim>('persistentvolumeclaims', claim.metadata.name!, ns);
    } catch (err) {
      if (isNotFound(err)) continue;
      throw err;
    }
    // The set lets go (whenDeleted Delete made it an owner): the garbage collector waits for every owner.
    const refs = have.metadata.ownerReferences ?? [];
    const ownerReferences = refs.filter((r) => r.uid !== set.metadata.uid);
    if (!ownerReferences.some((r) => r.uid === pod.metadata.uid)) ownerReferences.push({ apiVersion: 'v1', kind: 'Pod', name: pod.metadata.name!, uid: pod.metadata.uid! });
    if (ownerReferences.length === refs.length && ownerReferences.every((r, i) => r.uid === refs[i].uid)) continue;
    await ctx.deps.client.patch('persistentvolumeclaims', have.metadata.name!, { metadata: { resourceVersion: have.metadata.resourceVersion, ownerReferences } }, ns);
  }
}
