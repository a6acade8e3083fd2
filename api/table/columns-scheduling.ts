// Table columns of priority classes, column for column as printers.go (v1.32: PreemptionPolicy is not a wide column).
import { AGE, ageOf, col, NAME, nameOf } from './column.ts';
import { bool, int, rec, str } from './loose.ts';
import type { KindColumns } from './types.ts';

const priorityclasses: KindColumns = {
  columns: [
    NAME,
    col('Value', 'integer', 'value represents the integer value of this priority class. This is the actual priority that pods receive when they have the name of this class in their pod spec.'),
    col('Global-Default', 'boolean', 'globalDefault specifies whether this PriorityClass should be considered as the default priority for pods that do not have any priority class. Only one PriorityClass can be marked as `globalDefault`. However, if more than one PriorityClasses exists with their `globalDefault` field set to true, the smallest value of such global default PriorityClasses will be used as the default priority.'),
    AGE,
    col('PreemptionPolicy', 'string', 'preemptionPolicy is the Policy for preempting pods with lower priority. One of Never, PreemptLowerPriority. Defaults to PreemptLowerPriority if unset.'),
  ],
  cells: (o, { now }) => [nameOf(o), int(rec(o).value), bool(rec(o).globalDefault), ageOf(o, now), str(rec(o).preemptionPolicy)],
};

/** Table columns of scheduling.k8s.io kinds, by plural resource name. */
export const schedulingColumns: Record<string, KindColumns> = { priorityclasses };
