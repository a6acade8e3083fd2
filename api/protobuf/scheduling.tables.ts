// k8s.io/api scheduling/v1 PriorityClass (what `kubectl create priorityclass` sends), as a field
// table (see tables.ts). value has no omitempty in Go: read as a pointer so that 0 stays in the JSON.
import type { Tables } from './tables.ts';

/** PriorityClass. */
export const SCHEDULING: Tables = {
  PriorityClass: { 1: 'metadata ObjectMeta', 2: 'value *int32', 3: 'globalDefault bool', 4: 'description', 5: 'preemptionPolicy *string' },
};
