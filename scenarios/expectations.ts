// Waits and expectations: `until` (a step that fails the run at its deadline), `eventually` and
// `expect` (reported, the run goes on), `always` (an invariant checked after every watch event).
import type { CheckResult, Condition } from './api.types.ts';
import { formatDuration } from './duration.ts';
import type { Driver } from './runner/driver.ts';
import type { ExpectationResult, ProgressEvent } from './types.ts';
import type { ClusterView } from './view/cluster-view.ts';

/** Thrown by `until` at its deadline: ends the body; the report names the condition and what it saw. */
export class UntilTimeoutError extends Error {
  override name = 'UntilTimeoutError';
}

interface Evaluation {
  ok: boolean;
  seen: string[];
}

/** A wait that takes long says how it is going this often (real time). */
const PROGRESS_EVERY_MS = 10_000;

const isPromise = (v: unknown): v is Promise<unknown> => typeof (v as Promise<unknown>)?.then === 'function';

/** Keeps the results of a run's expectations and reports progress. */
export class Expectations {
  readonly results: ExpectationResult[] = [];
  step = 'start';
  /** Where set queries report what they read (the evaluation under way). */
  private observing: string[] | undefined;

  constructor(
    private readonly driver: Driver,
    private readonly view: ClusterView,
    private readonly realNow: () => number,
    private readonly progress: (e: ProgressEvent) => void,
  ) {}

  /** Called by set queries with what they read. */
  observe = (line: string): void => {
    if (this.observing && this.observing.length < 50) this.observing.push(line);
  };

  /** Reports one line of progress. */
  emit(kind: ProgressEvent['kind'], text: string, ok?: boolean): void {
    const e: ProgressEvent = { at: this.driver.now(), realAt: this.realNow(), kind, text };
    if (ok !== undefined) e.ok = ok;
    this.progress(e);
  }

  /** Evaluates a condition once, collecting what it read; a throw is a failure that says why. */
  async evaluate(cond: Condition): Promise<Evaluation> {
    const seen: string[] = [];
    const prev = this.observing;
    this.observing = seen;
    try {
      let r: CheckResult | Promise<CheckResult> = cond();
      if (isPromise(r)) r = await this.driver.drive(r);
      return outcome(r, seen);
    } catch (err) {
      seen.push(`threw ${(err as Error)?.name ?? 'Error'}: ${(err as Error)?.message ?? String(err)}`);
      return { ok: false, seen };
    } finally {
      this.observing = prev;
    }
  }

  /** Evaluates a synchronous invariant (an async one is an error: invariants run inside watch events). */
  private evaluateSync(inv: () => CheckResult): Evaluation {
    const seen: string[] = [];
    const prev = this.observing;
    this.observing = seen;
    try {
      const r = inv();
      if (isPromise(r)) {
        (r as Promise<unknown>).catch(() => undefined);
        seen.push('the invariant returned a promise: `always` needs a synchronous check (read s.pods(), s.get() …)');
        return { ok: false, seen };
      }
      return outcome(r, seen);
    } catch (err) {
      seen.push(`threw ${(err as Error)?.name ?? 'Error'}: ${(err as Error)?.message ?? String(err)}`);
      return { ok: false, seen };
    } finally {
      this.observing = prev;
    }
  }

  private record(r: Omit<ExpectationResult, 'step' | 'at' | 'realAt'>, at = this.driver.now()): ExpectationResult {
    const full: ExpectationResult = { ...r, step: this.step, at, realAt: this.realNow() };
    this.results.push(full);
    return full;
  }

  /** Checks now; records and reports the outcome. */
  async expect(description: string, check: Condition): Promise<boolean> {
    const e = await this.evaluate(check);
    this.record({ kind: 'expect', description, ok: e.ok, seen: e.seen, ...(e.ok ? {} : { message: `false when checked; saw ${e.seen.join('; ') || 'nothing the runner tracks'}` }) });
    this.emit('expect', `${e.ok ? '✓' : '✗'} expect ${description}${e.ok ? '' : ` — saw ${e.seen.join('; ') || 'false'}`}`, e.ok);
    return e.ok;
  }

  /**
   * Waits until `cond` holds or cluster time passes `withinMs`. Sync conditions are checked on
   * every change of the runner's caches and every `everyMs`; async ones every `everyMs`.
   */
  async wait(kind: 'until' | 'eventually', description: string, cond: Condition, withinMs: number, everyMs: number): Promise<boolean> {
    const start = this.driver.now();
    const deadline = start + withinMs;
    let said = this.realNow();
    for (;;) {
      const version = this.view.version;
      const e = await this.evaluate(cond);
      const now = this.driver.now();
      if (!e.ok && this.realNow() - said >= PROGRESS_EVERY_MS) {
        said = this.realNow();
        this.emit('info', `… still waiting: ${description}; now ${e.seen.join('; ') || 'false'}`);
      }
      if (e.ok) {
        this.record({ kind, description, ok: true, seen: e.seen, message: `after ${formatDuration(now - start)}` });
        this.emit('wait', `✓ ${kind} ${description} (after ${formatDuration(now - start)})`, true);
        return true;
      }
      if (now >= deadline) {
        const message = `"${description}" not met within ${formatDuration(withinMs)} (waited from ${formatDuration(start)} to ${formatDuration(now)} of cluster time); last seen: ${e.seen.join('; ') || 'false (the condition read nothing the runner tracks)'}`;
        this.record({ kind, description, ok: false, seen: e.seen, message });
        this.emit('wait', `✗ ${kind} ${message}`, false);
        if (kind === 'until') throw new UntilTimeoutError(message);
        return false;
      }
      await this.driver.runUntil(() => this.view.version !== version, Math.min(deadline, now + everyMs));
    }
  }

  /** Registers an invariant, checked now and after every change; returns a handle that stops it. */
  always(description: string, inv: () => CheckResult): { stop(): void } {
    const r = this.record({ kind: 'always', description, ok: true, checks: 0 });
    let off = (): void => undefined;
    const check = () => {
      r.checks!++;
      const e = this.evaluateSync(inv);
      if (e.ok) return;
      r.ok = false;
      r.brokenAt = this.driver.now();
      r.seen = e.seen;
      r.message = `broken at ${formatDuration(r.brokenAt)} of cluster time (check ${r.checks}); saw ${e.seen.join('; ') || 'false'}`;
      this.emit('expect', `✗ always ${description}: ${r.message}`, false);
      off();
    };
    off = this.view.listen(check);
    check();
    this.emit('info', `always ${description} (checked after every watch event from now on)`);
    return {
      stop: () => {
        off();
        if (r.ok) r.message = `held over ${r.checks} checks, ${formatDuration(r.at)} to ${formatDuration(this.driver.now())}`;
      },
    };
  }

  /** Closes the invariants still running (at the end of the run). */
  finish(): void {
    for (const r of this.results) if (r.kind === 'always' && r.ok && !r.message) r.message = `held over ${r.checks} checks, ${formatDuration(r.at)} to the end`;
  }
}

function outcome(r: CheckResult, seen: string[]): Evaluation {
  if (typeof r === 'boolean') return { ok: r, seen };
  if (r && typeof r === 'object' && 'ok' in r) {
    if (r.seen !== undefined) seen.push(r.seen);
    return { ok: !!r.ok, seen };
  }
  seen.push(`the condition returned ${JSON.stringify(r)} (expected true/false or {ok, seen})`);
  return { ok: false, seen };
}
