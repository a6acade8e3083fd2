// ServiceAccounts: metadata-only validation, as upstream ValidateServiceAccount.
import { Type } from '@sinclair/typebox';
import { objectSchema } from '../meta.ts';
import type { FieldError } from '../validation/field.ts';
import { validateObjectMeta, validateObjectMetaUpdate } from '../validation/meta.ts';
import { nameIsDNSSubdomain } from '../validation/strings.ts';
import { LocalObjectReference, obj, opt, type Kube } from './common.ts';

export const ServiceAccountSchema = objectSchema({
  secrets: opt(Type.Array(obj({ name: opt(Type.String()) }))),
  imagePullSecrets: opt(Type.Array(LocalObjectReference)),
  automountServiceAccountToken: opt(Type.Boolean()),
});
export type ServiceAccount = Kube<{
  secrets?: { name?: string }[];
  imagePullSecrets?: { name?: string }[];
  automountServiceAccountToken?: boolean;
}>;

/** Returns the field errors of a service account. */
export function validateServiceAccount(sa: ServiceAccount): FieldError[] {
  const errs: FieldError[] = [];
  validateObjectMeta(sa.metadata, { nameFn: nameIsDNSSubdomain, namespaced: true }, errs);
  return errs;
}

/** Returns the update-only field errors of a service account. */
export function validateServiceAccountUpdate(sa: ServiceAccount, old: ServiceAccount): FieldError[] {
  const errs: FieldError[] = [];
  validateObjectMetaUpdate(sa.metadata, old.metadata, errs);
  return errs;
}
