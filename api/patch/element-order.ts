// The order of a merged list, as upstream's strategic merge patch fixes it: the items the patch
// (or its $setElementOrder list) names come in the patch's order, the server-only items keep
// their order, and the two are interleaved by where they stood in the live list.
import { goFormat, isMap, noMergeKey, patchFailed, type Json } from './patch-errors.ts';

/** Returns an item's identity in a list: its merge key's value, or itself for primitives. */
function identity(item: Json, mergeKey: string): Json {
  if (!mergeKey) return item;
  if (!isMap(item) || !Object.hasOwn(item, mergeKey)) throw noMergeKey(item, mergeKey);
  return item[mergeKey]!;
}

/** Returns where an item stands in a list (-1: absent), matched by merge key or value. */
function indexIn(list: readonly Json[], item: Json, mergeKey: string): number {
  const id = identity(item, mergeKey);
  return list.findIndex((x) => (mergeKey ? isMap(x) && x[mergeKey] === id : x === id));
}

/** Splits items into those present in `by` and the rest, keeping their order. */
export function partition(items: readonly Json[], by: readonly Json[], mergeKey: string): [Json[], Json[]] {
  const present: Json[] = [];
  const rest: Json[] = [];
  for (const item of items) (indexIn(by, item, mergeKey) >= 0 ? present : rest).push(item);
  return [present, rest];
}

/** Sorts items by their place in `order`; items absent from it keep their order, at the end. */
function sortBy(items: Json[], order: readonly Json[], mergeKey: string): Json[] {
  if (mergeKey) for (const o of order) identity(o, mergeKey); // every order entry must carry the key
  const ranked = items.map((item, i) => ({ item, i, at: indexIn(order, item, mergeKey) }));
  const rank = (r: { at: number }) => (r.at < 0 ? Number.MAX_SAFE_INTEGER : r.at);
  return ranked.sort((a, b) => rank(a) - rank(b) || a.i - b.i).map((r) => r.item);
}

/**
 * Returns patch items (in `patchOrder`) and server-only items (in `serverOrder`) as one list:
 * a server-only item goes first only when both stood in the live list and it stood earlier.
 */
export function normalizeElementOrder(
  patchItems: Json[],
  serverOnly: Json[],
  patchOrder: readonly Json[],
  serverOrder: readonly Json[],
  mergeKey: string,
): Json[] {
  const right = sortBy(patchItems, patchOrder, mergeKey);
  const left = sortBy(serverOnly, serverOrder, mergeKey);
  const out: Json[] = [];
  let i = 0;
  let j = 0;
  while (i < left.length || j < right.length) {
    if (j >= right.length) out.push(left[i++]!);
    else if (i >= left.length) out.push(right[j++]!);
    else {
      const li = indexIn(serverOrder, left[i]!, mergeKey);
      const ri = indexIn(serverOrder, right[j]!, mergeKey);
      out.push(li >= 0 && ri >= 0 && li < ri ? left[i++]! : right[j++]!);
    }
  }
  return out;
}

/** Throws unless the patch list's items appear in the $setElementOrder list in the same relative order. */
export function checkOrderList(patchList: readonly Json[], order: readonly Json[], mergeKey: string): void {
  if (order.length === 0 || patchList.length === 0) return;
  const items = mergeKey ? patchList.filter((x) => !(isMap(x) && Object.hasOwn(x, '$patch'))) : patchList;
  let p = 0;
  let o = 0;
  while (p < items.length && o < order.length) {
    if (identity(items[p]!, mergeKey) === identity(order[o]!, mergeKey)) p++;
    o++;
  }
  if (p < items.length)
    throw patchFailed(`The order in patch list:\n${goFormat(patchList)}\n doesn't match $setElementOrder list:\n${goFormat(order)}\n`);
}

