// The API server's authorizer as kube-apiserver's default --authorization-mode=Node,RBAC builds it: the
// node authorizer (over the graph of what each node's pods use) first, then RBAC (over the role and
// binding index); both follow the store, so both stop with the server.
import type { AuditRecord } from '../../../api/audit-event.ts';
import type { ApiRequest, UserInfo } from '../../../api/protocol.ts';
import type { ResourceDef } from '../../../api/resource.ts';
import type { Logger } from '../../../bus/types.ts';
import type { ServerContext } from '../context.ts';
import { consistent } from '../freshness.ts';
import type { Store } from '../store/store.ts';
import { RbacAuthorizer, type Authorizer } from './authorizer.ts';
import { BindingIndex } from './binding-index.ts';
import { AuthorizerChain } from './chain.ts';
import { authorizeRequest } from './enforce.ts';
import { NodeAuthorizer, UNRELATED } from './node-authorizer.ts';
import { NodeGraph } from './node-graph.ts';
import { nodeIdentity } from './node-identity.ts';

/** The authorizer chain and the indexes it reads. */
export interface Authorization {
  authz: Authorizer;
  /** Stops following the store. */
  close(): void;
}

/** Loads the node graph and the RBAC index from `store`, follows their changes, and chains Node then RBAC. */
export function startAuthorization(store: Store, log: Logger): Authorization {
  const bindings = new BindingIndex(store, log);
  bindings.start();
  const graph = new NodeGraph(store, log);
  graph.start();
  return {
    authz: new AuthorizerChain(new NodeAuthorizer(graph), new RbacAuthorizer(bindings)),
    close: () => {
      bindings.close();
      graph.close();
    },
  };
}

/**
 * Authorizes a request (enforce.ts); on a store shared by several API servers, a kubelet refused for
 * want of a relationship is authorized once more after this replica caught up: the kubelet heard of
 * its pod from another replica's watch, and this one's graph may not hold the pod yet.
 */
export async function authorizeCaughtUp(ctx: ServerContext, user: UserInfo, verb: string, def: ResourceDef, req: ApiRequest, audit?: AuditRecord): Promise<void> {
  try {
    authorizeRequest(ctx.authz, user, verb, def, req, audit);
  } catch (err) {
    if (!ctx.store.sync || nodeIdentity(user) === undefined || !String((err as Error).message).includes(UNRELATED)) throw err;
    await consistent(ctx);
    authorizeRequest(ctx.authz, user, verb, def, req, audit);
  }
}
