// Kubernetes Status objects and the error classes that carry them.

export type StatusReason =
  | 'BadRequest'
  | 'Forbidden'
  | 'NotFound'
  | 'AlreadyExists'
  | 'Conflict'
  | 'Expired'
  | 'Invalid'
  | 'MethodNotAllowed'
  | 'UnsupportedMediaType'
  | 'Timeout'
  | 'TooManyRequests'
  | 'InternalError'
  | 'ServiceUnavailable'
  | 'Unauthorized'
  | 'RequestEntityTooLarge';

export interface StatusCause {
  reason?: string;
  message: string;
  field?: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

export interface Status {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure' | 'Success';
  message: string;
  reason: StatusReason | '';
  details?: StatusDetails;
  code: number;
}

/** Returns true when a value is a Kubernetes Status object. */
export function isStatus(v: unknown): v is Status {
  return typeof v === 'object' && v !== null && (v as { kind?: unknown }).kind === 'Status';
}

/** Thrown for any API failure; carries the Kubernetes Status that travels on the wire. */
export class StatusError extends Error {
  override name = 'StatusError';
  readonly status: Status;
  constructor(code: number, reason: StatusReason, message: string, details?: StatusDetails) {
    super(message);
    this.status = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code };
    if (details) this.status.details = details;
  }
  get code(): number {
    return this.status.code;
  }
  get reason(): StatusReason | '' {
    return this.status.reason;
  }
  /** Returns the StatusError for a Status received from the wire. */
  static from(s: Status): StatusError {
    const e = new StatusError(s.code, (s.reason || 'InternalError') as StatusReason, s.message, s.details);
    return e;
  }
}

/** Returns the HTTP code of an API error (undefined for anything else), as apierrors' ReasonForError. */
export const statusCodeOf = (err: unknown): number | undefined => (err instanceof StatusError ? err.code : undefined);
/** Returns true for a 404 NotFound (apierrors.IsNotFound). */
export const isNotFound = (err: unknown) => statusCodeOf(err) === 404;
/** Returns true for any 409: AlreadyExists or Conflict. */
export const isConflict = (err: unknown) => statusCodeOf(err) === 409;
/** Returns true for a 409 AlreadyExists (apierrors.IsAlreadyExists). */
export const isAlreadyExists = (err: unknown) => err instanceof StatusError && err.code === 409 && err.reason === 'AlreadyExists';
/** Returns true for a 410 Expired / Gone (apierrors.IsResourceExpired). */
export const isExpired = (err: unknown) => statusCodeOf(err) === 410;
/** Returns true when a create failed only because its namespace is being deleted (upstream's NamespaceTerminatingCause). */
export const isNamespaceTerminating = (err: unknown) =>
  err instanceof StatusError && (err.status.details?.causes ?? []).some((c) => (c as { reason?: string }).reason === 'NamespaceTerminating');
/** Returns true for a 404 or a 409: the object is gone or changed meanwhile (a delete or update to give up on). */
export const isGoneOrChanged = (err: unknown) => isNotFound(err) || isConflict(err);
/** Resolves with the request's result, or undefined when it failed with 404 NotFound (any other error is thrown). */
export const unlessNotFound = <T>(request: Promise<T>): Promise<T | undefined> =>
  request.catch((err: unknown) => {
    if (isNotFound(err)) return undefined;
    throw err;
  });

/** A field-level validation failure, as upstream's field.Error. */
export interface FieldError {
  field: string;
  /** FieldValueInvalid, FieldValueRequired, FieldValueNotSupported, FieldValueForbidden, FieldValueDuplicate, FieldValueTooLong */
  type: string;
  message: string;
}

export const badRequest = (message: string, causes?: StatusCause[]) =>
  new StatusError(400, 'BadRequest', message, causes ? { causes } : undefined);

/** Returns upstream's Status details for a qualified resource ("deployments.apps"): group apart, kind = the resource. */
function resourceDetails(resource: string, name: string): StatusDetails {
  const dot = resource.indexOf('.');
  const named = name ? { name } : {};
  if (dot < 0) return { ...named, kind: resource };
  return { ...named, group: resource.slice(dot + 1), kind: resource.slice(0, dot) };
}

/** Upstream's NewForbidden: the message leaves out an empty name. */
export const forbidden = (resource: string, name: string, why: string) =>
  new StatusError(403, 'Forbidden', name ? `${resource} "${name}" is forbidden: ${why}` : `${resource} is forbidden: ${why}`, resourceDetails(resource, name));

export const notFound = (resource: string, name: string) =>
  new StatusError(404, 'NotFound', `${resource} "${name}" not found`, resourceDetails(resource, name));

export const alreadyExists = (resource: string, name: string) =>
  new StatusError(409, 'AlreadyExists', `${resource} "${name}" already exists`, resourceDetails(resource, name));

export const conflict = (resource: string, name: string, why: string) =>
  new StatusError(409, 'Conflict', `Operation cannot be fulfilled on ${resource} "${name}": ${why}`, resourceDetails(resource, name));

export const MODIFIED_MESSAGE = 'the object has been modified; please apply your changes to the latest version and try again';

export const expired = (message: string) => new StatusError(410, 'Expired', message);

export const internalError = (message: string) =>
  new StatusError(500, 'InternalError', `Internal error occurred: ${message}`);

export const unavailable = (message: string) => new StatusError(503, 'ServiceUnavailable', message);

export const timeout = (message: string) => new StatusError(504, 'Timeout', message);

/**
 * Returns the 422 Invalid error for a kind/name and its field errors, worded as upstream's NewInvalid: the message
 * names the qualified kind (`CronJob.batch "x" is invalid: ...`), the details carry group and kind apart.
 */
export function invalid(kind: string, name: string, errors: FieldError[], group = ''): StatusError {
  const parts = errors.map((e) => `${e.field}: ${e.message}`);
  const summary = parts.length === 1 ? parts[0] : `[${parts.join(', ')}]`;
  const qualifiedKind = group ? `${kind}.${group}` : kind;
  return new StatusError(422, 'Invalid', `${qualifiedKind} "${name}" is invalid${parts.length ? `: ${summary}` : ''}`, {
    ...(name ? { name } : {}),
    ...(group ? { group } : {}),
    kind,
    causes: errors.map((e) => ({ reason: e.type, message: e.message, field: e.field })),
  });
}
