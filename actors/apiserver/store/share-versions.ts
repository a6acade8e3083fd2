// Structural sharing between the versions of one key: a write usually changes a small part of an
// object (a pod's status update keeps its spec, most of its conditions and its metadata), yet every
// version the history holds was a whole tree of its own. Parts equal to the previous version's are
// replaced by that version's, so the history holds each unchanged part once.

const isPlain = (v: object) => {
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null || Array.isArray(v);
};

/**
 * Returns `next` with every part deep-equal to the part of `prev` at the same place replaced by
 * `prev`'s (in place: `next` belongs to the store once written, and the store never mutates what it
 * holds), or `prev` itself when the two are equal, keys in the same order. Frozen parts of `next` are
 * left as they are (their unfrozen parts still share). Anything but plain objects, arrays and
 * primitives (bytes, dates) is never shared.
 */
export function shareUnchanged(next: unknown, prev: unknown): unknown {
  if (next === prev || typeof next !== 'object' || next === null || typeof prev !== 'object' || prev === null) return next;
  if (Array.isArray(next) !== Array.isArray(prev) || !isPlain(next) || !isPlain(prev)) return next;
  const mutable = !Object.isFrozen(next);
  // Indices for arrays, and one key list (not two) for objects: this walks every write's whole object.
  if (Array.isArray(next)) {
    const p = prev as unknown[];
    let same = next.length === p.length;
    for (let i = 0; i < next.length && i < p.length; i++) {
      const c = shareUnchanged(next[i], p[i]);
      if (c !== next[i] && mutable) next[i] = c;
      if (c !== p[i]) same = false;
    }
    return same ? prev : next;
  }
  const n = next as Record<string, unknown>;
  const p = prev as Record<string, unknown>;
  const nk = Object.keys(n);
  let same = true;
  for (let i = 0; i < nk.length; i++) {
    const k = nk[i];
    if (k === '__proto__' || !Object.hasOwn(p, k)) {
      same = false;
      continue;
    }
    const c = shareUnchanged(n[k], p[k]);
    if (c !== n[k] && mutable) n[k] = c;
    if (c !== p[k]) same = false;
  }
  if (same) {
    // Equal parts; `prev` stands for `next` only with the same keys in the same order.
    let j = 0;
    for (const k in p) if (nk[j++] !== k) same = false;
    if (j !== nk.length) same = false;
  }
  return same ? prev : next;
}
