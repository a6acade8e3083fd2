// A logger that records entries, so tests can assert what was logged.
import type { Logger } from '../../bus/types.ts';

export interface Entry {
  level: 'debug' | 'info' | 'warn' | 'error';
  msg: string;
  obj: object;
}

/** Returns a Logger that keeps every entry in `entries`. */
export function recordingLogger(entries: Entry[] = []): Logger & { entries: Entry[] } {
  const at =
    (level: Entry['level'], bindings: object) =>
    (obj: object | string, msg?: string) =>
      entries.push(typeof obj === 'string' ? { level, msg: obj, obj: bindings } : { level, msg: msg ?? '', obj: { ...bindings, ...obj } });
  const make = (bindings: object): Logger & { entries: Entry[] } => ({
    entries,
    debug: at('debug', bindings),
    info: at('info', bindings),
    warn: at('warn', bindings),
    error: at('error', bindings),
    child: (b) => make({ ...bindings, ...b }),
  });
  return make({});
}
