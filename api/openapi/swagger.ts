// The Swagger 2.0 document upstream serves at /openapi/v2: the same kinds and paths as the /openapi/v3
// documents (one source), written the v2 way: schemas under #/definitions, a body parameter instead
// of requestBody, and `type` on parameters instead of a schema.
import { openApiDocument, openApiGroupVersions } from './document.ts';
import { unmodelledFields } from './names.ts';

/** A JSON object of the documents (their shape is OpenAPI's, not a TypeScript type). */
type Json = Record<string, any>;

const V3_REF = '#/components/schemas/';
const V2_REF = '#/definitions/';

const mapValues = (o: Json, f: (v: Json) => Json): Json => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, f(v as Json)]));

/** Returns a v3 schema in v2 form: refs point into #/definitions, and a described ref (v3's allOf of one) is a $ref beside its description, as upstream's v2 writes it. */
export function schemaV2(s: Json): Json {
  const out: Json = {};
  for (const [k, v] of Object.entries(s)) {
    if (k === '$ref') out.$ref = V2_REF + (v as string).slice(V3_REF.length);
    else if (k === 'properties') out.properties = mapValues(v, schemaV2);
    else if (k === 'items' || (k === 'additionalProperties' && typeof v === 'object')) out[k] = schemaV2(v);
    else if (k === 'allOf') out.allOf = (v as Json[]).map(schemaV2);
    else out[k] = v;
  }
  if (out.allOf?.length === 1 && out.allOf[0].$ref && !out.$ref) {
    out.$ref = out.allOf[0].$ref;
    delete out.allOf;
  }
  return structuralV2(out);
}

/**
 * Drops what kubectl's v2 model cannot hold, as upstream's ToStructuralOpenAPIV2 does for a CRD's
 * schema: logic junctors; a nullable value's type and fields; the fields of a value that keeps
 * unknown fields (or kubectl would refuse the unknown ones); an array's type once it has no items.
 */
function structuralV2(s: Json): Json {
  for (const k of ['allOf', 'anyOf', 'oneOf', 'not']) delete s[k];
  if (s.nullable) {
    for (const k of ['nullable', 'type', 'items', 'properties']) delete s[k];
  }
  if (s['x-kubernetes-preserve-unknown-fields']) {
    delete s.items;
    delete s.properties;
  }
  if (s.type === 'array' && !s.items) delete s.type;
  return s;
}

/**
 * Adds upstream's fields that kubus accepts without modelling them (a closed type's list) as fields of
 * any value: kubectl validates a `kind: List` on the client from v2 and must not refuse what the server takes.
 */
function withUnmodelled(name: string, s: Json): Json {
  const extra = unmodelledFields(name) ?? [];
  if (!extra.length || !s.properties) return s;
  const any = { description: 'An upstream field kubus accepts and keeps without acting on it.', 'x-kubernetes-preserve-unknown-fields': true };
  return { ...s, properties: { ...s.properties, ...Object.fromEntries(extra.filter((f) => !s.properties[f]).map((f) => [f, any])) } };
}

/** One v3 parameter in v2 form (the type moves out of `schema`). */
function parameterV2(p: Json): Json {
  const { schema, ...rest } = p;
  return { ...rest, type: schema?.type ?? 'string' };
}

/** One v3 operation in v2 form: requestBody becomes the `body` parameter, media types move to consumes/produces. */
function operationV2(op: Json): Json {
  const { requestBody, responses, parameters, ...rest } = op;
  const params = (parameters as Json[]).map(parameterV2);
  let consumes = ['*/*'];
  if (requestBody) {
    const content = requestBody.content as Json;
    consumes = Object.keys(content);
    params.push({ name: 'body', in: 'body', required: true, schema: schemaV2(Object.values(content)[0].schema) });
  }
  let produces = ['application/json', 'application/yaml'];
  const v2Responses = mapValues(responses, (r) => {
    if (!r.content) return { description: r.description };
    produces = Object.keys(r.content);
    return { description: r.description, schema: schemaV2((Object.values(r.content)[0] as Json).schema) };
  });
  return { ...rest, consumes, produces, schemes: ['https'], parameters: params, responses: v2Responses };
}

/** Returns the Swagger 2.0 document of every group-version served (/openapi/v2). */
export function swaggerDocument(): Json {
  const paths: Json = {};
  const definitions: Json = {};
  for (const gv of openApiGroupVersions()) {
    const doc = openApiDocument(gv)! as Json;
    for (const [name, s] of Object.entries(doc.components.schemas as Json)) definitions[name] ??= withUnmodelled(name, schemaV2(s));
    for (const [path, item] of Object.entries(doc.paths as Json)) paths[path] = mapValues(item, operationV2);
  }
  const sorted = Object.fromEntries(Object.keys(definitions).sort().map((k) => [k, definitions[k]]));
  return { swagger: '2.0', info: { title: 'Kubernetes', version: 'v1.32.0-kubus' }, paths, definitions: sorted };
}
