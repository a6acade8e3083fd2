// Upstream's node authorizer (plugin/pkg/auth/authorizer/node): a kubelet (system:node:<name> in
// system:nodes) may read the secrets, configmaps, claims and volumes of the pods bound to it and ask
// tokens for their service accounts (the graph), list and watch only its own pods (upstream's
// AuthorizeNodeWithSelectors), touch only its own Lease; anything else is decided by the system:node
// rules. It never denies outright: it has no opinion, with a reason, and RBAC decides next.
import { parseFieldSelector } from '../../../api/field-selector.ts';
import type { PolicyRule } from '../../../api/kinds/rbac.ts';
import type { UserInfo } from '../../../api/protocol.ts';
import { isResourceRequest, type Attributes } from '../../../api/authorization.ts';
import { ruleAllows } from './attributes.ts';
import type { Authorizer, Decision, RuleSet } from './authorizer.ts';
import { defaultClusterRoles } from './default-roles.ts';
import type { GraphResource, NodeGraph } from './node-graph.ts';
import { nodeIdentity } from './node-identity.ts';

export const NODE_LEASE_NAMESPACE = 'kube-node-lease';

const ALLOW: Decision = { allowed: true, reason: '' };
const READS = new Set(['get', 'list', 'watch']);
const LEASE_VERBS = new Set(['get', 'create', 'update', 'patch', 'delete']);
const noOpinion = (reason = ''): Decision => ({ allowed: false, reason });
/** The reason of a graph refusal (the object is not used by a pod bound to the node). */
export const UNRELATED = 'no relationship found between node';
const unrelated = (node: string) => noOpinion(`${UNRELATED} '${node}' and this object`);

/** Returns true when the field selector holds `spec.nodeName=<node>`. */
function selectsNode(fieldSelector: string | undefined, node: string): boolean {
  try {
    return parseFieldSelector(fieldSelector ?? '').some((r) => r.field === 'spec.nodeName' && r.op === '=' && r.value === node);
  } catch {
    return false; // a malformed selector is refused by the list itself; here it selects nothing
  }
}

export class NodeAuthorizer implements Authorizer {
  /** The system:node ClusterRole's rules as upstream's NodeRules() (kubus's default role, never the stored copy). */
  private readonly rules: PolicyRule[] = defaultClusterRoles().find((r) => r.metadata.name === 'system:node')?.rules ?? [];

  constructor(private readonly graph: NodeGraph) {}

  /** Decides for node users; other users get no opinion (and no reason). */
  authorize(a: Attributes): Decision {
    const node = nodeIdentity(a.user);
    if (node === undefined) return noOpinion();
    if (node === '') return noOpinion(`unknown node for user ${JSON.stringify(a.user.username)}`);
    if (isResourceRequest(a)) {
      const decided = this.byResource(node, a);
      if (decided) return decided;
    }
    return this.rules.some((r) => ruleAllows(a, r)) ? ALLOW : noOpinion();
  }

  /**
   * As upstream: no rules, only the error (so SelfSubjectRulesReview is incomplete for a node, and the
   * escalation check never counts the node's graph-gated rules, e.g. reading secrets, as held).
   */
  rulesFor(user: UserInfo, _namespace: string): RuleSet {
    if (nodeIdentity(user) === undefined) return { rules: [], errors: [] };
    return { rules: [], errors: ['node authorizer does not support user rule resolution'] };
  }

  /** The resources upstream subdivides; undefined: the static rules decide. */
  private byResource(node: string, a: Attributes): Decision | undefined {
    const group = a.apiGroup ?? '';
    if (group === 'coordination.k8s.io' && a.resource === 'leases') return this.lease(node, a);
    if (group !== '') return undefined;
    switch (a.resource) {
      case 'secrets':
      case 'configmaps':
        return this.readNamespaced(node, a.resource, a);
      case 'persistentvolumeclaims':
        return a.subresource === 'status' ? this.statusUpdate(node, a) : this.get(node, 'persistentvolumeclaims', a);
      case 'persistentvolumes':
        return this.get(node, 'persistentvolumes', a);
      case 'serviceaccounts':
        return this.createToken(node, a);
      case 'pods':
        return this.pod(node, a);
      default:
        return undefined;
    }
  }

  private related(node: string, resource: GraphResource, a: Attributes): Decision {
    if (!a.name) return noOpinion('No Object name found');
    return this.graph.related(node, resource, a.namespace ?? '', a.name) ? ALLOW : unrelated(node);
  }

  private readNamespaced(node: string, resource: GraphResource, a: Attributes): Decision {
    if (!READS.has(a.verb)) return noOpinion('can only read resources of this type');
    if (a.subresource) return noOpinion('cannot read subresource');
    if (!a.namespace) return noOpinion('can only read namespaced object of this type');
    return this.related(node, resource, a);
  }

  private get(node: string, resource: GraphResource, a: Attributes): Decision {
    if (a.verb !== 'get') return noOpinion('can only get individual resources of this type');
    if (a.subresource) return noOpinion('cannot get subresource');
    return this.related(node, resource, a);
  }

  private statusUpdate(node: string, a: Attributes): Decision {
    if (a.verb !== 'update' && a.verb !== 'patch') return noOpinion('can only get/update/patch this type');
    return this.related(node, 'persistentvolumeclaims', a);
  }

  private createToken(node: string, a: Attributes): Decision {
    if (a.verb !== 'create' || !a.name) return noOpinion('can only create tokens for individual service accounts');
    if (a.subresource !== 'token') return noOpinion('can only create token subresource of serviceaccount');
    return this.related(node, 'serviceaccounts', a);
  }

  private lease(node: string, a: Attributes): Decision {
    if (!LEASE_VERBS.has(a.verb)) return noOpinion('can only get, create, update, patch, or delete a node lease');
    if (a.namespace !== NODE_LEASE_NAMESPACE) return noOpinion(`can only access leases in the "${NODE_LEASE_NAMESPACE}" system namespace`);
    // A create names no object here: NodeRestriction checks the Lease's name.
    if (a.verb !== 'create' && a.name !== node) return noOpinion('can only access node lease with the same name as the requesting node');
    return ALLOW;
  }

  /** Pods: read those bound to it, list and watch only with its spec.nodeName selector; writes left to NodeRestriction. */
  private pod(node: string, a: Attributes): Decision {
    const sub = a.subresource ?? '';
    if (sub === '' && a.verb === 'get') return this.get(node, 'pods', a);
    if (sub === '' && (a.verb === 'list' || a.verb === 'watch')) {
      if (selectsNode(a.fieldSelector, node)) return ALLOW;
      if (a.name) return this.related(node, 'pods', a);
      return noOpinion('can only list/watch pods with spec.nodeName field selector');
    }
    if ((sub === '' && (a.verb === 'create' || a.verb === 'delete')) || (sub === 'status' && (a.verb === 'update' || a.verb === 'patch')) || (sub === 'eviction' && a.verb === 'create'))
      return ALLOW;
    return noOpinion();
  }
}
