// The scale subresource (autoscaling/v1 Scale) of deployments, replicasets, statefulsets and custom
// resources: read from and written to the object's replicas (spec.replicas, or the paths a CRD's
// scale subresource names), as upstream's scale REST storage does.
import fastJsonPatch, { type Operation } from 'fast-json-patch';
import mergePatch from 'json-merge-patch';
import type { KubeObject, LabelSelector } from '../../api/meta.ts';
import type { ResourceDef } from '../../api/resource.ts';
import { labelSelectorRequirements, selectorToString } from '../../api/selectors.ts';
import { invalid, StatusError } from '../../api/status.ts';
import type { Call, Reply } from './call.ts';
import { writerOf } from './field-manager.ts';

interface Scale {
  apiVersion: 'autoscaling/v1';
  kind: 'Scale';
  metadata: KubeObject['metadata'];
  spec: { replicas?: number };
  status: { replicas: number; selector?: string };
}

type Scalable = KubeObject & { spec?: { replicas?: number; selector?: LabelSelector }; status?: { replicas?: number } };

/** Where replicas live: the built-in workloads' paths, or a CRD's scale subresource. */
const pathsOf = (def: ResourceDef) => def.scale ?? { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas' };
const segments = (path: string) => path.split('.').filter(Boolean);

/** Returns the value at a simple JSON path (`.spec.replicas`). */
const at = (obj: unknown, path: string): unknown => segments(path).reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), obj);

/** Returns a copy of the object with the value at a simple JSON path set (making the objects on the way). */
function withValue<T>(obj: T, path: string, value: unknown): T {
  const out = structuredClone(obj) as Record<string, unknown>;
  const keys = segments(path);
  let o = out;
  for (const k of keys.slice(0, -1)) o = (o[k] && typeof o[k] === 'object' ? o[k] : (o[k] = {})) as Record<string, unknown>;
  o[keys[keys.length - 1]] = value;
  return out as T;
}

/** Returns the Scale view of a workload or custom object. */
export function scaleOf(obj: Scalable, def: ResourceDef): Scale {
  const { name, namespace, uid, resourceVersion, creationTimestamp } = obj.metadata;
  const paths = pathsOf(def);
  let selector: string | undefined;
  if (def.scale) selector = def.scale.labelSelectorPath ? (at(obj, def.scale.labelSelectorPath) as string | undefined) : undefined;
  else if (obj.spec?.selector) {
    // A ReplicationController's selector is a label map (labels.SelectorFromSet).
    const sel = def.plural === 'replicationcontrollers' ? { matchLabels: obj.spec.selector as unknown as Record<string, string> } : obj.spec.selector;
    selector = selectorToString(labelSelectorRequirements(sel));
  }
  const num = (v: unknown) => (typeof v === 'number' ? v : 0);
  return {
    apiVersion: 'autoscaling/v1',
    kind: 'Scale',
    metadata: { name, namespace, uid, resourceVersion, creationTimestamp },
    spec: { replicas: num(at(obj, paths.specReplicasPath)) },
    status: { replicas: num(at(obj, paths.statusReplicasPath)), ...(typeof selector === 'string' && selector ? { selector } : {}) },
  };
}

/** Returns spec.replicas of a Scale body, or 422 as upstream's scale validation. */
function replicasOf(scale: Partial<Scale>, name: string): number {
  const r = scale.spec?.replicas ?? 0;
  if (!Number.isInteger(r) || r < 0)
    throw invalid('Scale', name, [{ type: 'FieldValueInvalid', message: `Invalid value: ${r}: must be greater than or equal to 0`, field: 'spec.replicas' }], 'autoscaling');
  return r;
}

/** Writes `replicas` into the object; a Scale carrying a resourceVersion must match the object's. */
async function writeReplicas(call: Call, obj: Scalable, replicas: number, resourceVersion?: string): Promise<Reply> {
  const { def, namespace } = call.target;
  const next: Scalable = withValue({ ...obj, metadata: { ...obj.metadata, ...(resourceVersion ? { resourceVersion } : {}) } }, pathsOf(def).specReplicasPath, replicas);
  // dryRun was checked with the body: only `All` gets here.
  const dryRun = call.query.get('dryRun') === 'All' || undefined;
  const written = await call.client.call<Scalable>(def.plural, 'update', { namespace, name: obj.metadata.name, body: next, dryRun, ...writerOf(call), subresource: 'scale' });
  return { code: 200, body: scaleOf(written, def) };
}

/** GET …/scale. */
export async function getScale(call: Call): Promise<Reply> {
  const { def, namespace, name } = call.target;
  return { code: 200, body: scaleOf(await call.client.call<Scalable>(def.plural, 'get', { namespace, name }), def) };
}

/** PUT …/scale with a Scale body. */
export async function putScale(call: Call, scale: Partial<Scale>): Promise<Reply> {
  const { def, namespace, name } = call.target;
  const obj = await call.client.call<Scalable>(def.plural, 'get', { namespace, name });
  return writeReplicas(call, obj, replicasOf(scale, name!), scale.metadata?.resourceVersion);
}

/** PATCH …/scale: the patch applies to the Scale view, then its replicas go to the object. */
export async function patchScale(call: Call, patch: unknown, type: 'json' | 'merge' | 'strategic'): Promise<Reply> {
  const { def, namespace, name } = call.target;
  const obj = await call.client.call<Scalable>(def.plural, 'get', { namespace, name });
  const current = scaleOf(obj, def);
  let patched: Partial<Scale>;
  try {
    // A Scale has no lists: a strategic merge patch of it is a merge patch.
    patched = type === 'json' ? (fastJsonPatch.applyPatch(structuredClone(current), patch as Operation[], true, false).newDocument as Scale) : (mergePatch.apply(structuredClone(current), patch) as Scale);
  } catch (err) {
    throw new StatusError(422, 'Invalid', `the patch could not be applied to the Scale: ${(err as Error).message}`);
  }
  const rv = patched.metadata?.resourceVersion !== current.metadata.resourceVersion ? patched.metadata?.resourceVersion : undefined;
  return writeReplicas(call, obj, replicasOf(patched, name!), rv);
}
