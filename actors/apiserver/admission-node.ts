// NodeRestriction admission (upstream plugin/pkg/admission/noderestriction): a kubelet may write only
// its own Node (never its taints, nor labels outside the kubelet's set), the status of pods bound to it,
// mirror pods bound to it, evictions of its pods, its own Lease, and tokens for its pods' service
// accounts. The node authorizer lets these verbs through; this check looks at the objects.
import { isDeepStrictEqual } from 'node:util';
import type { KubeObject } from '../../api/meta.ts';
import type { UserInfo } from '../../api/protocol.ts';
import type { ResourceDef } from '../../api/resource.ts';
import { forbidden, notFound } from '../../api/status.ts';
import { NODE_LEASE_NAMESPACE } from './authz/node-authorizer.ts';
import { podReferences } from './authz/node-graph.ts';
import { nodeIdentity } from './authz/node-identity.ts';
import { qualified, type ServerContext } from './context.ts';
import { isForbiddenNodeLabel } from './admission-node-labels.ts';
import type { AdmissionAttributes } from './policy-match.ts';

/** What NodeRestriction looks at: upstream's admission.Attributes with the user (dry run or not, the same). */
export type NodeAdmission = Omit<AdmissionAttributes, 'dryRun'> & { user?: UserInfo };

const MIRROR_ANNOTATION = 'kubernetes.io/config.mirror';

type Pod = KubeObject & { spec?: { nodeName?: string; serviceAccountName?: string; volumes?: Array<{ persistentVolumeClaim?: unknown }> } };
const nodeNameOf = (o: KubeObject | null | undefined) => (o as Pod | null | undefined)?.spec?.nodeName ?? '';

/** Refuses, as upstream's admission.NewForbidden: `<resource> "<name>" is forbidden: <why>`. */
const refuse = (a: NodeAdmission, why: string) => forbidden(qualified(a.def), a.name || a.object?.metadata?.name || '', why);

const stored = (ctx: ServerContext, key: string) => ctx.store.get(key)?.value as KubeObject | undefined;

/** Throws upstream's 403 when a node user's write is not its own to make; other users pass. */
export function admitNodeRestriction(ctx: ServerContext, a: NodeAdmission): void {
  const node = nodeIdentity(a.user);
  if (node === undefined) return;
  if (node === '') throw refuse(a, `could not determine node from user ${JSON.stringify(a.user!.username)}`);
  const group = a.def.group ?? '';
  if (group === 'coordination.k8s.io' && a.def.plural === 'leases') return admitLease(node, a);
  if (group !== '') return;
  switch (a.def.plural) {
    case 'pods':
      if (a.subresource === '') return admitPod(ctx, node, a);
      if (a.subresource === 'status') return admitPodStatus(node, a);
      if (a.subresource === 'eviction') return admitEviction(ctx, node, a);
      throw refuse(a, `unexpected pod subresource ${JSON.stringify(a.subresource)}, only 'status' and 'eviction' are allowed`);
    case 'nodes':
      return admitNode(node, a);
    case 'persistentvolumeclaims':
      if (a.subresource !== 'status') throw refuse(a, 'may only update PVC status');
      return admitClaimStatus(node, a);
    case 'serviceaccounts':
      return admitToken(ctx, node, a);
  }
}

function admitPod(ctx: ServerContext, node: string, a: NodeAdmission): void {
  if (a.operation === 'DELETE') {
    if (nodeNameOf(a.oldObject) !== node) throw refuse(a, `node "${node}" can only delete pods with spec.nodeName set to itself`);
    return;
  }
  if (a.operation !== 'CREATE') throw refuse(a, `unexpected operation ${JSON.stringify(a.operation)}, node "${node}" can only create and delete mirror pods`);
  const pod = a.object as Pod;
  if (pod.metadata.annotations?.[MIRROR_ANNOTATION] === undefined)
    throw refuse(a, `pod does not have "${MIRROR_ANNOTATION}" annotation, node "${node}" can only create mirror pods`);
  if (nodeNameOf(pod) !== node) throw refuse(a, `node "${node}" can only create pods with spec.nodeName set to itself`);
  const owners = pod.metadata.ownerReferences ?? [];
  if (owners.length > 1) throw refuse(a, `node "${node}" can only create pods with a single owner reference set to itself`);
  const owner = owners[0];
  if (!owner || owner.apiVersion !== 'v1' || owner.kind !== 'Node' || owner.name !== node) throw refuse(a, `node "${node}" can only create pods with an owner reference set to itself`);
  if (!owner.controller) throw refuse(a, `node "${node}" can only create pods with a controller owner reference set to itself`);
  if (owner.blockOwnerDeletion) throw refuse(a, `node "${node}" must not set blockOwnerDeletion on an owner reference`);
  const self = stored(ctx, `/registry/nodes/${node}`);
  if (!self) throw notFound('nodes', node);
  if (owner.uid !== self.metadata.uid) throw refuse(a, `node ${node} UID mismatch: expected ${owner.uid} got ${self.metadata.uid}`);
  if (pod.spec?.serviceAccountName) throw refuse(a, `node "${node}" can not create pods that reference a service account`);
  const refs = podReferences(pod)?.refs ?? [];
  if (refs.some((r) => r.startsWith('secrets/'))) throw refuse(a, `node "${node}" can not create pods that reference secrets`);
  if (refs.some((r) => r.startsWith('configmaps/'))) throw refuse(a, `node "${node}" can not create pods that reference configmaps`);
  if (pod.spec?.volumes?.some((v) => v.persistentVolumeClaim)) throw refuse(a, `node "${node}" can not create pods that reference persistentvolumeclaims`);
}

function admitPodStatus(node: string, a: NodeAdmission): void {
  if (a.operation !== 'UPDATE') throw refuse(a, `unexpected operation ${JSON.stringify(a.operation)}`);
  if (nodeNameOf(a.oldObject) !== node) throw refuse(a, `node "${node}" can only update pod status for pods with spec.nodeName set to itself`);
  if (!isDeepStrictEqual(a.oldObject?.metadata.labels ?? {}, a.object?.metadata.labels ?? {})) throw refuse(a, `node "${node}" cannot update labels through pod status`);
}

/** An eviction names its pod (the request's name, else the Eviction's); the pod must be bound to the node. */
function admitEviction(ctx: ServerContext, node: string, a: NodeAdmission): void {
  if (a.operation !== 'CREATE') throw refuse(a, `unexpected operation ${a.operation}`);
  const name = a.name || a.object?.metadata?.name;
  if (!name) throw refuse(a, 'could not determine pod from request data');
  const pod = stored(ctx, `/registry/pods/${a.namespace}/${name}`);
  if (!pod) throw notFound('pods', name);
  if (nodeNameOf(pod) !== node) throw refuse(a, `node ${node} can only evict pods with spec.nodeName set to itself`);
}

type NodeObj = KubeObject & { spec?: { taints?: unknown[]; configSource?: unknown } };

function admitNode(node: string, a: NodeAdmission): void {
  if (a.name !== node) throw refuse(a, `node "${node}" is not allowed to modify node "${a.name}"`);
  const obj = a.object as NodeObj | null;
  if (a.operation === 'CREATE') {
    if (obj?.spec?.configSource != null) throw refuse(a, `node "${node}" is not allowed to create pods with a non-nil configSource`);
    const bad = forbiddenLabels(obj?.metadata.labels, undefined);
    if (bad.length) throw refuse(a, `node "${node}" is not allowed to set the following labels: ${bad.join(', ')}`);
  }
  if (a.operation === 'UPDATE') {
    const old = a.oldObject as NodeObj;
    if (obj?.spec?.configSource != null && !isDeepStrictEqual(obj.spec.configSource, old.spec?.configSource))
      throw refuse(a, `node "${node}" is not allowed to update configSource to a new non-nil configSource`);
    // nil and empty are the same taints, as upstream's semantic equality has it.
    if (!isDeepStrictEqual(obj?.spec?.taints ?? [], old.spec?.taints ?? [])) throw refuse(a, `node "${node}" is not allowed to modify taints`);
    const bad = forbiddenLabels(obj?.metadata.labels, old.metadata.labels);
    if (bad.length) throw refuse(a, `is not allowed to modify labels: ${bad.join(', ')}`);
  }
}

/** The label keys added, removed or changed between two label sets that a kubelet may not touch, sorted. */
function forbiddenLabels(now: Record<string, string> | undefined, before: Record<string, string> | undefined): string[] {
  const a = now ?? {};
  const b = before ?? {};
  const changed = new Set([...Object.keys(a), ...Object.keys(b)].filter((k) => a[k] !== b[k] || (k in a) !== (k in b)));
  return [...changed].filter(isForbiddenNodeLabel).sort();
}

/** A node may change only a claim's status capacity and conditions (and the allocated resources of a resize). */
function admitClaimStatus(node: string, a: NodeAdmission): void {
  if (a.operation !== 'UPDATE') throw refuse(a, `unexpected operation ${JSON.stringify(a.operation)}`);
  const strip = (o: KubeObject | null) => {
    const { capacity: _c, conditions: _k, allocatedResources: _r, allocatedResourceStatuses: _s, ...rest } = ((o as { status?: Record<string, unknown> } | null)?.status ?? {});
    const { resourceVersion: _v, managedFields: _m, ...meta } = (o?.metadata ?? {}) as Record<string, unknown>;
    return { ...o, metadata: meta, status: rest };
  };
  const before = strip(a.oldObject);
  const after = strip(a.object);
  if (isDeepStrictEqual(before, after)) return;
  const fields = [...new Set([...Object.keys(before), ...Object.keys(after)])].filter((k) => !isDeepStrictEqual((before as Record<string, unknown>)[k], (after as Record<string, unknown>)[k]));
  throw refuse(a, `node "${node}" is not allowed to update fields other than status.capacity and status.conditions: ${fields.join(', ')}`);
}

/** A node's TokenRequest must be bound to a pod (by uid) that runs on it. */
function admitToken(ctx: ServerContext, node: string, a: NodeAdmission): void {
  if (a.operation !== 'CREATE' || a.subresource !== 'token') return;
  const ref = (a.object as { spec?: { boundObjectRef?: { apiVersion?: string; kind?: string; name?: string; uid?: string } } } | null)?.spec?.boundObjectRef;
  if (!ref || ref.apiVersion !== 'v1' || ref.kind !== 'Pod' || !ref.name) throw refuse(a, 'node requested token not bound to a pod');
  if (!ref.uid) throw refuse(a, 'node requested token with a pod binding without a uid');
  const pod = stored(ctx, `/registry/pods/${a.namespace}/${ref.name}`);
  if (!pod) throw notFound('pods', ref.name);
  if (ref.uid !== pod.metadata.uid)
    throw refuse(a, `the UID in the bound object reference (${ref.uid}) does not match the UID in record. The object might have been deleted and then recreated`);
  if (nodeNameOf(pod) !== node) throw refuse(a, 'node requested token bound to a pod scheduled on a different node');
}

function admitLease(node: string, a: NodeAdmission): void {
  if (a.namespace !== NODE_LEASE_NAMESPACE) throw refuse(a, `can only access leases in the "${NODE_LEASE_NAMESPACE}" system namespace`);
  const name = a.operation === 'CREATE' ? a.object?.metadata?.name : a.name;
  if (name !== node) throw refuse(a, 'can only access node lease with the same name as the requesting node');
}

/** NodeRestriction for the verbs that store nothing themselves (pods/eviction, serviceaccounts/token), before they run. */
export function admitNodeSubresource(ctx: ServerContext, user: UserInfo, verb: string, def: ResourceDef, req: { name?: string; namespace?: string; body?: unknown }): void {
  const subresource = verb === 'evict' ? 'eviction' : verb === 'token' ? 'token' : undefined;
  if (!subresource || nodeIdentity(user) === undefined) return;
  const object = verb === 'token' && typeof req.body === 'object' && req.body !== null ? (req.body as KubeObject) : null;
  admitNodeRestriction(ctx, { def, operation: 'CREATE', subresource, name: req.name ?? '', namespace: req.namespace ?? '', object, oldObject: null, user });
}
