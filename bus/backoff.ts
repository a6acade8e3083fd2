// The one retry policy: exponential backoff with a cap (informer relists, work-queue requeues).

export interface BackoffPolicy {
  initialMs: number;
  maxMs: number;
  factor?: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { initialMs: 200, maxMs: 30_000, factor: 2 };

/** Returns the delay before retry number `failures` (1-based): initial·factor^(n-1), capped. */
export function backoffDelay(failures: number, p: BackoffPolicy = DEFAULT_BACKOFF): number {
  if (failures <= 0) return 0;
  return Math.min(p.maxMs, p.initialMs * (p.factor ?? 2) ** (failures - 1));
}
