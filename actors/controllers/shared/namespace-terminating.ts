// Recognises the API server's refusal to create into a namespace being deleted.
import { StatusError } from '../../../api/status.ts';

/** Returns whether a create failed only because its namespace is terminating (upstream NamespaceTerminatingCause). */
export const namespaceTerminating = (err: unknown) =>
  err instanceof StatusError && err.code === 403 && (err.status.details?.causes ?? []).some((c) => c.reason === 'NamespaceTerminating');
