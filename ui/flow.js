// <kubus-flow kind="Pod" namespace="default" name="web-1">: the trace recorder's messages about one
// object as a Mermaid sequence diagram (actors as lifelines, messages as arrows, replies dashed,
// state changes as notes) that grows as the gateway's /ui/api/flows stream sends new spans. A click
// on an arrow shows that message: subject, kind, object, detail, timing and its trace context.
import mermaid from 'mermaid';
import { stringify } from 'yaml';
import { objectAt, rvOf } from './flow-body.js';
import { FlowWindow } from './flow-window.js';
import { follow } from './sse.js';

/** Messages kept and drawn at most (the latest); older ones are dropped and counted above the diagram. */
const MAX_ARROWS = 250;
/** Redraws at most this often while messages pour in. */
const RENDER_MS = 300;

mermaid.initialize({ startOnLoad: false, securityLevel: 'strict', theme: 'default', sequence: { mirrorActors: false, showSequenceNumbers: true, wrap: false } });

/** Mermaid message text: its statement separators and entity marks taken out, kept short. */
const label = (t) => {
  const s = String(t).replace(/[;#<>]/g, ' ').replace(/\s+/g, ' ').trim();
  return s.length > 70 ? `${s.slice(0, 69)}…` : s || ' ';
};
const time = (ms) => (ms === undefined ? '' : new Date(ms).toISOString().replace('T', ' ').replace('Z', ' UTC'));
const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);

/**
 * Returns the diagram's text and the span of each arrow, in order: a span delivered to several
 * receivers is one arrow per receiver; one with no recorded receiver points back to its sender.
 */
export function diagramOf(spans, notes) {
  const ids = new Map();
  const participant = (name) => {
    const n = name || '?';
    if (!ids.has(n)) ids.set(n, `A${ids.size}`);
    return ids.get(n);
  };
  const notesBySpan = new Map();
  for (const n of notes) {
    if (!n.spanId) continue;
    const k = `${n.traceId}/${n.spanId}`;
    if (!notesBySpan.has(k)) notesBySpan.set(k, []);
    notesBySpan.get(k).push(n);
  }
  const body = [];
  const arrows = [];
  for (const s of spans) {
    const from = participant(s.from);
    const arrow = s.reply ? '-->>' : '->>';
    const text = label(s.detail ? `${s.kind} (${s.detail})` : s.kind);
    for (const to of s.to.length ? s.to : [s.from]) {
      body.push(`${from}${arrow}${participant(to)}: ${text}`);
      arrows.push(s);
    }
    for (const n of notesBySpan.get(`${s.traceId}/${s.spanId}`) ?? []) {
      // A child named by a uid (a pod worker) says nothing the diagram's object does not: its state alone.
      const who = n.child && n.child.length <= 24 ? `${n.child} ` : '';
      body.push(`Note over ${participant(n.actor)}: ${label(`${who}${n.state}`)}`);
    }
  }
  const head = [...ids].map(([name, id]) => `participant ${id} as ${label(name)}`);
  return { text: ['sequenceDiagram', ...head, ...body].join('\n'), arrows };
}

/** The message panel: what the recorder knows of one message and its W3C trace context. */
function detailsOf(s) {
  const rows = [
    ['subject', s.subject],
    ['kind', s.kind],
    ['from', s.from || '(unknown)'],
    ['to', s.to.join(', ') || '(no delivery recorded)'],
    ['object', s.object ?? ''],
    ['objects', s.objects ? `${s.objects.join(', ')}${s.objectCount > s.objects.length ? ` … (${s.objectCount})` : ''}` : ''],
    ['detail', s.detail ?? ''],
    ['traceparent', `00-${s.traceId}-${s.spanId}-01`],
    ['trace id', s.traceId],
    ['span id', s.spanId],
    ['parent span id', s.parentSpanId ?? '(root)'],
    ['sent', time(s.sentAt)],
    ['delivered', s.deliveredAt === undefined ? '' : `${time(s.deliveredAt)} (+${s.deliveredAt - s.sentAt} ms)`],
    ['reply', s.reply ? 'yes (to a request)' : 'no'],
  ].filter(([, v]) => v !== '');
  return `<h3>Message ${esc(s.kind)}</h3><dl class="facts">${rows.map(([k, v]) => `<dt>${esc(k)}</dt><dd><code>${esc(v)}</code></dd>`).join('')}</dl>
    <h3>Body</h3><div class="flow-body muted">...</div>`;
}

/**
 * Returns which revision of the flow's object stands for a message's body, and how: the rv it carried,
 * else (a request) the rv of its reply, else of the first watch event it caused; undefined: none known.
 */
function bodyRevision(s, spans) {
  const own = rvOf(s);
  if (own !== undefined) return { rv: own, how: `the object as this message carried it (rv ${own})` };
  const kids = spans.filter((k) => k.traceId === s.traceId && k.parentSpanId === s.spanId);
  const reply = kids.find((k) => k.reply && rvOf(k) !== undefined);
  if (reply) return { rv: rvOf(reply), how: `the object this request wrote, as its reply carried it (rv ${rvOf(reply)})` };
  const caused = kids.filter((k) => rvOf(k) !== undefined).sort((a, b) => rvOf(a) - rvOf(b))[0];
  if (caused) return { rv: rvOf(caused), how: `the object after this request, as the watch event it caused carried it (rv ${rvOf(caused)})` };
  return undefined;
}

let renders = 0;

class KubusFlow extends HTMLElement {
  static observedAttributes = ['kind', 'namespace', 'name'];

  connectedCallback() {
    this.innerHTML = `<style>kubus-flow .flow-selected { stroke: #dc2626 !important; fill: #dc2626 !important; font-weight: 600; } kubus-flow .flow-diagram { overflow: auto; }</style><p class="flow-status muted">Waiting for messages ...</p><div class="flow-diagram"></div><div class="flow-message"></div>`;
    this.status = this.querySelector('.flow-status');
    this.diagram = this.querySelector('.flow-diagram');
    this.panel = this.querySelector('.flow-message');
    this.diagram.addEventListener('click', (e) => this.clicked(e));
    this.start();
  }

  disconnectedCallback() {
    this.feed?.stop();
    clearTimeout(this.timer);
  }

  attributeChangedCallback() {
    if (this.isConnected && this.feed) this.start();
  }

  start() {
    this.feed?.stop();
    this.window = new FlowWindow(MAX_ARROWS);
    this.arrows = [];
    const q = new URLSearchParams({ kind: this.getAttribute('kind') ?? '', name: this.getAttribute('name') ?? '' });
    if (this.getAttribute('namespace')) q.set('namespace', this.getAttribute('namespace'));
    this.feed = follow(`/ui/api/flows?${q}`, {
      onOpen: () => {
        this.window = new FlowWindow(MAX_ARROWS);
        this.problem = '';
      },
      onEvent: (event, data) => this.received(event, data),
      onError: (message) => {
        this.problem = message;
        this.showStatus();
      },
    });
  }

  received(event, data) {
    if (event === 'object') this.ref = data.ref;
    if (event === 'problem') this.problem = data.message;
    if (event === 'spans') {
      this.problem = '';
      this.window.add(data.spans, data.notes);
      this.schedule();
    }
    this.showStatus();
  }

  showStatus() {
    const shown = this.window.spans.size;
    const n = this.window.total;
    const text = this.problem || (n ? `${n} message${n === 1 ? '' : 's'}${n > shown ? ` (the latest ${shown} drawn)` : ''}; click an arrow for its details` : 'Waiting for messages ...');
    this.status.textContent = text;
    this.status.className = `flow-status ${this.problem ? 'error' : 'muted'}`;
  }

  schedule() {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.render();
    }, RENDER_MS);
  }

  async render() {
    if (this.rendering) return this.schedule();
    this.rendering = true;
    try {
      const { text, arrows } = diagramOf(this.window.sorted(), this.window.notes);
      const { svg } = await mermaid.render(`kubus-flow-${++renders}`, text);
      this.diagram.innerHTML = svg;
      this.arrows = arrows;
      // Arrows and their labels in document order are the diagram's messages in order.
      this.diagram.querySelectorAll('text.messageText').forEach((el, i) => {
        el.dataset.arrow = String(i);
        el.style.cursor = 'pointer';
      });
      this.diagram.querySelectorAll('line[class^="messageLine"], path[class^="messageLine"]').forEach((el, i) => {
        el.dataset.arrow = String(i);
        el.style.cursor = 'pointer';
      });
    } catch (err) {
      this.problem = `the diagram could not be drawn: ${err.message}`;
      this.showStatus();
    } finally {
      this.rendering = false;
    }
  }

  /** Fills `el` with the body of a message about the flow's own object, read back from the store's history. */
  async showBody(s, el) {
    const about = s.object === this.ref || (s.objects ?? []).includes(this.ref);
    const at = about ? bodyRevision(s, [...this.window.spans.values()]) : undefined;
    if (!at) {
      el.textContent = about ? 'This message carried no revision of the object (the recorder keeps summaries, not bodies).' : `This message is about ${s.object ?? 'no single object'}; bodies are shown for ${this.ref}'s messages.`;
      return;
    }
    el.textContent = `Reading ${at.how} ...`;
    try {
      const got = await objectAt(this.getAttribute('kind'), this.getAttribute('namespace') || undefined, this.getAttribute('name'), at.rv);
      if (!el.isConnected) return;
      if (got.missing) el.textContent = `No body: ${got.missing}.`;
      // managedFields left out, as kubectl get -o yaml does by default.
      else el.innerHTML = `<p>${esc(at.how)}:</p><pre class="yaml">${esc(stringify({ ...got.object, metadata: { ...got.object.metadata, managedFields: undefined } }))}</pre>`;
      el.classList.toggle('muted', !!got.missing);
    } catch (err) {
      el.textContent = `No body: ${err.message}.`;
    }
  }

  clicked(e) {
    const i = e.target.closest?.('[data-arrow]')?.dataset.arrow;
    const s = i === undefined ? undefined : this.arrows[Number(i)];
    if (!s) return;
    this.panel.innerHTML = detailsOf(s);
    void this.showBody(s, this.panel.querySelector('.flow-body'));
    this.diagram.querySelectorAll('.flow-selected').forEach((el) => el.classList.remove('flow-selected'));
    this.diagram.querySelectorAll(`[data-arrow="${i}"]`).forEach((el) => el.classList.add('flow-selected'));
  }
}

if (!customElements.get('kubus-flow')) customElements.define('kubus-flow', KubusFlow);
