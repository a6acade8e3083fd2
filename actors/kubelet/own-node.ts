// Each kubelet watches its own Node, to write status again when someone else wrote its Ready
// condition. One kubelet alone watches it with a field selector (metadata.name=<node>). The many
// kubelets of one process on one connection (kubus node --count) share the process's one watch of
// all Nodes instead, each told of its own by name: 5,000 kubelets held 5,000 watches, and the API
// server bookmarked each of them every minute (5,000 messages at once into the node process).
import type { Node } from '../../api/kinds/node.ts';
import type { Informer } from '../../bus/informer.ts';

type Listener = (node: Node) => void;

/** Per shared informer: the listener of each node name, behind one informer handler. */
const byInformer = new WeakMap<Informer<Node>, Map<string, Listener>>();

/**
 * Calls `fn` with the Node named `name` whenever the shared Nodes informer adds or updates it (at
 * once with the cached copy, if any, as an informer handler's add is). Returns what stops it.
 * One listener per name: a second for the same name replaces the first.
 */
export function onOwnNode(nodes: Informer<Node>, name: string, fn: Listener): () => void {
  let listeners = byInformer.get(nodes);
  if (!listeners) {
    const m = new Map<string, Listener>();
    nodes.on({ add: (n) => m.get(n.metadata.name!)?.(n), update: (_, n) => m.get(n.metadata.name!)?.(n) });
    byInformer.set(nodes, (listeners = m));
  }
  const own = listeners;
  own.set(name, fn);
  const cached = nodes.get(name);
  if (cached) fn(cached);
  return () => {
    if (own.get(name) === fn) own.delete(name);
  };
}
