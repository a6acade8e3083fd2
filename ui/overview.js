// The overview: nodes, workloads, pods, Services and recent events, each a live list.
import { useState } from 'preact/hooks';
import { html } from 'htm/preact';
import { useLive } from './live.js';
import { WORKLOADS, age, byName, condition, pageOf, podReady, podStatus, restarts, workloadReady } from './kinds.js';

/** A titled table of a live list: a header row, a row per object, and the list's state (loading, error, empty). */
export function Table({ title, id, live, head, row, sort = byName, limit, more = false }) {
  const [all, setAll] = useState(false);
  const items = [...live.items].sort(sort);
  const shown = limit && !all ? items.slice(0, limit) : items;
  return html`
    <section id=${id}>
      <h2>${title} <span class="count">${live.listed ? items.length : ''}</span></h2>
      ${live.error && html`<p class="error">${live.error.message} (reconnecting)</p>`}
      ${!live.listed && !live.error && html`<p class="muted">Loading ...</p>`}
      ${live.listed && items.length === 0 && html`<p class="muted">None.</p>`}
      ${shown.length > 0 && html`
        <table>
          <thead><tr>${head.map((h) => html`<th>${h}</th>`)}</tr></thead>
          <tbody>${shown.map((o) => html`<tr key=${o.metadata.uid ?? o.metadata.name} data-name=${o.metadata.name}>${row(o).map((c) => html`<td>${c}</td>`)}</tr>`)}</tbody>
        </table>`}
      ${more && shown.length < items.length && html`<button class="more" onClick=${() => setAll(true)}>Show all ${items.length}</button>`}
    </section>`;
}

const link = (kind, o) => html`<a href=${pageOf(kind, o.metadata.namespace, o.metadata.name)}>${o.metadata.name}</a>`;
const ns = (o) => o.metadata.namespace;
const badge = (s) => html`<span class=${`badge ${s.toLowerCase()}`}>${s}</span>`;

function Nodes() {
  const live = useLive('Node');
  return html`<${Table} title="Nodes" id="nodes" live=${live} head=${['Name', 'Status', 'Pod CIDR', 'Age']}
    row=${(n) => [link('Node', n), badge(condition(n, 'Ready') === 'True' ? 'Ready' : 'NotReady'), n.spec?.podCIDR ?? '', age(n.metadata.creationTimestamp)]} />`;
}

function Workloads({ kind }) {
  const live = useLive(kind);
  const plural = kind === 'Job' ? 'Jobs' : `${kind}s`;
  return html`<${Table} title=${plural} id=${plural.toLowerCase()} live=${live} head=${['Namespace', 'Name', kind === 'Job' ? 'Completions' : 'Ready', 'Age']}
    row=${(o) => [ns(o), link(kind, o), workloadReady(kind, o), age(o.metadata.creationTimestamp)]} />`;
}

function Pods() {
  const live = useLive('Pod');
  // A thousand rows cost the browser more to lay out on each change than the rest of the page: the first 200, and a button.
  return html`<${Table} title="Pods" id="pods" live=${live} limit=${200} more=${true} head=${['Namespace', 'Name', 'Ready', 'Status', 'Restarts', 'Node', 'Age']}
    row=${(p) => [ns(p), link('Pod', p), podReady(p), badge(podStatus(p)), restarts(p), p.spec?.nodeName ?? '', age(p.metadata.creationTimestamp)]} />`;
}

function Services() {
  const live = useLive('Service');
  const ports = (s) => (s.spec?.ports ?? []).map((p) => `${p.port}${p.nodePort ? `:${p.nodePort}` : ''}/${p.protocol ?? 'TCP'}`).join(',');
  return html`<${Table} title="Services" id="services" live=${live} head=${['Namespace', 'Name', 'Type', 'Cluster IP', 'Ports', 'Age']}
    row=${(s) => [ns(s), link('Service', s), s.spec?.type ?? 'ClusterIP', s.spec?.clusterIP ?? '', ports(s), age(s.metadata.creationTimestamp)]} />`;
}

/** The time an event last happened. */
export const eventTime = (e) => e.lastTimestamp ?? e.eventTime ?? e.metadata.creationTimestamp;
/** Newest first. */
export const newest = (a, b) => Date.parse(eventTime(b)) - Date.parse(eventTime(a));

/** A table of events (all, or those `filter` keeps), newest first. */
export function Events({ namespace, filter, limit = 30, title = 'Events' }) {
  const live = useLive('Event', namespace);
  const view = filter ? { ...live, items: live.items.filter(filter) } : live;
  const involved = (e) => e.involvedObject ?? {};
  return html`<${Table} title=${title} id="events" live=${view} sort=${newest} limit=${limit} head=${['Last seen', 'Type', 'Reason', 'Object', 'Message']}
    row=${(e) => [age(eventTime(e)), e.type, e.reason, html`<a href=${pageOf(involved(e).kind, involved(e).namespace, involved(e).name)}>${involved(e).kind}/${involved(e).name}</a>`, e.message]} />`;
}

/** The overview page. */
export function Overview() {
  return html`
    <div class="overview">
      <${Nodes} />
      ${WORKLOADS.map((k) => html`<${Workloads} kind=${k} key=${k} />`)}
      <${Pods} />
      <${Services} />
      <${Events} />
    </div>`;
}
