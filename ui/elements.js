// Mounts a custom element defined in a module of its own (the flow and bus views): the module is loaded
// on first use, so a page that never shows the element never fetches it.
import { useEffect, useState } from 'preact/hooks';
import { html } from 'htm/preact';

const loads = new Map();

/** Renders `<tag ...attrs>` once `module` (relative to ui/) has defined it; says so if it fails to load. */
export function CustomElement({ module, tag, attrs = {} }) {
  const [state, setState] = useState(customElements.get(tag) ? 'ready' : 'loading');
  useEffect(() => {
    if (state === 'ready') return;
    if (!loads.has(module)) loads.set(module, import(module));
    loads.get(module).then(
      () => customElements.whenDefined(tag).then(() => setState('ready')),
      (err) => setState(`failed: ${err.message}`),
    );
  }, [module, tag]);
  if (state === 'loading') return html`<p class="muted">Loading ${tag} ...</p>`;
  if (state !== 'ready') return html`<p class="error">The ${tag} view could not be loaded (${state}).</p>`;
  const Tag = tag;
  return html`<${Tag} ...${attrs} />`;
}
