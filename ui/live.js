// useLive: a component's view of a live collection. Components that ask for the same collection share one
// list+watch (counted; the last to leave stops it), so the overview and an object page cost one watch each.
import { useEffect, useState } from 'preact/hooks';
import { LiveList } from './api.js';
import { collectionPath } from './kinds.js';

const shared = new Map();
/** At most one redraw per list in this many ms. */
const FRAME_MS = 50;

function subscribe(path, query, listener) {
  const key = `${path}?${new URLSearchParams(query)}`;
  let entry = shared.get(key);
  if (!entry) {
    entry = { listeners: new Set(), state: { items: [], error: undefined, listed: false } };
    // Changes within FRAME_MS are drawn once: a busy cluster's watch events must not redraw per event.
    const flush = () => {
      entry.timer = undefined;
      entry.state = { items: [...entry.list.items.values()], error: entry.error, listed: entry.list.listed };
      for (const l of entry.listeners) l(entry.state);
    };
    entry.list = new LiveList(path, query, (items, error) => {
      entry.error = error;
      entry.timer ??= setTimeout(flush, FRAME_MS);
    });
    shared.set(key, entry);
  }
  entry.listeners.add(listener);
  listener(entry.state);
  return () => {
    entry.listeners.delete(listener);
    if (entry.listeners.size) return;
    entry.list.stop();
    clearTimeout(entry.timer);
    shared.delete(key);
  };
}

/** Returns `{ items, error, listed }` of a kind's objects (in `namespace` or all, narrowed by `query`), kept live. */
export function useLive(kind, namespace, query = {}) {
  const path = collectionPath(kind, namespace);
  const qkey = JSON.stringify(query);
  const [state, setState] = useState({ items: [], error: undefined, listed: false });
  useEffect(() => subscribe(path, query, setState), [path, qkey]);
  return state;
}
