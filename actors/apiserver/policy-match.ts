// Which admission requests a ValidatingAdmissionPolicy (or its binding) applies to: upstream's matching of
// matchConstraints / matchResources: namespace and object selectors, resource rules with names, exclusions.
import type { NamedRule, MatchResources } from '../../api/kinds/admission-policy.ts';
import { ruleMatches } from '../../api/kinds/admission-rules.ts';
import type { KubeObject } from '../../api/meta.ts';
import type { ResourceDef } from '../../api/resource.ts';
import { isEmptySelector, labelSelectorMatcher } from '../../api/selectors.ts';

/** One admission request as policies see it (upstream's admission.Attributes). */
export interface AdmissionAttributes {
  def: ResourceDef;
  operation: 'CREATE' | 'UPDATE' | 'DELETE';
  subresource: string;
  name: string;
  namespace: string;
  object: KubeObject | null;
  oldObject: KubeObject | null;
  dryRun: boolean;
}

const labelsOf = (o: KubeObject | null) => o?.metadata?.labels ?? {};

function namedRulesMatch(rules: readonly NamedRule[], a: AdmissionAttributes): boolean {
  const req = { operation: a.operation, group: a.def.group, version: a.def.version, resource: a.def.plural, subresource: a.subresource, namespaced: a.def.namespaced };
  return rules.some((r) => ruleMatches(r, req) && (!r.resourceNames?.length || r.resourceNames.includes(a.name)));
}

/**
 * Returns true when a request falls under match resources: the namespace selector (cluster-scoped requests
 * other than namespaces always pass it), the object selector (old or new object), not excluded, and a
 * resource rule, where an empty rule list matches every resource (a binding's matchResources).
 */
export function matchesResources(m: MatchResources | undefined, a: AdmissionAttributes, namespaceLabels: Record<string, string> | undefined): boolean {
  if (!m) return true;
  const nsSel = m.namespaceSelector;
  if (nsSel && !isEmptySelector(nsSel)) {
    const isNamespace = a.def.plural === 'namespaces' && a.def.group === '';
    if (a.namespace || isNamespace) {
      const labels = isNamespace ? labelsOf(a.object ?? a.oldObject) : (namespaceLabels ?? {});
      if (!labelSelectorMatcher(nsSel)(labels)) return false;
    }
  }
  const objSel = m.objectSelector;
  if (objSel && !isEmptySelector(objSel)) {
    const match = labelSelectorMatcher(objSel);
    if (!(a.object && match(labelsOf(a.object))) && !(a.oldObject && match(labelsOf(a.oldObject)))) return false;
  }
  if (m.excludeResourceRules?.length && namedRulesMatch(m.excludeResourceRules, a)) return false;
  return !m.resourceRules?.length || namedRulesMatch(m.resourceRules, a);
}
