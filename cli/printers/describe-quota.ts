// `kubectl describe` of ResourceQuotas and LimitRanges (upstream describeQuota, describeLimitRange); their
// tables also make the Resource Quotas and Resource Limits sections of `describe namespace`.
import { byString, rec, recs, str } from '../../api/table/loose.ts';
import { DescribeWriter } from './describe-writer.ts';
import { formatQuantity } from '../../api/quantity.ts';
import { quantity, quantityString, sortedNames } from './quantities.ts';

/** Upstream's helpTextForResourceQuotaScope. */
const SCOPE_HELP: Record<string, string> = {
  Terminating: 'Matches all pods that have an active deadline. These pods have a limited lifespan on a node before being actively terminated by the system.',
  NotTerminating: 'Matches all pods that do not have an active deadline. These pods usually include long running pods whose container command is not expected to terminate.',
  BestEffort: 'Matches all pods that do not have resource requirements set. These pods have a best effort quality of service.',
  NotBestEffort: 'Matches all pods that have at least one resource requirement set. These pods have a burstable or guaranteed quality of service.',
};

/** Returns a used amount as describe prints it: in the hard limit's format when the two differ (a whole value). */
function usedText(used: unknown, hard: unknown): string {
  const u = quantity(used ?? '0');
  const h = quantity(hard);
  if (!u || !h || u.format === h.format) return quantityString(used ?? '0');
  return formatQuantity({ nanos: ((u.nanos + 999_999_999n) / 1_000_000_000n) * 1_000_000_000n, format: h.format });
}

/** Writes a quota's Resource/Used/Hard table (status.hard's resources, sorted); `rule` is the dashes line (namespace describe has shorter ones). */
export function writeQuotaTable(w: DescribeWriter, quota: unknown, level: number, rule = '--------\t----\t----\n'): void {
  const st = rec(rec(quota).status);
  w.write(level, 'Resource\tUsed\tHard\n');
  w.write(level, rule);
  for (const r of sortedNames(st.hard)) w.write(level, `${r}\t${usedText(rec(st.used)[r], rec(st.hard)[r])}\t${quantityString(rec(st.hard)[r])}\n`);
}

/** Writes a limit range's rows (Type, Resource, Min, Max, Default Request, Default Limit, Max Limit/Request Ratio; `-` when unset). */
export function writeLimitRangeRows(w: DescribeWriter, lr: unknown, prefix: string): void {
  for (const item of recs(rec(rec(lr).spec).limits)) {
    const fields = ['min', 'max', 'defaultRequest', 'default', 'maxLimitRequestRatio'].map((f) => rec(item[f]));
    const names = [...new Set(fields.flatMap((f) => Object.keys(f)))].sort(byString);
    for (const n of names) w.write(0, `${prefix}${str(item.type)}\t${n}\t${fields.map((f) => (f[n] != null ? quantityString(f[n]) : '-')).join('\t')}\n`);
  }
}

/** The header of a limit range table. */
export const LIMIT_RANGE_HEADER = 'Type\tResource\tMin\tMax\tDefault Request\tDefault Limit\tMax Limit/Request Ratio\n';
export const LIMIT_RANGE_RULE = '----\t--------\t---\t---\t---------------\t-------------\t-----------------------\n';

/** Returns `kubectl describe resourcequota`: name, namespace, scopes with their help, the usage table. */
export function describeResourceQuota(obj: unknown): string {
  const q = rec(obj);
  const m = rec(q.metadata);
  const w = new DescribeWriter();
  w.write(0, `Name:\t${str(m.name)}\n`);
  w.write(0, `Namespace:\t${str(m.namespace)}\n`);
  const scopes = (Array.isArray(rec(q.spec).scopes) ? (rec(q.spec).scopes as unknown[]) : []).map(str).sort(byString);
  if (scopes.length) {
    w.write(0, `Scopes:\t${scopes.join(', ')}\n`);
    for (const s of scopes) if (SCOPE_HELP[s]) w.write(0, ` * ${SCOPE_HELP[s]}\n`);
  }
  writeQuotaTable(w, q, 0);
  return w.toString();
}

/** Returns `kubectl describe limitrange`: name, namespace and one row per type and resource. */
export function describeLimitRange(obj: unknown): string {
  const m = rec(rec(obj).metadata);
  const w = new DescribeWriter();
  w.write(0, `Name:\t${str(m.name)}\n`);
  w.write(0, `Namespace:\t${str(m.namespace)}\n`);
  w.write(0, LIMIT_RANGE_HEADER);
  w.write(0, LIMIT_RANGE_RULE);
  writeLimitRangeRows(w, obj, '');
  return w.toString();
}
