// The ClusterRole aggregation controller: a ClusterRole with an aggregationRule gets the rules of every ClusterRole
// its selectors match (upstream pkg/controller/clusterroleaggregation). Keyed by the aggregating role's name.
import type { ClusterRole } from '../../../api/kinds/rbac.ts';
import { defineController } from '../../lib/controller.ts';
import { aggregatedRules, rulesUpToDate } from './clusterrole-aggregation.reconcile.ts';

/** The field manager of the controller's writes (upstream's). */
export const FIELD_MANAGER = 'clusterrole-aggregation-controller';

/** The ClusterRole aggregation controller's actor definition (input: none). */
export const clusterRoleAggregationController = defineController({
  name: 'clusterrole-aggregation',
  // Upstream runs it with one worker.
  workers: 1,
  // Any ClusterRole's change may change any aggregate: every aggregating role is enqueued (upstream enqueue()).
  watches: [
    {
      resource: 'clusterroles',
      keys: (_changed, ctx) =>
        ctx
          .cache<ClusterRole>('clusterroles')
          .list()
          .filter((r) => r.aggregationRule)
          .map((r) => r.metadata.name!),
    },
  ],
  async reconcile(name, ctx) {
    const roles = ctx.cache<ClusterRole>('clusterroles');
    const role = roles.get(name);
    if (!role) return;
    const rules = aggregatedRules(role, roles.list());
    if (!rules || rulesUpToDate(role, rules)) return;
    // A merge patch with the resourceVersion: a role changed meanwhile is a conflict, retried from the cache.
    await ctx.deps.client.patch('clusterroles', name, { metadata: { resourceVersion: role.metadata.resourceVersion }, rules });
  },
});
