// The root CA certificate publisher (upstream pkg/controller/certificates/rootcacertpublisher): every
// active namespace has the `kube-root-ca.crt` ConfigMap holding the CA that verifies the API server
// (key ca.crt), put back when deleted or edited. Pods read it through their kube-api-access volume.
import type { ConfigMap } from '../../../api/kinds/configmap.ts';
import type { Namespace } from '../../../api/kinds/namespace.ts';
import type { KubeObject } from '../../../api/meta.ts';
import { isAlreadyExists, isNamespaceTerminating, isNotFound } from '../../../api/status.ts';
import { defineController } from '../../lib/controller.ts';

export const ROOT_CA_CONFIGMAP = 'kube-root-ca.crt';
/** Upstream's description of the ConfigMap. */
export const DESCRIPTION =
  'Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.';

export interface RootCaPublisherInput {
  /** The CA certificate (PEM) that verifies the API server: the kubus CA where there is one; empty never replaces a published one. */
  caCert: string;
}

/** The publisher's actor definition; keyed by namespace. */
export const rootCaPublisher = defineController<RootCaPublisherInput>({
  name: 'root-ca-cert-publisher',
  workers: 1,
  watches: [
    { resource: 'namespaces' },
    { resource: 'configmaps', keys: (cm) => (cm.metadata.name === ROOT_CA_CONFIGMAP ? [cm.metadata.namespace!] : []) },
  ],
  async reconcile(namespace, ctx, input) {
    const ns = ctx.cache<Namespace>('namespaces').get(namespace);
    if (!ns || ns.status?.phase !== 'Active') return;
    const cm = ctx.cache<ConfigMap>('configmaps').get(`${namespace}/${ROOT_CA_CONFIGMAP}`);
    // A leader on a host without the CA must not blank the certificate another leader published.
    if (!input.caCert && cm?.data?.['ca.crt']) {
      ctx.deps.log.debug({ namespace }, 'no CA on this host: keeping the published kube-root-ca.crt');
      return;
    }
    const data = { 'ca.crt': input.caCert };
    const annotations = { 'kubernetes.io/description': DESCRIPTION };
    try {
      if (!cm) {
        const body = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: ROOT_CA_CONFIGMAP, namespace, annotations }, data };
        await ctx.deps.client.create('configmaps', body as KubeObject);
        return;
      }
      if (cm.data?.['ca.crt'] === input.caCert && Object.keys(cm.data).length === 1 && cm.metadata.annotations?.['kubernetes.io/description'] === DESCRIPTION) return;
      const next = { ...cm, metadata: { ...cm.metadata, annotations: { ...cm.metadata.annotations, ...annotations } }, data };
      await ctx.deps.client.update('configmaps', next as KubeObject);
    } catch (err) {
      if (isAlreadyExists(err) || isNotFound(err)) return; // the cache lags: its event brings the key back
      if (isNamespaceTerminating(err)) return;
      throw err;
    }
  },
});
