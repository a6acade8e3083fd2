// What marks a slice as one controller's, for the endpointslice and mirroring controllers alike:
// the service-name and managed-by labels, and the watch that wakes the service of a changed slice.
import { LABEL_MANAGED_BY, LABEL_SERVICE_NAME } from '../../../api/kinds/endpointslice.ts';
import type { Labels } from '../../../api/selectors.ts';
import { serviceNameIndexers } from '../../../bus/indexers.ts';
import type { WatchSpec } from '../../lib/controller.ts';

/** Returns the labels of an owner's slices: the owner's own, then the service name and the managing controller (those two never copied). */
export function ownedSliceLabels(own: Labels, service: string, managedBy: string): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(own ?? {})) if (k !== LABEL_SERVICE_NAME && k !== LABEL_MANAGED_BY) labels[k] = v;
  labels[LABEL_SERVICE_NAME] = service;
  labels[LABEL_MANAGED_BY] = managedBy;
  return labels;
}

/** Returns the watch of the slices `managedBy` writes: a change to one (by hand, or the cache catching up) is work for its service. */
export const managedSlicesWatch = (managedBy: string): WatchSpec<any> => ({
  resource: 'endpointslices',
  indexers: serviceNameIndexers,
  keys: (s) => (s.metadata.labels?.[LABEL_MANAGED_BY] === managedBy ? [`${s.metadata.namespace}/${s.metadata.labels[LABEL_SERVICE_NAME]}`] : []),
});
