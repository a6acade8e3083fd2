// `kubectl describe cronjob` (upstream describeCronJob, describeJobTemplate and printActiveJobs).
import { arr, int, rec, recs, str, type Obj } from '../../api/table/loose.ts';
import { boolPtrCell } from '../../api/table/columns-batch.ts';
import { selectorString } from '../../api/table/selector.ts';
import { describePodTemplate } from './describe-containers.ts';
import { describeEvents, DescribeWriter, printObjectMeta } from './describe-writer.ts';
import { rfc1123z } from './duration.ts';

const intOrUnset = (v: unknown, unit = ''): string => (v != null ? `${int(v)}${unit}` : '<unset>');

function describeJobTemplate(w: DescribeWriter, jt: Obj): void {
  const spec = rec(jt.spec);
  w.write(0, `Selector:\t${spec.selector != null ? selectorString(spec.selector) : '<unset>'}\n`);
  w.write(0, `Parallelism:\t${intOrUnset(spec.parallelism)}\n`);
  w.write(0, `Completions:\t${intOrUnset(spec.completions)}\n`);
  if (spec.activeDeadlineSeconds != null) w.write(0, `Active Deadline Seconds:\t${int(spec.activeDeadlineSeconds)}s\n`);
  describePodTemplate(w, spec.template);
}

/** Returns `kubectl describe cronjob` output. */
export function describeCronJob(cj: unknown, events: readonly unknown[], now: number): string {
  const m = rec(rec(cj).metadata);
  const spec = rec(rec(cj).spec);
  const st = rec(rec(cj).status);
  const w = new DescribeWriter();
  printObjectMeta(w, m);
  w.write(0, `Schedule:\t${str(spec.schedule)}\n`);
  w.write(0, `Concurrency Policy:\t${str(spec.concurrencyPolicy)}\n`);
  w.write(0, `Suspend:\t${boolPtrCell(spec.suspend)}\n`);
  w.write(0, `Successful Job History Limit:\t${intOrUnset(spec.successfulJobsHistoryLimit)}\n`);
  w.write(0, `Failed Job History Limit:\t${intOrUnset(spec.failedJobsHistoryLimit)}\n`);
  w.write(0, `Starting Deadline Seconds:\t${intOrUnset(spec.startingDeadlineSeconds, 's')}\n`);
  describeJobTemplate(w, rec(spec.jobTemplate));
  w.write(0, `Last Schedule Time:\t${st.lastScheduleTime != null ? rfc1123z(st.lastScheduleTime) : '<unset>'}\n`);
  const active = recs(arr(st.active)).map((r) => str(r.name));
  w.write(0, `Active Jobs:\t${active.length ? active.join(', ') : '<none>'}\n`);
  describeEvents(w, events, now);
  return w.toString();
}
