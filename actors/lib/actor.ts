// The contract between an actor and the runtime that hosts it.
import type { AnyActorLogic, EventObject } from 'xstate';
import type { Clock } from '../../bus/clock.ts';
import type { Rng } from '../../bus/random.ts';
import type { ApiClient } from '../../bus/client.ts';
import type { SharedInformers } from '../../bus/informer-factory.ts';
import type { Bus, BusMessage, Logger } from '../../bus/types.ts';

/** What the runtime gives an actor's effects: the bus, injected time and randomness, a logger. */
export interface ActorDeps {
  /** Unique id of this actor, e.g. `apiserver`, `kubelet/node-3` (appears in traces). */
  id: string;
  bus: Bus;
  /** The API client of this process's connection. */
  client: ApiClient;
  /** Informers shared by the actors of this process. */
  informers: SharedInformers;
  clock: Clock;
  rng: Rng;
  log: Logger;
  /** Registers something to release when the actor stops or crashes (before a restart). */
  onStop(fn: () => void | Promise<void>): void;
}

/** A bus subscription the runtime makes on the actor's behalf, turning messages into events. */
export interface Binding {
  subject: string;
  queue?: string;
  event(msg: BusMessage): EventObject;
  /**
   * The systemId of an invoked actor that takes these events while it runs (a state's worker, e.g.
   * the API server's request handler while serving): they skip the machine's transition, which
   * gets them only when no such actor runs (e.g. to refuse them while starting).
   */
  to?: string;
}

/** How to build and bind one kind of actor; `input` is what the process was asked to run. */
export interface ActorDefinition<Input = void> {
  kind: string;
  /** Returns the actor's XState logic with its effects bound to deps. */
  logic(deps: ActorDeps, input: Input): AnyActorLogic;
  /** Subjects the actor listens on. */
  bindings?(deps: ActorDeps, input: Input): Binding[];
}

/** Returns the definition unchanged, typed (so actor files read as declarations). */
export const defineActor = <Input = void>(def: ActorDefinition<Input>) => def;
