// The CustomResourceDefinition kind (apiextensions.k8s.io/v1): schema, defaults, create/update preparation
// and its ResourceDef, for the lead to add to the resource table.
import { Type } from '@sinclair/typebox';
import { objectSchema } from '../meta.ts';
import type { KubeObject } from '../meta.ts';
import type { ResourceDef } from '../resource.ts';
import { dropNulls, structural } from '../validation/structural.ts';
import { isObj, obj, opt } from '../kinds/common.ts';
import { storedVersionsFor } from './crd-status.ts';
import { validateCRD, validateCRDUpdate } from './crd-validation.ts';
import { APIEXTENSIONS_GROUP, APIEXTENSIONS_VERSION, type CustomResourceDefinition } from './types.ts';

export { crdStatusFor, storageVersion, storedVersionsFor, type NameTaken } from './crd-status.ts';
export { isEstablished, validateCRD, validateCRDUpdate } from './crd-validation.ts';

const Strings = Type.Array(Type.String());
/** A JSON schema node is checked by validateCRD itself (upstream's messages), so only its shape is required here. */
const AnyObject = Type.Object({}, { additionalProperties: true });

const Names = obj({
  plural: opt(Type.String()),
  singular: opt(Type.String()),
  shortNames: opt(Strings),
  kind: opt(Type.String()),
  listKind: opt(Type.String()),
  categories: opt(Strings),
});

const Version = obj({
  name: opt(Type.String()),
  served: opt(Type.Boolean()),
  storage: opt(Type.Boolean()),
  deprecated: opt(Type.Boolean()),
  deprecationWarning: opt(Type.String()),
  schema: opt(obj({ openAPIV3Schema: opt(AnyObject) })),
  subresources: opt(
    obj({
      status: opt(AnyObject),
      scale: opt(obj({ specReplicasPath: opt(Type.String()), statusReplicasPath: opt(Type.String()), labelSelectorPath: opt(Type.String()) })),
    }),
  ),
  additionalPrinterColumns: opt(
    Type.Array(
      obj({
        name: opt(Type.String()),
        type: opt(Type.String()),
        format: opt(Type.String()),
        description: opt(Type.String()),
        priority: opt(Type.Integer()),
        jsonPath: opt(Type.String()),
      }),
    ),
  ),
});

const Condition = obj({
  type: Type.String(),
  status: Type.String(),
  lastTransitionTime: opt(Type.String()),
  reason: opt(Type.String()),
  message: opt(Type.String()),
});

/** The TypeBox schema of a CustomResourceDefinition (loose: validateCRD reports missing fields as upstream does). */
export const CRDSchema = objectSchema({
  spec: obj({
    group: opt(Type.String()),
    names: opt(Names),
    scope: opt(Type.String()),
    versions: opt(Type.Array(Version)),
    conversion: opt(obj({ strategy: opt(Type.String()), webhook: opt(AnyObject) })),
    preserveUnknownFields: opt(Type.Boolean()),
  }),
  status: opt(obj({ conditions: opt(Type.Array(Condition)), acceptedNames: opt(Names), storedVersions: opt(Strings) })),
});

/** Fills a CRD's defaults in place (SetDefaults_CustomResourceDefinitionSpec): singular, listKind, conversion None, webhook port 443. */
export function defaultCRD(crd: CustomResourceDefinition): void {
  if (!isObj(crd) || !isObj(crd.spec)) return;
  const spec = crd.spec;
  if (isObj(spec.names)) {
    const n = spec.names;
    if (!n.singular && typeof n.kind === 'string') n.singular = n.kind.toLowerCase();
    if (!n.listKind && n.kind) n.listKind = `${n.kind}List`;
  }
  spec.conversion ??= { strategy: 'None' };
  const svc = (spec.conversion.webhook as { clientConfig?: { service?: { port?: number } } } | undefined)?.clientConfig?.service;
  if (isObj(svc) && svc.port === undefined) svc.port = 443;
}

/** Resets the status on create (PrepareForCreate): only the storage version is recorded as stored. */
export function prepareCRDForCreate(crd: CustomResourceDefinition): void {
  if (!isObj(crd)) return; // validation reports it
  crd.status = { acceptedNames: { plural: '', kind: '' }, storedVersions: storedVersionsFor(crd) };
}

/** Keeps the stored status on update and records a new storage version (PrepareForUpdate). */
export function prepareCRDForUpdate(crd: CustomResourceDefinition, old: CustomResourceDefinition): void {
  if (!isObj(crd)) return; // validation reports it
  crd.status = structuredClone(old.status ?? {});
  crd.status.storedVersions = storedVersionsFor(crd, old.status?.storedVersions);
}

/** The ResourceDef of customresourcedefinitions (cluster-scoped, with a status subresource). */
export const crdResourceDef: ResourceDef = Object.freeze({
  kind: 'CustomResourceDefinition',
  listKind: 'CustomResourceDefinitionList',
  plural: 'customresourcedefinitions',
  singular: 'customresourcedefinition',
  shortNames: ['crd', 'crds'],
  group: APIEXTENSIONS_GROUP,
  version: APIEXTENSIONS_VERSION,
  apiVersion: `${APIEXTENSIONS_GROUP}/${APIEXTENSIONS_VERSION}`,
  namespaced: false,
  hasStatus: true,
  generation: 'spec',
  schema: CRDSchema,
  defaults: (o: KubeObject) => {
    dropNulls(o);
    defaultCRD(o as unknown as CustomResourceDefinition);
  },
  prepareForCreate: prepareCRDForCreate as unknown as ResourceDef['prepareForCreate'],
  prepareForUpdate: prepareCRDForUpdate as unknown as ResourceDef['prepareForUpdate'],
  validate: structural(CRDSchema, validateCRD) as unknown as ResourceDef['validate'],
  validateUpdate: validateCRDUpdate as unknown as ResourceDef['validateUpdate'],
  categories: ['api-extensions'],
});
