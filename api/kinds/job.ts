// Jobs (batch/v1): schema, defaults (SetDefaults_Job), generated selector, validation and immutability.
import { Type, type Static } from '@sinclair/typebox';
import { LabelSelector, objectSchema } from '../meta.ts';
import { labelSelectorMatcher } from '../selectors.ts';
import { child, immutable, invalidValue, nonNegative, notSupported, required, type FieldError } from '../validation/field.ts';
import { labelSelectorRepr, validateLabelSelector, validateObjectMeta, validateObjectMetaUpdate } from '../validation/meta.ts';
import { nameIsDNSSubdomain } from '../validation/strings.ts';
import { Condition, isObj, obj, opt, type Kube } from './common.ts';
import { PodTemplateSpec } from './pod.ts';
import { validatePodTemplateSpec } from './pod-validation.ts';
import { defaultTemplateOf, specObj, validateSelectorMatchesTemplate } from './workload-common.ts';

export const JobSpec = obj({
  parallelism: opt(Type.Integer()),
  completions: opt(Type.Integer()),
  activeDeadlineSeconds: opt(Type.Integer()),
  backoffLimit: opt(Type.Integer()),
  backoffLimitPerIndex: opt(Type.Integer()),
  selector: opt(LabelSelector),
  manualSelector: opt(Type.Boolean()),
  template: PodTemplateSpec,
  ttlSecondsAfterFinished: opt(Type.Integer()),
  completionMode: opt(Type.String()),
  suspend: opt(Type.Boolean()),
  podReplacementPolicy: opt(Type.String()),
});
export type JobSpec = Static<typeof JobSpec>;

export const JobStatus = obj({
  conditions: opt(Type.Array(Condition)),
  startTime: opt(Type.String()),
  completionTime: opt(Type.String()),
  active: opt(Type.Integer()),
  succeeded: opt(Type.Integer()),
  failed: opt(Type.Integer()),
  terminating: opt(Type.Integer()),
  ready: opt(Type.Integer()),
  completedIndexes: opt(Type.String()),
  failedIndexes: opt(Type.String()),
  uncountedTerminatedPods: opt(obj({ succeeded: opt(Type.Array(Type.String())), failed: opt(Type.Array(Type.String())) })),
});
export type JobStatus = Static<typeof JobStatus>;

export const JobSchema = objectSchema({ spec: JobSpec, status: opt(JobStatus) });
export type Job = Kube<{ spec: JobSpec; status?: JobStatus }>;

/** Labels the job controller's pods carry (the generated selector uses the uid one). */
export const JOB_CONTROLLER_UID_LABEL = 'batch.kubernetes.io/controller-uid';
export const JOB_NAME_LABEL = 'batch.kubernetes.io/job-name';
const LEGACY_CONTROLLER_UID_LABEL = 'controller-uid';
const LEGACY_JOB_NAME_LABEL = 'job-name';

/** Fills job defaults in place: completions/parallelism 1 when both unset, backoffLimit 6, NonIndexed, suspend false. */
export function defaultJob(job: Job): void {
  const spec = specObj(job);
  if (!spec) return;
  if (spec.completions == null && spec.parallelism == null) {
    spec.completions = 1;
    spec.parallelism = 1;
  }
  if (spec.parallelism == null) spec.parallelism = 1;
  if (spec.backoffLimit == null) spec.backoffLimit = spec.backoffLimitPerIndex != null ? 2147483647 : 6;
  spec.completionMode ||= 'NonIndexed';
  if (spec.suspend == null) spec.suspend = false;
  if (spec.podReplacementPolicy == null) spec.podReplacementPolicy = 'TerminatingOrFailed';
  const tpl = isObj(spec.template) ? spec.template : undefined;
  const tplLabels = tpl && isObj(tpl.metadata) && isObj(tpl.metadata.labels) ? tpl.metadata.labels : undefined;
  const meta = (job as unknown as Record<string, unknown>).metadata;
  if (tplLabels && isObj(meta) && (!isObj(meta.labels) || Object.keys(meta.labels).length === 0)) meta.labels = { ...tplLabels };
  defaultTemplateOf(spec);
}

/** Resets server-owned fields on create: status is empty. */
export function prepareJobForCreate(job: Job): void {
  if (isObj(job)) job.status = {};
}

/** Adds the generated selector and pod labels (uid and name) unless manualSelector is set (upstream generateSelector). */
export function generateJobSelector(job: Job): void {
  if (job.spec.manualSelector || !job.metadata.uid) return;
  const t = job.spec.template;
  const labels = ((t.metadata ??= {}).labels ??= {});
  for (const k of [LEGACY_JOB_NAME_LABEL, JOB_NAME_LABEL]) labels[k] ??= job.metadata.name ?? '';
  for (const k of [LEGACY_CONTROLLER_UID_LABEL, JOB_CONTROLLER_UID_LABEL]) labels[k] ??= job.metadata.uid;
  const sel = (job.spec.selector ??= {});
  const ml = (sel.matchLabels ??= {});
  ml[JOB_CONTROLLER_UID_LABEL] ??= job.metadata.uid;
}

function validateGeneratedSelector(job: Job, errs: FieldError[]): void {
  if (job.spec.manualSelector || !job.spec.selector) return;
  const uid = job.metadata.uid ?? '';
  if (!uid) errs.push(required('metadata.uid'));
  const labels = job.spec.template.metadata?.labels ?? {};
  const expect: [string, string][] = [
    [LEGACY_CONTROLLER_UID_LABEL, uid],
    [LEGACY_JOB_NAME_LABEL, job.metadata.name ?? ''],
    [JOB_CONTROLLER_UID_LABEL, uid],
    [JOB_NAME_LABEL, job.metadata.name ?? ''],
  ];
  for (const [k, v] of expect) {
    const p = `spec.template.metadata.labels[${k}]`;
    if (!(k in labels)) errs.push(required(p, `must be '${v}'`));
    else if (labels[k] !== v) errs.push(invalidValue(p, labels, `must be '${v}'`));
  }
  const m = labelSelectorMatcher(job.spec.selector);
  if (!m({ [LEGACY_CONTROLLER_UID_LABEL]: uid, [LEGACY_JOB_NAME_LABEL]: job.metadata.name ?? '', [JOB_CONTROLLER_UID_LABEL]: uid, [JOB_NAME_LABEL]: job.metadata.name ?? '' }))
    errs.push(invalidValue('spec.selector', labelSelectorRepr(job.spec.selector), '`selector` not auto-generated'));
}

/** Validates a job spec without its selector (upstream validateJobSpec), at `field`; CronJob templates share it. */
export function validateJobSpecFields(s: JobSpec, field: string, errs: FieldError[]): void {
  for (const k of ['parallelism', 'completions', 'activeDeadlineSeconds', 'backoffLimit', 'ttlSecondsAfterFinished'] as const)
    nonNegative(s[k], child(field, k), errs);
  const mode = s.completionMode;
  if (mode !== undefined && mode !== 'NonIndexed' && mode !== 'Indexed') errs.push(notSupported(child(field, 'completionMode'), mode, ['Indexed', 'NonIndexed']));
  if (mode === 'Indexed' && s.completions === undefined) errs.push(required(child(field, 'completions'), 'when completion mode is Indexed'));
  validatePodTemplateSpec(s.template, child(field, 'template'), errs);
  const rp = s.template.spec.restartPolicy ?? '';
  if (rp !== 'OnFailure' && rp !== 'Never') errs.push(notSupported(child(field, 'template.spec.restartPolicy'), rp, ['OnFailure', 'Never']));
}

/** Returns the field errors of a job; like upstream's job strategy it first generates the selector when the job has a uid. */
export function validateJob(job: Job): FieldError[] {
  const errs: FieldError[] = [];
  generateJobSelector(job);
  validateObjectMeta(job.metadata, { nameFn: nameIsDNSSubdomain, namespaced: true }, errs);
  validateGeneratedSelector(job, errs);
  const s = job.spec;
  validateJobSpecFields(s, 'spec', errs);
  if (!s.selector) errs.push(required('spec.selector'));
  else validateLabelSelector(s.selector, 'spec.selector', errs);
  validateSelectorMatchesTemplate(s.selector, s.template, 'spec.template', errs);
  return errs;
}

/** Returns the update-only field errors of a job: completions, selector and template are immutable. */
export function validateJobUpdate(job: Job, old: Job): FieldError[] {
  const errs: FieldError[] = [];
  validateObjectMetaUpdate(job.metadata, old.metadata, errs);
  immutable(job.spec.completions, old.spec.completions, 'spec.completions', errs);
  immutable(job.spec.selector, old.spec.selector, 'spec.selector', errs, labelSelectorRepr(job.spec.selector));
  immutable(job.spec.template, old.spec.template, 'spec.template', errs);
  return errs;
}
