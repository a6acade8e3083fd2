// Timers for the lease renewals of the kubelets of one process, aligned to slots: the renewals due
// in one slot start in one timer callback, so their requests leave in one socket write. 5,000
// kubelets on one NATS connection otherwise make ~500 writes/s, a syscall each on every hop
// (node process, nats-server, API server); aligned, ~10/s. A renewal moves by less than a slot.
// The callbacks run inside gathered() (bus/batch-client.ts): the slot's lease updates of one
// connection leave as one batch request, answered by one reply (~50 renewals at 5,000 nodes).
import { gathered } from '../../bus/batch-client.ts';
import type { Clock } from '../../bus/clock.ts';

/** Slot width: renewals are due at multiples of it (upstream's renew jitter is 400 ms at 10 s). */
export const RENEW_SLOT_MS = 100;

interface Slot {
  fns: Set<() => void>;
  timer: unknown;
}

/** Timers whose callbacks run at the next slot boundary, all of a slot in one underlying timer. */
export class SlotTimers {
  private readonly slots = new Map<number, Slot>();

  constructor(
    private readonly clock: Clock,
    private readonly slotMs: number,
  ) {}

  /** Runs `fn` at the first slot boundary at least `ms` from now; returns what cancels it. */
  setTimeout(fn: () => void, ms: number): () => void {
    const due = Math.ceil((this.clock.now() + ms) / this.slotMs) * this.slotMs;
    let slot = this.slots.get(due);
    if (!slot) {
      const s: Slot = { fns: new Set(), timer: undefined };
      s.timer = this.clock.setTimeout(() => this.fire(due, s), due - this.clock.now());
      this.slots.set(due, (slot = s));
    }
    const own = slot;
    const entry = () => fn(); // its own identity: one fn may be scheduled twice
    own.fns.add(entry);
    return () => {
      if (!own.fns.delete(entry) || own.fns.size) return;
      this.clock.clearTimeout(own.timer);
      if (this.slots.get(due) === own) this.slots.delete(due);
    };
  }

  private fire(due: number, slot: Slot): void {
    if (this.slots.get(due) === slot) this.slots.delete(due);
    const fns = [...slot.fns];
    slot.fns.clear();
    gathered(() => {
      for (const fn of fns) {
        try {
          fn();
        } catch (err) {
          // One callback's failure must not cost the others their renewal; it surfaces as a plain timer's would.
          queueMicrotask(() => {
            throw err;
          });
        }
      }
    });
  }
}

const byClock = new WeakMap<Clock, SlotTimers>();

/** Returns the renewal timers shared by every kubelet of this process on `clock`. */
export function renewTimers(clock: Clock): SlotTimers {
  let t = byClock.get(clock);
  if (!t) byClock.set(clock, (t = new SlotTimers(clock, RENEW_SLOT_MS)));
  return t;
}
