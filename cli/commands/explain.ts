// `kubus explain pod NAME [-n NS]`: asks the scheduler why a pod is (or would be) placed where it
// is: every node's filter verdict, each score plugin's weighted score, the total, its last decision.
import type { Command } from 'commander';
import { StatusError } from '../../api/status.ts';
import type { ExplainReply } from '../../actors/scheduler/explain.ts';
import { NoRespondersError } from '../../bus/errors.ts';
import { SCHEDULER_EXPLAIN } from '../../bus/subjects.ts';
import { UsageError, withSession, type GlobalOptions } from '../context.ts';
import { renderTable } from '../printers/index.ts';

/** Short column names of the score plugins (their weight is appended). */
const SHORT: Record<string, string> = {
  TaintToleration: 'TAINTS',
  NodeAffinity: 'NODE-AFFINITY',
  NodeResourcesFit: 'LEAST-ALLOCATED',
  PodTopologySpread: 'SPREAD',
  InterPodAffinity: 'POD-AFFINITY',
  NodeResourcesBalancedAllocation: 'BALANCED',
};

/** Returns the text `kubus explain pod` prints for a reply: a summary, a table of nodes, and notes. */
export function renderExplain(r: ExplainReply): string {
  const lines: string[] = [];
  const id = `${r.namespace}/${r.name}`;
  if (r.nodeName) lines.push(`Pod ${id} is bound to ${r.nodeName}.`);
  else lines.push(`Pod ${id} is pending.`);
  const l = r.last;
  if (l?.result === 'scheduled')
    lines.push(`Last decision (${l.at}): ${l.node}, best of ${l.feasibleNodes} feasible node(s) after checking ${l.evaluatedNodes}.`);
  else if (l) lines.push(`Last attempt (${l.at}): ${l.result === 'error' ? 'error' : 'unschedulable'}: ${l.message}`);
  else if (!r.nodeName) lines.push(`${r.scheduler} has not tried it yet.`);
  if (r.message) lines.push(`Now: ${r.message}`);
  const scored = r.plugins.filter((p) => !p.skipped);
  lines.push(r.nodeName ? 'Evaluated as if it were being placed now (without itself):' : 'Evaluated against the current cluster:');
  const headers = ['NODE', 'FILTERS', ...scored.map((p) => `${SHORT[p.name] ?? p.name.toUpperCase()}(x${p.weight})`), 'TOTAL'];
  const rows = r.nodes.map((n) => [
    n.node === r.nodeName ? `${n.node} *` : n.node,
    n.rejected ? `${n.rejected.plugin}: ${n.rejected.reasons.join(', ')}` : 'passed',
    ...scored.map((p) => (n.scores?.[p.name] === undefined ? '-' : String(n.scores[p.name]))),
    n.total === undefined ? '-' : String(n.total),
  ]);
  const out = `${lines.join('\n')}\n${renderTable(headers, rows)}`;
  const skipped = r.plugins.filter((p) => p.skipped).map((p) => p.name);
  return skipped.length ? `${out}Not scored (nothing to score for this pod): ${skipped.join(', ')}.\n` : out;
}

/** Registers `kubus explain pod NAME`. */
export function explainCommand(program: Command): void {
  program
    .command('explain')
    .description("Show the scheduler's view of a pod: each node's filter verdict, per-plugin scores, and its last decision")
    .argument('<kind>', 'pod (po)')
    .argument('<name>', 'the pod')
    .option('-n, --namespace <ns>', 'namespace (default: default)')
    .action(async (kind: string, name: string, o: { namespace?: string }) => {
      if (!['pod', 'pods', 'po'].includes(kind)) throw new UsageError(`kubus explain only explains pods, not "${kind}"`);
      const namespace = o.namespace ?? 'default';
      await withSession(program.opts<GlobalOptions>(), async ({ bus }) => {
        let reply: ExplainReply;
        try {
          reply = (await bus.request<ExplainReply>(SCHEDULER_EXPLAIN, { namespace, name }, { timeoutMs: 10_000 })).data;
        } catch (err) {
          if (err instanceof NoRespondersError) throw new Error('no scheduler is answering: start one with `kubus up` or `kubus control-plane`');
          throw err;
        }
        const failure = (reply as unknown as { error?: string }).error;
        if (failure) throw new Error(`the scheduler could not explain the pod: ${failure}`);
        if (!reply.found) throw new StatusError(404, 'NotFound', `pods "${name}" not found`);
        process.stdout.write(renderExplain(reply));
      });
    });
}
