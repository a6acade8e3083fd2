// The log of one simulated container: a bounded buffer of timestamped lines, and followers that
// get each new line until the container exits (what `kubectl logs [-f]` reads).
import type { Clock } from '../../../bus/clock.ts';
import type { LogLine, LogQuery } from './runtime.ts';

/** Lines a container keeps; older ones are dropped, as a rotated log file loses its start. */
export const MAX_LOG_LINES = 1000;

interface Follower {
  line(l: LogLine): void;
  end(): void;
}

/** One container's output. */
export class ContainerLog {
  private readonly buf: LogLine[] = [];
  private readonly followers = new Set<Follower>();
  private ended = false;
  private timer: unknown;
  private clock?: Clock;

  constructor(private readonly max = MAX_LOG_LINES) {}

  /** Appends one line (ignored once the container exited). */
  write(at: number, text: string, stream: LogLine['stream'] = 'stdout'): void {
    if (this.ended) return;
    const l: LogLine = { at, stream, text };
    this.buf.push(l);
    if (this.buf.length > this.max) this.buf.splice(0, this.buf.length - this.max);
    for (const f of this.followers) f.line(l);
  }

  /** Writes the user's lines (`log-lines`): all now, or one now and the next every `everyMs`, round and round. */
  play(lines: readonly string[], everyMs: number | undefined, clock: Clock, i = 0): void {
    if (!lines.length || this.ended) return;
    if (!everyMs) return lines.forEach((l) => this.write(clock.now(), l));
    this.write(clock.now(), lines[i % lines.length]);
    this.clock = clock;
    this.timer = clock.setTimeout(() => this.play(lines, everyMs, clock, i + 1), everyMs);
  }

  /** Marks the container exited: followers end, no more lines come. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.clock?.clearTimeout(this.timer);
    for (const f of this.followers) f.end();
    this.followers.clear();
  }

  get done(): boolean {
    return this.ended;
  }

  /** Returns the lines kept, filtered by `sinceMs` (absolute) and cut to the last `tail`. */
  read(q: LogQuery = {}): LogLine[] {
    let out = q.sinceMs !== undefined ? this.buf.filter((l) => l.at >= q.sinceMs!) : this.buf.slice();
    if (q.tail !== undefined) out = q.tail <= 0 ? [] : out.slice(-q.tail);
    return out;
  }

  /** Calls `line` for every line written from now on and `end` once it exited (at once if it has); returns a stop function. */
  follow(line: (l: LogLine) => void, end: () => void): () => void {
    if (this.ended) {
      end();
      return () => {};
    }
    const f: Follower = { line, end };
    this.followers.add(f);
    return () => this.followers.delete(f);
  }
}
