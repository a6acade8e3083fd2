// The clients of the HA fault tests: writers that read a key, then create it, update it
// (compare-and-set on the resourceVersion read) or delete it (precondition on it), over a small
// key set; and watchers of those ConfigMaps that resume from their last revision whenever a watch
// ends. Everything goes into a History (test/helpers/history.ts) for check().
import type { KubeObject } from '../../api/meta.ts';
import type { ApiClient } from '../../bus/client.ts';
import { History, type HistoryOp } from '../helpers/history.ts';
import { waitFor } from '../helpers/wait.ts';

const NS = 'default';
/** Keys of the history are the ConfigMaps' names; only they carry this label. */
export const SELECTOR = 'ha=1';
const KEY_PREFIX = 'ha-';

const cm = (name: string, v: string, rv?: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: NS, labels: { ha: '1' }, ...(rv ? { resourceVersion: rv } : {}) },
  data: { v },
});

/** What the checker compares: a write's `data.v` (unique per write). */
const valueOf = (v: unknown) => (typeof v === 'string' ? v : ((v as KubeObject | undefined)?.data as Record<string, string> | undefined)?.v);

/** A history whose values compare by `data.v`, timed by the wall clock (failover times are read from it). */
export const newHistory = () => new History({ clock: { now: () => Date.now() }, compareBy: valueOf });

type State = Map<string, number>;

/** One watcher as the test sees it: its first list's revision, its state (name → revision) and its relists. */
export interface WatcherState {
  /** Its id in the History: after a list again, a new one (`<name>#<n>`) from the list's revision. */
  id: string;
  fromRV: number;
  state: State;
  lastRV: number;
  /** Lists after the first (a 410 Expired: the watch could not resume from its revision). */
  relists: number;
}

export interface Clients {
  watchers: WatcherState[];
  /** Stops the writers (each after its current operation) and resolves once they are idle. */
  stopWriters(): Promise<void>;
  stopWatchers(): void;
  /** Resolves once `n` more writes have been acknowledged (rejects after `timeoutMs`). */
  more(n: number, timeoutMs?: number): Promise<void>;
  /** Per writer (those `which` picks), how long after `at` its first write invoked at or after `at` was acknowledged (ms): the least and the most. */
  recoveredAfter(at: number, timeoutMs?: number, which?: (writer: string) => boolean): Promise<{ first: number; all: number }>;
}

/** Whether a watcher's state equals a list's (name → revision). */
export const caughtUp = (w: WatcherState, list: State) => w.state.size === list.size && [...list].every(([k, rv]) => w.state.get(k) === rv);

/** Starts the watchers (each lists first), then one writer per client of `writers`, over `keys` keys. */
export async function startClients(h: History, writers: Array<[string, ApiClient]>, watchers: Array<[string, ApiClient]>, keys = 6): Promise<Clients> {
  let stopped = false;
  let watching = true;
  const stops: Array<() => void> = [];

  const watch = async (id: string, c: ApiClient): Promise<WatcherState> => {
    const list = async () => {
      const l = await c.list('configmaps', { namespace: NS, labelSelector: SELECTOR });
      return { rv: Number(l.metadata.resourceVersion), state: new Map(l.items.map((o) => [o.metadata.name!, Number(o.metadata.resourceVersion)])) };
    };
    const first = await list();
    // The keys are new to this run: the first list is empty, so the history's initial state (absent) holds.
    h.watchStart(id, { fromRevision: first.rv, keys: KEY_PREFIX });
    const w: WatcherState = { id, fromRV: first.rv, state: first.state, lastRV: first.rv, relists: 0 };
    const run = async () => {
      while (watching) {
        const ended = await new Promise<string>((resolve) => {
          c.watch(
            'configmaps',
            { namespace: NS, labelSelector: SELECTOR, resourceVersion: String(w.lastRV) },
            {
              event: (ev) => {
                if (ev.type === 'BOOKMARK' || ev.type === 'ERROR') return;
                const o = ev.object as KubeObject;
                const rv = Number(o.metadata.resourceVersion);
                w.lastRV = Math.max(w.lastRV, rv);
                if (ev.type === 'DELETED') w.state.delete(o.metadata.name!);
                else w.state.set(o.metadata.name!, rv);
                h.watched(w.id, o.metadata.name!, ev.type, rv, ev.type === 'DELETED' ? undefined : valueOf(o));
              },
              end: (reason) => resolve(reason),
            },
          ).then(
            (cw) => stops.push(() => cw.stop()),
            (err: Error) => resolve(`start failed: ${err.message}`),
          );
        });
        if (ended === 'stopped') return;
        if (ended === 'expired') {
          // 410: the revision is gone from what the replica can serve (upstream's watch cache after a
          // restart too): list again, and go on in the History as a new watcher from the list's revision.
          const again = await list().catch(() => undefined);
          if (again) {
            w.relists++;
            h.watchEnd(w.id, w.lastRV);
            Object.assign(w, { id: `${id}#${w.relists}`, lastRV: again.rv, state: again.state });
            h.watchStart(w.id, { fromRevision: again.rv, keys: KEY_PREFIX });
          }
        }
        if (ended.startsWith('start failed')) await pace();
      }
    };
    void run();
    return w;
  };
  const recs = await Promise.all(watchers.map(([id, c]) => watch(id, c)));

  const names = Array.from({ length: keys }, (_, i) => `${KEY_PREFIX}${i}`);
  const writeLoop = async (who: string, c: ApiClient) => {
    for (let n = 0; !stopped; n++) {
      const key = names[Math.floor(Math.random() * names.length)];
      const read = await h.call(who, { op: 'get', key }, () => c.get('configmaps', key, { namespace: NS }).catch(absentOn404));
      if (!read.ok) {
        await pace();
        continue;
      }
      const cur = read.value;
      const rv = cur?.metadata.resourceVersion;
      const value = `${who}:${n}`;
      const op: HistoryOp = !cur ? { op: 'create', key, value } : Math.random() < 0.75 ? { op: 'update', key, value, ifModRevision: Number(rv) } : { op: 'delete', key, ifModRevision: Number(rv) };
      const r = await h.call(who, op, () =>
        op.op === 'create'
          ? c.create('configmaps', cm(key, value))
          : op.op === 'update'
            ? c.update('configmaps', cm(key, value, rv))
            : c.delete('configmaps', key, { namespace: NS, preconditions: { resourceVersion: rv } }),
      );
      if (!r.ok && !r.definite) await pace();
    }
  };
  const writing = writers.map(([who, c]) => writeLoop(who, c));
  const acked = () => h.ops.filter((o) => o.op.op !== 'get' && o.outcome?.type === 'ok').length;

  return {
    watchers: recs,
    async stopWriters() {
      stopped = true;
      await Promise.all(writing);
    },
    stopWatchers() {
      watching = false;
      for (const s of stops) s();
    },
    async more(n, timeoutMs = 20_000) {
      const at = acked() + n;
      await waitFor(() => acked() >= at, `${n} more acknowledged writes`, timeoutMs, 10);
    },
    async recoveredAfter(at, timeoutMs = 30_000, which = () => true) {
      const firstAck = (who: string) => h.ops.find((o) => o.client === who && o.op.op !== 'get' && o.outcome?.type === 'ok' && o.callAt >= at);
      const firsts = await waitFor(
        () => {
          const f = writers.filter(([who]) => which(who)).map(([who]) => firstAck(who));
          return f.every(Boolean) ? f.map((o) => o!.retAt! - at) : undefined;
        },
        'a write acknowledged by every writer after the fault',
        timeoutMs,
        10,
      );
      return { first: Math.min(...firsts), all: Math.max(...firsts) };
    },
  };
}

/** A get's 404 is a read of an absent key. */
const absentOn404 = (err: { code?: number }) => {
  if (err?.code === 404) return undefined;
  throw err;
};

/** Pacing retries against a replica that is down, not a wait for a condition. */
const pace = () => new Promise((r) => setTimeout(r, 50));
