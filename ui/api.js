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

const refusedListeners = new Set();

/** Calls `fn()` when the gateway refuses the page's token (expired or revoked); returns the unsubscribe. */
export function onTokenRefused(fn) {
  refusedListeners.add(fn);
  return () => refusedListeners.delete(fn);
}

/**
 * Drops the token after a 401 to a request that carried it (asking again with it gets the same answer)
 * and tells the onTokenRefused listeners, so the page asks for a new one. `headers`: the request's.
 */
export function checkRefused(res, headers) {
  if (res.status !== 401) return;
  const token = sessionStorage.getItem(KEY);
  // A request sent with an older token (replaced since) says nothing about the current one.
  if (!token || headers.Authorization !== `Bearer ${token}`) return;
  sessionStorage.removeItem(KEY);
  for (const fn of refusedListeners) fn();
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
  const headers = authHeaders(body === undefined ? { Accept: 'application/json' } : { Accept: 'application/json', 'Content-Type': contentType });
  const res = await fetch(path, { method, signal, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  checkRefused(res, headers);
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

/**
 * Yields the pieces of a streamed response body ended by `sep` as they arrive; `partial`: what follows the
 * last `sep` too, when the body ends (a log's last line without its newline; a cut SSE event is dropped, per the spec).
 */
export async function* records(res, sep, { partial = false } = {}) {
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buf = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buf += value;
    let i;
    while ((i = buf.indexOf(sep)) >= 0) {
      yield buf.slice(0, i);
      buf = buf.slice(i + sep.length);
    }
  }
  if (partial && buf) yield buf;
}

/** Yields the lines of a streamed response body as they arrive. */
export const lines = (res) => records(res, '\n', { partial: true });

const keyOf = (o) => `${o.metadata.namespace ?? ''}/${o.metadata.name}`;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * The page's watches in one /ui/watch response (the gateway serves each as an ordinary watch): a browser
 * holds at most 6 HTTP/1.1 connections to a host, fewer than a page's live lists. When a list joins or
 * leaves, the response is reopened with every watch from its last resourceVersion (a resume, not a break).
 */
class WatchMux {
  constructor() {
    this.members = [];
    this.abort = undefined;
    this.timer = undefined;
  }

  add(list) {
    this.members.push(list);
    this.reopenSoon();
  }

  remove(list) {
    const i = this.members.indexOf(list);
    if (i < 0) return;
    this.members.splice(i, 1);
    this.reopenSoon();
  }

  reopenSoon() {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.open(), 20);
  }

  async open() {
    this.abort?.abort();
    if (!this.members.length) return;
    const abort = (this.abort = new AbortController());
    const streams = [...this.members];
    const q = new URLSearchParams();
    for (const l of streams) q.append('w', l.watchUrl());
    let failure;
    try {
      const headers = authHeaders();
      const res = await fetch(`/ui/watch?${q}`, { signal: abort.signal, headers });
      checkRefused(res, headers);
      if (!res.ok) throw new ApiError(await res.json().catch(() => ({ code: res.status, reason: res.statusText })));
      for await (const line of lines(res)) {
        if (!line.trim()) continue;
        const m = JSON.parse(line);
        const list = streams[m.stream];
        if (!list || !this.members.includes(list)) continue;
        if (m.event) list.event(m.event);
        else list.broken(m.error ? new ApiError(m.error) : undefined);
      }
    } catch (err) {
      if (err?.name === 'AbortError') return; // reopened on purpose
      failure = err; // even if reopened since: this response failed, so its watches list again
    }
    if (!failure && abort.signal.aborted) return;
    // The response ended or failed: every watch in it broke.
    for (const l of streams) if (this.members.includes(l)) l.broken(failure);
  }
}

const mux = new WatchMux();

/**
 * A live collection: lists `path` (query `query`), then watches from the list's resourceVersion (in the
 * page's shared /ui/watch); when its watch breaks (ended, failed, 410 Expired), waits a little and lists
 * again, replacing everything. `onChange(items, error)` gets the objects (a Map by namespace/name).
 */
export class LiveList {
  constructor(path, query, onChange) {
    this.path = path;
    this.query = query;
    this.onChange = onChange;
    this.items = new Map();
    this.listed = false;
    this.stopped = false;
    this.backoff = 250;
    this.abort = new AbortController();
    void this.relist();
  }

  stop() {
    this.stopped = true;
    this.abort.abort();
    mux.remove(this);
  }

  url(extra) {
    return `${this.path}?${new URLSearchParams({ ...this.query, ...extra })}`;
  }

  /** The watch request from the last resourceVersion seen. */
  watchUrl() {
    return this.url({ watch: '1', resourceVersion: this.resourceVersion, allowWatchBookmarks: 'true' });
  }

  async relist() {
    while (!this.stopped) {
      try {
        const list = await api(this.url({}), { signal: this.abort.signal });
        this.items = new Map(list.items.map((o) => [keyOf(o), o]));
        this.resourceVersion = list.metadata.resourceVersion;
        this.listed = true;
        this.backoff = 250;
        this.onChange(this.items, undefined);
        mux.add(this);
        return;
      } catch (err) {
        if (this.stopped) return;
        this.onChange(this.items, err);
        await sleep(err instanceof ApiError && [401, 403, 404].includes(err.code) ? 5000 : this.backoff);
        this.backoff = Math.min(this.backoff * 2, 5000);
      }
    }
  }

  /** One watch event from the mux. */
  event(ev) {
    if (ev.type === 'ERROR') return this.broken(new ApiError(ev.object));
    if (ev.object?.metadata?.resourceVersion) this.resourceVersion = ev.object.metadata.resourceVersion;
    if (ev.type === 'BOOKMARK') return;
    if (ev.type === 'DELETED') this.items.delete(keyOf(ev.object));
    else this.items.set(keyOf(ev.object), ev.object);
    this.onChange(this.items, undefined);
  }

  /** The watch ended or failed: out of the mux, then a new list after a pause. */
  broken(err) {
    mux.remove(this);
    if (this.stopped) return;
    if (err) this.onChange(this.items, err);
    const wait = this.backoff;
    this.backoff = Math.min(this.backoff * 2, 5000);
    void sleep(wait).then(() => this.relist());
  }
}
