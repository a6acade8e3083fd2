// `kubectl describe` of PriorityClasses (upstream PriorityClassDescriber).
import { bool, formatLabels, int, rec, str } from '../../api/table/loose.ts';
import { describeEvents, DescribeWriter } from './describe-writer.ts';

/** Returns the description of a priority class: value, global default, preemption policy, description, annotations (as labels), events. */
export function describePriorityClass(obj: unknown, events: readonly unknown[], now: number): string {
  const pc = rec(obj);
  const w = new DescribeWriter();
  w.write(0, `Name:\t${str(rec(pc.metadata).name)}\n`);
  w.write(0, `Value:\t${int(pc.value)}\n`);
  w.write(0, `GlobalDefault:\t${bool(pc.globalDefault)}\n`);
  w.write(0, `PreemptionPolicy:\t${str(pc.preemptionPolicy)}\n`);
  w.write(0, `Description:\t${str(pc.description)}\n`);
  w.write(0, `Annotations:\t${formatLabels(rec(pc.metadata).annotations)}\n`);
  describeEvents(w, events, now);
  return w.toString();
}
