// Message faults: rules that drop a fraction of, or delay, the messages on subjects matching a
// NATS pattern, optionally only from or to one node or component. The simulated runner asks the
// plan per delivery (MemoryBroker.faults); the real one per frame in each process's relay.
import type { Rng } from '../bus/random.ts';
import { API_VERBS, apiSubject } from '../bus/subjects.ts';
import type { FaultHandle } from './api.types.ts';

/** One fault. `from`/`to` are node or component names. */
export interface FaultRule {
  pattern: string;
  action: 'drop' | 'delay';
  /** drop: share of the matching deliveries dropped (1 = all). */
  fraction?: number;
  /** delay: ms (cluster time in simulated mode, wall clock in real mode). */
  delayMs?: number;
  from?: string;
  to?: string;
}

/** Returns true when a subject matches a NATS pattern (`*` one token, `>` the rest). */
export function subjectMatches(pattern: string, subject: string): boolean {
  if (pattern === '>' || pattern === subject) return true;
  const p = pattern.split('.');
  const s = subject.split('.');
  for (let i = 0; i < p.length; i++) {
    if (p[i] === '>') return s.length > i;
    if (i >= s.length) return false;
    if (p[i] !== '*' && p[i] !== s[i]) return false;
  }
  return p.length === s.length;
}

/** Thrown for a fault a script spelled wrong. */
export class FaultSpecError extends Error {
  override name = 'FaultSpecError';
}

/** The patterns of a node's heartbeats: every lease request and node status write. */
export const HEARTBEAT_PATTERNS = [...API_VERBS.map((v) => apiSubject('leases', v)), apiSubject('nodes', 'update-status'), apiSubject('nodes', 'patch-status')];

/**
 * Where a rule is decided: `delivery` (simulated: sender and receiver known), or in a real-mode
 * relay at `send` (the sender's rules: those with `from`) or `receive` (those without `from`).
 */
export type FaultStage = 'delivery' | 'send' | 'receive';

/** The active message faults of a run. */
export class FaultPlan {
  private rules: FaultRule[] = [];

  /** `refuse` throws for a rule the mode can't apply (real mode: nodes in shared processes have no relay). */
  constructor(
    private readonly rng: Rng,
    private readonly refuse?: (rule: FaultRule) => void,
  ) {}

  /** Adds a rule; the handle lifts it. */
  add(rule: FaultRule): FaultHandle {
    if (rule.action === 'drop' && !(rule.fraction! >= 0 && rule.fraction! <= 1)) throw new FaultSpecError(`drop fraction must be between 0 and 1, got ${rule.fraction}`);
    if (rule.action === 'delay' && !(rule.delayMs! >= 0)) throw new FaultSpecError(`delay must be ≥ 0 ms, got ${rule.delayMs}`);
    if (!/^[^\s]+$/.test(rule.pattern)) throw new FaultSpecError(`invalid subject pattern "${rule.pattern}"`);
    this.refuse?.(rule);
    const r = { ...rule };
    this.rules.push(r);
    return { stop: () => (this.rules = this.rules.filter((x) => x !== r)) };
  }

  /** True when there is no rule (the common case: nothing to check). */
  get empty(): boolean {
    return this.rules.length === 0;
  }

  /** Returns whether to drop one delivery (`from`/`to` undefined: not known at this stage). */
  drop(subject: string, from: string | undefined, to: string | undefined, stage: FaultStage = 'delivery'): boolean {
    for (const r of this.rules) {
      if (r.action !== 'drop' || !this.applies(r, subject, from, to, stage)) continue;
      if (r.fraction! >= 1 || (r.fraction! > 0 && this.rng.float() < r.fraction!)) return true;
    }
    return false;
  }

  /** Returns the delay of one delivery (the longest matching rule). */
  delayMs(subject: string, from: string | undefined, to: string | undefined, stage: FaultStage = 'delivery'): number {
    let ms = 0;
    for (const r of this.rules) if (r.action === 'delay' && this.applies(r, subject, from, to, stage)) ms = Math.max(ms, r.delayMs!);
    return ms;
  }

  private applies(r: FaultRule, subject: string, from: string | undefined, to: string | undefined, stage: FaultStage): boolean {
    if (stage === 'send' && r.from === undefined) return false;
    if (stage === 'receive' && r.from !== undefined) return false;
    if (r.from !== undefined && r.from !== from) return false;
    // A real-mode sender does not know the receiver: a rule with both ends applies to all it sends.
    if (r.to !== undefined && stage !== 'send' && r.to !== to) return false;
    return subjectMatches(r.pattern, subject);
  }
}
