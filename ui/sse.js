// Server-Sent Events read with fetch (EventSource cannot send the page's bearer token): calls
// `onEvent(name, data)` for each event, and on any break waits and opens the stream again, calling
// `onOpen()` first so the caller drops what it had (nothing stale stays on screen as current).
import { authHeaders, checkRefused, records } from './api.js';

/** Parses one `event:`/`data:` block; undefined for comments and keep-alives. */
function parseBlock(block) {
  let event = 'message';
  const data = [];
  for (const line of block.split('\n')) {
    if (line.startsWith('event: ')) event = line.slice(7);
    else if (line.startsWith('data: ')) data.push(line.slice(6));
  }
  return data.length ? { event, data: JSON.parse(data.join('\n')) } : undefined;
}

/** Follows `path` until `stop()`; `onError(message)` says why it is reconnecting (or why it gave up, on 4xx). */
export function follow(path, { onOpen, onEvent, onError }) {
  const abort = new AbortController();
  const run = async () => {
    let backoff = 500;
    while (!abort.signal.aborted) {
      try {
        const headers = authHeaders({ Accept: 'text/event-stream' });
        const res = await fetch(path, { signal: abort.signal, headers });
        checkRefused(res, headers);
        if (!res.ok) {
          const status = await res.json().catch(() => ({ message: `${res.status} ${res.statusText}` }));
          onError(status.message ?? `${res.status}`, res.status);
          if (res.status >= 400 && res.status < 500) return; // asking again gets the same answer
        } else {
          onOpen();
          backoff = 500;
          for await (const block of records(res, '\n\n')) {
            const ev = parseBlock(block);
            if (ev) onEvent(ev.event, ev.data);
          }
          onError('the stream ended; reconnecting');
        }
      } catch (err) {
        if (abort.signal.aborted) return;
        onError(`${err.message}; reconnecting`);
      }
      await new Promise((r) => setTimeout(r, backoff));
      backoff = Math.min(backoff * 2, 5000);
    }
  };
  void run();
  return { stop: () => abort.abort() };
}
