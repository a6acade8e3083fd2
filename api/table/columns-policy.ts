// Table columns of policy/v1 PodDisruptionBudgets, as printers.go (v1.32) printPodDisruptionBudget.
import { AGE, ageOf, col, NAME, nameOf } from './column.ts';
import { int, rec } from './loose.ts';
import type { KindColumns } from './types.ts';

// intstr.IntOrString.String(): the integer or the string; kubectl shows N/A for an unset bound.
const bound = (v: unknown): string => (typeof v === 'number' ? String(Math.trunc(v)) : typeof v === 'string' ? v : 'N/A');

const poddisruptionbudgets: KindColumns = {
  columns: [
    NAME,
    col('Min Available', 'string', 'The minimum number of pods that must be available.'),
    col('Max Unavailable', 'string', 'The maximum number of pods that may be unavailable.'),
    col('Allowed Disruptions', 'integer', 'Calculated number of pods that may be disrupted at this time.'),
    AGE,
  ],
  cells: (o, { now }) => {
    const spec = rec(rec(o).spec);
    return [nameOf(o), bound(spec.minAvailable), bound(spec.maxUnavailable), int(rec(rec(o).status).disruptionsAllowed), ageOf(o, now)];
  },
};

/** Table columns of the policy kinds, by plural resource name. */
export const policyColumns: Record<string, KindColumns> = { poddisruptionbudgets };
