// The process logger: pino, JSON lines on stderr; each actor gets a child logger. The only pino import.
import { pino } from 'pino';
import type { Logger } from '../bus/types.ts';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

/** Returns a pino logger writing to stderr at `level` (default: KUBUS_LOG_LEVEL, else info). */
export function createLogger(level?: LogLevel, bindings: Record<string, unknown> = {}): Logger {
  const lvl = level ?? (process.env.KUBUS_LOG_LEVEL as LogLevel | undefined) ?? 'info';
  return pino({ level: lvl, base: { pid: process.pid, ...bindings } }, pino.destination({ fd: 2, sync: false }));
}
