// Read-your-writes for controllers (the job upstream's ControllerExpectations do): a controller
// notes the revision of each write it makes for a key, and acts on that key again only once the
// informer caches have caught up with those revisions, so it never creates twice from a stale cache.

/** The part of an informer the fence reads: the last store revision it has seen. */
export interface RevisionSource {
  lastRV: string;
}

const rev = (rv: string | undefined): number => {
  const n = Number(rv);
  return Number.isFinite(n) ? n : 0;
};

/** Remembers, per key and resource, the highest revision written; tells when caches have seen them. */
export class CacheFence {
  private readonly marks = new Map<string, Map<string, number>>();

  /** Notes that a write for `key` to `resource` produced revision `rv` (a written or deleted object's resourceVersion). */
  wrote(key: string, resource: string, rv: string | undefined): void {
    const r = rev(rv);
    if (!r) return;
    let m = this.marks.get(key);
    if (!m) this.marks.set(key, (m = new Map()));
    m.set(resource, Math.max(m.get(resource) ?? 0, r));
  }

  /** Returns whether every cache in `sources` has seen the writes noted for `key` (and forgets them if so). */
  caughtUp(key: string, sources: Record<string, RevisionSource>): boolean {
    const m = this.marks.get(key);
    if (!m) return true;
    for (const [resource, r] of m) {
      const src = sources[resource];
      if (src && rev(src.lastRV) < r) return false;
      m.delete(resource);
    }
    this.marks.delete(key);
    return true;
  }

  /** Forgets a key (its object is gone). */
  forget(key: string): void {
    this.marks.delete(key);
  }
}
