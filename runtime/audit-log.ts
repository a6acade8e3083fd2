// The audit log of a process (`--audit-log FILE|-`, `--audit-policy FILE`): events as JSON lines,
// appended in batches (one write per turn of the event loop, so a request never waits on the disk),
// flushed and closed when the process stops.
import { createWriteStream, readFileSync, type WriteStream } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { Auditor, type AuditEvent, type AuditSink } from '../api/audit-event.ts';
import { AuditPolicyError, checkPolicy, METADATA_FOR_ALL, type AuditPolicy } from '../api/audit-policy.ts';
import type { Clock } from '../bus/clock.ts';
import type { Rng } from '../bus/random.ts';
import type { Logger } from '../bus/types.ts';

/** Appends events to a file (0600: events may carry objects), or stdout for `-`. */
export class AuditLogWriter implements AuditSink {
  private lines: string[] = [];
  private scheduled = false;
  private readonly out: WriteStream | NodeJS.WriteStream;
  /** Events written so far (for tests and `kubus status`). */
  written = 0;

  constructor(
    readonly target: string,
    private readonly log?: Logger,
  ) {
    this.out = target === '-' ? process.stdout : createWriteStream(target, { flags: 'a', mode: 0o600 });
    this.out.on('error', (err: Error) => this.log?.error({ err: err.message, file: target }, 'audit log write failed'));
  }

  write(event: AuditEvent): void {
    this.lines.push(JSON.stringify(event));
    this.written++;
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.flush());
  }

  /** Hands the buffered lines to the stream. */
  flush(): void {
    this.scheduled = false;
    if (!this.lines.length) return;
    const chunk = `${this.lines.join('\n')}\n`;
    this.lines = [];
    this.out.write(chunk);
  }

  /** Flushes and closes the file (stdout stays open); resolves once the lines are written. */
  close(): Promise<void> {
    this.flush();
    if (this.out === process.stdout) return Promise.resolve();
    return new Promise((resolve) => (this.out as WriteStream).end(() => resolve()));
  }
}

/** Reads and checks a policy file (YAML or JSON); the error names the file and the field. */
export function loadAuditPolicy(file: string): AuditPolicy {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new AuditPolicyError(`audit policy ${file}: ${(err as Error).message}`);
  }
  try {
    return checkPolicy(parseYaml(text) as unknown);
  } catch (err) {
    throw new AuditPolicyError(`audit policy ${file}: ${(err as Error).message}`);
  }
}

export interface AuditOptions {
  /** Where events go: a file, or `-` for stdout. */
  auditLog: string;
  /** A policy file; unset: every request at Metadata. */
  auditPolicy?: string;
}

/** Returns the process's auditor and its writer (close it on stop); throws AuditPolicyError for a bad policy before anything is opened. */
export function openAudit(opts: AuditOptions, clock: Clock, rng: Rng, log?: Logger): { auditor: Auditor; writer: AuditLogWriter } {
  const policy = opts.auditPolicy ? loadAuditPolicy(opts.auditPolicy) : METADATA_FOR_ALL;
  const writer = new AuditLogWriter(opts.auditLog, log);
  const ids = rng.fork('audit');
  return { auditor: new Auditor(policy, writer, () => clock.now(), () => ids.uuid()), writer };
}
