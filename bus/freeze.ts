// Received messages are read-only. A transport decodes a message once and hands the same object to
// every receiver (MemoryBus always; NatsBus when asked), so a handler that changed it would change it
// for the others: the object is deeply frozen instead, and a mutation throws a TypeError (ESM is strict
// mode). A handler that needs a changed copy makes one (spread, or structuredClone).
import { decode, encode } from './codec.ts';

/** Freezes `value` and every object and array under it; returns it. Typed arrays (msgpack bin) stay as they are. */
export function deepFreeze<T>(value: T): T {
  freeze(value);
  return value;
}

function freeze(v: unknown): void {
  // Decoded MessagePack is a tree (no references), and a frozen subtree was frozen whole: stop there.
  if (typeof v !== 'object' || v === null || Object.isFrozen(v) || ArrayBuffer.isView(v)) return;
  Object.freeze(v);
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) freeze(v[i]);
    return;
  }
  for (const k in v) freeze((v as Record<string, unknown>)[k]);
}

/**
 * Returns a deeply frozen copy of `value` equal to what a MessagePack round trip (encode, decode)
 * gives, without the bytes: MemoryBus's snapshot of a message at publish. Plain objects, arrays,
 * strings, numbers, booleans, null and undefined are copied here; anything else (dates, bytes, maps,
 * class instances) goes through the codec. Throws what encode throws, and DecodeError when the
 * codec would not read its bytes back.
 */
export function frozenCopy<T>(value: T): T {
  return copy(value) as T;
}

/**
 * Returns frozenCopy(value), remembered: publishing it again costs nothing, however big it is. For a
 * value sent to many (a watch event). Every other copy is not remembered: a WeakSet entry per message
 * cost more (its adds, and the collector's ephemeron work) than it saved.
 */
export function shareableCopy<T>(value: T): T {
  const out = copy(value);
  if (typeof out === 'object' && out !== null) shared.add(out);
  return out as T;
}

/**
 * shareableCopy for a value the caller hands over: its unfrozen plain objects and arrays (nobody
 * else holds them, nor changes them afterwards) are frozen where they are, their values made what
 * copy() makes them, instead of being copied; the result equals shareableCopy's. A watch event's
 * object, a new top level and metadata over a stored frozen rest, then costs two freezes, not two copies.
 */
export function shareableOwned<T>(value: T): T {
  const out = own(value);
  if (typeof out === 'object' && out !== null) shared.add(out);
  return out as T;
}

function own(v: unknown): unknown {
  if (typeof v !== 'object' || v === null || Object.isFrozen(v)) return copy(v);
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) v[i] = own(v[i]);
    return Object.freeze(v);
  }
  // A null prototype (the copy's is Object's), a class instance, an own __proto__: as copy() has them.
  if (Object.getPrototypeOf(v) !== Object.prototype) return copy(v);
  const o = v as Record<string, unknown>;
  for (const k in o) if (k === '__proto__') return copy(v);
  for (const k in o) o[k] = own(o[k]);
  return Object.freeze(o);
}

/** What shareableCopy returned. (A hidden symbol key on the copies instead was slower at 5,000 nodes.) */
const shared = new WeakSet<object>();

const roundTrip = (v: unknown) => deepFreeze(decode(encode(v)));

/**
 * Copies a frozen value, or returns it when it is its own copy (every value under it is): a body made
 * of what a receiver was sent (a cached object with a new status) copies only what is new, and a
 * message passed on is not copied at all. Nothing is allocated until a value under it differs.
 */
function reuse(v: object): unknown {
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const c = copy(v[i]);
      if (Object.is(c, v[i])) continue;
      const out = v.slice(0, i);
      out.push(c);
      for (let j = i + 1; j < v.length; j++) out.push(copy(v[j]));
      return Object.freeze(out);
    }
    return v;
  }
  const proto = Object.getPrototypeOf(v);
  if ((proto !== Object.prototype && proto !== null) || ArrayBuffer.isView(v)) return roundTrip(v);
  const o = v as Record<string, unknown>;
  let out: Record<string, unknown> | undefined;
  for (const k in o) {
    if (k === '__proto__') return roundTrip(v); // the decoder renames it; so does the round trip
    const c = copy(o[k]);
    if (out) out[k] = c;
    else if (!Object.is(c, o[k])) {
      out = {};
      for (const done in o) {
        if (done === k) break;
        out[done] = o[done];
      }
      out[k] = c;
    }
  }
  return out ? Object.freeze(out) : v;
}

function copy(v: unknown): unknown {
  switch (typeof v) {
    case 'string':
    case 'boolean':
    case 'undefined':
      return v;
    case 'number':
      return v === 0 ? 0 : v; // MessagePack has no -0
    case 'object':
      break;
    default:
      return roundTrip(v);
  }
  if (v === null) return null;
  if (Object.isFrozen(v)) return shared.has(v) ? v : reuse(v);
  if (Array.isArray(v)) {
    const out: unknown[] = [];
    for (let i = 0; i < v.length; i++) out.push(copy(v[i]));
    return Object.freeze(out);
  }
  const proto = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null) return roundTrip(v);
  const out: Record<string, unknown> = {};
  for (const k in v) {
    if (k === '__proto__') return roundTrip(v); // the decoder renames it; so does the round trip
    out[k] = copy((v as Record<string, unknown>)[k]);
  }
  return Object.freeze(out);
}

/**
 * Returns a mutable deep copy of a received value (plain objects and arrays are copied; bytes and
 * other class instances are shared). For a receiver that keeps and changes what it was sent, as the
 * API server does with a body it defaults and stores. Cheaper than structuredClone on decoded trees.
 */
export function thaw<T>(value: T): T {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map(thaw) as T;
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return value;
  const out: Record<string, unknown> = {};
  for (const k in value) out[k] = thaw((value as Record<string, unknown>)[k]);
  return out as T;
}

/**
 * Whether a NatsBus freezes what it delivers when its options do not say: KUBUS_FREEZE=1 (or true)
 * turns it on, anything else leaves it off (real processes share nothing, so freezing there only finds
 * bugs; it costs a walk per message).
 */
export function freezeFromEnv(env: Record<string, string | undefined> = process.env): boolean {
  const v = env.KUBUS_FREEZE?.toLowerCase();
  return v === '1' || v === 'true';
}
