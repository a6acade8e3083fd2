// Which revision a list reads at: upstream's resourceVersion / resourceVersionMatch / limit / continue table.
import type { ListOptions } from '../../api/protocol.ts';
import { StatusError, badRequest, invalid } from '../../api/status.ts';
import { forbiddenField, notSupported } from '../../api/validation/field.ts';
import type { FieldError } from '../../api/status.ts';

/** latest: the current revision (unset, "0", NotOlderThan); exact: exactly `rv` (Exact, or legacy limit without continue). */
export type ListRead = { kind: 'latest' } | { kind: 'exact'; rv: number };

const MATCHES = ['Exact', 'NotOlderThan'] as const;

/** Returns upstream's ValidateListOptions errors for a list (422 ListOptions.meta.k8s.io), as field errors. */
export function listOptionErrors(opts: ListOptions): FieldError[] {
  const match = opts.resourceVersionMatch as string | undefined;
  if (!match) return [];
  const errs: FieldError[] = [];
  const f = 'resourceVersionMatch';
  if (!opts.resourceVersion) errs.push(forbiddenField(f, 'resourceVersionMatch is forbidden unless resourceVersion is provided'));
  if (opts.continue) errs.push(forbiddenField(f, 'resourceVersionMatch is forbidden when continue is provided'));
  if (!(MATCHES as readonly string[]).includes(match)) errs.push(notSupported(f, match, [...MATCHES, '']));
  if (match === 'Exact' && opts.resourceVersion === '0') errs.push(forbiddenField(f, 'resourceVersionMatch "exact" is forbidden for resourceVersion "0"'));
  return errs;
}

/** Returns the 422 upstream answers for invalid ListOptions. */
function invalidListOptions(errs: FieldError[]): StatusError {
  return invalid('ListOptions', '', errs, 'meta.k8s.io');
}

/**
 * Returns where a list reads, or throws upstream's error: 422 for a bad match, 400 for a resourceVersion
 * with continue or one that is not a number, 504 for one newer than the store (as the watch cache's wait
 * ends). Compaction is the caller's to report (410), since only the read finds out.
 */
export function listRead(opts: ListOptions, current: number): ListRead {
  const errs = listOptionErrors(opts);
  if (errs.length) throw invalidListOptions(errs);
  const raw = opts.resourceVersion;
  if (raw === undefined || raw === '') return { kind: 'latest' };
  if (!/^\d+$/.test(raw)) throw badRequest(`invalid resourceVersion "${raw}"`);
  const rv = Number(raw);
  if (opts.continue) {
    if (rv !== 0) throw badRequest('specifying resource version is not allowed when using continue');
    return { kind: 'latest' };
  }
  if (rv > current) throw tooLargeResourceVersion(rv, current);
  if (rv === 0) return { kind: 'latest' };
  if (opts.resourceVersionMatch === 'Exact') return { kind: 'exact', rv };
  // Legacy (no match): a limit without continue reads at exactly rv; without a limit, not older than rv.
  if (opts.resourceVersionMatch === undefined && opts.limit) return { kind: 'exact', rv };
  return { kind: 'latest' };
}

/** Upstream's NewTooLargeResourceVersionError: 504 with a ResourceVersionTooLarge cause, retry after 1 s. */
export function tooLargeResourceVersion(rv: number, current: number): StatusError {
  return new StatusError(504, 'Timeout', `Timeout: Too large resource version: ${rv}, current: ${current}`, {
    causes: [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }],
    retryAfterSeconds: 1,
  });
}

/**
 * What a list must wait for before it reads a replica's cache (a store shared by several API
 * servers), as upstream's consistent reads from cache: 'consistent' for an unset resourceVersion (the
 * latest write acknowledged anywhere), a revision the cache must reach for "N" (any match), 0 for "0"
 * (the cache as it is). A continue token names its own revision; invalid options wait for nothing.
 */
export function listFreshness(opts: ListOptions): 'consistent' | number {
  const raw = opts.resourceVersion;
  if (opts.continue) return 0;
  if (raw === undefined || raw === '') return 'consistent';
  return /^\d+$/.test(raw) ? Number(raw) : 0;
}
