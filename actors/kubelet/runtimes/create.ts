// Picks the container runtime a kubelet runs pods with.
import type { Clock } from '../../../bus/clock.ts';
import type { Rng } from '../../../bus/random.ts';
import type { Logger } from '../../../bus/types.ts';
import type { ContainerRuntime } from './runtime.ts';
import { SimRuntime } from './sim.ts';

/** What every runtime is made with: injected time, randomness, logger, and the node's network. */
export interface RuntimeOptions {
  clock: Clock;
  rng: Rng;
  log: Logger;
  podCIDR: string;
  hostIP: string;
}

/** Returns a runtime of the given kind (`sim`; `process` comes later). */
export function createRuntime(kind: string, opts: RuntimeOptions): ContainerRuntime {
  if (kind === 'sim') return new SimRuntime(opts);
  throw new Error(`unknown container runtime "${kind}" (known: sim)`);
}
