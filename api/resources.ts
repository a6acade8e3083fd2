// The resource table: one ResourceDef per kind (names as kubectl knows them), and lookups by any of its names.
import type { KubeObject } from './meta.ts';
import type { ResourceDef } from './resource.ts';
import { def } from './resource-def.ts';
import { ALSO_SERVED, POLICY_RESOURCES } from './resources-policy.ts';
import { crdResourceDef } from './apiextensions/crd.ts';
import { BindingSchema, validateBinding } from './kinds/binding.ts';
import { ConfigMapSchema, defaultConfigMap, defaultSecret, SecretSchema, secretFields, validateConfigMap, validateConfigMapUpdate, validateSecret, validateSecretUpdate } from './kinds/configmap.ts';
import { ControllerRevisionSchema, validateControllerRevision, validateControllerRevisionUpdate } from './kinds/controllerrevision.ts';
import { DaemonSetSchema, defaultDaemonSet, validateDaemonSet, validateDaemonSetUpdate } from './kinds/daemonset.ts';
import { defaultDeployment, DeploymentSchema, validateDeployment, validateDeploymentUpdate } from './kinds/deployment.ts';
import { defaultEndpoints, EndpointsSchema, validateEndpoints, validateEndpointsUpdate } from './kinds/endpoints.ts';
import { defaultEndpointSlice, EndpointSliceSchema, validateEndpointSlice, validateEndpointSliceUpdate } from './kinds/endpointslice.ts';
import { eventFields, EventSchema, validateEvent, validateEventUpdate } from './kinds/event.ts';
import { defaultJob, JobSchema, prepareJobForCreate, validateJob, validateJobUpdate } from './kinds/job.ts';
import { CronJobSchema, defaultCronJob, prepareCronJobForCreate, validateCronJob, validateCronJobUpdate } from './kinds/cronjob.ts';
import { LeaseSchema, validateLease, validateLeaseUpdate } from './kinds/lease.ts';
import { defaultNamespace, namespaceFields, NamespaceSchema, prepareNamespaceForCreate, validateNamespace, validateNamespaceUpdate } from './kinds/namespace.ts';
import { defaultNode, nodeFields, NodeSchema, validateNode, validateNodeUpdate } from './kinds/node.ts';
import { defaultPod, podFields, PodSchema, preparePodForCreate } from './kinds/pod.ts';
import { validatePodUpdate } from './kinds/pod-update.ts';
import { validatePod, validatePodCreate } from './kinds/pod-validation.ts';
import { defaultReplicaSet, ReplicaSetSchema, validateReplicaSet, validateReplicaSetUpdate } from './kinds/replicaset.ts';
import { defaultService, keepAllocatedServiceValues, prepareServiceForCreate, ServiceSchema, validateService, validateServiceUpdate } from './kinds/service.ts';
import { ServiceAccountSchema, validateServiceAccount, validateServiceAccountUpdate } from './kinds/serviceaccount.ts';
import { defaultStatefulSet, StatefulSetSchema, validateStatefulSet, validateStatefulSetUpdate } from './kinds/statefulset.ts';
import { resetStatus } from './kinds/workload-common.ts';
import { defaultLimitRange, LimitRangeSchema, validateLimitRange, validateLimitRangeUpdate } from './kinds/limitrange.ts';
import { ResourceQuotaSchema, validateResourceQuota, validateResourceQuotaUpdate } from './kinds/resourcequota.ts';
import { PodDisruptionBudgetSchema, validatePodDisruptionBudget, validatePodDisruptionBudgetUpdate } from './kinds/poddisruptionbudget.ts';
import { defaultReplicationController, ReplicationControllerSchema, validateReplicationController, validateReplicationControllerUpdate } from './kinds/replicationcontroller.ts';
import { defaultPodTemplate, PodTemplateSchema, validatePodTemplate, validatePodTemplateUpdate } from './kinds/podtemplate.ts';
import { defaultPriorityClass, PriorityClassSchema, validatePriorityClass, validatePriorityClassUpdate } from './kinds/priorityclass.ts';
import { defaultPersistentVolume, defaultPersistentVolumeClaim, defaultStorageClass, PersistentVolumeClaimSchema, PersistentVolumeSchema, resetStorageStatus, StorageClassSchema } from './kinds/storage.ts';
import * as storageValidation from './kinds/storage-validation.ts';

const APPS = 'apps';

const TABLE: readonly ResourceDef[] = [
  // Upstream gives pods a generation from 1.33 on (1.32: none); kubus keeps it: its kubelet and scheduler read it as the spec-change signal.
  def({ kind: 'Pod', plural: 'pods', shortNames: ['po'], hasStatus: true, generation: 'spec' }, {
    schema: PodSchema, defaults: defaultPod, prepareForCreate: preparePodForCreate, validate: validatePod, validateCreate: validatePodCreate, validateUpdate: validatePodUpdate, fields: podFields,
  }),
  def({ kind: 'Node', plural: 'nodes', shortNames: ['no'], namespaced: false, hasStatus: true }, {
    schema: NodeSchema, defaults: defaultNode, validate: validateNode, validateUpdate: validateNodeUpdate, fields: nodeFields,
  }),
  def({ kind: 'Namespace', plural: 'namespaces', shortNames: ['ns'], namespaced: false, hasStatus: true }, {
    schema: NamespaceSchema, defaults: defaultNamespace, prepareForCreate: prepareNamespaceForCreate, validate: validateNamespace,
    validateUpdate: validateNamespaceUpdate, fields: namespaceFields,
  }),
  def({ kind: 'Service', plural: 'services', shortNames: ['svc'], hasStatus: true }, {
    schema: ServiceSchema, defaults: defaultService, prepareForCreate: prepareServiceForCreate, prepareForUpdate: keepAllocatedServiceValues,
    validate: validateService, validateUpdate: validateServiceUpdate,
  }),
  def({ kind: 'Endpoints', plural: 'endpoints', singular: 'endpoints', shortNames: ['ep'] }, {
    schema: EndpointsSchema, defaults: defaultEndpoints, validate: validateEndpoints, validateUpdate: validateEndpointsUpdate,
  }),
  def({ kind: 'ConfigMap', plural: 'configmaps', shortNames: ['cm'] }, {
    schema: ConfigMapSchema, defaults: defaultConfigMap, validate: validateConfigMap, validateUpdate: validateConfigMapUpdate,
  }),
  def({ kind: 'Secret', plural: 'secrets' }, {
    schema: SecretSchema, defaults: defaultSecret, validate: validateSecret, validateUpdate: validateSecretUpdate, fields: secretFields,
  }),
  def({ kind: 'Event', plural: 'events', shortNames: ['ev'] }, {
    schema: EventSchema, validate: validateEvent, validateUpdate: validateEventUpdate, fields: eventFields,
  }),
  def({ kind: 'ServiceAccount', plural: 'serviceaccounts', shortNames: ['sa'] }, {
    schema: ServiceAccountSchema, validate: validateServiceAccount, validateUpdate: validateServiceAccountUpdate,
  }),
  def({ kind: 'Binding', plural: 'bindings', createOnly: true }, { schema: BindingSchema, validate: validateBinding }),
  def({ kind: 'EndpointSlice', plural: 'endpointslices', group: 'discovery.k8s.io', generation: 'body+labels' }, {
    schema: EndpointSliceSchema, defaults: defaultEndpointSlice, validate: validateEndpointSlice, validateUpdate: validateEndpointSliceUpdate,
  }),
  def({ kind: 'Lease', plural: 'leases', group: 'coordination.k8s.io' }, {
    schema: LeaseSchema, validate: validateLease, validateUpdate: validateLeaseUpdate,
  }),
  def({ kind: 'ReplicaSet', plural: 'replicasets', shortNames: ['rs'], group: APPS, hasStatus: true, generation: 'spec' }, {
    schema: ReplicaSetSchema, defaults: defaultReplicaSet, prepareForCreate: resetStatus, validate: validateReplicaSet, validateUpdate: validateReplicaSetUpdate,
  }),
  // Upstream bumps a Deployment's generation on annotations too, its controller writing the revision annotation through
  // deployments/status (whose strategy keeps annotations); kubus's writes it with a patch, so only spec bumps it here.
  def({ kind: 'Deployment', plural: 'deployments', shortNames: ['deploy'], group: APPS, hasStatus: true, generation: 'spec' }, {
    schema: DeploymentSchema, defaults: defaultDeployment, prepareForCreate: resetStatus, validate: validateDeployment, validateUpdate: validateDeploymentUpdate,
  }),
  def({ kind: 'DaemonSet', plural: 'daemonsets', shortNames: ['ds'], group: APPS, hasStatus: true, generation: 'spec' }, {
    schema: DaemonSetSchema, defaults: defaultDaemonSet, prepareForCreate: resetStatus, validate: validateDaemonSet, validateUpdate: validateDaemonSetUpdate,
  }),
  def({ kind: 'StatefulSet', plural: 'statefulsets', shortNames: ['sts'], group: APPS, hasStatus: true, generation: 'spec' }, {
    schema: StatefulSetSchema, defaults: defaultStatefulSet, prepareForCreate: resetStatus, validate: validateStatefulSet, validateUpdate: validateStatefulSetUpdate,
  }),
  def({ kind: 'ControllerRevision', plural: 'controllerrevisions', group: APPS }, {
    schema: ControllerRevisionSchema, validate: validateControllerRevision, validateUpdate: validateControllerRevisionUpdate,
  }),
  def({ kind: 'Job', plural: 'jobs', group: 'batch', hasStatus: true, generation: 'spec' }, {
    schema: JobSchema, defaults: defaultJob, prepareForCreate: prepareJobForCreate, validate: validateJob, validateUpdate: validateJobUpdate,
  }),
  def({ kind: 'CronJob', plural: 'cronjobs', shortNames: ['cj'], group: 'batch', hasStatus: true, generation: 'spec' }, {
    schema: CronJobSchema, defaults: defaultCronJob, prepareForCreate: prepareCronJobForCreate, validate: validateCronJob, validateUpdate: validateCronJobUpdate,
  }),
  def({ kind: 'PersistentVolume', plural: 'persistentvolumes', shortNames: ['pv'], namespaced: false, hasStatus: true }, {
    schema: PersistentVolumeSchema, defaults: defaultPersistentVolume, prepareForCreate: resetStorageStatus, validate: storageValidation.validatePersistentVolume, validateUpdate: storageValidation.validatePersistentVolumeUpdate,
  }),
  def({ kind: 'PersistentVolumeClaim', plural: 'persistentvolumeclaims', shortNames: ['pvc'], hasStatus: true }, {
    schema: PersistentVolumeClaimSchema, defaults: defaultPersistentVolumeClaim, prepareForCreate: resetStorageStatus, validate: storageValidation.validatePersistentVolumeClaim, validateUpdate: storageValidation.validatePersistentVolumeClaimUpdate,
  }),
  def({ kind: 'StorageClass', plural: 'storageclasses', shortNames: ['sc'], group: 'storage.k8s.io', namespaced: false }, {
    schema: StorageClassSchema, defaults: defaultStorageClass, validate: storageValidation.validateStorageClass, validateUpdate: storageValidation.validateStorageClassUpdate,
  }),
  def({ kind: 'PriorityClass', plural: 'priorityclasses', shortNames: ['pc'], group: 'scheduling.k8s.io', namespaced: false, generation: 'create' }, {
    schema: PriorityClassSchema, defaults: defaultPriorityClass, validate: validatePriorityClass, validateUpdate: validatePriorityClassUpdate,
  }),
  def({ kind: 'ReplicationController', plural: 'replicationcontrollers', shortNames: ['rc'], hasStatus: true, generation: 'spec' }, {
    schema: ReplicationControllerSchema, defaults: defaultReplicationController, prepareForCreate: resetStatus, validate: validateReplicationController,
    validateUpdate: validateReplicationControllerUpdate,
  }),
  def({ kind: 'PodTemplate', plural: 'podtemplates' }, {
    schema: PodTemplateSchema, defaults: defaultPodTemplate, validate: validatePodTemplate, validateUpdate: validatePodTemplateUpdate,
  }),
  def({ kind: 'PodDisruptionBudget', plural: 'poddisruptionbudgets', shortNames: ['pdb'], group: 'policy', hasStatus: true, generation: 'spec' }, {
    schema: PodDisruptionBudgetSchema, prepareForCreate: resetStatus, validate: validatePodDisruptionBudget, validateUpdate: validatePodDisruptionBudgetUpdate,
  }),
  ...POLICY_RESOURCES,
  def({ kind: 'ResourceQuota', plural: 'resourcequotas', shortNames: ['quota'], hasStatus: true }, {
    schema: ResourceQuotaSchema, prepareForCreate: resetStatus, validate: validateResourceQuota, validateUpdate: validateResourceQuotaUpdate,
  }),
  def({ kind: 'LimitRange', plural: 'limitranges', shortNames: ['limits'] }, {
    schema: LimitRangeSchema, defaults: defaultLimitRange, validate: validateLimitRange, validateUpdate: validateLimitRangeUpdate,
  }),
  crdResourceDef,
];

const byName = new Map<string, ResourceDef>();
const byKind = new Map<string, ResourceDef>();
for (const d of TABLE) {
  const names = [d.plural, d.singular, d.kind.toLowerCase(), ...d.shortNames];
  for (const n of names) {
    if (!byName.has(n)) byName.set(n, d);
    if (d.group) {
      byName.set(`${n}.${d.group}`, d);
      byName.set(`${n}.${d.version}.${d.group}`, d);
    }
  }
  byKind.set(d.kind.toLowerCase(), d);
}

/**
 * Custom resources (CustomResourceDefinitions) served in this process: CRD name → its defs, the
 * storage version first. Every component that serves or reads them keeps this current from the
 * CRDs it sees (the API server on each CRD write, others through a CRD informer).
 */
const custom = new Map<string, readonly ResourceDef[]>();
let customByName = new Map<string, ResourceDef>();
let storageDefs: readonly ResourceDef[] = TABLE;
let servedDefs: readonly ResourceDef[] = [...TABLE, ...ALSO_SERVED];
let generation = 0;

function reindexCustom(): void {
  customByName = new Map();
  for (const defs of custom.values()) {
    const d = defs[0];
    for (const n of [d.plural, d.singular, d.kind.toLowerCase(), ...d.shortNames, `${d.plural}.${d.group}`, ...defs.map((v) => `${d.plural}.${v.version}.${d.group}`)])
      if (!byName.has(n) && !customByName.has(n)) customByName.set(n, d);
  }
  storageDefs = [...TABLE, ...[...custom.values()].map((defs) => defs[0])];
  servedDefs = [...TABLE, ...ALSO_SERVED, ...[...custom.values()].flat()];
  generation++;
}

/** Returns a number that changes whenever the served resources do (for what is built from them once). */
export const resourcesGeneration = () => generation;

/** Serves (or re-serves, after a change) the custom resource of one CRD: its defs, storage version first. */
export function registerCustomResource(crdName: string, defs: readonly ResourceDef[]): void {
  if (!defs.length) return unregisterCustomResource(crdName);
  custom.set(crdName, defs);
  reindexCustom();
}

/** Stops serving the custom resource of one CRD. */
export function unregisterCustomResource(crdName: string): void {
  if (custom.delete(crdName)) reindexCustom();
}

/** Returns every served version of a resource, the storage version first (a built-in's own def, then those ALSO_SERVED). */
export function servedVersionsOf(def: ResourceDef): readonly ResourceDef[] {
  if (def.custom) return custom.get(def.custom.crd) ?? [def];
  const storage = def.conversion ? (TABLE.find((d) => d.plural === def.plural) ?? def) : def;
  return [storage, ...ALSO_SERVED.filter((d) => d.plural === def.plural)];
}

/**
 * Returns an object, or a list's items, in the version a client asked for: a built-in through its
 * def's conversion; for custom resources without a conversion webhook (strategy None), as upstream,
 * only apiVersion changes.
 */
export function inServedVersion(def: ResourceDef, body: unknown): unknown {
  if (def.conversion && body && typeof body === 'object') return convertedOut(def, body as KubeObject & { items?: KubeObject[] });
  if (!def.custom || !body || typeof body !== 'object') return body;
  const storage = servedVersionsOf(def)[0];
  if (storage.apiVersion === def.apiVersion) return body;
  const one = (o: unknown) => (o && typeof o === 'object' && (o as KubeObject).apiVersion === storage.apiVersion ? { ...(o as KubeObject), apiVersion: def.apiVersion } : o);
  const b = body as { items?: unknown[] };
  return Array.isArray(b.items) ? { ...b, items: b.items.map(one) } : one(body);
}

function convertedOut(def: ResourceDef, body: KubeObject & { items?: KubeObject[] }): unknown {
  const from = def.conversion!.fromStorage;
  if (!Array.isArray(body.items)) return from(body);
  const storage = servedVersionsOf(def)[0];
  return { ...body, ...(body.apiVersion === storage.apiVersion ? { apiVersion: def.apiVersion } : {}), items: body.items.map(from) };
}

/** Returns the CRD name whose resource is served under a plural, if any. */
export function customResourceOwner(plural: string): string | undefined {
  for (const [name, defs] of custom) if (defs[0].plural === plural) return name;
  return undefined;
}

/**
 * Returns true when a CRD may not take these names: its plural is served already (by a built-in
 * or another CRD; kubus's bus subjects name resources by plural alone, so plurals are unique
 * across groups), or its kind is taken in its own group.
 */
export function nameTaken(crdName: string, group: string, plural: string, kind: string): boolean {
  const owner = (d: ResourceDef) => d.custom?.crd ?? customResourceOwner(d.plural);
  const byPlural = storageDefs.find((d) => d.plural === plural);
  if (byPlural && owner(byPlural) !== crdName) return true;
  return storageDefs.some((d) => d.group === group && d.kind === kind && owner(d) !== crdName);
}

/** Returns every ResourceDef, in table order, then the custom resources (their storage versions). */
export const allResources = (): readonly ResourceDef[] => storageDefs;

/** Returns every resource in its storage version, then the built-ins' other served versions (what the OpenAPI documents describe). */
export const documentedResources = (): readonly ResourceDef[] => [...storageDefs, ...ALSO_SERVED];

/** Returns every served group/version of every resource (custom resources may serve several versions). */
export const servedResources = (): readonly ResourceDef[] => servedDefs;

/** Returns the ResourceDef for a plural, singular, short name, Kind or `name.group` (`deployments.apps`), case-insensitive. */
export const resourceFor = (name: string): ResourceDef | undefined => byName.get(name.toLowerCase()) ?? customByName.get(name.toLowerCase());

/** Returns the ResourceDef of a Kind (case-insensitive); with an apiVersion, only if it belongs to that group/version. */
export function resourceByKind(kind: string, apiVersion?: string): ResourceDef | undefined {
  const k = kind.toLowerCase();
  const d = byKind.get(k);
  if (d) return apiVersion === undefined || d.apiVersion === apiVersion ? d : undefined;
  for (const defs of custom.values()) {
    if (defs[0].kind.toLowerCase() !== k) continue;
    const v = apiVersion === undefined ? defs[0] : defs.find((x) => x.apiVersion === apiVersion);
    if (v) return v;
  }
  return undefined;
}
