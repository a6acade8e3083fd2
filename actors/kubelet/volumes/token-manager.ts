// The kubelet's service account token manager (upstream pkg/kubelet/token): the tokens of projected
// serviceAccountToken sources, requested through the TokenRequest API (serviceaccounts/<name>/token,
// bound to the pod), cached per pod, account, audience and lifetime, and requested again once 80% of
// a token's lifetime (or 24 h) has passed, so the volume's resync writes the fresh one.
import type { Pod } from '../../../api/kinds/pod.ts';
import type { ApiClient } from '../../../bus/client.ts';
import type { Clock } from '../../../bus/clock.ts';
import type { Logger } from '../../../bus/types.ts';

/** A projected source's request (upstream ServiceAccountTokenProjection). */
export interface TokenSource {
  audience?: string;
  expirationSeconds?: number;
  path: string;
}

interface Held {
  token: string;
  issuedMs: number;
  expiresMs: number;
}

/** Upstream's default lifetime of a projected token when the source names none (1 h). */
const DEFAULT_EXPIRATION_SECONDS = 3600;
const MAX_AGE_MS = 24 * 3600_000;

/** Returns true when a token should be requested again: past 80% of its lifetime, or older than a day (upstream requiresRefresh). */
export const needsRefresh = (h: { issuedMs: number; expiresMs: number }, nowMs: number) =>
  nowMs >= h.expiresMs || nowMs - h.issuedMs >= Math.min(0.8 * (h.expiresMs - h.issuedMs), MAX_AGE_MS);

/** Holds and refreshes the tokens of the pods this kubelet runs. */
export class TokenManager {
  private readonly held = new Map<string, Held>();

  constructor(private readonly d: { client: ApiClient; clock: Clock; log: Logger }) {}

  /** Returns a token for the pod's service account and this source, from the cache while it is fresh. */
  async token(pod: Pod, source: TokenSource): Promise<string> {
    const ns = pod.metadata.namespace ?? 'default';
    const sa = (pod.spec as { serviceAccountName?: string }).serviceAccountName || 'default';
    const seconds = source.expirationSeconds ?? DEFAULT_EXPIRATION_SECONDS;
    const key = [pod.metadata.uid, ns, sa, source.audience ?? '', seconds].join('/');
    const now = this.d.clock.now();
    const hit = this.held.get(key);
    if (hit && !needsRefresh(hit, now)) return hit.token;
    const spec = {
      ...(source.audience ? { audiences: [source.audience] } : {}),
      expirationSeconds: seconds,
      boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: pod.metadata.name, uid: pod.metadata.uid },
    };
    try {
      const r = await this.d.client.createToken<{ status?: { token?: string; expirationTimestamp?: string } }>(ns, sa, spec);
      const token = r.status?.token ?? '';
      const expires = Date.parse(r.status?.expirationTimestamp ?? '');
      this.held.set(key, { token, issuedMs: now, expiresMs: Number.isFinite(expires) ? expires : now + seconds * 1000 });
      if (hit) this.d.log.debug({ pod: pod.metadata.name, serviceAccount: sa }, 'service account token refreshed');
      return token;
    } catch (err) {
      // A token still valid is kept while the API cannot give a new one (upstream keeps it until expiry).
      if (hit && now < hit.expiresMs) {
        this.d.log.warn({ pod: pod.metadata.name, err: (err as Error).message }, 'service account token refresh failed; keeping the current one');
        return hit.token;
      }
      throw err;
    }
  }

  /** Forgets a pod's tokens (it is gone from the node). */
  forget(uid: string): void {
    for (const key of this.held.keys()) if (key.startsWith(`${uid}/`)) this.held.delete(key);
  }
}
