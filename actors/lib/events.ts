// Kubernetes Events (what `kubus describe` shows under "Events"), recorded as upstream's
// EventRecorder does: one Event per (object, reason, message), its count bumped on repeats;
// similar ones combined and spam dropped first, as its EventCorrelator does (event-correlator.ts).
import type { KubeObject } from '../../api/meta.ts';
import { rfc3339 } from '../../api/names.ts';
import { isNotFound } from '../../api/status.ts';
import type { ApiClient } from '../../bus/client.ts';
import type { Clock } from '../../bus/clock.ts';
import type { Rng } from '../../bus/random.ts';
import type { Logger } from '../../bus/types.ts';
import { EventCorrelator } from './event-correlator.ts';

export type EventType = 'Normal' | 'Warning';

export interface EventSource {
  component: string;
  host?: string;
}

/** Records Events about objects; failures are logged, never thrown (events are best effort). */
export class EventRecorder {
  private readonly seen = new Map<string, { name: string; namespace: string; count: number }>();
  private readonly correlator = new EventCorrelator();

  constructor(
    private readonly client: ApiClient,
    private readonly source: EventSource,
    private readonly clock: Clock,
    private readonly rng: Rng,
    private readonly log: Logger,
  ) {}

  /** Records that `reason` happened to `obj` (type Normal or Warning), with a human message. */
  record(obj: KubeObject, type: EventType, reason: string, message: string): void {
    void this.write(obj, type, reason, message).catch((err: Error) =>
      this.log.debug({ err: err.message, reason }, 'could not record event'),
    );
  }

  private async write(obj: KubeObject, type: EventType, reason: string, said: string): Promise<void> {
    const namespace = obj.metadata.namespace || 'default';
    const now = this.clock.now();
    const m = obj.metadata;
    const object = `${obj.kind}|${m.namespace ?? ''}|${m.name}|${m.uid}`;
    const c = this.correlator.correlate({ source: `${this.source.component}|${this.source.host ?? ''}`, object, type, reason, message: said }, now);
    // The count of a dropped Event is not kept (upstream's is, in its cache, until the next one goes).
    if (c.skip) return;
    const { key, message } = c;
    const prev = this.seen.get(key);
    if (prev) {
      prev.count++;
      try {
        const patch = c.combined ? { count: prev.count, lastTimestamp: rfc3339(now), message } : { count: prev.count, lastTimestamp: rfc3339(now) };
        await this.client.patch('events', prev.name, patch, { namespace: prev.namespace });
        return;
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
    const name = `${obj.metadata.name}.${this.rng.hex(8)}`;
    if (this.seen.size > 4096) this.seen.clear();
    this.seen.set(key, { name, namespace, count: 1 });
    await this.client.create('events', {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name, namespace },
      involvedObject: {
        kind: obj.kind,
        apiVersion: obj.apiVersion,
        name: obj.metadata.name,
        namespace: obj.metadata.namespace,
        uid: obj.metadata.uid,
        resourceVersion: obj.metadata.resourceVersion,
      },
      reason,
      message,
      type,
      count: 1,
      source: this.source,
      firstTimestamp: rfc3339(now),
      lastTimestamp: rfc3339(now),
      reportingComponent: this.source.component,
      reportingInstance: this.source.host ?? '',
    });
  }
}
