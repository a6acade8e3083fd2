// <kubus-bus-view>: the bus live, from the gateway's /ui/api/bus stream (the trace recorder's counts):
// messages per second per subject group and per actor over the last seconds, and each actor's
// current XState state (with its children's, e.g. a kubelet's pod workers, counted by state).
import { follow } from './sse.js';

const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);
const ago = (at, now) => (at ? `${Math.max(0, Math.round((now - at) / 1000))} s ago` : '');

/** Rows shown at least (by total) when few are busy; the busy ones are always shown. */
const MIN_ROWS = 12;

/** Returns the busy rows (any rate), topped up to MIN_ROWS by total, and a line summing the rest. */
function shownRows(rows) {
  const busy = (r) => r.rate + (r.received ?? 0) > 0;
  const shown = rows.filter(busy);
  const quiet = rows.filter((r) => !busy(r)).sort((a, b) => b.total - a.total);
  shown.push(...quiet.splice(0, Math.max(0, MIN_ROWS - shown.length)));
  const rest = quiet.length ? `${quiet.length} more without messages in the window (${quiet.reduce((n, r) => n + r.total, 0)} in all)` : '';
  return { shown, rest };
}

/** A table of rate rows with a bar each, scaled to the largest rate. */
function rateTable(title, all, columns) {
  const { shown: rows, rest } = shownRows(all);
  const max = Math.max(1e-9, ...rows.map((r) => r.rate + (r.received ?? 0)));
  const body = rows
    .map((r) => {
      const width = Math.round((100 * (r.rate + (r.received ?? 0))) / max);
      return `<tr data-name="${esc(r.name)}"><td><code>${esc(r.name)}</code></td>${columns.map((c) => `<td class="num">${esc(c.value(r))}</td>`).join('')}<td class="bar"><span style="width:${width}%"></span></td></tr>`;
    })
    .join('');
  return `<h3>${esc(title)}</h3><table class="bus-rates"><thead><tr><th>${esc(title === 'Subjects' ? 'subject' : 'actor')}</th>${columns.map((c) => `<th class="num">${esc(c.title)}</th>`).join('')}<th></th></tr></thead><tbody>${body || '<tr><td colspan="9" class="muted">none yet</td></tr>'}${rest ? `<tr><td colspan="9" class="muted">${esc(rest)}</td></tr>` : ''}</tbody></table>`;
}

function statesTable(states, now) {
  const rows = states
    .map((s) => {
      const kids = s.children ? Object.entries(s.children).map(([k, n]) => `${esc(k)}: ${n}`).join(', ') : '';
      return `<tr data-actor="${esc(s.actor)}"><td><code>${esc(s.actor)}</code></td><td><code>${esc(s.state)}</code></td><td>${esc(s.event)}</td><td class="muted">${esc(ago(s.at, now))}</td><td>${kids}</td></tr>`;
    })
    .join('');
  return `<h3>Actors' states</h3><table class="bus-states"><thead><tr><th>actor</th><th>state</th><th>after event</th><th>since</th><th>children by state</th></tr></thead><tbody>${rows || '<tr><td colspan="5" class="muted">no state change seen yet</td></tr>'}</tbody></table>`;
}

class KubusBusView extends HTMLElement {
  connectedCallback() {
    this.innerHTML = `<style>
      kubus-bus-view .num { text-align: right; font-variant-numeric: tabular-nums; }
      kubus-bus-view td.bar { width: 30%; }
      kubus-bus-view td.bar span { display: block; height: 10px; background: #93c5fd; border-radius: 2px; }
      kubus-bus-view .bus-grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(440px, 1fr)); gap: 16px; }
    </style><p class="bus-status muted">Connecting ...</p><div class="bus-body"></div>`;
    this.status = this.querySelector('.bus-status');
    this.body = this.querySelector('.bus-body');
    this.feed = follow('/ui/api/bus', {
      onOpen: () => this.say('Connected; waiting for the first counts ...', false),
      onEvent: (event, data) => (event === 'bus' ? this.draw(data) : event === 'problem' ? this.say(data.message, true) : undefined),
      onError: (message) => this.say(message, true),
    });
  }

  disconnectedCallback() {
    this.feed?.stop();
  }

  say(text, bad) {
    this.status.textContent = text;
    this.status.className = `bus-status ${bad ? 'error' : 'muted'}`;
  }

  draw(snap) {
    const perSecond = (r) => r.rate.toFixed(1);
    const subjects = rateTable('Subjects', snap.subjects, [
      { title: 'msg/s', value: perSecond },
      { title: 'total', value: (r) => r.total },
    ]);
    const actors = rateTable('Actors', snap.actors, [
      { title: 'sent/s', value: perSecond },
      { title: 'received/s', value: (r) => (r.received ?? 0).toFixed(1) },
      { title: 'total', value: (r) => r.total },
    ]);
    const total = snap.subjects.reduce((n, r) => n + r.rate, 0);
    this.say(`${total.toFixed(1)} messages/s over the last ${snap.windowSeconds} s, as the trace recorder counts them`, false);
    this.body.innerHTML = `<div class="bus-grid"><div>${subjects}</div><div>${actors}</div></div>${statesTable(snap.states, snap.at)}`;
  }
}

if (!customElements.get('kubus-bus-view')) customElements.define('kubus-bus-view', KubusBusView);
