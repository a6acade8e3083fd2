// The ResourceDefs a CRD serves: one per served version, validated, pruned and defaulted from its schema.
import { Type, type TSchema } from '@sinclair/typebox';
import type { KubeObject } from '../meta.ts';
import type { PrinterColumn, ResourceDef } from '../resource.ts';
import type { FieldError } from '../status.ts';
import { validateObjectMeta, validateObjectMetaUpdate } from '../validation/meta.ts';
import { nameIsDNSSubdomain } from '../validation/strings.ts';
import { compileCRValidator } from './cr-validation.ts';
import { checkListTypes } from './list-types.ts';
import { pruneAndDefault } from './prune-default.ts';
import type { CRDVersion, CustomResourceDefinition } from './types.ts';

/** Returns the versions a CRD serves, the storage version first. */
export function servedVersions(crd: CustomResourceDefinition): CRDVersion[] {
  const vs = (crd.spec.versions ?? []).filter((v) => v.served);
  return [...vs.filter((v) => v.storage), ...vs.filter((v) => !v.storage)];
}

/** Returns a version's printer columns with upstream's zero values filled (priority 0, no format or description). */
function printerColumns(v: CRDVersion): PrinterColumn[] {
  return (v.additionalPrinterColumns ?? []).map((c) => ({
    name: c.name,
    type: c.type,
    jsonPath: c.jsonPath,
    description: c.description ?? '',
    priority: c.priority ?? 0,
    format: c.format ?? '',
  }));
}

/** Returns the ResourceDef of one served version of a CRD. */
function versionDef(crd: CustomResourceDefinition, v: CRDVersion): ResourceDef {
  const { group, names, scope } = crd.spec;
  const namespaced = scope !== 'Cluster';
  const hasStatus = v.subresources?.status !== undefined && v.subresources?.status !== null;
  const schema = v.schema?.openAPIV3Schema;
  const check = compileCRValidator(schema);
  const d: ResourceDef = {
    kind: names.kind,
    listKind: names.listKind || `${names.kind}List`,
    plural: names.plural,
    singular: names.singular || names.kind.toLowerCase(),
    shortNames: names.shortNames ?? [],
    group,
    version: v.name,
    apiVersion: `${group}/${v.name}`,
    namespaced,
    hasStatus,
    schema: (schema ?? Type.Object({})) as TSchema,
    defaults: (obj: KubeObject) => pruneAndDefault(obj, schema),
    validate: (obj: KubeObject): FieldError[] => {
      const errs: FieldError[] = [];
      validateObjectMeta(obj.metadata ?? {}, { nameFn: nameIsDNSSubdomain, namespaced }, errs);
      errs.push(...check(obj), ...checkListTypes(obj, schema));
      return errs;
    },
    validateUpdate: (obj: KubeObject, old: KubeObject): FieldError[] => {
      const errs: FieldError[] = [];
      validateObjectMetaUpdate(obj.metadata, old.metadata, errs);
      return errs;
    },
    // Anything but metadata bumps a custom resource's generation (upstream's customResourceStrategy).
    generation: 'body',
    custom: { crd: crd.metadata.name ?? `${names.plural}.${group}` },
  };
  // With a status subresource, a create cannot set status (upstream's PrepareForCreate).
  if (hasStatus) d.prepareForCreate = (obj: KubeObject) => void delete obj.status;
  const cols = printerColumns(v);
  if (cols.length) d.printerColumns = cols;
  const scale = v.subresources?.scale;
  if (scale) d.scale = { specReplicasPath: scale.specReplicasPath, statusReplicasPath: scale.statusReplicasPath, ...(scale.labelSelectorPath ? { labelSelectorPath: scale.labelSelectorPath } : {}) };
  if (names.categories?.length) d.categories = [...names.categories];
  return Object.freeze(d);
}

/** Returns one ResourceDef per served version of a CRD (the storage version first); each compiles its validator once. */
export function customResourceDefs(crd: CustomResourceDefinition): ResourceDef[] {
  return servedVersions(crd).map((v) => versionDef(crd, v));
}
