// A PLEG-like relister: lists the node's containers every period (one ListContainers call, cheap)
// and reports each container seen going from running to exited, with its ContainerStatus. Runs
// only while someone listens. Containers found already exited on the first relist (a kubelet
// restart) are not reported: the kubelet adopts them as they are.
import type { Clock } from '../../../../bus/clock.ts';
import type { Logger } from '../../../../bus/types.ts';
import type { ContainerExit, ContainerInfo } from '../runtime.ts';
import type { CriMessage } from './cri-client.ts';

export interface PlegOptions {
  clock: Clock;
  log: Logger;
  periodMs: number;
  /** CRI ListContainers of this node's containers. */
  list(): Promise<CriMessage[]>;
  status(id: string): Promise<ContainerInfo | undefined>;
}

/** Relists containers and reports exits. */
export class Pleg {
  private readonly listeners = new Set<(e: ContainerExit) => void>();
  /** Container id → last CRI state seen. */
  private readonly seen = new Map<string, string>();
  private timer: unknown;
  private running = false;
  private again = false;
  private stopped = false;

  constructor(private readonly o: PlegOptions) {}

  /** Calls `fn` for every exit seen from now on; returns an unsubscribe function. */
  subscribe(fn: (e: ContainerExit) => void): () => void {
    this.listeners.add(fn);
    if (this.listeners.size === 1) this.schedule(0);
    return () => {
      this.listeners.delete(fn);
      if (!this.listeners.size) this.o.clock.clearTimeout(this.timer);
    };
  }

  /** Records that a container was started, so an exit before the next relist is still reported. */
  started(id: string): void {
    this.seen.set(id, 'CONTAINER_RUNNING');
  }

  /** Forgets a removed container. */
  forget(id: string): void {
    this.seen.delete(id);
  }

  /** Relists now (after a stop), not at the next period. */
  kick(): void {
    if (this.listeners.size) this.schedule(0);
  }

  stop(): void {
    this.stopped = true;
    this.o.clock.clearTimeout(this.timer);
    this.listeners.clear();
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.o.clock.clearTimeout(this.timer);
    this.timer = this.o.clock.setTimeout(() => void this.relist(), ms);
  }

  private async relist(): Promise<void> {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    try {
      const containers = await this.o.list();
      const now = new Set<string>();
      for (const c of containers) {
        now.add(c.id);
        const before = this.seen.get(c.id);
        this.seen.set(c.id, c.state);
        if (before === 'CONTAINER_RUNNING' && c.state === 'CONTAINER_EXITED') await this.report(c.id);
      }
      for (const id of this.seen.keys()) if (!now.has(id)) this.seen.delete(id);
    } catch (err) {
      if (!this.stopped) this.o.log.warn({ err: err instanceof Error ? err.message : String(err) }, 'container relist failed');
    } finally {
      this.running = false;
    }
    if (this.stopped || !this.listeners.size) return;
    if (this.again) {
      this.again = false;
      this.schedule(0);
    } else this.schedule(this.o.periodMs);
  }

  private async report(id: string): Promise<void> {
    const info = await this.o.status(id);
    if (!info || info.state !== 'exited' || this.stopped) return;
    const e: ContainerExit = {
      id,
      podUid: info.podUid,
      name: info.name,
      exitCode: info.exitCode ?? 0,
      reason: info.reason ?? 'Error',
      message: info.message,
      startedAt: info.startedAt ?? info.createdAt,
      finishedAt: info.finishedAt ?? info.createdAt,
    };
    for (const fn of this.listeners) {
      try {
        fn(e);
      } catch (err) {
        this.o.log.error({ err, container: id }, 'container exit listener threw');
      }
    }
  }
}
