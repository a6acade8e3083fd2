// The controller manager: every controller, each its own actor, sharing one process's informers.
import type { ActorDefinition } from '../actors/lib/actor.ts';
import { nodeLifecycleController, type NodeLifecycleInput } from '../actors/controllers/node-lifecycle/node-lifecycle.controller.ts';
import { taintEvictionController } from '../actors/controllers/taint-eviction/taint-eviction.controller.ts';
import { endpointsController } from '../actors/controllers/endpoints/endpoints.controller.ts';
import { endpointSliceController } from '../actors/controllers/endpointslice/endpointslice.controller.ts';
import { endpointSliceMirroringController } from '../actors/controllers/endpointslice/endpointslice-mirroring.controller.ts';
import { garbageCollectorController } from '../actors/controllers/garbage-collector/garbage-collector.controller.ts';
import { namespaceController, type NamespaceControllerInput } from '../actors/controllers/namespace/namespace.controller.ts';
import { serviceAccountController } from '../actors/controllers/serviceaccount/serviceaccount.controller.ts';
import { clusterRoleAggregationController } from '../actors/controllers/clusterrole-aggregation/clusterrole-aggregation.controller.ts';
import { resourceQuotaController } from '../actors/controllers/resourcequota/resourcequota.controller.ts';
import { daemonSetController, type DaemonSetControllerInput } from '../actors/controllers/daemonset/daemonset.controller.ts';
import { jobController } from '../actors/controllers/job/job.controller.ts';
import { ttlAfterFinishedController, type TtlAfterFinishedInput } from '../actors/controllers/job/ttl-after-finished.controller.ts';
import { cronJobController } from '../actors/controllers/cronjob/cronjob.controller.ts';
import { statefulSetController } from '../actors/controllers/statefulset/statefulset.controller.ts';
import { deploymentController } from '../actors/controllers/deployment/deployment.controller.ts';
import { replicaSetController, replicationControllerController } from '../actors/controllers/replicaset/replicaset.controller.ts';
import { disruptionController } from '../actors/controllers/disruption/disruption.controller.ts';
import { staleDisruptionController } from '../actors/controllers/disruption/stale-disruption.controller.ts';
import { podGcController, type PodGcInput } from '../actors/controllers/podgc/podgc.controller.ts';
import { crdCleanupController } from '../actors/controllers/crd-cleanup/crd-cleanup.controller.ts';
import { nodeIpamController, type NodeIpamInput } from '../actors/controllers/node-ipam/node-ipam.controller.ts';
import { persistentVolumeController } from '../actors/controllers/persistentvolume/persistentvolume.controller.ts';
import { localPathProvisioner } from '../actors/controllers/local-path/local-path.controller.ts';
import { pvcProtectionController } from '../actors/controllers/volume-protection/pvc-protection.controller.ts';
import { pvProtectionController } from '../actors/controllers/volume-protection/pv-protection.controller.ts';
import { rootCaPublisher } from '../actors/controllers/root-ca-publisher/root-ca-publisher.controller.ts';
import { localCaCert } from './pki-read.ts';
import { hpaController } from '../actors/controllers/hpa/hpa.controller.ts';
import { metricsServer } from '../actors/metrics/metrics-server.actor.ts';
import { asControllerAccount } from '../actors/controllers/shared/service-account-credentials.ts';
import type { Host } from './host.ts';

/** Timing knobs of the controllers (every number configurable, for scenarios that shorten them). */
export interface ControllerManagerOptions {
  nodeLifecycle?: NodeLifecycleInput;
  namespace?: NamespaceControllerInput;
  daemonSet?: DaemonSetControllerInput;
  ttlAfterFinished?: TtlAfterFinishedInput;
  podGc?: PodGcInput;
  /** Cluster CIDR and node mask size of the node IPAM controller (default 10.244.0.0/16, /24s). */
  nodeIpam?: NodeIpamInput;
  /** The CA (PEM) the root-ca-cert-publisher puts in every namespace's kube-root-ca.crt; default: the kubus CA under KUBUS_HOME, if any. */
  rootCaCert?: string;
  /** Each controller acts as its own service account (upstream's --use-service-account-credentials; on by default on a locked bus). */
  useServiceAccountCredentials?: boolean;
}

/** The controllers, by name, with the input each gets. */
export function controllers(opts: ControllerManagerOptions = {}): Array<[string, ActorDefinition<any>, unknown]> {
  const all: Array<[string, ActorDefinition<any>, unknown]> = [
    ['node-lifecycle', nodeLifecycleController, opts.nodeLifecycle],
    ['taint-eviction', taintEvictionController, undefined],
    ['replicaset', replicaSetController, undefined],
    ['replicationcontroller', replicationControllerController, undefined],
    ['disruption', disruptionController, undefined],
    ['disruption-stale-pods', staleDisruptionController, undefined],
    ['deployment', deploymentController, undefined],
    ['garbage-collector', garbageCollectorController, undefined],
    ['namespace', namespaceController, opts.namespace],
    ['endpoints', endpointsController, undefined],
    ['endpointslice', endpointSliceController, undefined],
    ['endpointslicemirroring', endpointSliceMirroringController, undefined],
    ['serviceaccount', serviceAccountController, undefined],
    ['root-ca-cert-publisher', rootCaPublisher, { caCert: opts.rootCaCert ?? localCaCert() }],
    ['clusterrole-aggregation', clusterRoleAggregationController, undefined],
    ['resourcequota', resourceQuotaController, undefined],
    ['daemonset', daemonSetController, opts.daemonSet],
    ['statefulset', statefulSetController, undefined],
    ['job', jobController, undefined],
    ['ttl-after-finished', ttlAfterFinishedController, opts.ttlAfterFinished],
    ['cronjob', cronJobController, undefined],
    ['podgc', podGcController, opts.podGc],
    ['crd-cleanup', crdCleanupController, undefined],
    ['node-ipam', nodeIpamController, opts.nodeIpam],
    ['persistentvolume-binder', persistentVolumeController, undefined],
    ['local-path-provisioner', localPathProvisioner, undefined],
    ['pvc-protection', pvcProtectionController, undefined],
    ['pv-protection', pvProtectionController, undefined],
    ['horizontalpodautoscaling', hpaController, undefined],
    // The metrics-server addon runs with the controller manager (in kubus up and in scenarios), so the HPA has metrics.
    ['metrics-server', metricsServer, undefined],
  ];
  return opts.useServiceAccountCredentials ? all.map(([name, def, input]) => [name, asControllerAccount(name, def), input]) : all;
}

/** Starts every controller in the host; actor ids are `controller/<name>`. */
export function startControllerManager(host: Host, opts: ControllerManagerOptions = {}): void {
  for (const [name, def, input] of controllers(opts)) host.start(def, `controller/${name}`, input);
}
