// How a simulated container behaves, read from its pod's `sim.kubus.io/*` annotations
// (docs/sim-runtime.md). Pure: no clock, no state.
import { parseGoDuration } from '../../../api/duration.ts';
import { parseQuantity } from '../../../api/quantity.ts';

/** Annotation prefix of the sim runtime. */
export const SIM_PREFIX = 'sim.kubus.io/';

/** One simulated container's behaviour; times are ms after the container started (or was asked to stop). */
export interface SimBehaviour {
  pullDelayMs: number;
  /** The first `pullError` pulls of this container's image fail (Infinity = all). */
  pullError: number;
  startDelayMs: number;
  startupDelayMs: number;
  readyDelayMs: number;
  /** Exits on its own this long after it started; undefined = runs until stopped. */
  exitAfterMs?: number;
  exitCode: number;
  /** The first `crashLoop` runs exit at once with code 1 (Infinity = every run). */
  crashLoop: number;
  livenessFailAfterMs?: number;
  readinessFailAfterMs?: number;
  /** Time from SIGTERM to exit; longer than the grace period means SIGKILL (137) at the deadline. */
  stopDelayMs: number;
  stopExitCode: number;
  /** Lines the container writes to its log (all at start, or one every `logEveryMs`, round and round). */
  logLines: readonly string[];
  logEveryMs?: number;
  /** CPU the container uses while it runs, in nanocores (read again from the pod's current annotations for stats). */
  cpuUsageNanoCores: number;
  /** Memory working set of the running container, in bytes. */
  memoryUsageBytes: number;
}

/** How a value parses: `cpu` is a quantity of cores (→ nanocores), `bytes` a quantity of bytes. */
type Kind = 'duration' | 'int' | 'count' | 'text' | 'cpu' | 'bytes';

type Key =
  | 'pull-delay'
  | 'pull-error'
  | 'start-delay'
  | 'startup-delay'
  | 'ready-delay'
  | 'exit-after'
  | 'exit-code'
  | 'crash-loop'
  | 'liveness-fail-after'
  | 'readiness-fail-after'
  | 'stop-delay'
  | 'stop-exit-code'
  | 'log-lines'
  | 'log-every'
  | 'cpu-usage'
  | 'memory-usage';

/** Every key the sim understands, with how its value parses. */
export const SIM_KEYS: Record<Key, Kind> = {
  'pull-delay': 'duration',
  'pull-error': 'count',
  'start-delay': 'duration',
  'startup-delay': 'duration',
  'ready-delay': 'duration',
  'exit-after': 'duration',
  'exit-code': 'int',
  'crash-loop': 'count',
  'liveness-fail-after': 'duration',
  'readiness-fail-after': 'duration',
  'stop-delay': 'duration',
  'stop-exit-code': 'int',
  'log-lines': 'text',
  'log-every': 'duration',
  'cpu-usage': 'cpu',
  'memory-usage': 'bytes',
};

const DEFAULTS: SimBehaviour = Object.freeze({
  pullDelayMs: 0,
  pullError: 0,
  startDelayMs: 0,
  startupDelayMs: 0,
  readyDelayMs: 0,
  exitCode: 0,
  crashLoop: 0,
  stopDelayMs: 0,
  stopExitCode: 0,
  logLines: [],
  cpuUsageNanoCores: 0,
  memoryUsageBytes: 0,
});

/** Thrown for an annotation the sim cannot read; the kubelet shows it as CreateContainerConfigError. */
export class SimAnnotationError extends Error {
  override name = 'SimAnnotationError';
}

function parseValue(key: string, kind: Kind, raw: string): number | string[] {
  if (kind === 'text') return raw.replace(/\r?\n$/, '').split(/\r?\n/);
  const v = raw.trim();
  const fail = (why: string) => new SimAnnotationError(`invalid annotation ${SIM_PREFIX}${key}: ${JSON.stringify(raw)}: ${why}`);
  if (kind === 'cpu' || kind === 'bytes') {
    let nanos: bigint;
    try {
      nanos = parseQuantity(v).nanos;
    } catch (err) {
      throw fail((err as Error).message);
    }
    if (nanos < 0n) throw fail('must not be negative');
    // A quantity's nanos are nanocores for CPU; bytes are whole units, rounded up.
    return kind === 'cpu' ? Number(nanos) : Number((nanos + 999_999_999n) / 1_000_000_000n);
  }
  if (kind === 'duration') {
    let ms: number;
    try {
      ms = parseGoDuration(v);
    } catch (err) {
      throw fail((err as Error).message);
    }
    if (ms < 0) throw fail('must not be negative');
    return ms;
  }
  if (kind === 'count') {
    if (v === 'true') return Infinity;
    if (v === 'false') return 0;
    if (!/^\d+$/.test(v)) throw fail('want "true", "false" or a number of runs');
    return Number(v);
  }
  if (!/^-?\d+$/.test(v) || Math.abs(Number(v)) > 255) throw fail('want an exit code from 0 to 255');
  return Number(v);
}

const FIELD: Record<Key, keyof SimBehaviour> = {
  'pull-delay': 'pullDelayMs',
  'pull-error': 'pullError',
  'start-delay': 'startDelayMs',
  'startup-delay': 'startupDelayMs',
  'ready-delay': 'readyDelayMs',
  'exit-after': 'exitAfterMs',
  'exit-code': 'exitCode',
  'crash-loop': 'crashLoop',
  'liveness-fail-after': 'livenessFailAfterMs',
  'readiness-fail-after': 'readinessFailAfterMs',
  'stop-delay': 'stopDelayMs',
  'stop-exit-code': 'stopExitCode',
  'log-lines': 'logLines',
  'log-every': 'logEveryMs',
  'cpu-usage': 'cpuUsageNanoCores',
  'memory-usage': 'memoryUsageBytes',
};

/**
 * Returns the behaviour of container `name`: pod-wide keys (`sim.kubus.io/exit-after`) apply to
 * app and sidecar containers, `sim.kubus.io/<name>.<key>` to that container only and wins.
 * Init containers take only their own keys and by default exit 0 at once. Throws SimAnnotationError.
 */
export function simBehaviour(annotations: Record<string, string> | undefined, name: string, kind: 'init' | 'sidecar' | 'app'): SimBehaviour {
  let out: SimBehaviour | undefined;
  const set = (key: Key, raw: string) => {
    out ??= { ...DEFAULTS };
    (out as unknown as Record<string, unknown>)[FIELD[key]] = parseValue(key, SIM_KEYS[key], raw);
  };
  if (kind === 'init') set('exit-after', '0s');
  if (annotations) {
    const own = `${SIM_PREFIX}${name}.`;
    if (kind !== 'init')
      for (const a in annotations) {
        if (!a.startsWith(SIM_PREFIX) || a.includes('.', SIM_PREFIX.length)) continue;
        const key = a.slice(SIM_PREFIX.length);
        if (!(key in SIM_KEYS)) throw new SimAnnotationError(`unknown annotation ${a}: the sim runtime knows ${Object.keys(SIM_KEYS).join(', ')}`);
        set(key as Key, annotations[a]);
      }
    for (const a in annotations) if (a.startsWith(own)) {
      const key = a.slice(own.length);
      if (!(key in SIM_KEYS)) throw new SimAnnotationError(`unknown annotation ${a}: the sim runtime knows ${Object.keys(SIM_KEYS).join(', ')}`);
      set(key as Key, annotations[a]);
    }
  }
  return out ?? DEFAULTS;
}
