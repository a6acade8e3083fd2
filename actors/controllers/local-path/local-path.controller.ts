// The local-path provisioner (an external provisioner, as rancher's local-path-provisioner run by
// sig-storage-lib-external-provisioner): makes the `standard` default class at start, provisions
// the claims the binder hands to `kubus.io/local-path` once the scheduler has picked their node,
// and deletes released Delete volumes: a helper pod removes the directory on the node, then the
// PersistentVolume goes. Keys: a claim's `namespace/name`, a volume's `name`.
import type { Node } from '../../../api/kinds/node.ts';
import type { Pod } from '../../../api/kinds/pod.ts';
import { claimClass, type PersistentVolume, type PersistentVolumeClaim, type StorageClass } from '../../../api/kinds/storage.ts';
import type { KubeObject } from '../../../api/meta.ts';
import { isAlreadyExists, isNotFound } from '../../../api/status.ts';
import { defineController, type ControllerContext } from '../../lib/controller.ts';
import { helperPod, helperPodName, HELPER_NAMESPACE, LOCAL_PATH_PROVISIONER, nodeOfVolume, planVolume, STANDARD_CLASS, wantsDelete, wantsVolume } from './local-path.plan.ts';

const ignore = (pred: (e: unknown) => boolean) => (e: unknown) => {
  if (!pred(e)) throw e;
};

async function provision(key: string, ctx: ControllerContext) {
  const pvc = ctx.cache<PersistentVolumeClaim>('persistentvolumeclaims').get(key);
  if (!pvc || !wantsVolume(pvc)) return;
  const sc = ctx.cache<StorageClass>('storageclasses').get(claimClass(pvc));
  if (!sc || sc.provisioner !== LOCAL_PATH_PROVISIONER) return;
  if (ctx.cache('persistentvolumes').get(`pvc-${pvc.metadata.uid}`)) return; // made already; the binder binds it
  let pv: PersistentVolume;
  try {
    pv = planVolume(pvc, sc);
  } catch (err) {
    ctx.events.record(pvc, 'Warning', 'ProvisioningFailed', `failed to provision volume with StorageClass "${sc.metadata.name}": ${(err as Error).message}`);
    return;
  }
  ctx.events.record(pvc, 'Normal', 'Provisioning', `External provisioner is provisioning volume for claim "${key}"`);
  await ctx.deps.client.create('persistentvolumes', pv).catch(ignore(isAlreadyExists));
  ctx.events.record(pvc, 'Normal', 'ProvisioningSucceeded', `Successfully provisioned volume ${pv.metadata.name}`);
}

async function remove(name: string, ctx: ControllerContext) {
  const pv = ctx.cache<PersistentVolume>('persistentvolumes').get(name);
  const helperKey = `${HELPER_NAMESPACE}/${helperPodName({ metadata: { name } } as PersistentVolume)}`;
  const helper = ctx.cache<Pod>('pods').get(helperKey);
  const dropHelper = () => ctx.deps.client.delete('pods', helper!.metadata.name!, { namespace: HELPER_NAMESPACE, gracePeriodSeconds: 0 }).catch(ignore(isNotFound));
  if (!pv || !wantsDelete(pv)) {
    if (helper && (helper.status?.phase === 'Succeeded' || helper.status?.phase === 'Failed')) await dropHelper();
    return;
  }
  const node = nodeOfVolume(pv);
  if (!node || !ctx.cache<Node>('nodes').get(node)) {
    ctx.deps.log.info({ volume: name, node }, 'the node of a released local-path volume is gone; deleting the volume only');
    await ctx.deps.client.delete('persistentvolumes', name).catch(ignore(isNotFound));
    return;
  }
  if (!helper) {
    await ctx.deps.client.create('pods', helperPod(pv, node)).catch(ignore(isAlreadyExists));
    return;
  }
  if (helper.status?.phase === 'Succeeded') {
    await ctx.deps.client.delete('persistentvolumes', name).catch(ignore(isNotFound));
    await dropHelper();
  } else if (helper.status?.phase === 'Failed') {
    ctx.events.record(pv, 'Warning', 'VolumeFailedDelete', `failed to delete volume ${name}: helper pod ${helper.metadata.name} failed on node ${node}`);
    await dropHelper();
    throw new Error(`helper pod ${helper.metadata.name} failed`); // retried with backoff
  }
}

/** The local-path provisioner's actor definition (kind `controller/local-path-provisioner`). */
export const localPathProvisioner = defineController({
  name: 'local-path-provisioner',
  workers: 2,
  watches: [
    { resource: 'persistentvolumeclaims' },
    { resource: 'persistentvolumes' },
    { resource: 'storageclasses', keys: () => [] },
    { resource: 'nodes', keys: () => [] },
    // A helper pod's progress is work for its volume.
    { resource: 'pods', keys: (p: KubeObject) => (p.metadata.namespace === HELPER_NAMESPACE && p.metadata.name?.startsWith('helper-pod-delete-') ? [p.metadata.name.slice('helper-pod-delete-'.length)] : []) },
  ],
  started(ctx) {
    ctx.deps.client.create('storageclasses', structuredClone(STANDARD_CLASS) as KubeObject).catch((err: unknown) => {
      if (!isAlreadyExists(err)) ctx.deps.log.warn({ err: (err as Error).message }, 'could not create the standard StorageClass');
    });
  },
  reconcile: (key, ctx) => (key.includes('/') ? provision(key, ctx) : remove(key, ctx)),
});
