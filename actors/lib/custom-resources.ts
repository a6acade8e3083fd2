// Follows the CustomResourceDefinitions of the cluster so that this process serves and reads their
// resources: every process that is not the API server (gateway, controller manager, CLI) keeps its
// resource table current from a CRD informer, as upstream clients refresh discovery.
import { isEstablished } from '../../api/apiextensions/crd-validation.ts';
import { customResourceDefs } from '../../api/apiextensions/custom-resource.ts';
import type { CustomResourceDefinition } from '../../api/apiextensions/types.ts';
import type { KubeObject } from '../../api/meta.ts';
import { registerCustomResource, unregisterCustomResource } from '../../api/resources.ts';
import type { SharedInformers } from '../../bus/informer-factory.ts';
import type { Logger } from '../../bus/types.ts';

const CRDS = 'customresourcedefinitions';

/** Serves (or stops serving) one CRD's resource in this process's table, from the CRD as seen. */
export function followCrd(crd: KubeObject, log: Logger): void {
  const name = crd.metadata.name!;
  if (!isEstablished(crd as unknown as CustomResourceDefinition)) return unregisterCustomResource(name);
  try {
    registerCustomResource(name, customResourceDefs(crd as unknown as CustomResourceDefinition));
  } catch (err) {
    log.error({ crd: name, err: (err as Error).message }, 'cannot serve custom resource');
    unregisterCustomResource(name);
  }
}

/** The informer sets that follow CRDs already: several actors of one process ask, one handler does. */
const following = new WeakSet<SharedInformers>();

/**
 * Keeps this process's resource table following the cluster's CRDs. A follower only takes back
 * what it served itself: an informer's stale state (a CRD as created, before it was established)
 * must not unserve what the API server of this same process has just served.
 */
export function followCustomResources(informers: SharedInformers, log: Logger): void {
  if (following.has(informers)) return;
  following.add(informers);
  const served = new Set<string>();
  const follow = (crd: KubeObject) => {
    const name = crd.metadata.name!;
    if (isEstablished(crd as unknown as CustomResourceDefinition)) served.add(name);
    else if (!served.has(name)) return;
    else served.delete(name);
    followCrd(crd, log);
  };
  informers.get(CRDS).on({
    add: follow,
    update: (_old, crd) => follow(crd),
    delete: (crd) => {
      if (served.delete(crd.metadata.name!)) unregisterCustomResource(crd.metadata.name!);
    },
  });
}
