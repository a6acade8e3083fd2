// Label and field selectors of a list or watch, compiled once into one object filter.
import type { KubeObject } from '../../api/meta.ts';
import type { ResourceDef } from '../../api/resource.ts';
import { compileFieldRequirements, exactFieldValue, parseFieldSelector, selectorMatcher } from '../../api/selectors.ts';
import { badRequest } from '../../api/status.ts';

export interface ObjectFilter {
  matches(obj: KubeObject): boolean;
  /** For pods: the node an exact `spec.nodeName=` requirement asks for ('' = unscheduled). */
  nodeName?: string;
  /** The name an exact `metadata.name=` requirement asks for (watches of one object are indexed by it). */
  name?: string;
}

const all: ObjectFilter = { matches: () => true };

/** Returns the filter of a request's selectors; throws 400 for a malformed selector or an unsupported field. */
export function buildFilter(def: ResourceDef, labelSelector?: unknown, fieldSelector?: unknown): ObjectFilter {
  if (labelSelector !== undefined && typeof labelSelector !== 'string') throw badRequest('labelSelector must be a string');
  if (fieldSelector !== undefined && typeof fieldSelector !== 'string') throw badRequest('fieldSelector must be a string');
  if (!labelSelector && !fieldSelector) return all;
  const labels = labelSelector ? selectorMatcher(labelSelector) : undefined;
  const reqs = fieldSelector ? parseFieldSelector(fieldSelector) : [];
  const fields = reqs.length ? compileFieldRequirements(reqs, def.fields) : undefined;
  const filter: ObjectFilter = {
    matches: (obj) => (!labels || labels(obj.metadata.labels)) && (!fields || fields(obj)),
  };
  if (def.plural === 'pods') filter.nodeName = exactFieldValue(reqs, 'spec.nodeName');
  filter.name = exactFieldValue(reqs, 'metadata.name');
  return filter;
}
