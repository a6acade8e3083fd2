// The index functions controllers share (upstream's NamespaceIndex, the pod node-name index and
// controllerUIDIndex): one definition each, so a shared informer indexes once for every reader.
import { controllerRefOf, type KubeObject } from '../api/meta.ts';

export const NAMESPACE_INDEX = 'namespace';
export const NODE_NAME_INDEX = 'spec.nodeName';
export const CONTROLLER_INDEX = 'controller';
export const OWNER_INDEX = 'owner';
export const SERVICE_NAME_INDEX = 'kubernetes.io/service-name';

/** Returns the controller index value of an object with no controller in a namespace. */
export const orphansIn = (namespace: string | undefined) => `orphan:${namespace ?? ''}`;

/** Objects by namespace ('' for cluster-scoped ones). */
export const byNamespace = (o: KubeObject) => [o.metadata.namespace ?? ''];

/** Pods by the node they are bound to (unbound pods are not indexed). */
export const byNodeName = (o: KubeObject) => {
  const node = (o as { spec?: { nodeName?: string } }).spec?.nodeName;
  return node ? [node] : [];
};

/** Objects by their controller's uid; objects without one under `orphansIn(namespace)`. */
export const byController = (o: KubeObject) => {
  const ref = controllerRefOf(o);
  return [ref ? ref.uid : orphansIn(o.metadata.namespace)];
};

/** EndpointSlices by the `namespace/service` their kubernetes.io/service-name label names (unlabelled ones are not indexed). */
export const byServiceName = (o: KubeObject) => {
  const svc = o.metadata.labels?.['kubernetes.io/service-name'];
  return svc ? [`${o.metadata.namespace ?? ''}/${svc}`] : [];
};

/** Objects by the uid of every owner they reference. */
export const byOwner = (o: KubeObject) => (o.metadata.ownerReferences ?? []).map((r) => r.uid);

export const namespaceIndexers = { [NAMESPACE_INDEX]: byNamespace };
export const nodeNameIndexers = { [NODE_NAME_INDEX]: byNodeName };
export const controllerIndexers = { [CONTROLLER_INDEX]: byController };
export const ownerIndexers = { [OWNER_INDEX]: byOwner };
export const serviceNameIndexers = { [SERVICE_NAME_INDEX]: byServiceName };
