// The shape of one entry in the resource table: how the API server treats a kind.
import type { TSchema } from '@sinclair/typebox';
import type { KubeObject } from './meta.ts';
import type { FieldError } from './status.ts';

/** Everything the API server needs to know about one kind. */
export interface ResourceDef<T extends KubeObject = KubeObject> {
  kind: string; // 'Pod'
  listKind: string; // 'PodList'
  plural: string; // 'pods' (also the subject token and the store key segment)
  singular: string; // 'pod'
  shortNames: string[]; // ['po']
  group: string; // '' for core, 'apps', 'batch', 'coordination.k8s.io'
  version: string; // 'v1'
  apiVersion: string; // 'v1' or 'apps/v1'
  namespaced: boolean;
  /** Has a status subresource: writes to the main resource ignore status and vice versa. */
  hasStatus: boolean;
  /**
   * Set on the kinds whose upstream strategy tracks metadata.generation (1 on create) and says which
   * update bumps it. Unset: the server never sets or bumps it (a Lease, a ConfigMap), as upstream.
   */
  generation?: GenerationRule;
  /** Answered, never stored (bindings, the access reviews): only create is served; nothing lists or watches it. */
  createOnly?: boolean;
  schema: TSchema;
  /** Fills defaults in place, as upstream's SetDefaults_* functions do. */
  defaults?(obj: T): void;
  /** Resets server-owned fields on create (e.g. a pod's status to phase Pending). */
  prepareForCreate?(obj: T): void;
  /** Carries server-assigned values over from the stored object when an update leaves them unset (e.g. a Service's clusterIP). */
  prepareForUpdate?(obj: T, old: T): void;
  /** Returns the field errors of an object about to be created (defaults already applied). */
  validate(obj: T): FieldError[];
  /** Returns the field errors only a create has (upstream's ValidateXCreate extras, e.g. a pod's ephemeralContainers). */
  validateCreate?(obj: T): FieldError[];
  /**
   * Returns the extra field errors of an update (metadata update rules, immutable fields); `old` is the
   * stored object. The API server calls validate() on the new object as well and reports both lists.
   */
  validateUpdate?(obj: T, old: T): FieldError[];
  /** Field-selector labels beyond metadata.name/metadata.namespace, with their getters. */
  fields?: Record<string, (obj: T) => string | undefined>;
  /** Extra `kubectl get` columns (a CRD's additionalPrinterColumns); the Table has NAME plus these. */
  printerColumns?: PrinterColumn[];
  /** The scale subresource's paths (a CRD's subresources.scale). */
  scale?: { specReplicasPath: string; statusReplicasPath: string; labelSelectorPath?: string };
  /** Categories the kind belongs to (`kubectl get all`). */
  categories?: string[];
  /** Set for a custom resource: the CRD that serves it (strategic merge patch answers 415 for these). */
  custom?: { crd: string };
  /**
   * Set for a built-in's version served beside its storage version (autoscaling/v1 HPAs, stored as v2):
   * how an object of this version becomes the stored one and back. The gateway converts at its edge.
   */
  conversion?: { toStorage(obj: KubeObject): KubeObject; fromStorage(obj: KubeObject): KubeObject };
}

/**
 * Which update bumps a kind's metadata.generation (upstream's PrepareForUpdate): 'spec' when spec
 * changes; 'body' when anything but metadata changes (custom resources, webhook configurations);
 * 'body+labels' also on labels (EndpointSlices); 'create' never: set to 1 on create only (PriorityClasses).
 */
export type GenerationRule = 'spec' | 'body' | 'body+labels' | 'create';

/** One extra column of a kind's Table (upstream's CustomResourceColumnDefinition). */
export interface PrinterColumn {
  name: string;
  /** integer, number, string, boolean or date (shown as an age). */
  type: string;
  jsonPath: string;
  description?: string;
  /** 0 in the default view; more only with -o wide. */
  priority: number;
  format?: string;
}
