// `?watch=true`: one bus watch streamed as chunked newline-delimited JSON, one line per event,
// flushed as it comes; ends on timeoutSeconds, on the client leaving, or with an ERROR event.
import type { WatchEvent } from '../../api/protocol.ts';
import { isExpired, StatusError, type Status } from '../../api/status.ts';
import type { ClientWatch } from '../../bus/watch-client.ts';
import type { Call, Reply } from './call.ts';
import { boolParam, intParam } from './http.ts';
import { render, requestedOutput } from './output.ts';

/** Streams a watch until it ends; answers nothing itself (the stream is the answer). */
export async function streamWatch(call: Call): Promise<Reply> {
  const { client, clock, query, res, target, log } = call;
  // Watch-list streams are not served: this is upstream's answer with the feature off, which client-go falls back from.
  if (query.has('sendInitialEvents'))
    throw new StatusError(422, 'Invalid', 'ListOptions.meta.k8s.io "" is invalid: sendInitialEvents: Forbidden: sendInitialEvents is forbidden for watch unless the WatchList feature gate is enabled', {
      kind: 'ListOptions',
      group: 'meta.k8s.io',
      causes: [{ reason: 'FieldValueForbidden', message: 'Forbidden: sendInitialEvents is forbidden for watch unless the WatchList feature gate is enabled', field: 'sendInitialEvents' }],
    });
  // A 406 comes before the stream starts; each event of a metadata-list watch is one PartialObjectMetadata.
  const asked = requestedOutput(call);
  const output = asked.form.as === 'PartialObjectMetadataList' ? { ...asked, form: { ...asked.form, as: 'PartialObjectMetadata' as const } } : asked;
  let events = 0;
  const timeoutSeconds = intParam(query, 'timeoutSeconds');
  const opts = {
    namespace: target.namespace,
    labelSelector: query.get('labelSelector') || undefined,
    fieldSelector: field(query, target.name),
    resourceVersion: query.get('resourceVersion') || undefined,
    allowWatchBookmarks: boolParam(query, 'allowWatchBookmarks'),
  };
  let open = true;
  let timer: unknown;
  let watch: ClientWatch | undefined;
  // Events may arrive before the watch's reply: they wait until the headers are out.
  let pending: string[] | undefined = [];
  const line = (type: string, object: unknown) => {
    if (!open) return;
    const text = JSON.stringify({ type, object }) + '\n';
    if (pending) pending.push(text);
    else res.write(text);
  };
  const finish = (status?: Status) => {
    if (!open) return;
    if (status) line('ERROR', status);
    open = false;
    if (pending && !res.destroyed) start();
    clock.clearTimeout(timer);
    watch?.stop();
    res.end();
  };
  const start = () => {
    res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private', 'Transfer-Encoding': 'chunked' });
    res.flushHeaders();
    for (const text of pending ?? []) res.write(text);
    pending = undefined;
  };
  // The response closes when the client leaves (or the stream ended): the bus watch goes too.
  res.on('close', () => finish());
  try {
    watch = await client.watch(target.def.plural, opts, {
      event: (ev: WatchEvent) => line(ev.type, ev.type === 'BOOKMARK' ? ev.object : render(call, output, ev.object, events++ > 0)),
      end: (reason, status) => {
        // Events were lost or the server went away: the client must list again, as after a broken upstream watch.
        if (reason !== 'stopped') log.debug({ reason }, 'watch ended');
        finish(status);
      },
    });
  } catch (err) {
    // Upstream's watch cache answers a too-old resourceVersion with 200 and an ERROR event (410).
    if (!isExpired(err)) throw err;
    finish((err as StatusError).status);
    return undefined;
  }
  // Ended while starting (the client left, or an ERROR came first): nothing more to send.
  if (!open) {
    watch.stop();
    return undefined;
  }
  start();
  if (timeoutSeconds !== undefined && timeoutSeconds > 0) timer = clock.setTimeout(() => finish(), timeoutSeconds * 1000);
  return undefined;
}

/** A watch of one object (`/pods/x?watch=1`, old style) is a watch with a name field selector. */
function field(query: URLSearchParams, name?: string): string | undefined {
  const fs = query.get('fieldSelector') || undefined;
  if (name === undefined) return fs;
  const byName = `metadata.name=${name}`;
  return fs ? `${fs},${byName}` : byName;
}
