// The dashboard's shell: takes the token from the address, routes by the hash (#/ overview, #/bus,
// #/logs?... cluster logs, #/o/<Kind>/<namespace|_>/<name> an object page) and draws the page with preact + htm.
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { html } from 'htm/preact';
import { adoptToken, hasToken, onTokenRefused, setToken } from './api.js';
import { KINDS } from './kinds.js';
import { Overview } from './overview.js';
import { ObjectPage } from './object.js';
import { CustomElement } from './elements.js';
import { LogsPage } from './logs-cluster.js';

/** Returns the route of a hash: { page, kind, namespace, name } (the Logs page: its query, whose selector may hold '/'). */
export function routeOf(hash) {
  const logs = /^#\/?logs(?:\?(.*))?$/.exec(hash);
  if (logs) return { page: 'logs', query: logs[1] ?? '' };
  const parts = hash.replace(/^#\/?/, '').split('/').map((s) => { try { return decodeURIComponent(s); } catch { return s; } });
  if (parts[0] === 'bus') return { page: 'bus' };
  if (parts[0] === 'o') return { page: 'object', kind: parts[1], namespace: parts[2] === '_' ? undefined : parts[2], name: parts.slice(3).join('/') };
  if (parts[0] === '' || parts[0] === 'overview') return { page: 'overview' };
  return { page: 'unknown', hash };
}

function useHash() {
  const [hash, setHash] = useState(location.hash);
  useEffect(() => {
    const on = () => setHash(location.hash);
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return hash;
}

function Page({ route }) {
  if (route.page === 'overview') return html`<${Overview} />`;
  if (route.page === 'logs') return html`<${LogsPage} query=${route.query} />`;
  if (route.page === 'bus') return html`<section><h2>Bus</h2><${CustomElement} module="./bus-view.js" tag="kubus-bus-view" /></section>`;
  if (route.page === 'object') {
    if (!KINDS[route.kind]) return html`<p class="error">The dashboard does not show objects of kind ${route.kind}. <a href="#/">Back to the overview</a></p>`;
    // Keyed by the object: another object's page starts afresh (its replicas box, a pod's log stream), not reused.
    return html`<${ObjectPage} key=${`${route.kind}/${route.namespace ?? '_'}/${route.name}`} kind=${route.kind} namespace=${route.namespace} name=${route.name} />`;
  }
  return html`<p class="error">No such page: ${route.hash}. <a href="#/">Back to the overview</a></p>`;
}

/** Shown on an HTTPS gateway when the page has no token (opened without the #token=... link), or when the gateway refused it. */
function TokenForm({ refused }) {
  const submit = (e) => {
    e.preventDefault();
    setToken(new FormData(e.target).get('token').trim());
    location.reload();
  };
  return html`<form class="token" onSubmit=${submit}>
    <span>${refused ? 'The gateway refused this page\'s token (expired or revoked).' : 'This page has no token.'} Open the link <code>kubus up</code> printed, or paste a bearer token (<code>kubectl create token NAME</code>):</span>
    <input name="token" type="password" autocomplete="off" /><button>Use</button>
  </form>`;
}

/** True once the gateway answered 401 to the page's token (api.js dropped it). */
function useRefused() {
  const [refused, setRefused] = useState(false);
  useEffect(() => onTokenRefused(() => setRefused(true)), []);
  return refused;
}

function App() {
  const route = routeOf(useHash());
  const refused = useRefused();
  return html`
    <header>
      <a class="brand" href="#/">kubus</a>
      <nav>
        <a href="#/" class=${route.page === 'overview' ? 'active' : ''}>Overview</a>
        <a href="#/logs" class=${route.page === 'logs' ? 'active' : ''}>Logs</a>
        <a href="#/bus" class=${route.page === 'bus' ? 'active' : ''}>Bus</a>
      </nav>
    </header>
    ${(refused || (location.protocol === 'https:' && !hasToken())) && html`<${TokenForm} refused=${refused} />`}
    <main><${Page} route=${route} /></main>`;
}

adoptToken();
const root = document.getElementById('app');
root.textContent = '';
render(html`<${App} />`, root);
