// The Swagger 2.0 document as gnostic's openapi_v2.Document in protobuf: the form kubectl asks
// /openapi/v2 for. Maps become ordered (name, value) lists and vendor extensions carry their value
// as YAML text, as gnostic writes them; protobufjs encodes the messages of openapi-v2.proto.ts.
import protobuf from 'protobufjs';
import { stringify } from 'yaml';
import { OPENAPI_V2_PROTO } from './openapi-v2.proto.ts';

type Json = Record<string, any>;

/** gnostic's openapi_v2.Document message type. */
export const GnosticDocument = protobuf.parse(OPENAPI_V2_PROTO, { keepCase: true }).root.lookupType('openapi.v2.Document');

const named = (o: Json | undefined, f: (v: any) => unknown) => Object.entries(o ?? {}).map(([name, v]) => ({ name, value: f(v) }));

/** The `x-` fields of an object as NamedAny entries (YAML text). */
const extensions = (o: Json) =>
  Object.entries(o)
    .filter(([k]) => k.startsWith('x-'))
    .map(([name, v]) => ({ name, value: { yaml: stringify(v) } }));

function schema(s: Json): Json {
  const ap = s.additionalProperties;
  return {
    _ref: s.$ref,
    format: s.format,
    title: s.title,
    description: s.description,
    required: s.required,
    additional_properties: typeof ap === 'object' ? { schema: schema(ap) } : typeof ap === 'boolean' ? { boolean: ap } : undefined,
    type: s.type ? { value: [s.type] } : undefined,
    items: s.items ? { schema: [schema(s.items)] } : undefined,
    all_of: s.allOf?.map(schema),
    properties: s.properties ? { additional_properties: named(s.properties, schema) } : undefined,
    vendor_extension: extensions(s),
  };
}

function parameter(p: Json): Json {
  if (p.in === 'body') {
    return { parameter: { body_parameter: { name: p.name, in: p.in, description: p.description, required: p.required, schema: schema(p.schema) } } };
  }
  const sub = { required: p.required, in: p.in, description: p.description, name: p.name, type: p.type, format: p.format, unique_items: p.uniqueItems };
  const which = p.in === 'path' ? 'path_parameter_sub_schema' : 'query_parameter_sub_schema';
  return { parameter: { non_body_parameter: { [which]: sub } } };
}

function operation(op: Json): Json {
  const response = (r: Json) => ({ response: { description: r.description, schema: r.schema ? { schema: schema(r.schema) } : undefined } });
  return {
    tags: op.tags,
    summary: op.summary,
    description: op.description,
    operation_id: op.operationId,
    produces: op.produces,
    consumes: op.consumes,
    parameters: op.parameters?.map(parameter),
    responses: { response_code: named(op.responses, response) },
    schemes: op.schemes,
    vendor_extension: extensions(op),
  };
}

const VERBS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch'] as const;

function pathItem(item: Json): Json {
  const out: Json = { vendor_extension: extensions(item) };
  for (const v of VERBS) if (item[v]) out[v] = operation(item[v]);
  if (item.parameters) out.parameters = item.parameters.map(parameter);
  return out;
}

/** Returns the protobuf bytes of a Swagger 2.0 JSON document (api/openapi/swagger.ts). */
export function encodeGnostic(doc: Json): Buffer {
  const message = GnosticDocument.fromObject({
    swagger: doc.swagger,
    info: { title: doc.info.title, version: doc.info.version, description: doc.info.description },
    consumes: doc.consumes,
    produces: doc.produces,
    paths: { path: named(doc.paths, pathItem) },
    definitions: { additional_properties: named(doc.definitions, schema) },
    vendor_extension: extensions(doc),
  });
  return Buffer.from(GnosticDocument.encode(message).finish());
}
