// The repair of a stream replica that numbers the stream otherwise than its leader. Seen on nats-server
// 2.9.10 (Debian's) in the partition-then-heal test, every run: once the cut-off old leader rejoins, its
// copy holds, from the first sequence written after the cut on, other messages than the new leader's at
// the same sequences (test/hosts/ha-run.ts compares the servers' stored message IDs), while the leader
// reports it current with lag 0. A consumer placed on that copy feeds a cache another stream. Upstream
// fixed such desyncs later (nats-io/nats-server#5939, #6943, #8057). The repair: find the replicas whose
// message at a sequence is not the leader's (an R1 consumer on each, placed where the server picks, read
// at that sequence), have the leader drop each (STREAM.PEER.REMOVE: the server deletes its copy) and then
// add a peer back (a stream update at the configured replicas: the empty copy catches up from the leader).
import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager, type NatsConnection } from '../../../bus/nats-bus.ts';
import type { JetStreamLog } from '../../../bus/jetstream-log.ts';
import { randomUUID } from 'node:crypto';
import { MSG_ID } from './jetstream-recovery.ts';

/** R1 consumers created to find where each replica stands (placement is the server's, at random: 12 see all 3 of R3 in ~98% of repairs). */
const PROBES = 12;
/** How long each JetStream request of the repair waits. */
const REQUEST_MS = 2000;
/** How long the repair waits for the meta leader to take the dropped peer out of the group. */
const DROP_WAIT_MS = 10_000;
/** How long a stream update to the full count may take to list the placed copy before the repair scales down and up again. */
const PLACE_WAIT_MS = 5000;
/** The key of the stream's meta bucket that the API servers' repairs take in turn (metaLock). */
const LOCK_KEY = 'replica-repair';
/** How long a repair lock holds: one whose holder crashed blocks the others this long at most (a repair takes < 1 min). */
const LOCK_TTL_MS = 180_000;

type Warn = (message: string, err?: unknown) => void;

/** What each probed server's replica holds at a sequence: a message ID, or undefined (not there yet, or purged). */
export type ReplicaProbe = Map<string, string | undefined>;

/** Reads the message at `seq` from the replicas of `stream` through R1 consumers until each peer was read once (or PROBES ran out). */
export async function probeReplicas(nc: NatsConnection, stream: string, seq: number): Promise<{ peers: string[]; seen: ReplicaProbe }> {
  const jsm = await jetstreamManager(nc, { timeout: REQUEST_MS, checkAPI: false });
  const js = jetstream(nc, { timeout: REQUEST_MS });
  const info = await jsm.streams.info(stream);
  const peers = [info.cluster?.leader ?? '', ...(info.cluster?.replicas ?? []).map((r) => r.name)].filter(Boolean);
  const seen: ReplicaProbe = new Map();
  for (let i = 0; i < PROBES && peers.some((p) => !seen.has(p)); i++) {
    const ci = await jsm.consumers.add(stream, {
      ack_policy: AckPolicy.None,
      deliver_policy: DeliverPolicy.StartSequence,
      opt_start_seq: seq,
      mem_storage: true,
      num_replicas: 1,
      inactive_threshold: 30_000_000_000,
    });
    try {
      const at = ci.cluster?.leader;
      if (!at || seen.has(at)) continue;
      const m = await (await js.consumers.get(stream, ci.name)).next({ expires: REQUEST_MS });
      seen.set(at, m && m.seq === seq ? (m.headers?.get(MSG_ID) ?? '') : undefined);
    } finally {
      await jsm.consumers.delete(stream, ci.name).catch(() => undefined);
    }
  }
  return { peers, seen };
}

/**
 * The decision of a repair: the message a majority of the group's `peers` (not of those read) holds, and
 * the replicas read holding another one. Without such a majority nothing counts as diverged; a replica
 * not read, or read without the message (not there yet), never does.
 */
export function divergedReplicas(peers: string[], seen: ReplicaProbe): { majority?: string; diverged: string[]; agreeing: number } {
  const counts = new Map<string, number>();
  for (const g of seen.values()) if (g !== undefined) counts.set(g, (counts.get(g) ?? 0) + 1);
  const [majority, agreeing] = [...counts].find(([, n]) => n >= Math.floor(peers.length / 2) + 1) ?? [undefined, 0];
  const diverged = majority === undefined ? [] : [...seen].filter(([, got]) => got !== undefined && got !== majority).map(([server]) => server);
  return { majority, diverged, agreeing };
}

/**
 * Probes the replicas of `stream` at `seq`: when a majority of the group holds one message there, each
 * replica holding another is dropped and a fresh one added (it syncs from the leader). Without such a
 * majority (not every replica read, or no agreement: who is right is not known) nothing is dropped.
 * Returns the message the majority holds (undefined: none) and the servers whose replica was dropped.
 */
export async function repairDiverged(nc: NatsConnection, stream: string, seq: number, warn: Warn, o: { want: number; lock?: RepairLock }): Promise<{ majority?: string; dropped: string[] }> {
  let { peers, seen } = await probeReplicas(nc, stream, seq);
  if (o.lock && divergedReplicas(peers, seen).diverged.length > 0) {
    // Another API server may be repairing the same replica: one at a time, probed again under the lock (it may be done).
    if (!(await o.lock.take())) {
      warn(`stream ${stream}: a replica diverged at sequence ${seq}, another API server holds the repair lock; left to it`);
      return { majority: divergedReplicas(peers, seen).majority, dropped: [] };
    }
    try {
      ({ peers, seen } = await probeReplicas(nc, stream, seq));
      return await dropDiverged(nc, stream, seq, warn, o.want, peers, seen);
    } finally {
      await o.lock.release().catch((err: Error) => warn(`stream ${stream}: releasing the repair lock failed: ${err.message}`, err));
    }
  }
  return dropDiverged(nc, stream, seq, warn, o.want, peers, seen);
}

async function dropDiverged(nc: NatsConnection, stream: string, seq: number, warn: Warn, want: number, peers: string[], seen: ReplicaProbe): Promise<{ majority?: string; dropped: string[] }> {
  const read = () => [...seen].map(([s, g]) => `${s} ${g ?? 'none'}`).join(', ') || 'none';
  const { majority, diverged, agreeing } = divergedReplicas(peers, seen);
  if (seen.size < peers.length) warn(`stream ${stream}: ${PROBES} probes at sequence ${seq} read the replicas on ${[...seen.keys()].join(', ') || 'none'} only, of ${peers.join(', ')}`);
  if (majority === undefined || diverged.length === 0) {
    if (majority === undefined) warn(`stream ${stream}: no majority of replicas agrees at sequence ${seq}, none dropped (replicas read: ${read()} of ${peers.join(', ')})`);
    return { majority, dropped: [] };
  }
  for (const server of diverged) {
    warn(`stream ${stream}: the replica on ${server} holds message ${seen.get(server)} at sequence ${seq} where ${agreeing} of ${peers.length} replicas hold ${majority}; dropping it so it syncs again from the leader`);
    await replaceReplica(nc, stream, server, warn, want);
  }
  return { majority, dropped: diverged };
}

/**
 * Has the stream's leader drop the replica on `server` (STREAM.PEER.REMOVE: that server deletes its copy)
 * and, once the group no longer lists it, adds a replica back with a stream update at the configured
 * count: JetStream places it where there is room (with as many servers as replicas, on `server` again,
 * empty), and it catches up from the leader.
 */
export async function replaceReplica(nc: NatsConnection, stream: string, server: string, warn: Warn, want: number): Promise<void> {
  const jsm = await jetstreamManager(nc, { timeout: REQUEST_MS, checkAPI: false });
  const r = await nc.request(`$JS.API.STREAM.PEER.REMOVE.${stream}`, JSON.stringify({ peer: server }), { timeout: REQUEST_MS });
  const answer = r.json<{ error?: { description?: string } }>();
  // Another API server may have dropped it first.
  if (answer.error) warn(`stream ${stream}: dropping the replica on ${server}: ${answer.error.description}`);
  const giveUpAt = Date.now() + DROP_WAIT_MS;
  for (;;) {
    const info = await jsm.streams.info(stream);
    if (![info.cluster?.leader, ...(info.cluster?.replicas ?? []).map((x) => x.name)].includes(server)) break;
    if (Date.now() > giveUpAt) throw new Error(`the replica on ${server} was still in stream ${stream}'s group ${DROP_WAIT_MS} ms after it was dropped`);
    await new Promise((res) => setTimeout(res, 250));
  }
  // The group is short of its replicas now. 2.9.10 adds peers only when the configured count goes up: scaled
  // to what is left, then back to the store's count, which places a fresh copy. Another repair of the same
  // replica may be doing the same at once (two API servers before the lock, or a lock taken over), and its
  // scale-down, read before our copy was placed, can drop a peer again: so this goes on until the group
  // holds `want` peers, and repeats the dance only when a count of `want` has placed nothing for PLACE_WAIT_MS.
  let placedAt = -Infinity;
  let last = '';
  for (const giveUp = Date.now() + DROP_WAIT_MS * 3; ; ) {
    const info = await jsm.streams.info(stream);
    const have = 1 + (info.cluster?.replicas ?? []).length;
    if (have >= want) break;
    if (Date.now() > giveUp) throw new Error(`stream ${stream} is left at ${have} of ${want} replicas after dropping the one on ${server}${last && `: ${last}`}`);
    if (info.config.num_replicas < want || Date.now() - placedAt > PLACE_WAIT_MS) {
      try {
        if (info.config.num_replicas > have) await jsm.streams.update(stream, { ...info.config, num_replicas: have });
        await jsm.streams.update(stream, { ...info.config, num_replicas: want });
        placedAt = Date.now();
      } catch (err) {
        // Placing it back may be refused for a while ('no suitable peers': the dropped server's copy is still going away).
        last = (err as Error).message;
      }
    }
    await new Promise((res) => setTimeout(res, 250));
  }
  warn(`stream ${stream}: the replica on ${server} dropped and a fresh one placed`);
}

/** Scales the stream back up to `want` replicas when it is configured with fewer (a scale-up after a drop failed or was abandoned); returns whether it did. */
export async function restoreReplicas(nc: NatsConnection, stream: string, want: number, warn: Warn): Promise<boolean> {
  const jsm = await jetstreamManager(nc, { timeout: REQUEST_MS, checkAPI: false });
  const info = await jsm.streams.info(stream);
  if (info.config.num_replicas >= want) return false;
  warn(`stream ${stream} is configured with ${info.config.num_replicas} replicas, the store with ${want}: scaling it back up`);
  await jsm.streams.update(stream, { ...info.config, num_replicas: want });
  return true;
}

/** A lock the repairs of the API servers take in turn. */
export interface RepairLock {
  /** Takes the lock if free (or its holder's time ran out); false: another holds it. */
  take(): Promise<boolean>;
  release(): Promise<void>;
}

/**
 * The repair lock as a key of the stream's meta bucket: created only where absent (or free), with its
 * holder and the time it took it; one held longer than LOCK_TTL_MS (its holder crashed) is taken over.
 */
export function metaLock(log: Pick<JetStreamLog, 'getMetaEntry' | 'casMeta'>, owner: string = randomUUID(), now = () => Date.now()): RepairLock {
  let mine: string | undefined;
  return {
    async take() {
      const e = await log.getMetaEntry(LOCK_KEY);
      let at = -Infinity;
      try {
        if (e?.value) at = (JSON.parse(e.value) as { at: number }).at;
      } catch {
        // not a lock: free
      }
      if (now() - at < LOCK_TTL_MS) return false;
      const value = JSON.stringify({ owner, at: now() });
      if (!(await log.casMeta(LOCK_KEY, value, e?.revision ?? 0))) return false;
      mine = value;
      return true;
    },
    async release() {
      const e = await log.getMetaEntry(LOCK_KEY);
      if (e && mine !== undefined && e.value === mine) await log.casMeta(LOCK_KEY, '', e.revision);
      mine = undefined;
    },
  };
}

/**
 * The repairs of one cache, one at a time (a writer's divergence check, the reload's and the periodic
 * probe may each ask for one), across API servers under `lock`, at the store's replica count `want`.
 */
export class Repairer {
  /** Replicas found diverged and dropped. */
  repaired = 0;
  private running: Promise<unknown> | undefined;

  constructor(
    private readonly nc: NatsConnection,
    private readonly stream: string,
    /** The replicas the store is configured with (the stream's own count may be short after a failed repair). */
    public want: number,
    private readonly warn: Warn,
    private readonly lock?: RepairLock,
  ) {}

  /** Drops the replicas holding another message at `seq` than a majority (after any repair running); resolves to the majority's message ID, if any. */
  repair(seq: number): Promise<string | undefined> {
    return this.serial(async () => {
      try {
        const r = await repairDiverged(this.nc, this.stream, seq, this.warn, { want: this.want, lock: this.lock });
        this.repaired += r.dropped.length;
        return r.majority;
      } catch (err) {
        this.warn(`repairing the replicas of stream ${this.stream} failed: ${(err as Error).message}`, err);
        return undefined;
      }
    });
  }

  /** Scales the stream back up to `want` when it is configured with fewer (restoreReplicas). */
  restore(): Promise<void> {
    return this.serial(() => restoreReplicas(this.nc, this.stream, this.want, this.warn).then(
      () => undefined,
      (err: Error) => this.warn(`scaling stream ${this.stream} back up to ${this.want} replicas failed: ${err.message}`, err),
    ));
  }

  /** Resolves once no repair runs. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  /** Runs `f` after every repair asked for before it (chained at once, so two callers never run side by side). */
  private serial<T>(f: () => Promise<T>): Promise<T> {
    const p = (this.running ?? Promise.resolve()).then(f);
    const tail: Promise<unknown> = p.then(
      () => undefined,
      () => undefined,
    );
    this.running = tail;
    void tail.then(() => {
      if (this.running === tail) this.running = undefined;
    });
    return p;
  }
}

/** Resolves when `p` settles or after `ms`, whichever is first. */
export function bounded(p: Promise<unknown>, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([p.then(() => undefined, () => undefined), new Promise<void>((r) => (timer = setTimeout(r, ms)))]).finally(() => clearTimeout(timer));
}
