// Leases (coordination.k8s.io/v1): node heartbeats and leader election; validation as upstream ValidateLease.
import { Type, type Static } from '@sinclair/typebox';
import { objectSchema } from '../meta.ts';
import { invalidValue, type FieldError } from '../validation/field.ts';
import { validateObjectMeta, validateObjectMetaUpdate } from '../validation/meta.ts';
import { nameIsDNSSubdomain } from '../validation/strings.ts';
import { obj, opt, type Kube } from './common.ts';

export const LeaseSpec = obj({
  holderIdentity: opt(Type.String()),
  leaseDurationSeconds: opt(Type.Integer()),
  /** RFC 3339 with microseconds (MicroTime), see rfc3339Micro. */
  acquireTime: opt(Type.String()),
  renewTime: opt(Type.String()),
  leaseTransitions: opt(Type.Integer()),
  strategy: opt(Type.String()),
  preferredHolder: opt(Type.String()),
});
export type LeaseSpec = Static<typeof LeaseSpec>;

export const LeaseSchema = objectSchema({ spec: opt(LeaseSpec) });
export type Lease = Kube<{ spec?: LeaseSpec }>;

/** Returns the field errors of a lease. */
export function validateLease(lease: Lease): FieldError[] {
  const errs: FieldError[] = [];
  validateObjectMeta(lease.metadata, { nameFn: nameIsDNSSubdomain, namespaced: true }, errs);
  const s = lease.spec ?? {};
  if (s.leaseDurationSeconds !== undefined && s.leaseDurationSeconds <= 0)
    errs.push(invalidValue('spec.leaseDurationSeconds', s.leaseDurationSeconds, 'must be greater than 0'));
  if (s.leaseTransitions !== undefined && s.leaseTransitions < 0)
    errs.push(invalidValue('spec.leaseTransitions', s.leaseTransitions, 'must be greater than or equal to 0'));
  return errs;
}

/** Returns the update-only field errors of a lease. */
export function validateLeaseUpdate(lease: Lease, old: Lease): FieldError[] {
  const errs: FieldError[] = [];
  validateObjectMetaUpdate(lease.metadata, old.metadata, errs);
  return errs;
}
