// The requests of one NatsBus waiting for their replies, on one reply inbox per connection: each
// request's reply subject is the inbox prefix and a token of its own, and one subscription to
// `<prefix>*` hands every reply here. nats.js's own request() built two Error objects (with stacks)
// for each request, even one that succeeded (~5.5% of a node process running 5,000 kubelets).
// No NATS here (it has one home, bus/nats-bus.ts): the bus says what a reply and each failure are.
import { RequestTimeoutError } from './errors.ts';

interface Waiter<M> {
  /** The subject the request went to. */
  readonly subject: string;
  readonly resolve: (m: M) => void;
  readonly reject: (err: Error) => void;
  timer: ReturnType<typeof setTimeout> | undefined;
}

/** Requests waiting for their replies, by token. */
export class ReplyMux<M> {
  private readonly waiting = new Map<string, Waiter<M>>();
  private seq = 0;

  /** `prefix`: the subject of the connection's reply inbox, with its trailing dot (`_INBOX.<nuid>.`). */
  constructor(readonly prefix: string) {}

  /** The subject to subscribe to for every reply. */
  get subject(): string {
    return `${this.prefix}*`;
  }

  /** How many requests wait. */
  get size(): number {
    return this.waiting.size;
  }

  /**
   * Registers a request on `subject`: returns its reply subject and its reply, which rejects with a
   * RequestTimeoutError when none came within `timeoutMs`.
   */
  open(subject: string, timeoutMs: number): { reply: string; replied: Promise<M> } {
    const token = (this.seq++).toString(36);
    let waiter!: Waiter<M>;
    const replied = new Promise<M>((resolve, reject) => (waiter = { subject, resolve, reject, timer: undefined }));
    waiter.timer = setTimeout(() => this.fail(token, new RequestTimeoutError(subject, timeoutMs)), timeoutMs);
    this.waiting.set(token, waiter);
    return { reply: this.prefix + token, replied };
  }

  /**
   * Settles the request `replySubject` answers with `m`, or fails it with what `refused` returns for
   * it (a no-responders status); false when no request waits for it (late, or not one of ours).
   */
  answer(replySubject: string, m: M, refused?: (subject: string) => Error | undefined): boolean {
    if (!replySubject.startsWith(this.prefix)) return false;
    const token = replySubject.slice(this.prefix.length);
    const w = this.waiting.get(token);
    if (!w) return false;
    this.waiting.delete(token);
    clearTimeout(w.timer);
    const err = refused?.(w.subject);
    if (err) w.reject(err);
    else w.resolve(m);
    return true;
  }

  /** Fails the request of `replySubject` (its publish threw, say); true when it waited. */
  cancel(replySubject: string, err: Error): boolean {
    return replySubject.startsWith(this.prefix) && this.fail(replySubject.slice(this.prefix.length), err);
  }

  /** Fails every waiting request whose subject `which` accepts, with what `err` returns for it. */
  failAll(err: (subject: string) => Error, which: (subject: string) => boolean = () => true): void {
    for (const [token, w] of [...this.waiting]) if (which(w.subject)) this.fail(token, err(w.subject));
  }

  private fail(token: string, err: Error): boolean {
    const w = this.waiting.get(token);
    if (!w) return false;
    this.waiting.delete(token);
    clearTimeout(w.timer);
    w.reject(err);
    return true;
  }
}
