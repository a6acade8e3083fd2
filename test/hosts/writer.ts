// A writer that keeps changing ConfigMaps (create, update, delete) and remembers every write the
// API server acknowledged, with its revision; a failed step's outcome is unknown, so its names
// are only marked uncertain.
import type { KubeObject } from '../../api/meta.ts';
import type { ApiClient } from '../../bus/client.ts';

export interface Writer {
  /** name → resourceVersion of the last acknowledged create or update, for names not deleted since. */
  acked: Map<string, string>;
  /** Revisions of every acknowledged create, update and delete. */
  revisions: number[];
  /** Names whose last acknowledged write was a delete. */
  deleted: Set<string>;
  /** Names a failed step touched: their last write may or may not have happened. */
  uncertain: Set<string>;
  failures: string[];
  /** When the last write was acknowledged (ms since the epoch). */
  lastAckAt: number;
  /** Resolves once `n` more writes have been acknowledged. */
  more(n: number): Promise<void>;
  /** Holds the writer after its current step; resolves once it is idle. */
  pause(): Promise<void>;
  resume(): void;
  stop(): Promise<void>;
}

const cm = (name: string, v: number): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default', labels: { writer: 'hosts' } }, data: { v: String(v) } });

/** Starts writing on `client` at once: cm-i is created, updated, and deleted two steps later. */
export function startWriter(client: ApiClient, prefix = 'cm'): Writer {
  let stopped = false;
  let hold: { idle: () => void; go: Promise<void>; resume: () => void } | undefined;
  let waiters: Array<{ at: number; resolve(): void }> = [];
  const w = { acked: new Map(), revisions: [], deleted: new Set(), uncertain: new Set(), failures: [], lastAckAt: 0 } as unknown as Writer;
  const ack = (name: string, rv: string | undefined, gone = false) => {
    w.revisions.push(Number(rv));
    w.lastAckAt = Date.now();
    if (gone) {
      w.acked.delete(name);
      w.deleted.add(name);
    } else if (rv) w.acked.set(name, rv);
    waiters = waiters.filter((x) => (w.revisions.length >= x.at ? (x.resolve(), false) : true));
  };
  const step = async (i: number) => {
    const name = `${prefix}-${i}`;
    const created = await client.create('configmaps', cm(name, 0));
    ack(name, created.metadata.resourceVersion);
    const updated = await client.update('configmaps', { ...created, data: { v: '1' } });
    ack(name, updated.metadata.resourceVersion);
    const old = `${prefix}-${i - 2}`;
    if (w.acked.has(old)) {
      const gone = await client.delete('configmaps', old, { namespace: 'default' });
      ack(old, gone.metadata?.resourceVersion, true);
    }
  };
  const done = (async () => {
    for (let i = 0; !stopped; i++) {
      if (hold) {
        hold.idle();
        await hold.go;
        continue;
      }
      try {
        await step(i);
      } catch (err) {
        w.failures.push(`${prefix}-${i}: ${(err as Error).message}`);
        w.uncertain.add(`${prefix}-${i}`).add(`${prefix}-${i - 2}`);
        await new Promise((r) => setTimeout(r, 50)); // pacing retries against a server that is down, not a wait for a condition
      }
    }
  })();
  w.more = (n) => new Promise((resolve) => waiters.push({ at: w.revisions.length + n, resolve }));
  w.pause = () =>
    new Promise((idle) => {
      let resume = () => {};
      const go = new Promise<void>((r) => (resume = r));
      hold = { idle, go, resume };
    });
  w.resume = () => {
    const h = hold;
    hold = undefined;
    h?.resume();
  };
  w.stop = async () => {
    stopped = true;
    w.resume();
    await done;
    for (const x of waiters) x.resolve();
  };
  return w;
}
