// The API server's authorizer as kube-apiserver's default --authorization-mode=Node,RBAC builds it: the
// node authorizer (over the graph of what each node's pods use) first, then RBAC (over the role and
// binding index); both follow the store, so both stop with the server.
import type { Logger } from '../../../bus/types.ts';
import type { Store } from '../store/store.ts';
import { RbacAuthorizer, type Authorizer } from './authorizer.ts';
import { BindingIndex } from './binding-index.ts';
import { AuthorizerChain } from './chain.ts';
import { NodeAuthorizer } from './node-authorizer.ts';
import { NodeGraph } from './node-graph.ts';

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
