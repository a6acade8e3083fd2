// `?watch=true`: a watch streamed as newline-delimited JSON (watch-response.ts). A watch from a
// resourceVersion rides the gateway's shared watch of the same resource, namespace and selectors
// (watch-cache.ts); one without (the initial state first), or older than the shared watch's ring,
// opens a bus watch of its own.
import { exactFieldValue } from '../../api/field-selector.ts';
import type { WatchEvent } from '../../api/protocol.ts';
import { invalid, isExpired, StatusError } from '../../api/status.ts';
import type { WatchHandlers } from '../../bus/watch-client.ts';
import { requireAccess } from './access.ts';
import { unaudited } from './audit.ts';
import type { Call, Reply } from './call.ts';
import { boolParam, intParam } from './http.ts';
import { requestedOutput } from './output.ts';
import { DEFAULT_MAX_BUFFERED_BYTES, type CachedEvent, type Joined } from './watch-cache.ts';
import { outputKey, WatchResponse } from './watch-response.ts';

/** Streams a watch until it ends; answers nothing itself (the stream is the answer). */
export async function streamWatch(call: Call): Promise<Reply> {
  const { client, query, target, log, watches } = call;
  // Watch-list streams are not served: this is upstream's answer with the feature off, which client-go falls back from.
  if (query.has('sendInitialEvents'))
    throw invalid('ListOptions', '', [{ type: 'FieldValueForbidden', message: 'Forbidden: sendInitialEvents is forbidden for watch unless the WatchList feature gate is enabled', field: 'sendInitialEvents' }], 'meta.k8s.io');
  // A 406 comes before the stream starts; each event of a metadata-list watch is one PartialObjectMetadata.
  const asked = requestedOutput(call);
  const output = asked.form.as === 'PartialObjectMetadataList' ? { ...asked, form: { ...asked.form, as: 'PartialObjectMetadata' as const } } : asked;
  const timeoutSeconds = intParam(query, 'timeoutSeconds');
  const opts = {
    namespace: target.namespace,
    labelSelector: query.get('labelSelector') || undefined,
    fieldSelector: field(query, target.name),
    resourceVersion: query.get('resourceVersion') || undefined,
    allowWatchBookmarks: boolParam(query, 'allowWatchBookmarks'),
  };
  const out = new WatchResponse(call, output, watches?.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED_BYTES);
  const from = /^\d+$/.test(opts.resourceVersion ?? '') ? Number(opts.resourceVersion) : 0;
  try {
    if (watches && from > 0 && (await mayShare(call, opts.fieldSelector))) {
      // The version asked is in the key: a custom resource's events are rendered in it.
      const key = JSON.stringify([target.def.apiVersion, target.def.plural, opts.namespace ?? '', opts.labelSelector ?? '', opts.fieldSelector ?? '']);
      const open = (h: WatchHandlers) => (call.trusted ?? client).watch(target.def.plural, { ...opts, allowWatchBookmarks: true }, h);
      const forms = [outputKey(output, false), outputKey(output, true)];
      const joined: Joined = await watches.join(key, from, open, {
        event: (e: CachedEvent) => {
          const bookmark = e.ev.type === 'BOOKMARK';
          if (bookmark ? !opts.allowWatchBookmarks || e.rv < from : e.rv <= from) return;
          out.sendEvent(e.ev.type, (noHeaders) => e.line(bookmark ? 'BOOKMARK' : forms[+noHeaders], () => out.renderLine(e.ev.type, e.ev.object, noHeaders)));
        },
        end: (status) => out.finish(status),
      });
      if (joined) return begin(out, joined, timeoutSeconds);
    }
    const own = await client.watch(target.def.plural, opts, {
      event: (ev: WatchEvent) => out.sendEvent(ev.type, (noHeaders) => Buffer.from(out.renderLine(ev.type, ev.object, noHeaders))),
      end: (reason, status) => {
        // Events were lost or the server went away: the client must list again, as after a broken upstream watch.
        if (reason !== 'stopped') log.debug({ reason }, 'watch ended');
        out.finish(status);
      },
    });
    return begin(out, own, timeoutSeconds);
  } catch (err) {
    // Upstream's watch cache answers a too-old resourceVersion with 200 and an ERROR event (410).
    if (!isExpired(err)) throw err;
    out.finish((err as StatusError).status);
    return undefined;
  }
}

/**
 * Whether this watch may ride a shared one: the trusted caller's always; a user's once an access review
 * (verb watch, namespace, the name of a `metadata.name=` field selector) allows it. Denied, or a selector
 * that does not parse: the user's own watch, which the API server authorizes with all its attributes
 * (the node authorizer allows a node's pods by `spec.nodeName`) and answers with its own 403 or 400.
 * The review carries no audit context: it is part of this request, not one of its own.
 */
async function mayShare(call: Call, fieldSelector: string | undefined): Promise<boolean> {
  if (!call.client.user) return true;
  let name: string | undefined;
  try {
    name = fieldSelector ? exactFieldValue(fieldSelector, 'metadata.name') : undefined;
  } catch {
    return false;
  }
  const { def, namespace } = call.target;
  try {
    await requireAccess(unaudited(call.client, call.trusted), { verb: 'watch', resource: def.plural, group: def.group, namespace: def.namespaced ? namespace : undefined, name });
    return true;
  } catch (err) {
    if (err instanceof StatusError && err.code === 403) return false;
    throw err;
  }
}

/** Starts streaming once the watch is on; one that ended while starting (the client left, an ERROR came) is stopped. */
function begin(out: WatchResponse, source: { stop(): void }, timeoutSeconds: number | undefined): Reply {
  if (!out.open) {
    source.stop();
    return undefined;
  }
  out.source = source;
  out.start(timeoutSeconds);
  return undefined;
}

/** A watch of one object (`/pods/x?watch=1`, old style) is a watch with a name field selector. */
function field(query: URLSearchParams, name?: string): string | undefined {
  const fs = query.get('fieldSelector') || undefined;
  if (name === undefined) return fs;
  const byName = `metadata.name=${name}`;
  return fs ? `${fs},${byName}` : byName;
}
