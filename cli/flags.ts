// Parsing of the flag values kubus shares with Kubernetes' own components.
import { Option } from 'commander';
import { parseGoDuration } from '../api/duration.ts';
import type { Taint } from '../api/kinds/scheduling.ts';
import { LOG_FORMATS } from '../runtime/logger.ts';
import { UsageError } from './context.ts';

/** Returns the --log-format option of the commands that start components. */
export function logFormatOption(): Option {
  return new Option('--log-format <format>', 'log lines: pretty (readable) or json (default: $KUBUS_LOG_FORMAT, else pretty on a terminal, json otherwise)').choices(LOG_FORMATS);
}

/** Returns milliseconds of a Go duration flag (`40s`, `5m`, `500ms`); throws a usage error otherwise. */
export function durationFlag(flag: string) {
  return (v: string): number => {
    try {
      return parseGoDuration(v);
    } catch (err) {
      throw new UsageError(`invalid value "${v}" for ${flag}: ${(err as Error).message}`);
    }
  };
}

/** Returns a `k=v,k2=v2` flag as a map. */
export function mapFlag(flag: string) {
  return (v: string): Record<string, string> => {
    const out: Record<string, string> = {};
    for (const part of v.split(',').filter(Boolean)) {
      const i = part.indexOf('=');
      if (i <= 0) throw new UsageError(`invalid value "${part}" for ${flag}: expected key=value`);
      out[part.slice(0, i)] = part.slice(i + 1);
    }
    return out;
  };
}

/** Returns taints from `key[=value]:Effect,...` as kubelet's --register-with-taints takes them. */
export function taintsFlag(v: string): Taint[] {
  return v
    .split(',')
    .filter(Boolean)
    .map((part) => {
      const m = /^([^=:]+)(?:=([^:]*))?:(NoSchedule|PreferNoSchedule|NoExecute)$/.exec(part);
      if (!m) throw new UsageError(`invalid taint "${part}": expected key[=value]:NoSchedule|PreferNoSchedule|NoExecute`);
      return m[2] === undefined ? { key: m[1], effect: m[3] } : { key: m[1], value: m[2], effect: m[3] };
    });
}

/** Returns a positive integer flag. */
export function countFlag(flag: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) throw new UsageError(`invalid value "${v}" for ${flag}: expected a whole number`);
    return n;
  };
}
