// The body a negotiated output form asks for, with upstream's 406 when the form does not fit the object (list vs single).
import type { NegotiatedOutput } from './accept.ts';
import { rec, str } from './loose.ts';
import { isList, toPartialObjectMetadata, toPartialObjectMetadataList, toTable, type TableResource } from './table.ts';
import type { IncludeObject } from './types.ts';

/** Options of renderOutput: `now` for ages, includeObject for Table rows, noHeaders for watch events after the first. */
export interface RenderOptions {
  now: number;
  includeObject?: IncludeObject;
  noHeaders?: boolean;
}

/** The body to write, or the NotAcceptable failure (code 406) to answer with a Status. */
export type Rendered = { ok: true; body: unknown } | { ok: false; code: 406; reason: 'NotAcceptable'; message: string };

const GO_PACKAGES: Record<string, string> = { '': 'core', 'coordination.k8s.io': 'coordination' };

// Go's %T of the internal object upstream holds: "*core.PodList", "*apps.Deployment"; custom resources are unstructured.
function goType(obj: unknown, resource: TableResource): string {
  const o = rec(obj);
  const apiVersion = str(o.apiVersion);
  const group = apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : typeof resource === 'string' ? '' : (resource.group ?? '');
  const kind = str(o.kind) || (isList(obj) ? 'List' : 'Object');
  const pkg = GO_PACKAGES[group] ?? (group.includes('.') ? undefined : group);
  if (pkg === undefined) return isList(obj) ? '*unstructured.UnstructuredList' : '*unstructured.Unstructured';
  return `*${pkg}.${kind}`;
}

const notAcceptable = (message: string): Rendered => ({ ok: false, code: 406, reason: 'NotAcceptable', message });

/** Returns the body for an object or a list in the negotiated form: itself, a Table, PartialObjectMetadata, or PartialObjectMetadataList; a Status unchanged. */
export function renderOutput(source: unknown, resource: TableResource, out: Pick<NegotiatedOutput, 'as' | 'version'>, opts: RenderOptions): Rendered {
  // A Status (a watch's ERROR event) goes out as it is, in every form, as upstream's doTransformObject.
  if (rec(source).kind === 'Status') return { ok: true, body: source };
  switch (out.as) {
    case 'Object':
      return { ok: true, body: source };
    case 'Table':
      return { ok: true, body: toTable(source, resource, { ...opts, version: out.version }) };
    case 'PartialObjectMetadata':
      if (isList(source)) return notAcceptable(`you requested PartialObjectMetadata, but the requested object is a list (${goType(source, resource)})`);
      return { ok: true, body: toPartialObjectMetadata(source, out.version) };
    case 'PartialObjectMetadataList':
      if (!isList(source)) return notAcceptable(`you requested PartialObjectMetadataList, but the requested object is not a list (${goType(source, resource)})`);
      return { ok: true, body: toPartialObjectMetadataList(source, out.version) };
  }
}
