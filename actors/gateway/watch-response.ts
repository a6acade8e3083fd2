// One HTTP watch response: chunked newline-delimited JSON, one line per event, flushed as it
// comes; ends on timeoutSeconds, on the client leaving, with an ERROR event, or cut when the
// client reads too slowly (upstream closes a watcher whose buffer fills, rather than growing it).
import type { Status } from '../../api/status.ts';
import type { Call } from './call.ts';
import { statusOf } from './http.ts';
import { render, type Output } from './output.ts';

/** Where a response's events come from: its own bus watch or a shared one. */
export interface WatchSource {
  stop(): void;
}

/** Output forms by cache key: the same key means the same bytes for the same event. */
export const outputKey = (o: Output, noHeaders: boolean): string => `${o.form.as}|${o.form.version}|${o.includeObject}|${noHeaders}`;

/** Writes one watch stream to one HTTP response. */
export class WatchResponse {
  open = true;
  source?: WatchSource;
  /** Events rendered so far: a Table's columns go with the first only. */
  rendered = 0;
  /** Lines that came before the headers went out (events may precede the watch's reply). */
  private pending: Buffer[] | undefined = [];
  private timer: unknown;

  constructor(
    private readonly call: Call,
    readonly output: Output,
    private readonly maxBufferedBytes: number,
  ) {
    // The response closes when the client leaves (or the stream ended): the source goes too.
    call.res.on('close', () => this.finish());
  }

  /** Returns an event's line in this response's form; a Table has its columns in the first event only. */
  renderLine(type: string, object: unknown, noHeaders: boolean): string {
    const body = type === 'BOOKMARK' ? object : render(this.call, this.output, object, noHeaders);
    return JSON.stringify({ type, object: body }) + '\n';
  }

  /** Sends an event: `line` returns its bytes given whether a Table's columns were sent already. A render error ends the stream with its Status. */
  sendEvent(type: string, line: (noHeaders: boolean) => Buffer): void {
    if (!this.open) return;
    try {
      const noHeaders = this.rendered > 0;
      const bytes = line(noHeaders);
      if (type !== 'BOOKMARK') this.rendered++;
      this.write(bytes);
    } catch (err) {
      const { status, expected } = statusOf(err);
      if (!expected) this.call.log.error({ err, path: this.call.req.url }, 'watch event not rendered');
      this.finish(status);
    }
  }

  /** Sends one line (the same bytes may go to many responses). */
  write(line: Buffer): void {
    if (!this.open) return;
    if (this.pending) this.pending.push(line);
    else this.send(line);
  }

  private send(line: Buffer): void {
    const { res, log } = this.call;
    if (res.destroyed) return;
    // Still holding too much from earlier events when the next comes (one big event alone is no sign).
    if (this.open && res.writableLength > this.maxBufferedBytes) {
      log.warn({ path: this.call.req.url, buffered: res.writableLength }, 'watch client too slow: watch closed');
      this.open = false;
      this.stopTimer();
      this.source?.stop();
      res.destroy();
      return;
    }
    res.write(line);
  }

  /** Sends the headers and what waited for them; arms timeoutSeconds. */
  start(timeoutSeconds: number | undefined): void {
    const { res, clock } = this.call;
    res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private', 'Transfer-Encoding': 'chunked' });
    res.flushHeaders();
    const pending = this.pending ?? [];
    this.pending = undefined;
    for (const line of pending) this.send(line);
    if (this.open && timeoutSeconds !== undefined && timeoutSeconds > 0) this.timer = clock.setTimeout(() => this.finish(), timeoutSeconds * 1000);
  }

  /** Ends the stream, with an ERROR event first when a status is given. */
  finish(status?: Status): void {
    if (!this.open) return;
    if (status) this.write(Buffer.from(JSON.stringify({ type: 'ERROR', object: status }) + '\n'));
    this.open = false;
    const { res } = this.call;
    // Headers sent already: the request failed before the stream began (its Status was the answer).
    if (this.pending && !res.destroyed && !res.headersSent) this.start(undefined);
    this.stopTimer();
    this.source?.stop();
    res.end();
  }

  private stopTimer(): void {
    if (this.timer !== undefined) this.call.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }
}
