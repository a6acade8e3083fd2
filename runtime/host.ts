// Hosts XState actors in a process: binds them to bus subjects (their effects publish through
// deps.bus) and supervises them (an actor whose logic throws is logged and restarted with backoff).
import { createActor, type AnyActorRef, type InspectionEvent } from 'xstate';
import type { ActorDefinition, ActorDeps } from '../actors/lib/actor.ts';
import { backoffDelay } from '../bus/backoff.ts';
import type { Clock } from '../bus/clock.ts';
import type { Rng } from '../bus/random.ts';
import { runAsRoot } from '../bus/trace.ts';
import { ApiClient } from '../bus/client.ts';
import { SharedInformers } from '../bus/informer-factory.ts';
import type { Bus, Logger, Subscription } from '../bus/types.ts';

export interface HostEnv {
  bus: Bus;
  /** Shared by the actors of this host; made from `bus` and `clock` when not given. */
  client?: ApiClient;
  informers?: SharedInformers;
  clock: Clock;
  rng: Rng;
  log: Logger;
  /** XState inspection events of every hosted actor (tracing of state changes). */
  inspect?: (ev: InspectionEvent) => void;
  /** Restart backoff: first delay, cap, and how long an actor must run to reset it. */
  backoff?: { initialMs: number; maxMs: number; resetAfterMs: number };
}

const DEFAULT_BACKOFF = { initialMs: 200, maxMs: 30_000, resetAfterMs: 60_000 };

/** One actor under supervision. */
export class HostedActor {
  ref: AnyActorRef | undefined;
  restarts = 0;
  private subs: Subscription[] = [];
  private stoppers: Array<() => void | Promise<void>> = [];
  private startedAt = 0;
  private restartTimer: unknown;
  private stopped = false;
  private readonly waiters = new Set<() => void>();

  constructor(
    private readonly env: HostEnv,
    private readonly def: ActorDefinition<any>,
    readonly id: string,
    private readonly input: unknown,
    /** How many actors of this id the host ran before (a stopped one started again is a new run). */
    private readonly incarnation = 0,
  ) {}

  /** @internal */
  run(): void {
    const { env, def, id } = this;
    const log = env.log.child({ actor: id });
    const deps: ActorDeps = {
      id,
      bus: env.bus,
      client: env.client!,
      informers: env.informers!,
      clock: env.clock,
      rng: env.rng.fork(`${this.incarnation ? `${id}@${this.incarnation}` : id}${this.restarts ? `#${this.restarts}` : ''}`),
      log,
      onStop: (fn) => this.stoppers.push(fn),
    };
    this.startedAt = env.clock.now();
    runAsRoot(id, () => {
      const ref = createActor(def.logic(deps, this.input), {
        id,
        input: this.input,
        clock: env.clock,
        inspect: env.inspect,
        logger: (...args: unknown[]) => log.info({ xstate: args }, 'log action'),
      });
      this.ref = ref;
      ref.subscribe({
        next: () => this.notify(),
        error: (err) => this.crashed(err),
        complete: () => this.notify(),
      });
      for (const b of def.bindings?.(deps, this.input) ?? []) {
        const to = b.to;
        const target = to === undefined ? () => ref : () => ref.system.get(to) ?? ref;
        this.subs.push(env.bus.subscribe(b.subject, (msg) => target().send(b.event(msg)), { queue: b.queue }));
      }
      ref.start();
    });
  }

  private crashed(err: unknown): void {
    const { env } = this;
    const b = env.backoff ?? DEFAULT_BACKOFF;
    if (env.clock.now() - this.startedAt >= b.resetAfterMs) this.restarts = 0;
    const delay = backoffDelay(this.restarts + 1, b);
    env.log.error({ actor: this.id, err, restartInMs: delay, restarts: this.restarts }, 'actor crashed; restarting');
    void this.release();
    this.restarts++;
    this.restartTimer = env.clock.setTimeout(() => {
      if (!this.stopped) this.run();
    }, delay);
    this.notify();
  }

  private async release(): Promise<void> {
    for (const s of this.subs) s.unsubscribe();
    this.subs = [];
    const stoppers = this.stoppers;
    this.stoppers = [];
    for (const fn of stoppers.reverse()) {
      try {
        await fn();
      } catch (err) {
        this.env.log.warn({ actor: this.id, err }, 'cleanup failed');
      }
    }
  }

  /** Returns the current snapshot (state value, context, status). */
  snapshot(): ReturnType<AnyActorRef['getSnapshot']> | undefined {
    return this.ref?.getSnapshot();
  }

  /** Resolves when `pred(snapshot)` holds (checked on every change). */
  waitFor(pred: (snapshot: any) => boolean): Promise<void> {
    return new Promise((resolve) => {
      const check = () => {
        const s = this.snapshot();
        if (s && pred(s)) {
          this.waiters.delete(check);
          resolve();
        }
      };
      this.waiters.add(check);
      check();
    });
  }

  private notify(): void {
    // Called on every snapshot of the actor (every event it takes): most have no waiter.
    if (this.waiters.size === 0) return;
    for (const w of [...this.waiters]) w();
  }

  /** Stops the actor for good. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.env.clock.clearTimeout(this.restartTimer);
    this.ref?.stop();
    await this.release();
  }
}

/** Runs actors in one process on one bus. */
export class Host {
  private readonly actors = new Map<string, HostedActor>();
  private readonly runs = new Map<string, number>();
  constructor(readonly env: HostEnv) {
    env.client ??= new ApiClient(env.bus, { clock: env.clock });
    env.informers ??= new SharedInformers(env.client, { clock: env.clock, log: env.log });
  }

  /** Starts an actor under supervision; ids must be unique in the host. */
  start<I>(def: ActorDefinition<I>, id: string, input: I): HostedActor {
    if (this.actors.has(id)) throw new Error(`actor "${id}" is already running in this process`);
    const runs = this.runs.get(id) ?? 0;
    this.runs.set(id, runs + 1);
    const h = new HostedActor(this.env, def, id, input, runs);
    this.actors.set(id, h);
    h.run();
    return h;
  }

  /** Sends the XState inspection events of every actor here, running or started later, to fn (tracing). */
  inspect(fn: (ev: InspectionEvent) => void): void {
    if (this.env.inspect) throw new Error('this host already has an inspection hook');
    this.env.inspect = fn;
    for (const h of this.actors.values()) h.ref?.system.inspect(fn);
  }

  get(id: string): HostedActor | undefined {
    return this.actors.get(id);
  }

  ids(): string[] {
    return [...this.actors.keys()];
  }

  async stop(id: string): Promise<void> {
    const h = this.actors.get(id);
    this.actors.delete(id);
    await h?.stop();
  }

  /** Stops every actor, in reverse start order, and the shared informers. */
  async stopAll(): Promise<void> {
    for (const id of [...this.actors.keys()].reverse()) await this.stop(id);
    this.env.informers?.stopAll();
  }
}
