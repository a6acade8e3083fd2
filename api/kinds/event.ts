// Events (core/v1): what happened to an object; validation as upstream's legacy (core/v1) event rules.
import { Type, type Static } from '@sinclair/typebox';
import { objectSchema } from '../meta.ts';
import { invalidValue, required, type FieldError } from '../validation/field.ts';
import { validateObjectMeta, validateObjectMetaUpdate } from '../validation/meta.ts';
import { isDNS1123Subdomain, isQualifiedName, nameIsPathSegment } from '../validation/strings.ts';
import { obj, ObjectReference, opt, type Kube } from './common.ts';

export const EventSource = obj({ component: opt(Type.String()), host: opt(Type.String()) });

export const EventFields = {
  involvedObject: ObjectReference,
  reason: opt(Type.String()),
  message: opt(Type.String()),
  source: opt(EventSource),
  firstTimestamp: opt(Type.String()),
  lastTimestamp: opt(Type.String()),
  count: opt(Type.Integer()),
  type: opt(Type.String()),
  eventTime: opt(Type.String()),
  series: opt(obj({ count: opt(Type.Integer()), lastObservedTime: opt(Type.String()) })),
  action: opt(Type.String()),
  related: opt(ObjectReference),
  reportingComponent: opt(Type.String()),
  reportingInstance: opt(Type.String()),
};
export const EventSchema = objectSchema(EventFields);
const EventBody = obj(EventFields);
export type Event = Kube<Static<typeof EventBody>>;

/** Limits of upstream's event validation. */
const NOTE_LIMIT = 1024;
const SHORT_LIMIT = 128;

/**
 * Returns the field errors of an event as upstream's legacyValidateEvent (core/v1 gets no stricter checks):
 * namespaces agree; new-style events (eventTime set) need reporting fields. Paths use the Go field names.
 */
export function validateEvent(ev: Event): FieldError[] {
  const errs: FieldError[] = [];
  validateObjectMeta(ev.metadata, { nameFn: nameIsPathSegment, namespaced: true }, errs);
  const ns = ev.metadata.namespace ?? '';
  const invNs = ev.involvedObject.namespace ?? '';
  const mismatch = () => errs.push(invalidValue('involvedObject.namespace', invNs, 'does not match event.namespace'));
  if (!ev.eventTime) {
    if (invNs === '' ? ns !== '' && ns !== 'default' : ns !== invNs) mismatch();
  } else {
    if (invNs === '' && ns !== 'default' && ns !== 'kube-system') mismatch();
    const rc = ev.reportingComponent ?? '';
    if (!rc) errs.push(required('reportingController'));
    for (const m of isQualifiedName(rc)) errs.push(invalidValue('reportingController', rc, m));
    if (!ev.reportingInstance) errs.push(required('reportingInstance'));
    else if (ev.reportingInstance.length > SHORT_LIMIT) errs.push(invalidValue('reportingInstance', '', `can have at most ${SHORT_LIMIT} characters`));
    if (!ev.action) errs.push(required('action'));
    else if (ev.action.length > SHORT_LIMIT) errs.push(invalidValue('action', '', `can have at most ${SHORT_LIMIT} characters`));
    if (!ev.reason) errs.push(required('reason'));
    else if (ev.reason.length > SHORT_LIMIT) errs.push(invalidValue('reason', '', `can have at most ${SHORT_LIMIT} characters`));
    if ((ev.message ?? '').length > NOTE_LIMIT) errs.push(invalidValue('message', '', `can have at most ${NOTE_LIMIT} characters`));
  }
  for (const m of isDNS1123Subdomain(ns)) errs.push(invalidValue('namespace', ns, m));
  return errs;
}

/** Returns the update-only field errors of an event. */
export function validateEventUpdate(ev: Event, old: Event): FieldError[] {
  const errs: FieldError[] = [];
  validateObjectMetaUpdate(ev.metadata, old.metadata, errs);
  return errs;
}

/** Field-selector labels events support (upstream event GetAttrs). */
export const eventFields: Record<string, (e: Event) => string | undefined> = {
  'involvedObject.kind': (e) => e.involvedObject?.kind ?? '',
  'involvedObject.namespace': (e) => e.involvedObject?.namespace ?? '',
  'involvedObject.name': (e) => e.involvedObject?.name ?? '',
  'involvedObject.uid': (e) => e.involvedObject?.uid ?? '',
  'involvedObject.apiVersion': (e) => e.involvedObject?.apiVersion ?? '',
  'involvedObject.resourceVersion': (e) => e.involvedObject?.resourceVersion ?? '',
  'involvedObject.fieldPath': (e) => e.involvedObject?.fieldPath ?? '',
  reason: (e) => e.reason ?? '',
  reportingComponent: (e) => e.reportingComponent ?? '',
  source: (e) => e.source?.component ?? e.reportingComponent ?? '',
  type: (e) => e.type ?? '',
};
