// k8s.io/api core/v1 ResourceQuota (what `kubectl create quota` sends), as field tables (see tables.ts);
// numbers from upstream's generated.proto.
import type { Tables } from './tables.ts';

/** ResourceQuota with its spec, status and scope selector. */
export const QUOTA: Tables = {
  ResourceQuota: { 1: 'metadata ObjectMeta', 2: 'spec ResourceQuotaSpec', 3: 'status ResourceQuotaStatus' },
  ResourceQuotaSpec: { 1: 'hard {}Quantity', 2: 'scopes []string', 3: 'scopeSelector ScopeSelector' },
  ResourceQuotaStatus: { 1: 'hard {}Quantity', 2: 'used {}Quantity' },
  ScopeSelector: { 1: 'matchExpressions []ScopedResourceSelectorRequirement' },
  ScopedResourceSelectorRequirement: { 1: 'scopeName', 2: 'operator', 3: 'values []string' },
};
