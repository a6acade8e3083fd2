// The process logger: pino, one line per entry on stderr: JSON for machines, or pino-pretty's
// readable lines for a person at a terminal. Each actor gets a child logger. The only pino import.
import { createRequire } from 'node:module';
import { pino, type DestinationStream } from 'pino';
import type { PrettyOptions } from 'pino-pretty';
import type { Logger } from '../bus/types.ts';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

/** `pretty`: readable lines (pino-pretty); `json`: one JSON object per line (pino's own). */
export type LogFormat = 'pretty' | 'json';

export const LOG_FORMATS: readonly LogFormat[] = ['pretty', 'json'];

/** Where log lines go: stderr by default; tests pass a stream of their own. */
export interface LogSink {
  write(line: string): unknown;
  isTTY?: boolean;
}

export interface LoggerOptions {
  /** Default: `logFormat()` for the sink: KUBUS_LOG_FORMAT, else pretty on a terminal and JSON otherwise. */
  format?: LogFormat;
  destination?: LogSink;
}

/** Thrown when a log format is neither pretty nor json. */
export class LogFormatError extends Error {
  override name = 'LogFormatError';
}

/** Returns the format asked for (a flag, else KUBUS_LOG_FORMAT), else pretty when `tty` and JSON when not. */
export function logFormat(asked?: string, tty = process.stderr.isTTY === true): LogFormat {
  const f = asked || process.env.KUBUS_LOG_FORMAT;
  if (!f) return tty ? 'pretty' : 'json';
  if ((LOG_FORMATS as readonly string[]).includes(f)) return f as LogFormat;
  throw new LogFormatError(`unknown log format "${f}"${asked ? '' : ' in KUBUS_LOG_FORMAT'}: choose ${LOG_FORMATS.join(' or ')}`);
}

/** Returns a pino logger at `level` (default: KUBUS_LOG_LEVEL, else info), writing to stderr or `opts.destination`. */
export function createLogger(level?: LogLevel, bindings: Record<string, unknown> = {}, opts: LoggerOptions = {}): Logger {
  const lvl = level ?? (process.env.KUBUS_LOG_LEVEL as LogLevel | undefined) ?? 'info';
  const sink = opts.destination ?? process.stderr;
  const format = opts.format ?? logFormat(undefined, sink.isTTY === true);
  const dest = format === 'pretty' ? prettySink(sink) : (opts.destination ?? pino.destination({ fd: 2, sync: false }));
  return pino({ level: lvl, base: { pid: process.pid, ...bindings } }, dest as DestinationStream);
}

const load = createRequire(import.meta.url);

/**
 * Returns a destination that turns pino's JSON lines into pino-pretty's, written synchronously.
 * pino-pretty's prettifier runs here rather than as a worker-thread transport: a worker costs every
 * short CLI command ~150 ms at exit, and a synchronous write loses no line when a command calls
 * process.exit. pino-pretty loads on the first line, so a command that logs nothing never pays for it.
 */
function prettySink(out: LogSink): DestinationStream {
  let prettify: ((line: string) => string) | undefined;
  const colorize = out === process.stderr && process.stderr.isTTY === true && process.stderr.hasColors();
  const options: PrettyOptions = {
    colorize,
    singleLine: true,
    translateTime: 'SYS:HH:MM:ss.l',
    // The actor leads the line; the pid says nothing to a person reading one process's output.
    messageFormat: '{if actor}{actor}: {end}{msg}',
    ignore: 'pid,hostname,actor',
  };
  return {
    write(line: string) {
      prettify ??= (load('pino-pretty') as typeof import('pino-pretty')).prettyFactory(options);
      out.write(prettify(line));
    },
  };
}
