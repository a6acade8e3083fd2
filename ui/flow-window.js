// The messages one flow diagram keeps: the latest `max` (as drawn), each span replaced whole when the
// stream sends it again, and the state notes of those kept, so a long-lived object's page stays bounded.
// Pure (no DOM): test/dashboard-flow-window.test.ts runs it in node.

const idOf = (s) => `${s.traceId}/${s.spanId}`;
const keyOf = (s) => `${idOf(s)}/${s.subject}`;
const byTime = (a, b) => a.sentAt - b.sentAt || a.order - b.order;

/** The latest `max` messages and at most `maxNotes` notes; `dropped` counts the older messages let go. */
export class FlowWindow {
  constructor(max, maxNotes = 4 * max) {
    this.max = max;
    this.maxNotes = maxNotes;
    this.spans = new Map();
    this.notes = [];
    this.dropped = 0;
    this.order = 0;
    /** sentAt of the newest message dropped: an older one that comes (again) would be dropped at once. */
    this.floor = -Infinity;
  }

  /** Adds one 'spans' event's spans and notes, then lets the oldest go past `max`. */
  add(spans, notes) {
    for (const s of spans) {
      if (s.sentAt < this.floor) continue;
      const k = keyOf(s);
      this.spans.set(k, { ...s, order: this.spans.get(k)?.order ?? this.order++ });
    }
    this.notes.push(...notes);
    const over = this.spans.size - this.max;
    if (over > 0) {
      const old = this.sorted().slice(0, over);
      for (const s of old) this.spans.delete(keyOf(s));
      this.dropped += over;
      this.floor = Math.max(this.floor, old.at(-1).sentAt);
      const kept = new Set([...this.spans.values()].map(idOf));
      const gone = new Set(old.map(idOf));
      this.notes = this.notes.filter((n) => !gone.has(idOf(n)) || kept.has(idOf(n)));
    }
    // A note whose message never comes is never drawn: the latest maxNotes are plenty for `max` messages.
    if (this.notes.length > this.maxNotes) this.notes = this.notes.slice(-this.maxNotes);
  }

  /** Returns the kept messages in the diagram's order (sent time, then arrival). */
  sorted() {
    return [...this.spans.values()].sort(byTime);
  }

  /** Messages seen in all: the kept ones and the dropped. */
  get total() {
    return this.spans.size + this.dropped;
  }
}
