// Replaying a recording (kwokctl's `replay`): each change is applied through the API in order, at
// its offset scaled by 1/speed. The server's own fields (uid, resourceVersion, managedFields ...)
// are dropped; the status goes through the status subresource, so object states reproduce.
import type { KubeObject, OwnerReference } from '../api/meta.ts';
import type { RecordedChange } from '../api/record-format.ts';
import { resourceFor } from '../api/resources.ts';
import { StatusError } from '../api/status.ts';
import type { ApiClient } from '../bus/client.ts';

export interface ReplayOptions {
  /** Time runs this many times faster than recorded (default 1); Infinity: no waiting. */
  speed?: number;
  /** The clock (the virtual one in a simulation). */
  now: () => number;
  /** Waits `ms` on that clock. */
  sleep: (ms: number) => Promise<void>;
  /** Told after each change is applied (the object as the server now holds it; undefined once deleted). */
  onApplied?: (c: RecordedChange, index: number, current: KubeObject | undefined) => void;
  /** Told of a change the server refused; the replay then goes on. Unset: the error ends the replay. */
  onFailed?: (c: RecordedChange, index: number, err: unknown) => void;
}

/** Fields the server owns: never sent back. */
const SERVER_FIELDS = ['uid', 'resourceVersion', 'creationTimestamp', 'managedFields', 'generation', 'selfLink', 'deletionTimestamp', 'deletionGracePeriodSeconds'] as const;

const notFound = (err: unknown) => err instanceof StatusError && err.code === 404;
const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/** Applies recorded changes to a cluster; resolves after the last one. Owner references follow the new uids. */
export async function replay(client: ApiClient, changes: readonly RecordedChange[], opts: ReplayOptions): Promise<void> {
  const speed = opts.speed ?? 1;
  if (!(speed > 0)) throw new Error(`--speed must be a positive number, got ${speed}`);
  const uids = new Map<string, string>();
  const start = opts.now();
  for (let i = 0; i < changes.length; i++) {
    const c = changes[i];
    const due = start + c.offsetMs / speed;
    const wait = due - opts.now();
    if (Number.isFinite(wait) && wait > 0) await opts.sleep(wait);
    let current: KubeObject | undefined;
    try {
      current = await applyChange(client, c, uids);
    } catch (err) {
      if (!opts.onFailed) throw err;
      opts.onFailed(c, i, err);
      continue;
    }
    opts.onApplied?.(c, i, current);
  }
}

/** Returns the recorded object as a request body: no server fields, owners mapped to the replayed uids. */
function bodyOf(c: RecordedChange, uids: Map<string, string>): KubeObject {
  const def = resourceFor(c.resource);
  if (!def) throw new Error(`the server doesn't have a resource type "${c.resource}"`);
  const obj = structuredClone(c.object);
  obj.apiVersion ??= def.group ? `${def.group}/${def.version}` : def.version;
  obj.kind ??= def.kind;
  const meta = obj.metadata as Record<string, unknown>;
  for (const f of SERVER_FIELDS) delete meta[f];
  const owners = obj.metadata.ownerReferences as OwnerReference[] | undefined;
  if (owners) obj.metadata.ownerReferences = owners.map((o) => ({ ...o, uid: uids.get(o.uid) ?? o.uid }));
  return obj;
}

/** Returns an object without status and server fields, to compare what a client writes. */
function comparable(o: { metadata: KubeObject['metadata'] }): unknown {
  const meta = { ...o.metadata } as Record<string, unknown>;
  for (const f of SERVER_FIELDS) delete meta[f];
  return { ...o, metadata: meta };
}

/** Applies one change; returns the object as stored after it (undefined when gone). */
async function applyChange(client: ApiClient, c: RecordedChange, uids: Map<string, string>): Promise<KubeObject | undefined> {
  const { name, namespace } = c.object.metadata;
  const scope = { namespace };
  if (c.type === 'DELETED') {
    try {
      await client.delete(c.resource, name!, { ...scope, gracePeriodSeconds: 0 });
      const left = await client.get(c.resource, name!, scope);
      // Finalizers the replay's cluster has nobody to remove: the recording says the object went.
      if (left.metadata.finalizers?.length) await client.patch(c.resource, name!, { metadata: { finalizers: null } }, scope);
    } catch (err) {
      if (!notFound(err)) throw err;
    }
    return undefined;
  }
  const body = bodyOf(c, uids);
  let cur: KubeObject | undefined;
  try {
    cur = await client.get(c.resource, name!, scope);
  } catch (err) {
    if (!notFound(err)) throw err;
  }
  if (!cur) cur = await client.create(c.resource, { ...body, status: undefined } as KubeObject, scope);
  else {
    cur = await bindIfRecorded(client, c, cur);
    const { status: _s, ...want } = body;
    const { status: _c, ...have } = cur;
    if (!same(comparable(want), comparable(have))) cur = await client.update(c.resource, { ...body, metadata: { ...body.metadata, resourceVersion: cur.metadata.resourceVersion } } as KubeObject);
  }
  if (c.object.metadata.uid && cur.metadata.uid) uids.set(c.object.metadata.uid, cur.metadata.uid);
  if (c.object.status !== undefined && !same(c.object.status, cur.status))
    cur = await client.updateStatus(c.resource, { ...cur, status: structuredClone(c.object.status) } as KubeObject);
  if (c.object.metadata.deletionTimestamp && !cur.metadata.deletionTimestamp) {
    // The object started to go (a graceful delete): its deletion then stays pending until the recorded DELETED.
    const grace = c.object.metadata.deletionGracePeriodSeconds;
    cur = await client.delete(c.resource, name!, { ...scope, gracePeriodSeconds: grace && grace > 0 ? grace : 1 });
  }
  return cur;
}

/** A pod the recording shows bound, still unbound here: bound through pods/binding, as a scheduler would. */
async function bindIfRecorded(client: ApiClient, c: RecordedChange, cur: KubeObject): Promise<KubeObject> {
  if (c.resource !== 'pods') return cur;
  const want = (c.object.spec as { nodeName?: string } | undefined)?.nodeName;
  const have = (cur.spec as { nodeName?: string } | undefined)?.nodeName;
  if (!want || have) return cur;
  await client.bind(cur.metadata.namespace!, cur.metadata.name!, want);
  return client.get('pods', cur.metadata.name!, { namespace: cur.metadata.namespace });
}
