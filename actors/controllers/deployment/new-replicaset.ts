// Finding or creating the Deployment's new ReplicaSet (upstream sync.go getNewReplicaSet): named
// `<deployment>-<pod-template-hash>`, with the revision after the highest old one, replicas for
// this rollout step, and hash collisions resolved by bumping status.collisionCount.
import type { ReplicaSet } from '../../../api/kinds/replicaset.ts';
import { controllerRefOf, type LabelSelector } from '../../../api/meta.ts';
import { keyOf } from '../../../bus/informer.ts';
import { isAlreadyExists, isNamespaceTerminating } from '../../../api/status.ts';
import { computeHash } from '../shared/controller-history.ts';
import { newControllerRef } from '../shared/ownership.ts';
import { setNewReplicaSetAnnotations } from './annotations.ts';
import { getCondition, newCondition, setCondition } from './conditions.ts';
import { FAILED_RS_CREATE, FOUND_NEW_RS, HASH_LABEL, NEW_RS_CREATED, REVISION } from './constants.ts';
import { equalIgnoreHash, findNewReplicaSet, hasProgressDeadline, maxRevision, newRSNewReplicas } from './deployment.util.ts';
import type { DeploymentSync } from './sync.ts';

/** Returns the selector with `key=value` added to matchLabels (CloneSelectorAndAddLabel). */
const withLabel = (sel: LabelSelector | undefined, key: string, value: string): LabelSelector => ({
  ...structuredClone(sel ?? {}),
  matchLabels: { ...(sel?.matchLabels ?? {}), [key]: value },
});

/** Returns the new and old ReplicaSets, creating the new one when asked (getAllReplicaSetsAndSyncRevision). */
export async function allReplicaSets(s: DeploymentSync, create: boolean): Promise<{ newRS: ReplicaSet | undefined; oldRSs: ReplicaSet[] }> {
  const oldRSs = s.oldReplicaSets();
  const newRS = await getNewReplicaSet(s, oldRSs, create);
  return { newRS, oldRSs };
}

async function existingNewReplicaSet(s: DeploymentSync, existing: ReplicaSet, newRevision: number): Promise<ReplicaSet> {
  const copy = structuredClone(existing);
  const annotationsUpdated = setNewReplicaSetAnnotations(s.d, copy, newRevision, true);
  if (annotationsUpdated || (copy.spec.minReadySeconds ?? 0) !== (s.d.spec.minReadySeconds ?? 0)) {
    copy.spec.minReadySeconds = s.d.spec.minReadySeconds;
    return s.remember(await s.client.update<ReplicaSet>('replicasets', copy));
  }
  // The revision of the ReplicaSet is the one that counts (it was set first).
  await s.setRevision(copy.metadata.annotations?.[REVISION] ?? String(newRevision));
  if (hasProgressDeadline(s.d) && !getCondition(s.d.status, 'Progressing')) {
    const status = structuredClone(s.d.status ?? {});
    setCondition(status, newCondition('Progressing', 'True', FOUND_NEW_RS, `Found new replica set "${copy.metadata.name}"`, s.now));
    await s.writeStatus(status);
  }
  return copy;
}

/** Returns the ReplicaSet whose template is the Deployment's, brought up to date; creates it when `create` (else undefined). */
export async function getNewReplicaSet(s: DeploymentSync, oldRSs: readonly ReplicaSet[], create: boolean): Promise<ReplicaSet | undefined> {
  const d = s.d;
  const newRevision = maxRevision(oldRSs) + 1;
  const existing = findNewReplicaSet(d, s.rsList);
  if (existing) return existingNewReplicaSet(s, existing, newRevision);
  if (!create) return undefined;

  const template = structuredClone(d.spec.template);
  const hash = computeHash(template, d.status?.collisionCount);
  template.metadata = { ...template.metadata, labels: { ...(template.metadata?.labels ?? {}), [HASH_LABEL]: hash } };
  const rs: ReplicaSet = {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      name: `${d.metadata.name}-${hash}`,
      namespace: d.metadata.namespace,
      ownerReferences: [newControllerRef(d, 'apps/v1', 'Deployment')],
      labels: { ...template.metadata.labels },
    },
    spec: { replicas: 0, minReadySeconds: d.spec.minReadySeconds, selector: withLabel(d.spec.selector, HASH_LABEL, hash), template },
  };
  rs.spec.replicas = newRSNewReplicas(d, [...oldRSs, rs], rs);
  setNewReplicaSetAnnotations(d, rs, newRevision, false);

  let created: ReplicaSet;
  let alreadyExists = false;
  try {
    created = await s.client.create<ReplicaSet>('replicasets', rs);
  } catch (err) {
    if (isAlreadyExists(err)) {
      // A slow cache, or a hash collision with a ReplicaSet of another template.
      const found = s.ctx.cache<ReplicaSet>('replicasets').get(keyOf(rs));
      if (!found) throw err;
      if (controllerRefOf(found)?.uid === d.metadata.uid && equalIgnoreHash(d.spec.template, found.spec.template)) {
        created = found;
        alreadyExists = true;
      } else {
        const status = { ...structuredClone(d.status ?? {}), collisionCount: (d.status?.collisionCount ?? 0) + 1 };
        await s.writeStatus(status);
        s.ctx.deps.log.info({ deployment: keyOf(d), collisionCount: status.collisionCount }, 'hash collision; bumped collisionCount');
        throw err;
      }
    } else if (isNamespaceTerminating(err)) {
      throw err;
    } else {
      const msg = `Failed to create new replica set "${rs.metadata.name}": ${(err as Error).message}`;
      if (hasProgressDeadline(d)) {
        const status = structuredClone(d.status ?? {});
        setCondition(status, newCondition('Progressing', 'False', FAILED_RS_CREATE, msg, s.now));
        await s.writeStatus(status).catch((e: Error) => s.ctx.deps.log.warn({ err: e.message }, 'could not report the failed ReplicaSet create'));
      }
      s.ctx.events.record(d, 'Warning', FAILED_RS_CREATE, msg);
      throw err;
    }
  }
  s.remember(created);
  if (!alreadyExists && (created.spec.replicas ?? 0) > 0)
    s.ctx.events.record(d, 'Normal', 'ScalingReplicaSet', `Scaled up replica set ${created.metadata.name} to ${created.spec.replicas}`);
  await s.setRevision(String(newRevision));
  if (!alreadyExists && hasProgressDeadline(s.d)) {
    const status = structuredClone(s.d.status ?? {});
    setCondition(status, newCondition('Progressing', 'True', NEW_RS_CREATED, `Created new replica set "${created.metadata.name}"`, s.now));
    await s.writeStatus(status);
  }
  return created;
}
