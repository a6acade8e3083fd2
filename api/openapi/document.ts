// The OpenAPI v3 documents upstream serves under /openapi/v3: one per group-version, with paths
// per resource (operations tagged x-kubernetes-group-version-kind) and the kinds' schemas.
import { ObjectMeta } from '../meta.ts';
import type { ResourceDef } from '../resource.ts';
import { documentedResources } from '../resources.ts';
import { kindTypeName } from './names.ts';
import { Components, type OpenApiSchema } from './schemas.ts';

const META = 'io.k8s.apimachinery.pkg.apis.meta.v1.';
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

/** The meta/v1 types every document refers to, kept small. */
const META_TYPES: Record<string, OpenApiSchema> = {
  [`${META}ListMeta`]: { type: 'object', properties: { resourceVersion: { type: 'string' }, continue: { type: 'string' }, remainingItemCount: { type: 'integer' } } },
  [`${META}Status`]: { type: 'object', properties: { kind: { type: 'string' }, apiVersion: { type: 'string' }, status: { type: 'string' }, message: { type: 'string' }, reason: { type: 'string' }, code: { type: 'integer' } } },
  [`${META}Patch`]: { type: 'object', description: 'A patch: its format is named by the request\'s Content-Type.' },
  [`${META}DeleteOptions`]: {
    type: 'object',
    properties: { gracePeriodSeconds: { type: 'integer' }, propagationPolicy: { type: 'string' }, preconditions: { type: 'object' }, dryRun: { type: 'array', items: { type: 'string' } } },
  },
};

/** Returns the group-versions served, as upstream names their documents: api/v1, apis/apps/v1. */
export function openApiGroupVersions(): string[] {
  return [...new Set(documentedResources().map(gvPath))];
}

const gvPath = (d: Pick<ResourceDef, 'group' | 'version'>) => (d.group ? `apis/${d.group}/${d.version}` : `api/${d.version}`);

const query = (name: string, description: string, type = 'string') => ({ name, in: 'query', description, schema: { type }, uniqueItems: true });
const pathParam = (name: string) => ({ name, in: 'path', required: true, description: `name of the ${name === 'namespace' ? 'Namespace' : 'object'}`, schema: { type: 'string' }, uniqueItems: true });

const WRITE_PARAMS = [
  query('dryRun', 'When present ("All"), the change is checked and answered but not persisted.'),
  query('fieldManager', 'A name for the actor making the change.'),
  query('fieldValidation', 'What to do with unknown or duplicate fields in the body: Ignore (drop them), Warn (drop them with a warning, the default) or Strict (fail the request).'),
];
const LIST_PARAMS = [
  query('labelSelector', 'Restricts the list to objects whose labels match.'),
  query('fieldSelector', 'Restricts the list to objects whose fields match.'),
  query('limit', 'Maximum number of items in one response; continue with the returned token.', 'integer'),
  query('continue', 'Token of the next page of a chunked list.'),
  query('resourceVersion', 'Which state to read from.'),
  query('watch', 'Watch for changes instead of listing.', 'boolean'),
  query('allowWatchBookmarks', 'Ask for BOOKMARK events in a watch.', 'boolean'),
  query('timeoutSeconds', 'Ends a list or watch after this many seconds.', 'integer'),
];
const PATCH_TYPES = ['application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json'];

/** One operation on a resource path, as upstream describes it. */
function operation(d: ResourceDef, action: string, kind: string, body: { schema?: string; types?: string[] }, result: string, params: unknown[]) {
  const gvk = { group: d.group, version: d.version, kind };
  const content = (types: string[], name: string) => Object.fromEntries(types.map((t) => [t, { schema: ref(name) }]));
  return {
    operationId: `${action}${d.kind}`,
    'x-kubernetes-action': action,
    'x-kubernetes-group-version-kind': gvk,
    parameters: params,
    ...(body.schema ? { requestBody: { required: true, content: content(body.types ?? ['*/*'], body.schema) } } : {}),
    responses: { '200': { description: 'OK', content: content(['application/json', 'application/yaml'], result) }, '401': { description: 'Unauthorized' } },
  };
}

/** The path items of one resource: collection, object, and its status subresource. */
function resourcePaths(d: ResourceDef, kindName: string, listName: string): Record<string, unknown> {
  const base = `/${gvPath(d)}${d.namespaced ? '/namespaces/{namespace}' : ''}/${d.plural}`;
  const scope = d.namespaced ? [pathParam('namespace')] : [];
  const named = [...scope, pathParam('name')];
  const status = `${META}Status`;
  const out: Record<string, unknown> = {
    [base]: {
      get: operation(d, 'list', d.kind, {}, listName, [...scope, ...LIST_PARAMS]),
      post: operation(d, 'post', d.kind, { schema: kindName }, kindName, [...scope, ...WRITE_PARAMS]),
      delete: operation(d, 'deletecollection', d.kind, { schema: `${META}DeleteOptions` }, status, [...scope, ...LIST_PARAMS]),
    },
    [`${base}/{name}`]: objectOps(d, d.kind, kindName, named, true),
  };
  if (d.namespaced) out[`/${gvPath(d)}/${d.plural}`] = { get: operation(d, 'list', d.kind, {}, listName, LIST_PARAMS) };
  if (d.hasStatus) out[`${base}/{name}/status`] = objectOps(d, d.kind, kindName, named, false);
  return out;
}

function objectOps(d: ResourceDef, kind: string, kindName: string, params: unknown[], withDelete: boolean) {
  return {
    get: operation(d, 'get', kind, {}, kindName, params),
    put: operation(d, 'put', kind, { schema: kindName }, kindName, [...params, ...WRITE_PARAMS]),
    patch: operation(d, 'patch', kind, { schema: `${META}Patch`, types: PATCH_TYPES }, kindName, [...params, ...WRITE_PARAMS, query('force', 'Force an apply.', 'boolean')]),
    ...(withDelete ? { delete: operation(d, 'delete', kind, { schema: `${META}DeleteOptions` }, kindName, params) } : {}),
  };
}

/**
 * Adds a custom resource's schema as upstream publishes a CRD's: its openAPIV3Schema as written,
 * with apiVersion, kind and metadata (ObjectMeta) added, named by reversed group (`com.example.v1.Widget`).
 */
function addCustom(c: Components, d: ResourceDef, gvk: unknown[]): string {
  const name = `${d.group.split('.').reverse().join('.')}.${d.version}.${d.kind}`;
  const schema = d.schema as unknown as OpenApiSchema & { properties?: Record<string, unknown> };
  const meta = c.add(ObjectMeta);
  c.schemas[name] = {
    ...schema,
    type: 'object',
    properties: {
      apiVersion: { type: 'string', description: 'APIVersion defines the versioned schema of this representation of an object.' },
      kind: { type: 'string', description: 'Kind is a string value representing the REST resource this object represents.' },
      metadata: { allOf: [ref(meta)], description: "Standard object's metadata." },
      ...schema.properties,
    },
    'x-kubernetes-group-version-kind': gvk,
  };
  return name;
}

/** Returns the OpenAPI v3 document of one group-version (`api/v1`, `apis/apps/v1`), or undefined when not served. */
export function openApiDocument(gv: string): Record<string, unknown> | undefined {
  const defs = documentedResources().filter((d) => gvPath(d) === gv);
  if (!defs.length) return undefined;
  const c = new Components();
  Object.assign(c.schemas, META_TYPES);
  let paths: Record<string, unknown> = {};
  for (const d of defs) {
    const gvk = [{ group: d.group, version: d.version, kind: d.kind }];
    const kindName = d.custom ? addCustom(c, d, gvk) : c.add(d.schema, { 'x-kubernetes-group-version-kind': gvk });
    const listName = `${kindTypeName(d)}List`;
    c.schemas[listName] = {
      type: 'object',
      description: `A list of ${d.kind} objects.`,
      required: ['items'],
      properties: { apiVersion: { type: 'string' }, kind: { type: 'string' }, metadata: { allOf: [ref(`${META}ListMeta`)] }, items: { type: 'array', items: ref(kindName) } },
      'x-kubernetes-group-version-kind': [{ group: d.group, version: d.version, kind: d.listKind }],
    };
    paths = { ...paths, ...resourcePaths(d, kindName, listName) };
  }
  return { openapi: '3.0.0', info: { title: 'Kubernetes', version: 'v1.32.0-kubus' }, paths, components: { schemas: c.schemas } };
}
