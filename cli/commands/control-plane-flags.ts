// The API server's flags that `kubus up` and `kubus control-plane` share: the audit log and policy,
// and the admission configuration file (one place for their help and their checks).
import type { Command } from 'commander';
import { loadAuditPolicy, type AuditOptions } from '../../runtime/audit-log.ts';
import { ADMISSION_CONFIG_HELP } from '../../runtime/up.ts';
import { UsageError } from '../context.ts';

export interface ApiServerFlags {
  auditLog?: string;
  auditPolicy?: string;
  admissionControlConfigFile?: string;
}

/** Adds --audit-log, --audit-policy and --admission-control-config-file to `cmd`; returns it. */
export const apiServerFlags = (cmd: Command): Command =>
  cmd
    .option('--audit-log <file>', 'append an audit.k8s.io/v1 Event per request stage to this file as JSON lines (- for stdout); without --audit-policy every request is audited at Metadata level')
    .option('--audit-policy <file>', 'an audit.k8s.io/v1 Policy (YAML or JSON): the first matching rule gives each request its level (None, Metadata, Request, RequestResponse)')
    .option('--admission-control-config-file <file>', ADMISSION_CONFIG_HELP);

/** Returns the audit options of the flags, the policy file read and checked now (a bad one is a usage error naming the field). */
export function auditFlags(opts: ApiServerFlags): AuditOptions | undefined {
  if (opts.auditPolicy && !opts.auditLog) throw new UsageError('--audit-policy needs --audit-log (where the events go)');
  if (!opts.auditLog) return undefined;
  try {
    if (opts.auditPolicy) loadAuditPolicy(opts.auditPolicy);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  return { auditLog: opts.auditLog, auditPolicy: opts.auditPolicy };
}
