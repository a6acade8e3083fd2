// Picks the container runtime a kubelet runs pods with.
import type { Clock } from '../../../bus/clock.ts';
import type { Rng } from '../../../bus/random.ts';
import type { Logger } from '../../../bus/types.ts';
import type { ContainerRuntime } from './runtime.ts';
import { CriRuntime } from './cri/cri.ts';
import { SimRuntime } from './sim.ts';

/** What every runtime is made with: injected time, randomness, logger, and the node's network. */
export interface RuntimeOptions {
  clock: Clock;
  rng: Rng;
  log: Logger;
  podCIDR: string;
  hostIP: string;
  nodeName?: string;
  /** Runtime `containerd`: its endpoint, log root and cgroup root. */
  cri?: { endpoint: string; runtimeVersion?: string; logRoot: string; cgroupRoot?: string };
}

/** Returns a runtime of the given kind (`sim`, or `containerd` over CRI). */
export function createRuntime(kind: string, opts: RuntimeOptions): ContainerRuntime {
  if (kind === 'sim') return new SimRuntime(opts);
  if (kind === 'containerd') {
    if (!opts.cri) throw new Error('the containerd runtime needs a CRI endpoint');
    const { endpoint, runtimeVersion, logRoot, cgroupRoot } = opts.cri;
    return new CriRuntime({ endpoint, runtimeVersion, logRoot, cgroupRoot, clock: opts.clock, log: opts.log, hostIP: opts.hostIP, nodeName: opts.nodeName ?? 'node' });
  }
  throw new Error(`unknown container runtime "${kind}" (known: sim, containerd)`);
}
