// Server-side apply and managedFields in the API server: every write that names a fieldManager
// records who changed which fields; an apply patch merges its configuration with field ownership.
import {
  appliedPart,
  decodeOwners,
  encodeOwners,
  fieldManagerErrors,
  recordApply,
  recordUpdate,
  type ManagedFieldsEntry,
  type Writer,
} from '../../api/apply/index.ts';
import type { KubeObject } from '../../api/meta.ts';
import { rfc3339 } from '../../api/names.ts';
import type { PatchTypeDef } from '../../api/patch/index.ts';
import type { ApiRequest } from '../../api/protocol.ts';
import type { ResourceDef } from '../../api/resource.ts';
import { StatusError, badRequest } from '../../api/status.ts';
import type { ServerContext } from './context.ts';
import { objectKey } from './keys.ts';
import { fromKV } from './objects.ts';
import { checkKind, nameOf, namespaceOf } from './request.ts';
import type { KeyValue } from './store/store.ts';

/** Object metadata with the field this file owns (ObjectMeta's schema leaves it open). */
type Meta = KubeObject['metadata'] & { managedFields?: unknown };
const metaOf = (o: KubeObject) => o.metadata as Meta;

/** What a write records in managedFields: Update for a manager, or entries an apply computed. */
export type Recording = { fieldManager: string; subresource?: string } | { managedFields: ManagedFieldsEntry[] };

/** Returns the schema field ownership follows: the kind's patch tags; custom resources have none. */
const schemaOf = (def: ResourceDef): string | PatchTypeDef => (def.custom ? {} : def.kind);

/** Returns the write's Recording from its request (checked as upstream's Create/Update/PatchOptions). */
export function recordingOf(req: ApiRequest, options: 'CreateOptions' | 'UpdateOptions' | 'PatchOptions'): Recording | undefined {
  fieldManagerErrors(options, req.fieldManager, { apply: req.patchType === 'apply', force: req.force });
  if (!req.fieldManager) return undefined;
  return typeof req.subresource === 'string' && req.subresource ? { fieldManager: req.fieldManager, subresource: req.subresource } : { fieldManager: req.fieldManager };
}

/**
 * Sets `obj.metadata.managedFields` for a write from `old` (undefined: a create). Without a
 * manager the entries stay as they were (or as the body gave them, for a write of the whole object).
 */
export function recordManaged(ctx: ServerContext, def: ResourceDef, old: KubeObject | undefined, obj: KubeObject, part: 'main' | 'status', rec?: Recording): void {
  let entries: unknown;
  if (rec && 'managedFields' in rec) entries = rec.managedFields;
  else {
    const given = part === 'main' ? metaOf(obj).managedFields : undefined;
    if (given !== undefined && given !== null) decodeOwners(given); // a 400 when they are not upstream's shape
    entries = given !== undefined ? given : old && metaOf(old).managedFields;
    if (rec) {
      const subresource = part === 'status' ? 'status' : rec.subresource;
      const w: Writer = { manager: rec.fieldManager, apiVersion: def.apiVersion, time: rfc3339(ctx.clock.now()), ...(subresource ? { subresource } : {}) };
      entries = encodeOwners(recordUpdate(decodeOwners(entries), old, obj, schemaOf(def), w));
    }
  }
  if (Array.isArray(entries) && entries.length) metaOf(obj).managedFields = entries;
  else delete metaOf(obj).managedFields;
}

/** Writers of the object: create and commitUpdate, passed in to keep this file free of writes.ts. */
export interface Writes {
  create(req: ApiRequest): Promise<KubeObject>;
  update(kv: KeyValue, next: KubeObject, rec: Recording): Promise<KubeObject>;
}

/**
 * An apply patch (application/apply-patch+yaml): merges the configuration into the live object with
 * field ownership, or creates the object when there is none (the status subresource: 404).
 */
export async function applyPatch(ctx: ServerContext, def: ResourceDef, req: ApiRequest, part: 'main' | 'status', writes: Writes): Promise<KubeObject> {
  fieldManagerErrors('PatchOptions', req.fieldManager, { apply: true, force: req.force });
  const p = req.patch;
  if (typeof p !== 'object' || p === null || Array.isArray(p)) throw badRequest('an apply patch must be an object (the applied configuration)');
  const config = structuredClone(p) as KubeObject;
  config.metadata ??= {};
  if (typeof config.metadata !== 'object' || config.metadata === null || Array.isArray(config.metadata)) throw badRequest('metadata must be an object');
  if (metaOf(config).managedFields !== undefined && metaOf(config).managedFields !== null) throw badRequest('metadata.managedFields must be nil');
  checkKind(def, config);
  const name = nameOf(req);
  if (config.metadata.name !== undefined && config.metadata.name !== name)
    throw badRequest(`the name of the object (${String(config.metadata.name)}) does not match the name on the URL (${name})`);
  const namespace = namespaceOf(def, req);
  const kv = ctx.store.get(objectKey(def, namespace, name));
  if (!kv && part === 'status') throw new StatusError(404, 'NotFound', `${def.group ? `${def.plural}.${def.group}` : def.plural} "${name}" not found`);
  const applied = appliedPart(config as unknown as Record<string, unknown>, part, def.hasStatus);
  const live = kv ? fromKV(kv) : undefined;
  const w: Writer = { manager: req.fieldManager!, apiVersion: def.apiVersion, time: rfc3339(ctx.clock.now()), ...(part === 'status' ? { subresource: 'status' } : {}) };
  const { object, owners } = recordApply(decodeOwners(live && metaOf(live).managedFields), live, applied, schemaOf(def), w, req.force === true);
  const managedFields = encodeOwners(owners);
  if (!kv) {
    const body = { ...object, apiVersion: def.apiVersion, kind: def.kind, metadata: { ...object.metadata, name, ...(namespace && !object.metadata?.namespace ? { namespace } : {}), managedFields } } as KubeObject;
    return writes.create({ ...req, body, patch: undefined, patchType: undefined, fieldManager: undefined, force: undefined });
  }
  // The live resourceVersion is no precondition; one the configuration sets is.
  const next = object as KubeObject;
  next.metadata = { ...next.metadata };
  if (config.metadata.resourceVersion === undefined) delete next.metadata.resourceVersion;
  return writes.update(kv, next, { managedFields });
}
