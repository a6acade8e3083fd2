// What runs when a client watch ends, whatever ends it (the client's unwatch, its connection lost, an
// ERROR sent, the server stopping): the audit's ResponseComplete of the request that started it.

/** The watches of one hub that have started and not ended, by conn and id, each with what runs at its end. */
export class WatchEnds {
  private readonly ends = new Map<string, (() => void) | undefined>();

  /** A watch has started (waiting for its revision, or registered). */
  started(conn: string, id: string): void {
    this.ends.set(`${conn}.${id}`, undefined);
  }

  /** Runs `fn` once the watch ends; at once when it has ended already (or never started). */
  whenEnded(conn: string, id: string, fn: () => void): void {
    const key = `${conn}.${id}`;
    if (this.ends.has(key)) this.ends.set(key, fn);
    else fn();
  }

  /** The watch has ended: what waits for it runs (once). */
  ended(conn: string, id: string): void {
    const key = `${conn}.${id}`;
    const fn = this.ends.get(key);
    this.ends.delete(key);
    fn?.();
  }

  /** Every watch has ended (the hub closed). */
  endAll(): void {
    const fns = [...this.ends.values()];
    this.ends.clear();
    for (const fn of fns) fn?.();
  }
}
