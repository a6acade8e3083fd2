// The actions of an object page, as kubectl sends them: scale (merge patch of the scale subresource),
// rollout restart (strategic merge patch of the template's restartedAt annotation), delete (background).
import { useState } from 'preact/hooks';
import { html } from 'htm/preact';
import { api } from './api.js';
import { KINDS, objectPath } from './kinds.js';

/** Returns kubectl rollout restart's patch at `now`. */
export const restartPatch = (now) => ({ spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': now.toISOString().replace(/\.\d+Z$/, 'Z') } } } } });

/** Scale, restart and delete buttons for `obj`, with the outcome of the last one. */
export function Actions({ kind, obj }) {
  const { namespace, name } = obj.metadata;
  const path = objectPath(kind, namespace, name);
  const [replicas, setReplicas] = useState(String(obj.spec?.replicas ?? 1));
  const [confirming, setConfirming] = useState(false);
  const [outcome, setOutcome] = useState(undefined);
  const run = (what, request) =>
    request.then(() => setOutcome({ ok: true, text: `${what}: done` }), (err) => setOutcome({ ok: false, text: `${what} failed: ${err.message}` }));
  const scale = () => {
    const n = Number(replicas);
    if (!Number.isInteger(n) || n < 0) return setOutcome({ ok: false, text: 'replicas must be a whole number, 0 or more' });
    run(`scaled to ${n}`, api(`${path}/scale`, { method: 'PATCH', body: { spec: { replicas: n } }, contentType: 'application/merge-patch+json' }));
  };
  const restart = () => run('restarted', api(path, { method: 'PATCH', body: restartPatch(new Date()), contentType: 'application/strategic-merge-patch+json' }));
  const remove = () => {
    setConfirming(false);
    run('deleted', api(path, { method: 'DELETE', body: { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Background' } }));
  };
  return html`
    <div class="actions">
      ${KINDS[kind].scalable && html`<label>Replicas <input name="replicas" type="number" min="0" value=${replicas} onInput=${(e) => setReplicas(e.target.value)} /></label><button name="scale" onClick=${scale}>Scale</button>`}
      ${KINDS[kind].restartable && html`<button name="restart" onClick=${restart}>Rollout restart</button>`}
      ${!confirming && html`<button name="delete" class="danger" onClick=${() => setConfirming(true)}>Delete</button>`}
      ${confirming && html`<span>Delete ${kind} ${name}? <button name="confirm-delete" class="danger" onClick=${remove}>Yes, delete</button><button onClick=${() => setConfirming(false)}>No</button></span>`}
      ${outcome && html`<span class=${outcome.ok ? 'ok' : 'error'} role="status">${outcome.text}</span>`}
    </div>`;
}
