// What a pod's volumes hold, decided purely from the pod and the objects it names: the files of
// configMap, secret, downwardAPI and projected volumes (keys, items, modes as upstream's volume
// plugins), the host paths of hostPath and emptyDir volumes, and the CRI mounts of a container's
// volumeMounts. volume-manager.ts carries the plan out.
import { posix } from 'node:path';
import type { ResourceList } from '../../../api/kinds/common.ts';
import type { ConfigMap, Secret } from '../../../api/kinds/configmap.ts';
import type { Pod } from '../../../api/kinds/pod.ts';
import { podFieldValue, resourceFieldValue } from '../env-fields.ts';
import type { ContainerConfig } from '../runtimes/runtime.ts';

/** Upstream's default file mode of configMap, secret, downwardAPI and projected volumes (0644). */
export const DEFAULT_MODE = 0o644;

/** One file of a volume: its path relative to the volume, its bytes and mode. */
export interface VolumeFile {
  path: string;
  data: Buffer;
  mode: number;
}

/** What one volume is on the host. */
export type VolumePlan =
  | { name: string; kind: 'emptyDir'; memory: boolean; sizeLimit?: string }
  | { name: string; kind: 'hostPath'; path: string; type: string; /** fsGroup ownership applies (a local volume mounted read-write, as upstream's local plugin). */ fsGroupOwned?: boolean }
  | { name: string; kind: 'files'; files: VolumeFile[] }
  | { name: string; kind: 'unsupported'; message: string };

/** The objects and node facts a plan reads: null marks a ConfigMap or Secret that does not exist. */
export interface PlanInput {
  configMaps: Map<string, ConfigMap | null>;
  secrets: Map<string, Secret | null>;
  hostIPs: string[];
  podIPs: string[];
  allocatable: ResourceList;
  /** Each claim a volume names: its volume's path on this node, or why it cannot be used yet. */
  claims?: Map<string, ClaimSource | string>;
  /** The service account token of each projected serviceAccountToken source, by tokenSourceKey. */
  tokens?: Map<string, string>;
}

/** Names one serviceAccountToken source of a pod: its volume and its place among the volume's sources. */
export const tokenSourceKey = (volume: string, index: number) => `${volume}/${index}`;

/** The projected serviceAccountToken sources of a pod's volumes, each with its key (their tokens are fetched before planning). */
export function tokenSources(pod: Pod): Array<{ key: string; source: { audience?: string; expirationSeconds?: number; path: string } }> {
  return ((pod.spec.volumes ?? []) as AnyVolume[]).flatMap((v) =>
    ((v.projected?.sources ?? []) as Array<Record<string, any>>).flatMap((s, i) => (s?.serviceAccountToken ? [{ key: tokenSourceKey(v.name, i), source: s.serviceAccountToken }] : [])),
  );
}

/** Where a bound claim's volume is on the node (a hostPath or local PersistentVolume). */
export interface ClaimSource {
  path: string;
  type: string;
  /** A local PersistentVolume: its plugin manages ownership (fsGroup), a hostPath one's does not. */
  local?: boolean;
}

/** A volume that cannot be set up now (the pod waits; upstream's FailedMount). */
export class VolumeSetupError extends Error {
  override name = 'VolumeSetupError';
  constructor(
    readonly volume: string,
    readonly detail: string,
  ) {
    super(`MountVolume.SetUp failed for volume "${volume}" : ${detail}`);
  }
}

type Items = Array<{ key: string; path: string; mode?: number }> | undefined;
/** A pod volume as it comes (the schema keeps only its name typed). */
export type AnyVolume = Record<string, any> & { name: string };

/** The ConfigMaps and Secrets a pod's volumes name (fetched before planning). */
export function volumeReferences(pod: Pod): { configMaps: string[]; secrets: string[]; claims: string[] } {
  const claims = new Set<string>();
  const cms = new Set<string>();
  const secrets = new Set<string>();
  for (const v of (pod.spec.volumes ?? []) as AnyVolume[]) {
    if (v.configMap?.name) cms.add(v.configMap.name);
    if (v.secret?.secretName) secrets.add(v.secret.secretName);
    if (v.persistentVolumeClaim?.claimName) claims.add(v.persistentVolumeClaim.claimName);
    for (const s of v.projected?.sources ?? []) {
      if (s.configMap?.name) cms.add(s.configMap.name);
      if (s.secret?.name) secrets.add(s.secret.name);
    }
  }
  return { configMaps: [...cms], secrets: [...secrets], claims: [...claims] };
}

/** Files from a key→bytes map as upstream's MakePayload: every key, or only `items` (each must exist unless optional). */
function payload(kind: 'configmap' | 'secret', volume: string, name: string, data: Map<string, Buffer> | null, items: Items, defaultMode: number, optional: boolean): VolumeFile[] {
  if (!data) {
    if (optional) return [];
    throw new VolumeSetupError(volume, `${kind} "${name}" not found`);
  }
  if (!items?.length) return [...data].map(([key, bytes]) => ({ path: key, data: bytes, mode: defaultMode }));
  return items.flatMap((it) => {
    const bytes = data.get(it.key);
    if (!bytes) {
      if (optional) return [];
      throw new VolumeSetupError(volume, kind === 'secret' ? `references non-existent secret key: ${it.key}` : `configmap references non-existent config key: ${it.key}`);
    }
    return [{ path: it.path, data: bytes, mode: it.mode ?? defaultMode }];
  });
}

const configMapData = (cm: ConfigMap | null | undefined) =>
  cm ? new Map([...Object.entries(cm.data ?? {}).map(([k, v]) => [k, Buffer.from(v)] as const), ...Object.entries(cm.binaryData ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')] as const)]) : null;
const secretData = (s: Secret | null | undefined) => (s ? new Map(Object.entries(s.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')] as const)) : null);

/** Files of a downwardAPI volume (or projection): each item's fieldRef or resourceFieldRef value. */
function downwardFiles(pod: Pod, items: AnyVolume['items'], defaultMode: number, input: PlanInput, volume: string): VolumeFile[] {
  return ((items ?? []) as Array<Record<string, any>>).map((it) => {
    let value: string;
    try {
      if (it.fieldRef) value = podFieldValue(it.fieldRef.fieldPath, pod, { hostIPs: input.hostIPs, podIPs: input.podIPs });
      else if (it.resourceFieldRef) {
        const self = pod.spec.containers.find((c) => c.name === it.resourceFieldRef.containerName) ?? pod.spec.containers[0];
        value = resourceFieldValue(it.resourceFieldRef, pod, self, input.allocatable);
      } else value = '';
    } catch (err) {
      throw new VolumeSetupError(volume, (err as Error).message);
    }
    return { path: it.path, data: Buffer.from(value), mode: it.mode ?? defaultMode };
  });
}

/** Returns the plan of each of the pod's volumes; throws VolumeSetupError for the first that cannot be set up. */
export const planVolumes = (pod: Pod, input: PlanInput): VolumePlan[] => ((pod.spec.volumes ?? []) as AnyVolume[]).map((v) => planVolume(pod, v, input));

/** Returns the plan of one of the pod's volumes; throws VolumeSetupError when it cannot be set up. */
export function planVolume(pod: Pod, v: AnyVolume, input: PlanInput): VolumePlan {
  const name = v.name;
  if (v.emptyDir) return { name, kind: 'emptyDir', memory: v.emptyDir.medium === 'Memory', sizeLimit: v.emptyDir.sizeLimit };
  if (v.hostPath) return { name, kind: 'hostPath', path: v.hostPath.path, type: v.hostPath.type ?? '' };
  if (v.persistentVolumeClaim) {
    const src = input.claims?.get(v.persistentVolumeClaim.claimName);
    if (!src) throw new VolumeSetupError(name, `persistentvolumeclaim "${v.persistentVolumeClaim.claimName}" not resolved`);
    if (typeof src === 'string') throw new VolumeSetupError(name, src);
    const plan: VolumePlan = { name, kind: 'hostPath', path: src.path, type: src.type };
    return src.local && !v.persistentVolumeClaim.readOnly ? { ...plan, fsGroupOwned: true } : plan;
  }
  if (v.configMap) {
    const c = v.configMap;
    return { name, kind: 'files', files: payload('configmap', name, c.name, configMapData(input.configMaps.get(c.name)), c.items, c.defaultMode ?? DEFAULT_MODE, !!c.optional) };
  }
  if (v.secret) {
    const s = v.secret;
    return { name, kind: 'files', files: payload('secret', name, s.secretName, secretData(input.secrets.get(s.secretName)), s.items, s.defaultMode ?? DEFAULT_MODE, !!s.optional) };
  }
  if (v.downwardAPI) return { name, kind: 'files', files: downwardFiles(pod, v.downwardAPI.items, v.downwardAPI.defaultMode ?? DEFAULT_MODE, input, name) };
  if (v.projected) return { name, kind: 'files', files: projectedFiles(pod, v, input) };
  return { name, kind: 'unsupported', message: `volume type of "${name}" is not supported by kubus (${Object.keys(v).filter((k) => k !== 'name').join(', ') || 'none'})` };
}

/** Files of a projected volume: its sources' files in order (a service account token as the token manager got it). */
function projectedFiles(pod: Pod, v: AnyVolume, input: PlanInput): VolumeFile[] {
  const mode = v.projected.defaultMode ?? DEFAULT_MODE;
  return ((v.projected.sources ?? []) as Array<Record<string, any>>).flatMap((s, i): VolumeFile[] => {
    if (s.configMap) return payload('configmap', v.name, s.configMap.name, configMapData(input.configMaps.get(s.configMap.name)), s.configMap.items, mode, !!s.configMap.optional);
    if (s.secret) return payload('secret', v.name, s.secret.name, secretData(input.secrets.get(s.secret.name)), s.secret.items, mode, !!s.secret.optional);
    if (s.downwardAPI) return downwardFiles(pod, s.downwardAPI.items, mode, input, v.name);
    if (s.serviceAccountToken) {
      const token = input.tokens?.get(tokenSourceKey(v.name, i));
      if (token === undefined) throw new VolumeSetupError(v.name, 'failed to fetch token: no token was requested');
      return [{ path: s.serviceAccountToken.path, data: Buffer.from(token), mode }];
    }
    return [];
  });
}

/** Returns a volume's directory on the host under the kubelet's pod dir (upstream pods/<uid>/volumes/kubernetes.io~<plugin>/<name>). */
export function volumeHostPath(podDir: string, v: VolumePlan): string {
  if (v.kind === 'hostPath') return v.path;
  const plugin = v.kind === 'emptyDir' ? 'empty-dir' : 'files';
  return posix.join(podDir, 'volumes', `kubernetes.io~${plugin}`, v.name);
}

/** Returns the CRI mounts of a container's volumeMounts (subPath joined to the volume's host path, never leaving it). */
export function containerMounts(pod: Pod, container: string, podDir: string, claimPaths?: ReadonlyMap<string, string>): NonNullable<ContainerConfig['mounts']> {
  const spec = [...(pod.spec.initContainers ?? []), ...pod.spec.containers].find((c) => c.name === container);
  const volumes = new Map(((pod.spec.volumes ?? []) as AnyVolume[]).map((v) => [v.name, v]));
  return (spec?.volumeMounts ?? []).flatMap((m) => {
    const v = volumes.get(m.name);
    if (!v) return [];
    if (v.persistentVolumeClaim && !claimPaths?.has(v.name)) throw new VolumeSetupError(v.name, 'its claim is not set up');
    const base = v.hostPath ? v.hostPath.path : v.persistentVolumeClaim ? claimPaths!.get(v.name)! : volumeHostPath(podDir, { name: v.name, kind: v.emptyDir ? 'emptyDir' : 'files', files: [] } as VolumePlan);
    const sub = m.subPath ? posix.normalize(m.subPath) : '';
    if (sub.startsWith('..') || posix.isAbsolute(sub)) throw new VolumeSetupError(v.name, `subPath "${m.subPath}" must not leave the volume`);
    // Upstream: files volumes read-only always (the AtomicWriter owns them).
    const readOnly = !!m.readOnly || !!v.persistentVolumeClaim?.readOnly || !!(v.configMap || v.secret || v.downwardAPI || v.projected);
    return [{ containerPath: m.mountPath, hostPath: sub ? posix.join(base, sub) : base, readOnly }];
  });
}
