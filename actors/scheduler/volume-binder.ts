// The scheduler's side of VolumeBinding that touches the API (upstream volumebinding PreBind with
// the SchedulerVolumeBinder): listers over the claim, volume and class informers, the binding API
// writes for the chosen node, and the wait until the binder and provisioner have bound every claim.
import type { Node } from '../../api/kinds/node.ts';
import type { Pod } from '../../api/kinds/pod.ts';
import { ANN_SELECTED_NODE, type PersistentVolume, type PersistentVolumeClaim, type StorageClass } from '../../api/kinds/storage.ts';
import type { Informer } from '../../bus/informer.ts';
import type { ActorDeps } from '../lib/actor.ts';
import { claimsBound, volumePreBind } from './filters/volume-binding.ts';
import type { VolumeLister } from './types.ts';

/** Upstream's bindTimeoutSeconds: how long PreBind waits for the claims to be bound. */
export const BIND_TIMEOUT_MS = 600_000;

/** The claim, volume and class informers and the lister over them. */
export class VolumeBinder {
  readonly claims: Informer<PersistentVolumeClaim>;
  readonly pvs: Informer<PersistentVolume>;
  readonly classes: Informer<StorageClass>;
  readonly lister: VolumeLister;

  constructor(private readonly deps: ActorDeps) {
    this.claims = deps.informers.get<PersistentVolumeClaim>('persistentvolumeclaims');
    this.pvs = deps.informers.get<PersistentVolume>('persistentvolumes');
    this.classes = deps.informers.get<StorageClass>('storageclasses');
    this.lister = {
      claim: (ns, name) => this.claims.get(`${ns}/${name}`),
      volume: (name) => this.pvs.get(name),
      volumes: () => this.pvs.list(),
      storageClass: (name) => this.classes.get(name),
    };
  }

  /** The informers whose changes may release pods VolumeBinding rejected. */
  informers = () => [this.claims, this.pvs, this.classes] as const;

  /** Binds the pod's late claims for the node and waits until all its claims are bound; throws when they cannot be. */
  async preBind(pod: Pod, node: Node | undefined, nodeName: string): Promise<void> {
    const target = { name: nodeName, labels: node?.metadata.labels ?? {} };
    const ok = await volumePreBind(pod, target, this.lister, {
      bindVolume: (pv) => this.deps.client.update('persistentvolumes', pv),
      selectNode: (pvc, n) => this.deps.client.patch('persistentvolumeclaims', pvc.metadata.name!, { metadata: { annotations: { [ANN_SELECTED_NODE]: n } } }, { namespace: pvc.metadata.namespace }),
    });
    if (!ok) throw new Error(`pod ${pod.metadata.namespace}/${pod.metadata.name}'s volumes no longer fit node ${nodeName}`);
    await this.waitBound(pod);
  }

  private waitBound(pod: Pod): Promise<void> {
    if (claimsBound(pod, this.lister)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const { clock } = this.deps;
      const done = (err?: Error) => {
        clock.clearTimeout(timer);
        this.claims.off(h);
        if (err) reject(err);
        else resolve();
      };
      const h = { update: () => claimsBound(pod, this.lister) && done(), add: () => claimsBound(pod, this.lister) && done() };
      const timer = clock.setTimeout(() => done(new Error('binding volumes: timed out waiting for the condition')), BIND_TIMEOUT_MS);
      this.claims.on(h);
    });
  }
}
