// CronJobs (batch/v1): schema, defaults (SetDefaults_CronJob), validation (ValidateCronJobCreate/Update).
import { Type, type Static } from '@sinclair/typebox';
import { ObjectMeta, objectSchema } from '../meta.ts';
import { child, invalidValue, nonNegative, notSupported, required, type FieldError } from '../validation/field.ts';
import { labelSelectorRepr, validateObjectMeta, validateObjectMetaUpdate } from '../validation/meta.ts';
import { nameIsDNSSubdomain } from '../validation/strings.ts';
import { isObj, obj, ObjectReference, opt, type Kube } from './common.ts';
import { cronScheduleError, isKnownTimeZone } from './cron-schedule.ts';
import { JobSpec, validateJobSpecFields } from './job.ts';
import { defaultTemplateOf, specObj } from './workload-common.ts';

export const JobTemplateSpec = obj({ metadata: opt(ObjectMeta), spec: JobSpec });
export type JobTemplateSpec = Static<typeof JobTemplateSpec>;

export const CronJobSpec = obj({
  schedule: Type.String(),
  timeZone: opt(Type.String()),
  startingDeadlineSeconds: opt(Type.Integer()),
  concurrencyPolicy: opt(Type.String()),
  suspend: opt(Type.Boolean()),
  jobTemplate: JobTemplateSpec,
  successfulJobsHistoryLimit: opt(Type.Integer()),
  failedJobsHistoryLimit: opt(Type.Integer()),
});
export type CronJobSpec = Static<typeof CronJobSpec>;

export const CronJobStatus = obj({
  active: opt(Type.Array(ObjectReference)),
  lastScheduleTime: opt(Type.String()),
  lastSuccessfulTime: opt(Type.String()),
});
export type CronJobStatus = Static<typeof CronJobStatus>;

export const CronJobSchema = objectSchema({ spec: CronJobSpec, status: opt(CronJobStatus) });
export type CronJob = Kube<{ spec: CronJobSpec; status?: CronJobStatus }>;

/** The annotation on a CronJob's Jobs holding their scheduled time (RFC 3339, in the CronJob's time zone). */
export const CRONJOB_SCHEDULED_TIMESTAMP_ANNOTATION = 'batch.kubernetes.io/cronjob-scheduled-timestamp';
/** The concurrency policies, as upstream spells them. */
export const CONCURRENCY_POLICIES = ['Allow', 'Forbid', 'Replace'] as const;
// The controller appends "-<minutes since the epoch>" (11 characters) to name a Job of at most 63.
const MAX_CRONJOB_NAME = 63 - 11;
// A time zone name's components (IANA naming rules; digits and '+' tolerated for legacy names).
const TZ_COMPONENT = /^[A-Za-z.\-_0-9+]{1,14}$/;

/** Fills CronJob defaults in place: concurrencyPolicy Allow, suspend false, history limits 3 and 1, the template's pod-spec defaults. */
export function defaultCronJob(cj: CronJob): void {
  const spec = specObj(cj);
  if (!spec) return;
  spec.concurrencyPolicy ||= 'Allow';
  if (spec.suspend == null) spec.suspend = false;
  if (spec.successfulJobsHistoryLimit == null) spec.successfulJobsHistoryLimit = 3;
  if (spec.failedJobsHistoryLimit == null) spec.failedJobsHistoryLimit = 1;
  const jt = isObj(spec.jobTemplate) ? spec.jobTemplate : undefined;
  if (jt && isObj(jt.spec)) defaultTemplateOf(jt.spec);
}

/** Resets server-owned fields on create: status is empty. */
export function prepareCronJobForCreate(cj: CronJob): void {
  if (isObj(cj)) cj.status = {};
}

// validateScheduleFormat: robfig's parse error, then the TZ rules.
function validateSchedule(schedule: string, allowTZ: boolean, timeZone: string | undefined, field: string, errs: FieldError[]): void {
  const err = cronScheduleError(schedule);
  if (err !== undefined) errs.push(invalidValue(field, schedule, err));
  const hasTZ = schedule.includes('TZ');
  if (allowTZ && hasTZ && timeZone !== undefined) errs.push(invalidValue(field, schedule, 'cannot use both timeZone field and TZ or CRON_TZ in schedule'));
  else if (!allowTZ && hasTZ) errs.push(invalidValue(field, schedule, 'cannot use TZ or CRON_TZ in schedule, use timeZone field instead'));
}

/** Validates a timeZone as upstream's validateTimeZone: IANA name rules, not Local, known to the zone database. */
export function validateTimeZone(tz: string | undefined, field: string, errs: FieldError[]): void {
  if (tz === undefined) return;
  if (tz.length === 0) return void errs.push(invalidValue(field, tz, 'timeZone must be nil or non-empty string'));
  for (const part of tz.split('/'))
    if (part === '.' || part === '..' || part.startsWith('-') || !TZ_COMPONENT.test(part)) return void errs.push(invalidValue(field, tz, `unknown time zone ${tz}`));
  if (tz.toLowerCase() === 'local') errs.push(invalidValue(field, tz, 'timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones'));
  if (!isKnownTimeZone(tz)) errs.push(invalidValue(field, tz, `unknown time zone ${tz}`));
}

// ValidateJobTemplateSpec: the Job spec rules; the selector is always generated.
function validateJobTemplate(jt: JobTemplateSpec, field: string, errs: FieldError[]): void {
  const spec = child(field, 'spec');
  validateJobSpecFields(jt.spec, spec, errs);
  if (jt.spec.selector) errs.push(invalidValue(child(spec, 'selector'), labelSelectorRepr(jt.spec.selector), '`selector` will be auto-generated'));
  if (jt.spec.manualSelector) errs.push(notSupported(child(spec, 'manualSelector'), jt.spec.manualSelector, ['nil', 'false']));
}

function validateCronJobSpec(s: CronJobSpec, old: CronJobSpec | undefined, errs: FieldError[]): void {
  if (!s.schedule) errs.push(required('spec.schedule'));
  else validateSchedule(s.schedule, old ? old.schedule.includes('TZ') : false, s.timeZone, 'spec.schedule', errs);
  nonNegative(s.startingDeadlineSeconds, 'spec.startingDeadlineSeconds', errs);
  if (!old || old.timeZone !== s.timeZone) validateTimeZone(s.timeZone, 'spec.timeZone', errs);
  const cp = s.concurrencyPolicy ?? '';
  if (cp === '') errs.push(required('spec.concurrencyPolicy'));
  else if (!(CONCURRENCY_POLICIES as readonly string[]).includes(cp)) errs.push(notSupported('spec.concurrencyPolicy', cp, CONCURRENCY_POLICIES));
  validateJobTemplate(s.jobTemplate, 'spec.jobTemplate', errs);
  nonNegative(s.successfulJobsHistoryLimit, 'spec.successfulJobsHistoryLimit', errs);
  nonNegative(s.failedJobsHistoryLimit, 'spec.failedJobsHistoryLimit', errs);
}

/** Returns the field errors of a new CronJob; its name is at most 52 characters, so its Jobs' names fit 63. */
export function validateCronJob(cj: CronJob): FieldError[] {
  const errs: FieldError[] = [];
  validateObjectMeta(cj.metadata, { nameFn: nameIsDNSSubdomain, namespaced: true }, errs);
  validateCronJobSpec(cj.spec, undefined, errs);
  const name = cj.metadata.name ?? '';
  if (name.length > MAX_CRONJOB_NAME) errs.push(invalidValue('metadata.name', name, `must be no more than ${MAX_CRONJOB_NAME} characters`));
  return errs;
}

/** Returns the field errors of a CronJob update (no name length limit, so older long-named ones can still change). */
export function validateCronJobUpdate(cj: CronJob, old: CronJob): FieldError[] {
  const errs: FieldError[] = [];
  validateObjectMetaUpdate(cj.metadata, old.metadata, errs);
  validateCronJobSpec(cj.spec, old.spec, errs);
  return errs;
}
