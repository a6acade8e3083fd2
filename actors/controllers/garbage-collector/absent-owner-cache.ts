// Owners the API server said do not exist (upstream ReferenceCache): an LRU of identities, so
// the dependents of one deleted owner do not each cost a GET.
import { identityKey, type Identity } from './owner-graph.ts';

/** Upstream's size of the absent-owner cache. */
export const ABSENT_OWNER_CACHE_SIZE = 500;

/** A least-recently-used set of identities known to be absent. */
export class AbsentOwnerCache {
  private readonly keys = new Map<string, true>();

  constructor(private readonly capacity = ABSENT_OWNER_CACHE_SIZE) {}

  /** Records an identity as absent, evicting the least recently used one when full. */
  add(id: Identity): void {
    const k = identityKey(id);
    this.keys.delete(k);
    this.keys.set(k, true);
    if (this.keys.size > this.capacity) this.keys.delete(this.keys.keys().next().value!);
  }

  /** Returns whether the identity is known to be absent (and marks it recently used). */
  has(id: Identity): boolean {
    const k = identityKey(id);
    if (!this.keys.has(k)) return false;
    this.keys.delete(k);
    this.keys.set(k, true);
    return true;
  }
}
