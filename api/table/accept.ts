// Accept-header negotiation of the output form (as=Table / PartialObjectMetadata[List] / the object itself), as apiserver's negotiation package.
import type { MetaVersion } from './table.ts';
import type { IncludeObject } from './types.ts';

/** What the response body is: the object itself, or one of meta.k8s.io's conversions. */
export type OutputAs = 'Object' | 'Table' | 'PartialObjectMetadata' | 'PartialObjectMetadataList';

/** The negotiated response: media type to write, the conversion, its meta.k8s.io version, and `pretty=1`. */
export interface NegotiatedOutput {
  mediaType: string;
  as: OutputAs;
  version: MetaVersion;
  pretty: boolean;
}

/** Media types the gateway writes, first one preferred for `*\/*` and an absent Accept header. */
export const SERVED_MEDIA_TYPES: readonly string[] = ['application/json', 'application/yaml'];

/** Returns the 406 message upstream gives when no Accept clause can be served. */
export const notAcceptableMessage = (served: readonly string[] = SERVED_MEDIA_TYPES): string =>
  `only the following media types are accepted: ${served.join(', ')}`;

interface Clause {
  type: string;
  subType: string;
  q: number;
  params: Map<string, string>;
}

// goautoneg.ParseAccept: clauses by q (highest first), then concrete types before wildcards; ties keep header order.
function parseAccept(header: string): Clause[] {
  const clauses: Clause[] = [];
  for (const part of header.split(',')) {
    const [range, ...rawParams] = part.split(';');
    const [type, subType = '*'] = range.trim().toLowerCase().split('/', 2).map((s) => s.trim());
    if (!type) continue;
    const params = new Map<string, string>();
    let q = 1;
    for (const p of rawParams) {
      const eq = p.indexOf('=');
      if (eq < 0) continue;
      const key = p.slice(0, eq).trim();
      const value = p.slice(eq + 1).trim();
      if (key === 'q') q = Number.isNaN(Number.parseFloat(value)) ? 0 : Number.parseFloat(value);
      else params.set(key, value);
    }
    if (q > 0) clauses.push({ type, subType, q, params });
  }
  const rank = (c: Clause) => (c.type === '*' ? 2 : c.subType === '*' ? 1 : 0);
  return clauses.map((c, i) => ({ c, i })).sort((a, b) => b.c.q - a.c.q || rank(a.c) - rank(b.c) || a.i - b.i).map((x) => x.c);
}

const CONVERSIONS = new Set<string>(['Table', 'PartialObjectMetadata', 'PartialObjectMetadataList']);

// AllowsMediaTypeTransform: only meta.k8s.io v1/v1beta1 conversions; Table only as JSON or YAML.
function conversionOf(params: Map<string, string>, subType: string): { as: OutputAs; version: MetaVersion } | undefined {
  if (!params.has('as') && !params.has('g') && !params.has('v')) return { as: 'Object', version: 'v1' };
  const as = params.get('as') ?? '';
  const version = params.get('v') ?? '';
  if (params.get('g') !== 'meta.k8s.io' || (version !== 'v1' && version !== 'v1beta1') || !CONVERSIONS.has(as)) return undefined;
  if (as === 'Table' && subType !== 'json' && subType !== 'yaml') return undefined;
  return { as: as as OutputAs, version };
}

/** Returns what to answer for an Accept header (kubectl's "application/json;as=Table;v=v1;g=meta.k8s.io,...,application/json"), or undefined for 406. */
export function negotiateOutput(accept: string | null | undefined, served: readonly string[] = SERVED_MEDIA_TYPES): NegotiatedOutput | undefined {
  if (!accept || accept.trim() === '') return served.length > 0 ? { mediaType: served[0], as: 'Object', version: 'v1', pretty: false } : undefined;
  for (const clause of parseAccept(accept)) {
    for (const mediaType of served) {
      const [type, subType] = mediaType.split('/');
      const matches = clause.type === '*' ? clause.subType === '*' : clause.type === type && (clause.subType === '*' || clause.subType === subType);
      if (!matches) continue;
      const conversion = conversionOf(clause.params, subType);
      if (conversion) return { mediaType, ...conversion, pretty: clause.params.get('pretty') === '1' };
    }
  }
  return undefined;
}

/** Returns the includeObject query parameter (absent or empty means Metadata), or the 400 message upstream gives for another value. */
export function parseIncludeObject(value: string | null | undefined): { ok: true; value: IncludeObject } | { ok: false; message: string } {
  if (value === null || value === undefined || value === '' || value === 'Metadata') return { ok: true, value: 'Metadata' };
  if (value === 'None' || value === 'Object') return { ok: true, value };
  return {
    ok: false,
    message: `Unable to convert to Table as requested: includeObject: Invalid value: ${JSON.stringify(value)}: must be 'Metadata', 'Object', 'None', or empty`,
  };
}
