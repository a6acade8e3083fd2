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

/** Thrown when using a bus that has been closed. */
export class BusClosedError extends Error {
  override name = 'BusClosedError';
  constructor(name: string) {
    super(`bus "${name}" is closed`);
  }
}
