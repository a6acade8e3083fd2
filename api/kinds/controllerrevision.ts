// ControllerRevisions (apps/v1): immutable snapshots of a DaemonSet/StatefulSet template.
import { Type } from '@sinclair/typebox';
import { objectSchema } from '../meta.ts';
import { immutable, nonNegative, required, type FieldError } from '../validation/field.ts';
import { validateObjectMeta, validateObjectMetaUpdate } from '../validation/meta.ts';
import { nameIsDNSSubdomain } from '../validation/strings.ts';
import { opt, type Kube } from './common.ts';

export const ControllerRevisionSchema = objectSchema({ data: opt(Type.Unknown()), revision: Type.Integer() });
export type ControllerRevision = Kube<{ data?: unknown; revision: number }>;

/** Returns the field errors of a controller revision: data mandatory, revision ≥ 0. */
export function validateControllerRevision(r: ControllerRevision): FieldError[] {
  const errs: FieldError[] = [];
  validateObjectMeta(r.metadata, { nameFn: nameIsDNSSubdomain, namespaced: true }, errs);
  if (r.data === undefined || r.data === null) errs.push(required('data', 'data is mandatory'));
  nonNegative(r.revision, 'revision', errs);
  return errs;
}

/** Returns the update-only field errors of a controller revision: data is immutable. */
export function validateControllerRevisionUpdate(r: ControllerRevision, old: ControllerRevision): FieldError[] {
  const errs: FieldError[] = [];
  validateObjectMetaUpdate(r.metadata, old.metadata, errs);
  immutable(r.data, old.data, 'data', errs);
  return errs;
}
