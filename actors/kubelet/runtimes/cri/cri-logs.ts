// Container logs as the CRI runtime writes them: one file per container instance, each line
// `<RFC3339Nano> <stdout|stderr> <F|P> <text>` (P: a partial line continued by the next entry of
// that stream; F: the line ends here). Read whole for `logs`, followed by polling for `-f`.
import { statSync } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import type { Clock } from '../../../../bus/clock.ts';
import type { LogLine, LogQuery } from '../runtime.ts';

/** Returns the time (ms) of an RFC3339Nano stamp; the digits past milliseconds are dropped. */
export function parseCriTime(stamp: string): number {
  return Date.parse(stamp.replace(/(\.\d{3})\d+/, '$1'));
}

/** Parses CRI log text into lines, joining partial entries; `pending` carries partials across calls. */
export function parseCriLog(text: string, pending: Map<string, LogLine> = new Map()): LogLine[] {
  const out: LogLine[] = [];
  for (const raw of text.split('\n')) {
    if (!raw) continue;
    const a = raw.indexOf(' ');
    const b = raw.indexOf(' ', a + 1);
    const c = raw.indexOf(' ', b + 1);
    if (a < 0 || b < 0) continue;
    const stream = raw.slice(a + 1, b) === 'stderr' ? 'stderr' : 'stdout';
    const tag = c < 0 ? raw.slice(b + 1) : raw.slice(b + 1, c);
    const text = c < 0 ? '' : raw.slice(c + 1);
    const prev = pending.get(stream);
    const at = prev?.at ?? parseCriTime(raw.slice(0, a));
    const line: LogLine = { at, stream, text: (prev?.text ?? '') + text };
    pending.delete(stream);
    if (tag.startsWith('P')) pending.set(stream, line);
    else out.push(line);
  }
  return out;
}

/** Applies `since` and `tail` to lines already read. */
export function queryLines(lines: LogLine[], q: LogQuery = {}): LogLine[] {
  let out = q.sinceMs !== undefined ? lines.filter((l) => l.at >= q.sinceMs!) : lines;
  if (q.tail !== undefined && q.tail >= 0) out = q.tail === 0 ? [] : out.slice(-q.tail);
  return out;
}

/** Reads a CRI log file (missing: no lines yet). */
export async function readCriLog(path: string, q: LogQuery = {}): Promise<LogLine[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  // A partial entry never finished (output without a last newline) is shown as it is, as upstream does.
  const pending = new Map<string, LogLine>();
  const lines = parseCriLog(text, pending);
  return queryLines([...lines, ...pending.values()], q);
}

const sizeOf = (path: string) => {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
};

/** How often a followed log file is read for new lines. */
export const FOLLOW_POLL_MS = 200;

/**
 * Follows a CRI log file from its current end: calls `line` for each new line, and `end` once
 * `exited()` says the container is gone and the file has been read to its end. Returns a stop function.
 */
export function followCriLog(path: string, clock: Clock, exited: () => Promise<boolean>, line: (l: LogLine) => void, end: () => void, fromStart = false): () => void {
  // The end is taken now, not at the first read, so a snapshot read right after holds what came before.
  let offset = fromStart ? 0 : sizeOf(path);
  let stopped = false;
  let timer: unknown;
  const pending = new Map<string, LogLine>();
  let rest = '';
  const readNew = async () => {
    let fh;
    try {
      fh = await open(path, 'r');
    } catch {
      return;
    }
    try {
      const { size } = await fh.stat();
      if (size <= offset) return;
      const buf = Buffer.alloc(size - offset);
      await fh.read(buf, 0, buf.length, offset);
      offset = size;
      const text = rest + buf.toString('utf8');
      const nl = text.lastIndexOf('\n');
      rest = text.slice(nl + 1);
      for (const l of parseCriLog(text.slice(0, nl + 1), pending)) if (!stopped) line(l);
    } finally {
      await fh.close();
    }
  };
  const tick = async () => {
    if (stopped) return;
    const gone = await exited().catch(() => true);
    await readNew().catch(() => undefined);
    if (stopped) return;
    if (gone) {
      for (const l of pending.values()) line(l);
      stopped = true;
      end();
      return;
    }
    timer = clock.setTimeout(() => void tick(), FOLLOW_POLL_MS);
  };
  void tick();
  return () => {
    stopped = true;
    clock.clearTimeout(timer);
  };
}
