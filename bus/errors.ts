// Errors of the bus, one class per condition.

/** Thrown by `request` at once when nobody subscribes to the subject. */
export class NoRespondersError extends Error {
  override name = 'NoRespondersError';
  constructor(readonly subject: string) {
    super(`no responders on "${subject}": nothing is listening (is the component running and connected?)`);
  }
}

/** Thrown by `request` when no reply came within the timeout. */
export class RequestTimeoutError extends Error {
  override name = 'RequestTimeoutError';
  constructor(
    readonly subject: string,
    readonly timeoutMs: number,
  ) {
    super(`request on "${subject}" timed out after ${timeoutMs} ms`);
  }
}

/**
 * Thrown by `request` at once when the connection drops while it waits for the reply (as a broken
 * HTTP connection fails its requests: the request may or may not have been handled), or when the
 * connection is down (as a refused HTTP connection). A reply to a request buffered while down could
 * be lost, so requests are never buffered: callers retry with their backoff.
 */
export class ConnectionLostError extends Error {
  override name = 'ConnectionLostError';
  constructor(
    readonly subject: string,
    /** False when the connection was already down: the request was not sent at all. */
    readonly sent = true,
  ) {
    super(
      sent
        ? `the connection to NATS was lost while waiting for the reply on "${subject}" (the request may or may not have been applied)`
        : `not connected to NATS (reconnecting): the request on "${subject}" was not sent; try again`,
    );
  }
}

/** Thrown when using a bus that has been closed. */
export class BusClosedError extends Error {
  override name = 'BusClosedError';
  constructor(name: string) {
    super(`bus "${name}" is closed`);
  }
}

/**
 * Thrown by `JetStreamLog.open` when the log cannot be had: NATS unreachable, no JetStream ready,
 * an existing stream whose limits would drop messages (`unfit`, `detail` names them), or the stream
 * or its bucket refused (`setup`). `detail` is the underlying reason; callers word the advice.
 */
export class JetStreamLogError extends Error {
  override name = 'JetStreamLogError';
  constructor(
    readonly kind: 'unreachable' | 'no-jetstream' | 'unfit' | 'setup',
    readonly detail: string,
    /** The server the connection reached (empty when unreachable). */
    readonly server = '',
  ) {
    super(`jetstream log ${kind}: ${detail}`);
  }
}
