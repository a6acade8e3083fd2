// The ResourceDefs a CRD serves: one per served version, validated and defaulted from its schema.
import { Type, type TSchema } from '@sinclair/typebox';
import type { KubeObject } from '../meta.ts';
import type { ResourceDef } from '../resource.ts';
import { validateObjectMeta, validateObjectMetaUpdate } from '../validation/meta.ts';
import { nameIsDNSSubdomain } from '../validation/strings.ts';
import type { FieldError } from '../status.ts';
import type { CRDVersion, CustomResourceDefinition } from './types.ts';

/** Returns the versions a CRD serves, the storage version first. */
export function servedVersions(crd: CustomResourceDefinition): CRDVersion[] {
  const vs = (crd.spec.versions ?? []).filter((v) => v.served);
  return [...vs.filter((v) => v.storage), ...vs.filter((v) => !v.storage)];
}

/** Returns one ResourceDef per served version of a CRD (the storage version first). */
export function customResourceDefs(crd: CustomResourceDefinition): ResourceDef[] {
  const { group, names, scope } = crd.spec;
  const namespaced = scope !== 'Cluster';
  return servedVersions(crd).map((v) => {
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
      hasStatus: v.subresources?.status !== undefined,
      schema: (v.schema?.openAPIV3Schema ?? Type.Object({})) as TSchema,
      validate: (obj: KubeObject): FieldError[] => {
        const errs: FieldError[] = [];
        validateObjectMeta(obj.metadata, { nameFn: nameIsDNSSubdomain, namespaced }, errs);
        return errs;
      },
      validateUpdate: (obj: KubeObject, old: KubeObject): FieldError[] => {
        const errs: FieldError[] = [];
        validateObjectMetaUpdate(obj.metadata, old.metadata, errs);
        return errs;
      },
      custom: { crd: crd.metadata.name ?? `${names.plural}.${group}` },
    };
    if (names.categories?.length) d.categories = names.categories;
    return d;
  });
}
