// The kubelet's volume manager on a real runtime: sets a pod's volumes up under its pod dir before
// the sandbox (fetching the ConfigMaps and Secrets they name; a persistentVolumeClaim resolves to
// its bound volume's host directory), keeps configMap, secret, downwardAPI
// and projected files in step with the API by a periodic resync (AtomicWriter swaps, so running
// containers see updates as a whole), and removes the pod dir, unmounting tmpfs, once the pod is gone.
import { chmodSync, existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { ResourceList } from '../../../api/kinds/common.ts';
import type { ConfigMap, Secret } from '../../../api/kinds/configmap.ts';
import type { Pod } from '../../../api/kinds/pod.ts';
import type { KubeObject } from '../../../api/meta.ts';
import { isNotFound } from '../../../api/status.ts';
import type { ApiClient } from '../../../bus/client.ts';
import type { Clock } from '../../../bus/clock.ts';
import type { Logger } from '../../../bus/types.ts';
import type { ContainerConfig } from '../runtimes/runtime.ts';
import { writeAtomically } from './atomic-writer.ts';
import { groupMode, setVolumeOwnership } from './volume-ownership.ts';
import { podFsGroup, type FsGroup } from '../security-context.ts';
import { checkHostPath, mountTmpfs, unmountUnder } from './host-mounts.ts';
import type { PersistentVolume, PersistentVolumeClaim } from '../../../api/kinds/storage.ts';
import { containerMounts, planVolume, tokenSources, volumeHostPath, volumeReferences, VolumeSetupError, type AnyVolume, type ClaimSource, type VolumePlan } from './volume-plan.ts';
import { TokenManager } from './token-manager.ts';

export interface VolumeManagerDeps {
  /** Pod dirs go under here (upstream /var/lib/kubelet/pods). */
  root: string;
  client: ApiClient;
  clock: Clock;
  log: Logger;
  hostIPs: string[];
  allocatable: ResourceList;
  /** How often mounted API data is compared with the API (default 5 s). */
  resyncMs?: number;
  /** The pod as the kubelet's informer has it now (labels and annotations for downwardAPI files follow it). */
  current?: (pod: Pod) => Pod | undefined;
}

/** What the manager keeps of a pod it set up: its latest spec and IPs, for the resync. */
interface Tracked {
  pod: () => Pod;
  podIPs: () => string[];
  /** Volume name → the host path of its claim's volume (persistentVolumeClaim volumes). */
  claimPaths: Map<string, string>;
}

/** Sets up, refreshes and removes pods' volumes. */
export class VolumeManager {
  private readonly pods = new Map<string, Tracked>();
  private timer: unknown;
  private closed = false;
  private readonly tokens: TokenManager;

  constructor(private readonly d: VolumeManagerDeps) {
    this.tokens = new TokenManager(d);
    this.schedule();
  }

  /** The pod's own dir (upstream pods/<uid>). */
  podDir = (uid: string) => join(this.d.root, uid);

  /** Sets up every volume of the pod; throws VolumeSetupError (FailedMount) for one that cannot be set up yet. */
  async setUp(pod: Pod, podIPs: () => string[], latest?: () => Pod): Promise<void> {
    const uid = pod.metadata.uid!;
    const claimPaths = new Map<string, string>();
    this.pods.set(uid, { pod: latest ?? (() => pod), podIPs, claimPaths });
    // A pod without volumes leaves nothing on the host.
    if (!pod.spec.volumes?.length) return;
    const input = await this.fetch(pod, podIPs());
    const dir = this.podDir(uid);
    mkdirSync(dir, { recursive: true, mode: 0o750 });
    // Each volume on its own, as upstream's reconciler: one that fails leaves the others set up.
    let failure: unknown;
    for (const v of (pod.spec.volumes ?? []) as AnyVolume[]) {
      try {
        const plan = planVolume(pod, v, input);
        await this.apply(dir, plan, podFsGroup(pod));
        if (v.persistentVolumeClaim && plan.kind === 'hostPath') claimPaths.set(v.name, plan.path);
      } catch (err) {
        failure ??= err;
      }
    }
    if (failure) throw failure;
  }

  /** The CRI mounts of a container's volumeMounts. */
  mounts(pod: Pod, container: string): NonNullable<ContainerConfig['mounts']> {
    return containerMounts(pod, container, this.podDir(pod.metadata.uid!), this.pods.get(pod.metadata.uid!)?.claimPaths);
  }

  /** Whether the pod's volumes were set up by this manager (and are resynced). */
  tracks = (uid: string) => this.pods.has(uid);

  /** Unmounts and removes the pod's dir; the resync forgets it. */
  async tearDown(uid: string): Promise<void> {
    this.pods.delete(uid);
    this.tokens.forget(uid);
    const dir = this.podDir(uid);
    await unmountUnder(dir);
    rmSync(dir, { recursive: true, force: true });
  }

  /**
   * Removes the dirs of pods that are neither known (`keep`) nor running (upstream
   * cleanupOrphanedPodDirs): what pods deleted while the kubelet was down left.
   */
  async cleanupOrphans(keep: Set<string>, running: (uid: string) => Promise<boolean>): Promise<void> {
    const uids = existsSync(this.d.root) ? readdirSync(this.d.root) : [];
    for (const uid of uids) {
      if (keep.has(uid) || this.pods.has(uid) || (await running(uid))) continue;
      this.d.log.info({ uid }, 'removing the volumes of an orphaned pod');
      await this.tearDown(uid);
    }
  }

  /** Stops the resync (volumes stay: a restarted kubelet finds them). */
  close(): void {
    this.closed = true;
    this.d.clock.clearTimeout(this.timer);
  }

  /**
   * Sets one volume up. With the pod's fsGroup, the volumes whose plugins manage ownership get it
   * (upstream: emptyDir and the API-data volumes always, read-only for the latter; a local volume
   * by the pod's fsGroupChangePolicy; hostPath never).
   */
  private async apply(dir: string, v: VolumePlan, fsGroup?: FsGroup): Promise<void> {
    const path = volumeHostPath(dir, v);
    const always = fsGroup && { gid: fsGroup.gid };
    switch (v.kind) {
      case 'emptyDir':
        if (v.memory) await mountTmpfs(path, v.sizeLimit);
        else {
          mkdirSync(path, { recursive: true });
          // 0777 whatever the umask, as upstream's setupDir.
          chmodSync(path, 0o777);
        }
        if (always) setVolumeOwnership(path, always, false);
        return;
      case 'hostPath': {
        const err = checkHostPath(v.path, v.type);
        if (err) throw new VolumeSetupError(v.name, err);
        if (fsGroup && v.fsGroupOwned) setVolumeOwnership(v.path, fsGroup, false);
        return;
      }
      case 'files': {
        // The files' modes as ownership leaves them, so an unchanged volume compares equal and is not rewritten.
        const files = always ? v.files.map((f) => ({ ...f, mode: groupMode(f.mode, true) })) : v.files;
        if (!writeAtomically(path, files, new Date(this.d.clock.now()))) return;
        if (always) setVolumeOwnership(path, always, true);
        this.d.log.debug({ volume: v.name, path }, 'volume files written');
        return;
      }
      case 'unsupported':
        throw new VolumeSetupError(v.name, v.message);
    }
  }

  /** The ConfigMaps and Secrets the pod's volumes name (null: not found), and the node facts. */
  private async fetch(pod: Pod, podIPs: string[]) {
    const ns = pod.metadata.namespace ?? 'default';
    const get = async <T extends KubeObject>(resource: string, name: string): Promise<[string, T | null]> => {
      try {
        return [name, await this.d.client.get<T>(resource, name, { namespace: ns })];
      } catch (err) {
        if (isNotFound(err)) return [name, null];
        throw err;
      }
    };
    const refs = volumeReferences(pod);
    const [configMaps, secrets, claims, tokens] = await Promise.all([
      Promise.all(refs.configMaps.map((n) => get<ConfigMap>('configmaps', n))),
      Promise.all(refs.secrets.map((n) => get<Secret>('secrets', n))),
      Promise.all(refs.claims.map(async (n) => [n, await this.claimSource(ns, n)] as const)),
      Promise.all(tokenSources(pod).map(async ({ key, source }) => [key, await this.token(pod, key, source)] as const)),
    ]);
    return { configMaps: new Map(configMaps), secrets: new Map(secrets), claims: new Map(claims), tokens: new Map(tokens), hostIPs: this.d.hostIPs, podIPs, allocatable: this.d.allocatable };
  }

  /** A projected source's token from the token manager; a refusal is the volume's FailedMount (upstream's text). */
  private async token(pod: Pod, key: string, source: Parameters<TokenManager['token']>[1]): Promise<string> {
    try {
      return await this.tokens.token(pod, source);
    } catch (err) {
      throw new VolumeSetupError(key.slice(0, key.lastIndexOf('/')), `failed to fetch token: ${(err as Error).message}`);
    }
  }

  /** Resolves a claim to its bound volume's path on this node, or upstream's reason it cannot be used yet. */
  private async claimSource(ns: string, name: string): Promise<ClaimSource | string> {
    let pvc: PersistentVolumeClaim;
    try {
      pvc = await this.d.client.get<PersistentVolumeClaim>('persistentvolumeclaims', name, { namespace: ns });
    } catch (err) {
      if (isNotFound(err)) return `error processing PVC ${ns}/${name}: failed to fetch PVC from API server: persistentvolumeclaims "${name}" not found`;
      throw err;
    }
    if (pvc.metadata.deletionTimestamp) return `can't start pod because PVC ${ns}/${name} is being deleted`;
    const volumeName = pvc.spec?.volumeName;
    if (!volumeName || pvc.status?.phase !== 'Bound') return `error processing PVC ${ns}/${name}: PVC is not bound`;
    const pv = await this.d.client.get<PersistentVolume>('persistentvolumes', volumeName);
    if (pv.spec?.hostPath) return { path: pv.spec.hostPath.path, type: pv.spec.hostPath.type ?? '' };
    if (pv.spec?.local) return { path: pv.spec.local.path, type: 'Directory', local: true };
    return `persistent volume ${volumeName} has no volume source this node can mount (hostPath or local)`;
  }

  /** Rewrites every tracked pod's API-data volumes that changed; a failure keeps the old files (as upstream). */
  private async resync(): Promise<void> {
    for (const [uid, t] of [...this.pods]) {
      const seen = t.pod();
      const now = this.d.current?.(seen);
      const pod = now?.metadata.uid === uid ? now : seen;
      const input = await this.fetch(pod, t.podIPs()).catch((err: Error) => void this.d.log.warn({ pod: pod.metadata.name, err: err.message }, 'volume resync: objects not read'));
      for (const v of input ? ((pod.spec.volumes ?? []) as AnyVolume[]) : []) {
        if (!this.pods.has(uid)) break;
        try {
          const plan = planVolume(pod, v, input!);
          if (plan.kind === 'files') await this.apply(this.podDir(uid), plan, podFsGroup(pod));
        } catch (err) {
          this.d.log.warn({ pod: pod.metadata.name, volume: v.name, err: (err as Error).message }, 'volume resync failed');
        }
      }
    }
  }

  private schedule(): void {
    if (this.closed) return;
    this.timer = this.d.clock.setTimeout(() => void this.resync().finally(() => this.schedule()), this.d.resyncMs ?? 5000);
  }
}
