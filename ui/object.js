// An object page: its summary and conditions, events, YAML, logs (a pod's; a workload's pods' from the
// cluster's log stream) and message flow, kept live by a
// watch on the one object (a list narrowed by metadata.name); a name that does not exist says so.
import { useState } from 'preact/hooks';
import { html } from 'htm/preact';
import { stringify } from 'yaml';
import { useLive } from './live.js';
import { Events } from './overview.js';
import { Actions } from './actions.js';
import { Logs } from './logs.js';
import { WorkloadLogs, podSelectorOf } from './logs-cluster.js';
import { CustomElement } from './elements.js';
import { KINDS, age, podStatus, workloadReady } from './kinds.js';

/** The object without managedFields (as kubectl's -o yaml hides them by default). */
function shown(o) {
  const { managedFields, ...metadata } = o.metadata;
  return { ...o, metadata };
}

function Conditions({ obj }) {
  const cs = obj.status?.conditions ?? [];
  if (!cs.length) return html`<p class="muted">No conditions.</p>`;
  return html`<table class="conditions">
    <thead><tr><th>Type</th><th>Status</th><th>Reason</th><th>Message</th><th>Last transition</th></tr></thead>
    <tbody>${cs.map((c) => html`<tr data-type=${c.type}><td>${c.type}</td><td><span class=${`badge ${c.status.toLowerCase()}`}>${c.status}</span></td><td>${c.reason ?? ''}</td><td>${c.message ?? ''}</td><td>${age(c.lastTransitionTime)}</td></tr>`)}</tbody>
  </table>`;
}

function Summary({ kind, obj }) {
  const m = obj.metadata;
  const facts = [
    ['Namespace', m.namespace],
    ['Created', `${m.creationTimestamp} (${age(m.creationTimestamp)} ago)`],
    ['UID', m.uid],
    kind === 'Pod' && ['Status', podStatus(obj)],
    kind === 'Pod' && ['Node', obj.spec?.nodeName],
    kind === 'Pod' && ['Pod IP', obj.status?.podIP],
    KINDS[kind].scalable && ['Ready', workloadReady(kind, obj)],
    ['Labels', Object.entries(m.labels ?? {}).map(([k, v]) => `${k}=${v}`).join(', ')],
    ['Owner', (m.ownerReferences ?? []).map((r) => `${r.kind}/${r.name}`).join(', ')],
  ].filter((f) => f && f[1]);
  return html`
    <dl class="facts">${facts.map(([k, v]) => html`<dt>${k}</dt><dd data-fact=${k}>${v}</dd>`)}</dl>
    <h3>Conditions</h3>
    <${Conditions} obj=${obj} />`;
}

const TABS = ['Summary', 'Events', 'YAML', 'Logs', 'Flow'];

/** The page of one object; `name` not found: a page that says so. */
export function ObjectPage({ kind, namespace, name }) {
  const live = useLive(kind, namespace, { fieldSelector: `metadata.name=${name}` });
  const [tab, setTab] = useState('Summary');
  const obj = live.items[0];
  const title = `${kind} ${namespace ? `${namespace}/` : ''}${name}`;
  if (!obj) {
    if (live.error) return html`<section><h2>${title}</h2><p class="error">${live.error.message}</p></section>`;
    if (!live.listed) return html`<section><h2>${title}</h2><p class="muted">Loading ...</p></section>`;
    return html`<section class="not-found"><h2>${title}</h2><p class="error">${kind} "${name}" ${namespace ? `does not exist in namespace "${namespace}"` : 'does not exist'}.</p><p><a href="#/">Back to the overview</a></p></section>`;
  }
  const tabs = TABS.filter((t) => t !== 'Logs' || kind === 'Pod' || podSelectorOf(kind, obj));
  const involves = (e) => e.involvedObject?.kind === kind && e.involvedObject?.name === name && (e.involvedObject?.namespace ?? '') === (namespace ?? '');
  return html`
    <section class="object">
      <h2>${title}</h2>
      ${live.error && html`<p class="error">${live.error.message} (reconnecting)</p>`}
      <${Actions} kind=${kind} obj=${obj} />
      <div class="tabs" role="tablist">${tabs.map((t) => html`<button role="tab" class=${t === tab ? 'active' : ''} onClick=${() => setTab(t)}>${t}</button>`)}</div>
      <div class="tab" data-tab=${tab}>
        ${tab === 'Summary' && html`<${Summary} kind=${kind} obj=${obj} />`}
        ${tab === 'Events' && html`<${Events} namespace=${namespace} filter=${involves} title="Events" />`}
        ${tab === 'YAML' && html`<pre class="yaml">${stringify(shown(obj))}</pre>`}
        ${tab === 'Logs' && (kind === 'Pod' ? html`<${Logs} pod=${obj} />` : html`<${WorkloadLogs} kind=${kind} obj=${obj} />`)}
        ${tab === 'Flow' && html`<${CustomElement} module="./flow.js" tag="kubus-flow" attrs=${{ kind, namespace: namespace ?? '', name }} />`}
      </div>
    </section>`;
}
