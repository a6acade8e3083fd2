// The real bus: a NATS connection (@nats-io/transport-node). The only module that imports NATS.
import {
  connect,
  createInbox,
  headers as natsHeaders,
  errors,
  nkeyAuthenticator,
  type Msg,
  type MsgHdrs,
  type NatsConnection,
  type Subscription as NatsSub,
} from '@nats-io/transport-node';
import { decode, encode } from './codec.ts';
import { deepFreeze, freezeFromEnv } from './freeze.ts';
import { BusClosedError, ConnectionLostError, NoRespondersError } from './errors.ts';
import { cryptoRng, type Rng } from './random.ts';
import { ReplyMux } from './reply-mux.ts';
import { identityInboxPrefix, requestInbox } from './subjects.ts';
import { BusConnectError, credentialsOf, dialPatiently, tokenOf, warnOpenBusOnce, type BusCredentials, type NatsBusOptions } from './nats-options.ts';
import { deliveredRecord, sentRecord, untapped, type BusTap } from './tap.ts';
import { currentContext, parseTraceparent, runHandling, stampHeaders, TRACEPARENT } from './trace.ts';
import { refuseUndecodable } from './undecodable.ts';
import type {
  Bus,
  BusMessage,
  BusStatus,
  Handler,
  Headers,
  Logger,
  PublishOptions,
  RequestOptions,
  SubscribeOptions,
  Subscription,
} from './types.ts';
import { silentLogger } from './types.ts';

// The JetStream and KV clients, for the JetStream log of the store (bus/jetstream-log.ts): the NATS
// packages are imported here alone (DESIGN §1), which hands them on.
export { connect as connectNats, headers as natsHeaders } from '@nats-io/transport-node';
export type { NatsConnection } from '@nats-io/transport-node';
export { nkeys } from '@nats-io/transport-node';
export { AckPolicy, DeliverPolicy, DiscardPolicy, jetstream, jetstreamManager, JetStreamApiError, RetentionPolicy, StorageType } from '@nats-io/jetstream';
export type { ConsumerMessages, JetStreamClient, JetStreamManager, JsMsg, StreamInfo } from '@nats-io/jetstream';
export { Kvm } from '@nats-io/kv';
export type { KV } from '@nats-io/kv';

/**
 * How every kubus connection notices a server that went silent (a cut cable sends no RST) and gets
 * past it: a PING every 2 s, stale after 2 unanswered (4-6 s instead of nats.js's default 2 min x 2),
 * and 2 s per dial — after a disconnect nats.js dials the lost server first again, and a dial to a cut
 * host hangs for the whole timeout (measured: the bus back 5 s later, the store's connection 20 s).
 * Connections made with connectNats (the store's) spread it in too.
 */
export const LIVENESS = { pingInterval: 2000, maxPingOut: 2, timeout: 2000 } as const;

export { BusConnectError, CREDS_ENV, credentialsOf, readCredentials, type BusCredentials, type NatsBusOptions } from './nats-options.ts';

const toArray = (s: string | string[]) =>
  (Array.isArray(s) ? s : s.split(','))
    .map((x) => x.trim())
    .filter(Boolean);

/** The connection options of a locked bus: nkey authentication, TLS with the kubus CA, inboxes behind the identity's token. */
export const natsAuth = (c: BusCredentials | undefined) =>
  c ? { authenticator: nkeyAuthenticator(new TextEncoder().encode(c.seed)), inboxPrefix: identityInboxPrefix(tokenOf(c)), ...(c.ca ? { tls: { ca: c.ca } } : {}) } : {};

function fromNatsHeaders(h: MsgHdrs | undefined): Headers {
  const out: Headers = {};
  if (!h) return out;
  for (const [k, v] of h) out[k] = v[0]; // h.get(k) for each key, without its scans of the keys
  return out;
}

function toNatsHeaders(h: Headers): MsgHdrs {
  const nh = natsHeaders();
  for (const k in h) nh.append(k, h[k]); // the keys of an object are distinct: set()'s delete first is a scan for nothing
  return nh;
}

/** A Bus over a real NATS connection; reconnects forever and resubscribes on its own. */
export class NatsBus implements Bus {
  private readonly statusCbs = new Set<(s: BusStatus) => void>();
  /** The requests waiting for their replies, on this connection's one reply inbox. */
  private readonly replies: ReplyMux<Msg>;
  private down = false;
  private closed = false;
  readonly id: string;
  /** On a locked bus, the subject token of this connection's identity (bus/identity.ts). */
  readonly identity: string | undefined;
  /** Sees every message this connection sends and receives (a process's trace recorder feed). */
  tap: BusTap | undefined;

  private constructor(
    private readonly nc: NatsConnection,
    readonly name: string,
    private readonly log: Logger,
    private readonly rng: Rng,
    private readonly freeze: boolean,
    creds: BusCredentials | undefined,
  ) {
    this.id = rng.hex(8);
    this.identity = creds && tokenOf(creds);
    this.replies = new ReplyMux(`${createInbox(creds ? identityInboxPrefix(tokenOf(creds)) : '')}.`);
    nc.subscribe(this.replies.subject, { callback: (err, m) => this.replied(err, m) });
    void this.watchStatus(); // closed (by close(), drain() or nats.js): the waiting requests fail as nats.js's own did
    void nc.closed().then(() => this.replies.failAll(() => new errors.RequestError('connection closed')));
  }

  /** Connects; rejects with a BusConnectError that says what to do when nothing answers. */
  static async connect(opts: NatsBusOptions): Promise<NatsBus> {
    const servers = toArray(opts.servers);
    const creds = credentialsOf(opts.credentials);
    if (!creds) warnOpenBusOnce(opts.log ?? silentLogger, servers);
    const dial = () =>
      connect({
        ...natsAuth(creds),
        servers,
        name: opts.name,
        maxReconnectAttempts: -1,
        reconnectTimeWait: 250,
        reconnectJitter: 100,
        ...LIVENESS,
        timeout: opts.connectTimeoutMs ?? LIVENESS.timeout,
        // No Error object per request for async stack traces: it costs ~8% of CPU under load.
        noAsyncTraces: true,
      });
    try {
      const nc = await dialPatiently(dial);
      return new NatsBus(nc, opts.name, opts.log ?? silentLogger, opts.rng ?? cryptoRng(), opts.freeze ?? freezeFromEnv(), creds);
    } catch (err) {
      throw new BusConnectError(
        `cannot connect to NATS at ${servers.join(', ')}: ${(err as Error).message}. ` +
          'Start a cluster with `kubus up`, or pass --nats URL (or set KUBUS_NATS).',
      );
    }
  }

  /** The server this connection is using now. */
  get server(): string {
    return this.nc.getServer();
  }

  private async watchStatus(): Promise<void> {
    for await (const s of this.nc.status()) {
      if (s.type === 'disconnect') {
        this.log.warn({ server: s.server }, 'NATS disconnected; reconnecting');
        this.down = true;
        this.replies.failAll((subject) => new ConnectionLostError(subject));
        this.emit('disconnected');
      } else if (s.type === 'reconnect') {
        this.log.info({ server: s.server }, 'NATS reconnected');
        this.down = false;
        this.emit('reconnected');
      } else if (s.type === 'error') {
        this.log.warn({ err: s.error.message }, 'NATS error');
        const e = s.error; // a request the server refused to publish fails at once (as nats.js's own did)
        if (e instanceof errors.PermissionViolationError && e.operation === 'publish')
          this.replies.failAll(() => new errors.RequestError(e.message, { cause: e }), (subject) => subject === e.subject);
      }
    }
  }

  private emit(s: BusStatus): void {
    for (const cb of this.statusCbs) cb(s);
  }

  private guard(): void {
    if (this.closed || this.nc.isClosed()) throw new BusClosedError(this.name);
  }

  publish(subject: string, data: unknown, opts?: PublishOptions): void {
    this.send(subject, encode(data), opts, data);
  }

  publishRaw(subject: string, bytes: Uint8Array, opts?: PublishOptions): void {
    this.send(subject, bytes, opts);
  }

  private send(subject: string, bytes: Uint8Array, opts: PublishOptions | undefined, data?: unknown): void {
    this.guard();
    const h = stampHeaders(opts?.headers, this.rng.hex, this.name);
    this.recordSent(h, subject, data, opts?.reply);
    this.nc.publish(subject, bytes, { headers: toNatsHeaders(h), reply: opts?.reply });
  }

  private recordSent(h: Headers, subject: string, data: unknown, reply: string | undefined): void {
    if (!this.tap || untapped(subject)) return;
    const r = sentRecord(h, subject, data, reply, Date.now());
    if (r) this.tap.sent(r);
  }

  private recordDelivered(h: Headers, subject: string, actor: string | undefined): void {
    if (!this.tap || untapped(subject)) return;
    const r = deliveredRecord(h, subject, this.name, actor, Date.now());
    if (r) this.tap.delivered(r);
  }

  subscribe<T = unknown>(subject: string, handler: Handler<T>, opts?: SubscribeOptions): Subscription {
    this.guard();
    const actor = currentContext()?.actor;
    const sub: NatsSub = this.nc.subscribe(subject, {
      queue: opts?.queue,
      callback: (err, m) => {
        if (err) {
          this.log.warn({ subject, err: err.message }, 'subscription error');
          return;
        }
        this.deliver(m, handler as Handler, actor);
      },
    });
    return { subject, unsubscribe: () => sub.unsubscribe() };
  }

  /** Returns the headers of a received message (frozen when this bus freezes). */
  private receivedHeaders(m: Msg): Headers {
    const h = fromNatsHeaders(m.headers);
    return this.freeze ? Object.freeze(h) : h;
  }

  private deliver(m: Msg, handler: Handler, actor: string | undefined): void {
    const headers = this.receivedHeaders(m);
    const handling = { span: parseTraceparent(headers[TRACEPARENT]), actor };
    let data: unknown;
    try {
      data = decode(m.data);
      if (this.freeze) deepFreeze(data);
    } catch (err) {
      const bad = { subject: m.subject, reply: m.reply || undefined, headers };
      runHandling(handling, () => refuseUndecodable(bad, err as Error, this.log, (to, status) => this.publish(to, status)));
      return;
    }
    const msg: BusMessage = { subject: m.subject, data, headers };
    if (m.reply) msg.reply = m.reply;
    this.recordDelivered(headers, m.subject, actor);
    runHandling(handling, () => {
      try {
        handler(msg);
      } catch (err) {
        this.log.error({ subject: m.subject, err }, 'subscriber threw; message dropped');
      }
    });
  }

  async request<T = unknown>(subject: string, data: unknown, opts?: RequestOptions): Promise<BusMessage<T>> {
    this.guard();
    if (this.down) throw new ConnectionLostError(subject, false);
    const timeoutMs = opts?.timeoutMs ?? 5000;
    const h = stampHeaders(opts?.headers, this.rng.hex, this.name);
    this.recordSent(h, subject, data, requestInbox(this.id));
    const { reply, replied } = this.replies.open(subject, timeoutMs);
    try {
      this.nc.publish(subject, encode(data), { headers: toNatsHeaders(h), reply });
    } catch (err) {
      this.replies.cancel(reply, err as Error); // rejects `replied` with it
    }
    const m = await replied;
    const headers = this.receivedHeaders(m);
    this.recordDelivered(headers, m.subject, currentContext()?.actor);
    const body = decode<T>(m.data);
    return { subject: m.subject, data: this.freeze ? deepFreeze(body) : body, headers };
  }

  /** A message on the reply inbox: the reply of a waiting request, or nats-server's no-responders status (503, no data). */
  private replied(err: Error | null, m: Msg): void {
    // An error: the server refused the subscription (watchStatus logs it); nats.js failed its requests so.
    if (err) this.replies.failAll(() => new errors.RequestError(err.message, { cause: err }));
    else if (m.data.length === 0 && m.headers?.code === 503) this.replies.answer(m.subject, m, noResponders);
    else this.replies.answer(m.subject, m);
  }

  respond(msg: BusMessage, data: unknown, headers?: Headers): void {
    if (msg.reply) this.publish(msg.reply, data, { headers });
  }

  async flush(): Promise<void> {
    this.guard();
    await this.nc.flush();
  }

  onStatus(cb: (s: BusStatus) => void): () => void {
    this.statusCbs.add(cb);
    return () => this.statusCbs.delete(cb);
  }

  async drain(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.nc.drain();
    this.emit('closed');
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.nc.close();
    this.emit('closed');
  }
}

const noResponders = (subject: string) => new NoRespondersError(subject);
