// The clients of the HA fault tests: writers that create, update (compare-and-set on the
// resourceVersion they read) and delete ConfigMaps over a small key set, and watchers of those
// ConfigMaps that resume from their last revision whenever a watch ends; all recorded in a HaHistory.
import type { KubeObject } from '../../api/meta.ts';
import { StatusError } from '../../api/status.ts';
import type { ApiClient } from '../../bus/client.ts';
import { waitFor } from '../helpers/wait.ts';
import type { HaHistory, WatchRecord } from './ha-history.ts';

const NS = 'default';
const SELECTOR = 'ha=1';
const cm = (name: string, v: string, rv?: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: NS, labels: { ha: '1' }, ...(rv ? { resourceVersion: rv } : {}) },
  data: { v },
});

/** 404 and 409 are refusals: the write did not happen. Anything else (503, 504, a lost connection) leaves it unknown. */
const definite = (err: unknown) => err instanceof StatusError && (err.code === 404 || err.code === 409);

export interface Clients {
  /** Stops the writers (each after its current operation) and resolves once they are idle. */
  stopWriters(): Promise<void>;
  /** Stops the watchers. */
  stopWatchers(): void;
  watchers: WatchRecord[];
  /** Resolves once `n` more writes have been acknowledged (rejects after `timeoutMs`). */
  more(n: number, timeoutMs?: number): Promise<void>;
  /** Per writer (those `which` picks), how long after `at` its first write invoked at or after `at` was acknowledged (ms): the least and the most. */
  recoveredAfter(at: number, timeoutMs?: number, which?: (writer: string) => boolean): Promise<{ first: number; all: number }>;
}

/** Starts one writer per client of `writers` and one watcher per client of `watchers`, over `keys` keys. */
export async function startClients(h: HaHistory, writers: Array<[string, ApiClient]>, watchers: Array<[string, ApiClient]>, keys = 6): Promise<Clients> {
  let stopped = false;
  let watching = true;
  const names = Array.from({ length: keys }, (_, i) => `ha-${i}`);
  const writeLoop = async (who: string, c: ApiClient) => {
    for (let n = 0; !stopped; n++) {
      const key = names[Math.floor(Math.random() * names.length)];
      const value = `${who}:${n}`;
      const get = h.invoke(who, 'get', key);
      let cur: KubeObject | null;
      try {
        cur = await c.get('configmaps', key, { namespace: NS });
        h.ok(get, Number(cur.metadata.resourceVersion), cur.data ? (cur.data as Record<string, string>).v : undefined);
      } catch (err) {
        if (err instanceof StatusError && err.code === 404) {
          h.ok(get, undefined, null);
          cur = null;
        } else {
          h.fail(get, false, (err as Error).message);
          await pace();
          continue;
        }
      }
      const rv = cur?.metadata.resourceVersion;
      const f = !cur ? 'create' : Math.random() < 0.75 ? 'update' : 'delete';
      const op = h.invoke(who, f, key, { value: f === 'delete' ? undefined : value, expect: rv ? Number(rv) : undefined });
      try {
        const r =
          f === 'create'
            ? await c.create('configmaps', cm(key, value))
            : f === 'update'
              ? await c.update('configmaps', cm(key, value, rv))
              : await c.delete('configmaps', key, { namespace: NS, preconditions: { resourceVersion: rv } });
        h.ok(op, Number(r.metadata.resourceVersion));
      } catch (err) {
        h.fail(op, definite(err), (err as Error).message);
        if (!definite(err)) await pace();
      }
    }
  };
  const writing = writers.map(([who, c]) => writeLoop(who, c));

  const stops: Array<() => void> = [];
  const watch = async (name: string, c: ApiClient) => {
    const list = async () => {
      const l = await c.list('configmaps', { namespace: NS, labelSelector: SELECTOR });
      const initial = new Map(l.items.map((o) => [o.metadata.name!, { rv: Number(o.metadata.resourceVersion), value: (o.data as Record<string, string>).v }]));
      return { rv: Number(l.metadata.resourceVersion), initial };
    };
    const first = await list();
    const w = h.watch(name, first.rv, first.initial);
    let last = first.rv;
    const run = async (): Promise<void> => {
      while (watching) {
        const ended = await new Promise<string>((resolve) => {
          c.watch(
            'configmaps',
            { namespace: NS, labelSelector: SELECTOR, resourceVersion: String(last) },
            {
              event: (ev) => {
                if (ev.type === 'BOOKMARK' || ev.type === 'ERROR') return;
                const o = ev.object as KubeObject;
                const rv = Number(o.metadata.resourceVersion);
                last = Math.max(last, rv);
                w.events.push({ type: ev.type, key: o.metadata.name!, rv, value: ev.type === 'DELETED' ? undefined : (o.data as Record<string, string>)?.v });
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
          // Compacted past our revision: the stream has a hole; list again (the check counts it).
          w.relists++;
          last = (await list().catch(() => ({ rv: last }))).rv;
        }
        if (ended.startsWith('start failed')) await pace();
      }
    };
    void run();
    return w;
  };
  const recs = await Promise.all(watchers.map(([name, c]) => watch(name, c)));

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
      const at = h.acked + n;
      await waitFor(() => h.acked >= at, `${n} more acknowledged writes`, timeoutMs, 10);
    },
    async recoveredAfter(at, timeoutMs = 30_000, which = () => true) {
      const whoWrote = (who: string) => h.ops.find((o) => o.client === who && o.f !== 'get' && o.outcome === 'ok' && o.invokedAt >= at);
      const firsts = await waitFor(
        () => {
          const f = writers.filter(([who]) => which(who)).map(([who]) => whoWrote(who));
          return f.every(Boolean) ? f.map((o) => o!.doneAt! - at) : undefined;
        },
        'a write acknowledged by every writer after the fault',
        timeoutMs,
        10,
      );
      return { first: Math.min(...firsts), all: Math.max(...firsts) };
    },
  };
}

/** Pacing retries against a replica that is down, not a wait for a condition. */
const pace = () => new Promise((r) => setTimeout(r, 50));
