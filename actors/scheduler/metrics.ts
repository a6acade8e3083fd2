// The scheduler's Prometheus metrics, with kube-scheduler's names and labels: attempts by result
// and profile (a pod counts as scheduled once its binding went through, as upstream's binding
// cycle counts it), each attempt's algorithm time, and pending pods per queue, read at scrape time.
import { Counter, Gauge, Histogram } from 'prom-client';
import { metricsOf, type ComponentId } from '../lib/metrics-registry.ts';

/** What scheduler_pending_pods reads when scraped: pods per place in the queue. */
export type PendingCounts = () => { active: number; backoff: number; unschedulable: number; gated: number };

/** The result label of an attempt: scheduled, unschedulable, or error. */
export type AttemptResult = 'scheduled' | 'unschedulable' | 'error';

/** Upstream's buckets of scheduler_scheduling_attempt_duration_seconds: 1 ms doubling 15 times. */
const ATTEMPT_BUCKETS = Array.from({ length: 15 }, (_, i) => 0.001 * 2 ** i);

/** The metrics of one scheduler (profile = its schedulerName). */
export class SchedulerMetrics {
  private readonly attempts: Counter<'result' | 'profile'>;
  private readonly duration: Histogram<'result' | 'profile'>;

  constructor(
    id: ComponentId,
    private readonly profile: string,
    pending: PendingCounts,
  ) {
    const m = metricsOf(id, 'scheduler', (registers) => {
      const source: { pending?: PendingCounts } = {};
      return {
        source,
        attempts: new Counter({ name: 'scheduler_schedule_attempts_total', help: 'Number of attempts to schedule pods, by the result. \'unschedulable\' means a pod could not be scheduled, while \'error\' means an internal scheduler problem.', labelNames: ['result', 'profile'], registers: [registers] }),
        duration: new Histogram({ name: 'scheduler_scheduling_attempt_duration_seconds', help: 'Scheduling attempt latency in seconds (scheduling algorithm + binding)', labelNames: ['result', 'profile'], buckets: ATTEMPT_BUCKETS, registers: [registers] }),
        pending: new Gauge({
          name: 'scheduler_pending_pods',
          help: "Number of pending pods, by the queue type. 'active' means number of pods in activeQ; 'backoff' means number of pods in backoffQ; 'unschedulable' means number of pods in unschedulablePods that the scheduler attempted to schedule and failed; 'gated' is the number of unschedulable pods that the scheduler never attempted to schedule because they are gated.",
          labelNames: ['queue'],
          registers: [registers],
          collect() {
            const c = source.pending?.();
            if (c) for (const queue of ['active', 'backoff', 'unschedulable', 'gated'] as const) this.set({ queue }, c[queue]);
          },
        }),
      };
    });
    m.source.pending = pending;
    this.attempts = m.attempts;
    this.duration = m.duration;
  }

  /** Counts one attempt's result. */
  attempted(result: AttemptResult): void {
    this.attempts.inc({ result, profile: this.profile });
  }

  /** Returns a function that, called when an attempt's algorithm is done, observes its duration. */
  timeAttempt(): (result: AttemptResult) => void {
    const end = this.duration.startTimer({ profile: this.profile });
    return (result) => end({ result });
  }
}
