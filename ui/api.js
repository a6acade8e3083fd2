// The page's access to the gateway's Kubernetes API: the bearer token (from the URL's #token=..., kept in
// sessionStorage), JSON requests that turn a Status into an Error, and list+watch kept live over a
// chunked watch stream (any break: list again, so nothing stale stays on screen as current).

const KEY = 'kubus.token';

/** Takes a `#token=...` from the address into sessionStorage and out of the address bar (and history). */
export function adoptToken() {
  const m = /(?:^#|&)token=([^&]+)/.exec(location.hash);
  if (!m) return;
  sessionStorage.setItem(KEY, decodeURIComponent(m[1]));
  history.replaceState(null, '', location.pathname + location.search + '#/');
}

/** True when the page has a token to send. */
export const hasToken = () => Boolean(sessionStorage.getItem(KEY));

/** Keeps `token` for this tab's requests. */
export const setToken = (token) => sessionStorage.setItem(KEY, token);

/** Returns the headers every API request carries: the bearer token when the page has one. */
export function authHeaders(extra = {}) {
  const token = sessionStorage.getItem(KEY);
  return token ? { ...extra, Authorization: `Bearer ${token}` } : extra;
}

/** Thrown for a failed API request: the Status's code, reason and message. */
export class ApiError extends Error {
  constructor(status) {
    super(status.message || `${status.code} ${status.reason}`);
    this.name = 'ApiError';
    this.code = status.code;
    this.reason = status.reason;
  }
}

/** Sends a request; resolves with the parsed JSON answer, rejects with an ApiError. */
export async function api(path, { method = 'GET', body, contentType = 'application/json', signal } = {}) {
  const res = await fetch(path, {
    method,
    signal,
    headers: authHeaders(body === undefined ? { Accept: 'application/json' } : { Accept: 'application/json', 'Content-Type': contentType }),
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let json;
  try {
    json = text ? JSON.parse(text) : {};
  } catch {
    json = { code: res.status, reason: res.statusText, message: text };
  }
  if (!res.ok) throw new ApiError(json.kind === 'Status' ? json : { code: res.status, reason: res.statusText, message: text });
  return json;
}

/** Yields the lines of a streamed response body as they arrive. */
export async function* lines(res) {
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buf = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buf += value;
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      yield buf.slice(0, i);
      buf = buf.slice(i + 1);
    }
  }
  if (buf) yield buf;
}

const keyOf = (o) => `${o.metadata.namespace ?? ''}/${o.metadata.name}`;

/**
 * A live collection: lists `path` (query `query`), then watches from the list's resourceVersion; on a
 * stream that ends, fails or says 410 Expired, waits a little and lists again (replacing everything).
 * `onChange(items, error)` gets the current objects (a Map by namespace/name) after each change.
 */
export class LiveList {
  constructor(path, query, onChange) {
    this.path = path;
    this.query = query;
    this.onChange = onChange;
    this.items = new Map();
    this.abort = new AbortController();
    this.listed = false;
    void this.run();
  }

  stop() {
    this.abort.abort();
  }

  url(extra) {
    const q = new URLSearchParams({ ...this.query, ...extra });
    return `${this.path}?${q}`;
  }

  async run() {
    let backoff = 250;
    while (!this.abort.signal.aborted) {
      try {
        const list = await api(this.url({}), { signal: this.abort.signal });
        this.items = new Map(list.items.map((o) => [keyOf(o), o]));
        this.listed = true;
        this.onChange(this.items, undefined);
        backoff = 250;
        await this.watch(list.metadata.resourceVersion);
      } catch (err) {
        if (this.abort.signal.aborted) return;
        this.onChange(this.items, err);
        if (err instanceof ApiError && (err.code === 401 || err.code === 403 || err.code === 404)) backoff = 5000;
      }
      await new Promise((r) => setTimeout(r, backoff));
      backoff = Math.min(backoff * 2, 5000);
    }
  }

  async watch(resourceVersion) {
    const res = await fetch(this.url({ watch: '1', resourceVersion, allowWatchBookmarks: 'true' }), { signal: this.abort.signal, headers: authHeaders() });
    if (!res.ok) throw new ApiError(await res.json().catch(() => ({ code: res.status, reason: res.statusText })));
    for await (const line of lines(res)) {
      if (!line.trim()) continue;
      const ev = JSON.parse(line);
      if (ev.type === 'ERROR') throw new ApiError(ev.object);
      if (ev.type === 'BOOKMARK') continue;
      if (ev.type === 'DELETED') this.items.delete(keyOf(ev.object));
      else this.items.set(keyOf(ev.object), ev.object);
      this.onChange(this.items, undefined);
    }
  }
}
