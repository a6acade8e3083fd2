// A message's body, for the flow view: the recorder keeps summaries only, but a message about a
// write names the resourceVersion it carried (`rv 121`), and the API server keeps the store's history
// (at least 5 minutes, as etcd before compaction). A watch from rv-1 on that one object starts with
// the change at rv: the object exactly as the message carried it. Read as the page's own user.
import { authHeaders, lines } from './api.js';
import { KINDS, collectionPath } from './kinds.js';

/** Returns the resourceVersion a span's detail names (`Pending on node-0, rv 121` → 121), or undefined. */
export const rvOf = (span) => {
  const m = /\brv (\d+)\b/.exec(span?.detail ?? '');
  return m ? Number(m[1]) : undefined;
};

/**
 * Returns `{ object }` at resourceVersion `rv`, or `{ missing }` saying why it cannot be had (history
 * compacted, a kind the dashboard does not know, the object changed no more at that revision).
 */
export async function objectAt(kind, namespace, name, rv) {
  if (!KINDS[kind]) return { missing: `the dashboard does not read ${kind} objects` };
  const q = new URLSearchParams({ watch: '1', resourceVersion: String(rv - 1), fieldSelector: `metadata.name=${name}`, timeoutSeconds: '2' });
  const abort = new AbortController();
  try {
    const res = await fetch(`${collectionPath(kind, namespace)}?${q}`, { headers: authHeaders(), signal: abort.signal });
    if (!res.ok) return { missing: (await res.json().catch(() => ({}))).message ?? `${res.status} ${res.statusText}` };
    for await (const line of lines(res)) {
      if (!line.trim()) continue;
      const ev = JSON.parse(line);
      if (ev.type === 'ERROR') return { missing: ev.object?.code === 410 ? `the store's history before rv ${rv} is compacted (kept at least 5 minutes)` : ev.object?.message ?? 'the watch failed' };
      if (ev.type === 'BOOKMARK') continue;
      const at = Number(ev.object?.metadata?.resourceVersion);
      if (at === rv) return { object: ev.object, type: ev.type };
      if (at > rv) break;
    }
    return { missing: `no change of ${name} at rv ${rv} is held any more` };
  } finally {
    abort.abort();
  }
}
