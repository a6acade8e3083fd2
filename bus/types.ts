// The Bus interface and the message shape every transport delivers.

export type Headers = Record<string, string>;

/** A delivered message: decoded body, headers, and a reply subject when it is a request. */
export interface BusMessage<T = unknown> {
  subject: string;
  data: T;
  headers: Headers;
  reply?: string;
}

export type Handler<T = unknown> = (msg: BusMessage<T>) => void;

export interface Subscription {
  readonly subject: string;
  unsubscribe(): void;
}

export interface SubscribeOptions {
  /** Queue group: each message goes to exactly one member of the group. */
  queue?: string;
}

export interface PublishOptions {
  headers?: Headers;
  reply?: string;
}

export interface RequestOptions {
  timeoutMs?: number;
  headers?: Headers;
}

/** Connection events a client may react to (informers resync after `reconnected`). */
export type BusStatus = 'disconnected' | 'reconnected' | 'closed';

/**
 * A message bus with NATS subject semantics: `*` and `>` wildcards, queue groups, request/reply.
 * Delivery is always asynchronous (never inside `publish`) and keeps per-publisher order.
 */
export interface Bus {
  /** A name for logs and traces (the connection's owner). */
  readonly name: string;
  /** Unique id of this connection (subject-safe): names its inboxes. */
  readonly id: string;
  /** On a locked bus, the subject token of the connection's identity (its API requests and inboxes carry it); unset: an open bus. */
  readonly identity?: string;
  publish(subject: string, data: unknown, opts?: PublishOptions): void;
  /**
   * Returns `value` in the form that is cheapest to publish many times (MemoryBus: its frozen snapshot,
   * taken once); optional. `owned`: the caller hands `value` over and never changes it again, so its own
   * unfrozen objects may become the snapshot's (frozen where they are) instead of being copied.
   */
  shareable?<T>(value: T, owned?: boolean): T;
  /** Sends already-encoded bytes (tests of undecodable payloads, relays). */
  publishRaw(subject: string, bytes: Uint8Array, opts?: PublishOptions): void;
  /**
   * Calls `handler` with each matching message. One whose body does not decode never reaches it:
   * a request is answered with a 400 Status, anything else is dropped with a warn line.
   */
  subscribe<T = unknown>(subject: string, handler: Handler<T>, opts?: SubscribeOptions): Subscription;
  /** Sends a request and resolves with the first reply; rejects with NoRespondersError or RequestTimeoutError. */
  request<T = unknown>(subject: string, data: unknown, opts?: RequestOptions): Promise<BusMessage<T>>;
  /** Replies to a request message (no-op when it carries no reply subject). */
  respond(msg: BusMessage, data: unknown, headers?: Headers): void;
  /** Resolves when the server has seen everything published so far. */
  flush(): Promise<void>;
  /** Calls back on connection changes; returns an unsubscribe function. */
  onStatus(cb: (s: BusStatus) => void): () => void;
  /** Lets in-flight deliveries finish, then closes. */
  drain(): Promise<void>;
  close(): Promise<void>;
}

/** The minimal logger interface actors see (pino's, structurally). */
export interface Logger {
  debug(obj: object | string, msg?: string): void;
  info(obj: object | string, msg?: string): void;
  warn(obj: object | string, msg?: string): void;
  error(obj: object | string, msg?: string): void;
  child(bindings: Record<string, unknown>): Logger;
}

/** A logger that drops everything (tests, quiet tools). */
export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  child() {
    return silentLogger;
  },
};
