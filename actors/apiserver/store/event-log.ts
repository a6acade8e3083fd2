// The store's history: every event since the last compaction, in revision order, with each
// resource's revisions indexed so a watch of one resource replays only that resource's events.
import type { StoreEvent } from './store.ts';

/** The history bucket of a key or prefix: up to its third `/` (`/registry/pods/`); '' when it has fewer. */
export function bucketOf(key: string): string {
  let at = -1;
  for (let n = 0; n < 3; n++) {
    at = key.indexOf('/', at + 1);
    if (at < 0) return '';
  }
  return key.slice(0, at + 1);
}

/** Returns the index of the first revision above `rev` in an ascending array. */
function firstAbove(revs: number[], rev: number): number {
  let lo = 0;
  let hi = revs.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (revs[mid] <= rev) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Events with revisions (compacted, last appended], one per revision; a replica of etcd may leave holes. */
export class EventLog {
  /** log[head + i] has revision compacted + 1 + i (undefined: a revision that wrote none of this store's keys). */
  private log: (StoreEvent | undefined)[] = [];
  private head = 0;
  /**
   * Revisions in the log per bucket (`/registry/<resource>/`), ascending: a watch of one resource
   * resumes by looking at that resource's events only, not at everything written since (at 5,000
   * nodes, mostly lease renewals).
   */
  private readonly byBucket = new Map<string, number[]>();
  /** Per bucket, the last revision compaction dropped one of its events at (a watch of it resumes from there on). */
  private readonly droppedAt = new Map<string, number>();
  /** Where the log started: what came before is unknown for every bucket. */
  private readonly start: number;

  /** Starts empty at `compacted` (0, or a snapshot's revision). */
  constructor(private compactedAt = 0) {
    this.start = compactedAt;
  }

  /**
   * Returns the oldest revision a watch of `prefix` can resume from: for a prefix inside one bucket,
   * the last revision compaction dropped an event of that bucket at, as upstream's watch cache is per
   * resource (a burst of pod writes compacted away leaves Lease watches able to resume); otherwise the
   * compacted revision.
   */
  floor(prefix: string): number {
    const b = bucketOf(prefix);
    return b ? Math.max(this.start, this.droppedAt.get(b) ?? 0) : this.compactedAt;
  }

  /** Revisions at or below this are gone. */
  get compacted(): number {
    return this.compactedAt;
  }

  /** Appends the event of the next revision. */
  append(ev: StoreEvent): void {
    // A replica of etcd skips revisions that wrote other keys (or unreadable values): they stay holes.
    while (this.compactedAt + this.log.length - this.head + 1 < ev.revision) this.log.push(undefined);
    this.log.push(ev);
    const b = bucketOf(ev.kv.key);
    const revs = this.byBucket.get(b);
    if (revs) revs.push(ev.revision);
    else this.byBucket.set(b, [ev.revision]);
  }

  /** Returns the events under prefix in (after, last]; the caller checks `after` against compaction. */
  range(prefix: string, after: number, last: number): StoreEvent[] {
    const out: StoreEvent[] = [];
    const base = this.head - this.compactedAt - 1;
    const b = bucketOf(prefix);
    if (b) {
      // Every key under the prefix is in this bucket: only its revisions need looking at.
      const revs = this.byBucket.get(b) ?? [];
      for (let i = firstAbove(revs, after); i < revs.length && revs[i] <= last; i++) {
        const ev = this.log[base + revs[i]]!;
        if (ev.kv.key.startsWith(prefix)) out.push(ev);
      }
      return out;
    }
    for (let r = after + 1; r <= last; r++) {
      const ev = this.log[base + r];
      if (ev?.kv.key.startsWith(prefix)) out.push(ev);
    }
    return out;
  }

  /** Drops the events at or below `revision` (above the last compaction); returns the keys they named. */
  compact(revision: number): Set<string> {
    if (revision <= this.compactedAt) return new Set();
    const end = this.head + (revision - this.compactedAt);
    const keys = new Set<string>();
    for (let i = this.head; i < end; i++) {
      const ev = this.log[i];
      if (!ev) continue;
      // Let go of it now, not when the array is next cut: until then it would keep the whole event.
      this.log[i] = undefined;
      keys.add(ev.kv.key);
      this.droppedAt.set(bucketOf(ev.kv.key), ev.revision);
    }
    this.head = end;
    this.compactedAt = revision;
    for (const [b, revs] of this.byBucket) {
      const keep = firstAbove(revs, revision);
      if (keep === revs.length) this.byBucket.delete(b);
      else if (keep > 0) revs.splice(0, keep);
    }
    if (this.head > 1024 && this.head * 2 > this.log.length) {
      this.log = this.log.slice(this.head);
      this.head = 0;
    }
    return keys;
  }
}
