// The API objects of store events, built once for every watch that sends them and for the reply to
// the write that made them: with MemoryBus, a shareable (frozen) copy that no send copies again.
import type { KubeObject } from '../../api/meta.ts';
import type { Bus } from '../../bus/types.ts';
import { fromKV } from './objects.ts';
import type { KeyValue, StoreEvent } from './store/store.ts';

/** Objects kept for replies: writes in flight at once (one with no object reply, a bind, leaves its entry until pushed out). */
const KEPT = 1024;

/** Builds event objects, and hands a write's reply the one its watch events were sent. */
export class EventObjects {
  private readonly kept = new Map<KeyValue, KubeObject>();
  /** The API object of a store value, as watches send it. */
  readonly of: (kv: KeyValue) => KubeObject;

  constructor(bus: Bus) {
    // fromKV's new top level and metadata are nobody else's: handed over, they are frozen rather than copied.
    this.of = bus.shareable ? (kv) => this.keep(kv, bus.shareable!(fromKV(kv), true)) : fromKV;
  }

  private keep(kv: KeyValue, o: KubeObject): KubeObject {
    if (this.kept.size >= KEPT) this.kept.delete(this.kept.keys().next().value!);
    this.kept.set(kv, o);
    return o;
  }

  /**
   * The reply to the write that stored `kv`: the object its watch events were sent when they went
   * first (the store delivers events before the writer resumes), taken once; else a new one.
   */
  forReply(kv: KeyValue): KubeObject {
    const o = this.kept.get(kv);
    if (o === undefined) return fromKV(kv);
    this.kept.delete(kv);
    return o;
  }
}

/** One store event as watches see it: the API object (resourceVersion = the event's revision) is built once, however many watches send it. */
export class Change {
  private obj: KubeObject | undefined;
  constructor(
    readonly ev: StoreEvent,
    private readonly objects: EventObjects,
  ) {}
  get object(): KubeObject {
    return (this.obj ??= this.objects.of(this.ev.kv));
  }
}
