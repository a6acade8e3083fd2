// Table columns of batch/v1 CronJobs, column for column as printers.go's printCronJob (v1.32).
import { since } from './age.ts';
import { AGE, ageOf, col, NAME, nameOf, wideCol } from './column.ts';
import { containerCells } from './columns-apps.ts';
import { arr, rec, str } from './loose.ts';
import { formatSelector } from './selector.ts';
import type { KindColumns } from './types.ts';

const TIME_ZONE_DOC =
  'The time zone name for the given schedule, see https://en.wikipedia.org/wiki/List_of_tz_database_time_zones. If not specified, this will default to the time zone of the kube-controller-manager process. The set of valid time zone names and the time zone offset is loaded from the system-wide time zone database by the API server during CronJob validation and the controller manager during execution. If no system-wide time zone database can be found a bundled version of the database is used instead. If the time zone name becomes invalid during the lifetime of a CronJob or due to a change in host configuration, the controller will stop creating new new Jobs and will create a system event with the reason UnknownTimeZone. More information can be found in https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/#time-zones';

/** Returns a *bool cell as printBoolPtr does: True, False or <unset>. */
export const boolPtrCell = (v: unknown): string => (typeof v === 'boolean' ? (v ? 'True' : 'False') : '<unset>');

const cronjobs: KindColumns = {
  columns: [
    NAME,
    col('Schedule', 'string', 'The schedule in Cron format, see https://en.wikipedia.org/wiki/Cron.'),
    col('Timezone', 'string', TIME_ZONE_DOC),
    col('Suspend', 'boolean', 'This flag tells the controller to suspend subsequent executions, it does not apply to already started executions.  Defaults to false.'),
    col('Active', 'integer', 'A list of pointers to currently running jobs.'),
    col('Last Schedule', 'string', 'Information when was the last time the job was successfully scheduled.'),
    AGE,
    wideCol('Containers', 'string', 'Names of each container in the template.'),
    wideCol('Images', 'string', 'Images referenced by each container in the template.'),
    wideCol('Selector', 'string', 'A label query over pods that should match the pod count.'),
  ],
  cells: (o, { now }) => {
    const spec = rec(rec(o).spec);
    const status = rec(rec(o).status);
    const jobSpec = rec(rec(spec.jobTemplate).spec);
    const last = status.lastScheduleTime != null ? since(status.lastScheduleTime, now) : '<none>';
    const tz = spec.timeZone != null ? str(spec.timeZone) : '<none>';
    return [
      nameOf(o),
      str(spec.schedule),
      tz,
      boolPtrCell(spec.suspend),
      arr(status.active).length,
      last,
      ageOf(o, now),
      ...containerCells({ spec: jobSpec }),
      formatSelector(jobSpec.selector),
    ];
  },
};

/** Table columns of the batch kinds beyond Jobs, by plural resource name. */
export const batchColumns: Record<string, KindColumns> = { cronjobs };
