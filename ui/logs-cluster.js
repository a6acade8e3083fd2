// Cluster logs (issue 16): the lines of every pod a label selector matches, on every node, gone pods too,
// from the gateway's /ui/api/logs (the cluster's log stream), prefixed as `kubus logs -l` prints them.
// The Logs page (#/logs?namespace=..&selector=..&since=..&follow=true) and a workload's Logs tab share it.
import { useEffect, useRef, useState } from 'preact/hooks';
import { html } from 'htm/preact';
import { api } from './api.js';
import { follow } from './sse.js';

/** Lines the page keeps while following (the latest); the gateway's list answer holds at most 5,000 too. */
const KEEP = 5000;
const FIELDS = ['namespace', 'selector', 'since', 'follow', 'allContainers'];

/** Returns the Logs page's parameters in a hash's query (`#/logs?...`), with the defaults filled in. */
export function logsParams(query = '') {
  const p = new URLSearchParams(query);
  return {
    namespace: p.get('namespace') ?? 'default',
    selector: p.get('selector') ?? '',
    since: p.get('since') ?? '1h',
    follow: p.get('follow') === 'true',
    allContainers: p.get('allContainers') === 'true',
  };
}

/** Returns the Logs page's address for `params` (an empty namespace kept: every namespace, not the default one). */
export function logsHref(params) {
  const q = new URLSearchParams();
  for (const k of FIELDS) if (params[k] || k === 'namespace') q.set(k, String(params[k] ?? ''));
  return `#/logs?${q}`;
}

/** Returns a LabelSelector's string form (`a=b,c in (x,y),!d`), as the API's selector parameter takes it. */
export function selectorString(sel) {
  if (!sel) return '';
  const parts = Object.entries(sel.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const e of sel.matchExpressions ?? []) {
    if (e.operator === 'In') parts.push(`${e.key} in (${(e.values ?? []).join(',')})`);
    else if (e.operator === 'NotIn') parts.push(`${e.key} notin (${(e.values ?? []).join(',')})`);
    else if (e.operator === 'Exists') parts.push(e.key);
    else if (e.operator === 'DoesNotExist') parts.push(`!${e.key}`);
  }
  return parts.join(',');
}

/** Returns the pod selector of an object that has one (workloads' LabelSelector, a Service's map), or ''. */
export function podSelectorOf(kind, obj) {
  const sel = obj.spec?.selector;
  if (!sel || kind === 'Pod') return '';
  return kind === 'Service' ? selectorString({ matchLabels: sel }) : selectorString(sel);
}

/** Returns `kubus logs -l`'s prefix of an entry: `[pod/NAME/CONTAINER]`, with the namespace across namespaces. */
export const linePrefix = (e, allNamespaces) => (allNamespaces ? `[pod/${e.namespace}/${e.pod}/${e.container}]` : `[pod/${e.pod}/${e.container}]`);

function apiPath(params) {
  const q = new URLSearchParams();
  if (params.namespace) q.set('namespace', params.namespace);
  if (params.selector) q.set('selector', params.selector);
  if (params.since) q.set('since', params.since);
  if (params.allContainers) q.set('allContainers', 'true');
  if (params.follow) q.set('follow', 'true');
  return `/ui/api/logs?${q}`;
}

/** Reads the lines `params` ask for: a list, or (follow) the stream kept open; `{ entries, error, state, truncated }`. */
function useClusterLogs(params, reload) {
  const [view, setView] = useState({ entries: [], error: undefined, state: 'loading', truncated: 0 });
  const path = apiPath(params);
  useEffect(() => {
    setView({ entries: [], error: undefined, state: 'loading', truncated: 0 });
    if (!params.follow) {
      const abort = new AbortController();
      api(path, { signal: abort.signal }).then(
        (list) => setView({ entries: list.items, error: undefined, state: 'done', truncated: list.truncated ?? 0 }),
        (err) => abort.signal.aborted || setView({ entries: [], error: err, state: 'failed', truncated: 0 }),
      );
      return () => abort.abort();
    }
    // Following: each (re)connect answers from `since` again, so what was shown is dropped on open.
    // A `truncated` event counts lines the gateway dropped because this page read slower than they came.
    let got = [];
    let dropped = 0;
    const stream = follow(path, {
      onOpen: () => {
        got = [];
        dropped = 0;
        setView({ entries: got, error: undefined, state: 'following', truncated: 0 });
      },
      onEvent: (name, data) => {
        if (name === 'problem') return setView((v) => ({ ...v, error: new Error(data.message) }));
        if (name === 'truncated') dropped += data.dropped ?? 0;
        else if (name === 'lines') got = got.concat(data);
        else return;
        if (got.length > KEEP) got = got.slice(-KEEP);
        setView({ entries: got, error: undefined, state: 'following', truncated: dropped });
      },
      onError: (message, code) => setView((v) => ({ ...v, error: new Error(message), state: code >= 400 && code < 500 ? 'failed' : 'reconnecting' })),
    });
    return () => stream.stop();
  }, [path, reload]);
  return view;
}

/** The form of a read: namespace, label selector, since, all containers, follow (uncontrolled: a redraw while typing keeps the text). */
function LogsForm({ params, onChange }) {
  const submit = (e) => {
    e.preventDefault();
    const f = new FormData(e.target);
    onChange({ namespace: f.get('namespace').trim(), selector: f.get('selector').trim(), since: f.get('since').trim(), follow: f.get('follow') === 'on', allContainers: f.get('allContainers') === 'on' });
  };
  return html`<form class="logs-form" onSubmit=${submit}>
    <label>Namespace <input name="namespace" defaultValue=${params.namespace} placeholder="all" size="12" /></label>
    <label>Selector <input name="selector" defaultValue=${params.selector} placeholder="app=web" size="28" /></label>
    <label>Since <input name="since" defaultValue=${params.since} placeholder="10m" size="5" /></label>
    <label><input name="allContainers" type="checkbox" defaultChecked=${params.allContainers} /> All containers</label>
    <label><input name="follow" type="checkbox" defaultChecked=${params.follow} /> Follow</label>
    <button name="show">Show</button>
  </form>`;
}

/** The lines, scrolled to the newest while the reader is at the bottom. */
function LogLines({ entries, allNamespaces }) {
  const ref = useRef();
  const pinned = useRef(true);
  useEffect(() => {
    if (ref.current && pinned.current) ref.current.scrollTop = ref.current.scrollHeight;
  }, [entries]);
  const onScroll = (e) => {
    const el = e.currentTarget;
    pinned.current = el.scrollHeight - el.scrollTop - el.clientHeight < 24;
  };
  return html`<pre class="log cluster-log" ref=${ref} onScroll=${onScroll}>${entries.map((e) => `${linePrefix(e, allNamespaces)} ${e.text}`).join('\n')}</pre>`;
}

const STATES = { loading: 'loading ...', done: 'stored lines', following: 'following', reconnecting: 'reconnecting', failed: '' };

/** A read of the cluster's logs with its form; `onChange(params)` is told of a submitted form. */
export function ClusterLogs({ params, onChange }) {
  const [reload, setReload] = useState(0);
  const view = useClusterLogs(params, reload);
  const change = (next) => (JSON.stringify(next) === JSON.stringify(params) ? setReload((n) => n + 1) : onChange(next));
  const n = view.entries.length;
  return html`<div class="cluster-logs">
    <${LogsForm} key=${JSON.stringify(params)} params=${params} onChange=${change} />
    ${view.error && html`<p class="error">${view.error.message}</p>`}
    <p class="muted logs-state">${n} line${n === 1 ? '' : 's'}${STATES[view.state] ? `, ${STATES[view.state]}` : ''}${view.truncated ? ` (${view.truncated} not shown: narrow the selector or since)` : ''}</p>
    <${LogLines} entries=${view.entries} allNamespaces=${!params.namespace} />
  </div>`;
}

/** The Logs page: its parameters live in the address, so a read can be linked and reloaded. */
export function LogsPage({ query }) {
  const params = logsParams(query);
  return html`<section class="logs-page"><h2>Logs</h2>
    <p class="muted">Lines of every pod the selector matches, on every node, pods deleted since included (the cluster's log stream).</p>
    <${ClusterLogs} params=${params} onChange=${(next) => (location.hash = logsHref(next))} /></section>`;
}

/** An object's Logs tab: the read of its pod selector, in its namespace. */
export function WorkloadLogs({ kind, obj }) {
  const [params, setParams] = useState({ ...logsParams(), namespace: obj.metadata.namespace ?? '', selector: podSelectorOf(kind, obj) });
  return html`<div class="workload-logs">
    <p class="muted">Every pod of the ${kind}'s selector, deleted ones included. <a href=${logsHref(params)}>Open on the Logs page</a></p>
    <${ClusterLogs} params=${params} onChange=${setParams} />
  </div>`;
}
