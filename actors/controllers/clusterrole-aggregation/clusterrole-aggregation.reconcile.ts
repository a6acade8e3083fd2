// What an aggregated ClusterRole's rules should be (upstream pkg/controller/clusterroleaggregation): pure,
// in api/ since the API server's RBAC bootstrap fills the default admin, edit and view roles with it too.
export { aggregatedRules, rulesUpToDate } from '../../../api/kinds/rbac-aggregation.ts';
