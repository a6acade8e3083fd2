// `kubectl describe poddisruptionbudget` (describePodDisruptionBudgetV1).
import { describeEvents, DescribeWriter } from './describe-writer.ts';
import { int, rec, str } from '../../api/table/loose.ts';
import { formatSelector } from '../../api/table/selector.ts';

// intstr.IntOrString.String().
const intOrString = (v: unknown): string => (typeof v === 'number' ? String(Math.trunc(v)) : str(v));

/** Returns `kubectl describe pdb` output: the bound that is set, the selector and the status counts. */
export function describePodDisruptionBudget(pdb: unknown, events: readonly unknown[], now: number): string {
  const o = rec(pdb);
  const m = rec(o.metadata);
  const spec = rec(o.spec);
  const st = rec(o.status);
  const w = new DescribeWriter();
  w.write(0, `Name:\t${str(m.name)}\n`);
  w.write(0, `Namespace:\t${str(m.namespace)}\n`);
  if (spec.minAvailable != null) w.write(0, `Min available:\t${intOrString(spec.minAvailable)}\n`);
  else if (spec.maxUnavailable != null) w.write(0, `Max unavailable:\t${intOrString(spec.maxUnavailable)}\n`);
  w.write(0, `Selector:\t${spec.selector != null ? formatSelector(spec.selector) : '<unset>'}\n`);
  w.write(0, 'Status:\n');
  w.write(2, `Allowed disruptions:\t${int(st.disruptionsAllowed)}\n`);
  w.write(2, `Current:\t${int(st.currentHealthy)}\n`);
  w.write(2, `Desired:\t${int(st.desiredHealthy)}\n`);
  w.write(2, `Total:\t${int(st.expectedPods)}\n`);
  describeEvents(w, events, now);
  return w.toString();
}
