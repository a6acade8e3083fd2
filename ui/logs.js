// A pod's logs, followed: GET pods/<name>/log?follow=true streamed into the page (the last lines kept).
import { useEffect, useState } from 'preact/hooks';
import { html } from 'htm/preact';
import { ApiError, authHeaders, lines } from './api.js';
import { objectPath } from './kinds.js';

const KEEP = 2000;

/** The followed log of one of `pod`'s containers (a selector when it has several). */
export function Logs({ pod }) {
  const containers = (pod.spec?.containers ?? []).map((c) => c.name);
  const [container, setContainer] = useState(containers[0]);
  const [text, setText] = useState({ lines: [], error: undefined, open: false });
  const { namespace, name } = pod.metadata;
  useEffect(() => {
    const abort = new AbortController();
    let got = [];
    setText({ lines: [], error: undefined, open: true });
    (async () => {
      const q = new URLSearchParams({ follow: 'true', tailLines: '500', container });
      const res = await fetch(`${objectPath('Pod', namespace, name)}/log?${q}`, { signal: abort.signal, headers: authHeaders() });
      if (!res.ok) throw new ApiError(await res.json().catch(() => ({ code: res.status, message: res.statusText })));
      for await (const line of lines(res)) {
        got = [...got.slice(-(KEEP - 1)), line];
        setText({ lines: got, error: undefined, open: true });
      }
      setText({ lines: got, error: undefined, open: false });
    })().catch((err) => abort.signal.aborted || setText({ lines: got, error: err, open: false }));
    return () => abort.abort();
  }, [namespace, name, container]);
  return html`
    <div class="logs">
      ${containers.length > 1 && html`<label>Container <select value=${container} onChange=${(e) => setContainer(e.target.value)}>${containers.map((c) => html`<option>${c}</option>`)}</select></label>`}
      <span class="muted">${text.open ? 'following' : 'ended'}</span>
      ${text.error && html`<p class="error">${text.error.message}</p>`}
      <pre class="log">${text.lines.join('\n')}</pre>
    </div>`;
}
