// The ServiceAccount admission plugin (upstream plugin/pkg/admission/serviceaccount): a new pod runs as
// its namespace's "default" ServiceAccount unless it names one, the ServiceAccount must exist, and
// unless the pod or the account opts out, every container mounts the kube-api-access-<5> projected
// volume (a bound token, the cluster's CA, the namespace) at the well-known path; a pod without
// pull secrets gets its account's.
import type { Pod } from '../../api/kinds/pod.ts';
import type { KubeObject } from '../../api/meta.ts';
import { generateName } from '../../api/names.ts';
import { forbidden } from '../../api/status.ts';
import type { Attributes } from './admission.ts';
import { qualified, type ServerContext } from './context.ts';

export const DEFAULT_SERVICE_ACCOUNT = 'default';
/** Where containers find the token, ca.crt and namespace (upstream DefaultAPITokenMountPath). */
export const API_TOKEN_MOUNT_PATH = '/var/run/secrets/kubernetes.io/serviceaccount';
/** The projected volume's name prefix (upstream ServiceAccountVolumeName + "-"). */
export const API_ACCESS_VOLUME_PREFIX = 'kube-api-access-';
/** The ConfigMap every namespace gets with the cluster's CA (upstream's root-ca-cert-publisher). */
export const ROOT_CA_CONFIGMAP = 'kube-root-ca.crt';
/** A bound token's lifetime as the plugin asks it: an hour and 7 s, so a token's age tells it was not refreshed (upstream). */
export const TOKEN_EXPIRATION_SECONDS = 3607;
/** How long a create waits for the `default` ServiceAccount the controller is about to make (upstream retries its lookup for about this long). */
export const DEFAULT_ACCOUNT_WAIT_MS = 2_000;
const MIRROR_ANNOTATION = 'kubernetes.io/config.mirror';

interface ServiceAccount extends KubeObject {
  automountServiceAccountToken?: boolean;
  imagePullSecrets?: Array<{ name?: string }>;
}

/** Returns the projected volume the plugin adds (upstream's TokenVolumeSource with the CA and namespace). */
export function apiAccessVolume(name: string): Record<string, unknown> {
  return {
    name,
    projected: {
      sources: [
        { serviceAccountToken: { expirationSeconds: TOKEN_EXPIRATION_SECONDS, path: 'token' } },
        { configMap: { name: ROOT_CA_CONFIGMAP, items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
        { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
      ],
      defaultMode: 0o644,
    },
  };
}

/** Mutating step on pod create: default account, existence check, token volume and mounts. */
export async function admitServiceAccount(ctx: ServerContext, a: Attributes): Promise<void> {
  const pod = a.object as Pod;
  if (!pod.spec || typeof pod.spec !== 'object') return;
  // Mirror pods come from a node's static manifests: they get no API credentials (upstream).
  if (pod.metadata.annotations?.[MIRROR_ANNOTATION] !== undefined) return;
  const spec = pod.spec as Pod['spec'] & { serviceAccountName?: string; serviceAccount?: string; automountServiceAccountToken?: boolean };
  if (!spec.serviceAccountName) spec.serviceAccountName = spec.serviceAccount || DEFAULT_SERVICE_ACCOUNT;
  const namespace = pod.metadata.namespace!;
  const name = spec.serviceAccountName;
  const sa = await lookup(ctx, namespace, name);
  if (!sa)
    throw forbidden(qualified(a.def), pod.metadata.name ?? '', `error looking up service account ${namespace}/${name}: serviceaccount "${name}" not found`);
  const automount = spec.automountServiceAccountToken ?? sa.automountServiceAccountToken ?? true;
  if (automount) mountToken(ctx, spec);
  // A pod without pull secrets of its own gets its account's (upstream).
  const own = spec as { imagePullSecrets?: Array<{ name?: string }> };
  if (!own.imagePullSecrets?.length && sa.imagePullSecrets?.length) own.imagePullSecrets = sa.imagePullSecrets.map((s) => ({ name: s.name }));
}

/** Adds the token volume's mount to every container that has none at the path, and the volume when one needs it. */
function mountToken(ctx: ServerContext, spec: Pod['spec']): void {
  const volumes = (spec.volumes ??= []) as Array<{ name: string }>;
  const existing = volumes.find((v) => v.name?.startsWith(API_ACCESS_VOLUME_PREFIX));
  let volumeName = existing?.name;
  while (!volumeName || (!existing && volumes.some((v) => v.name === volumeName))) volumeName = generateName(API_ACCESS_VOLUME_PREFIX, (n) => ctx.rng.int(n));
  let needed = false;
  for (const c of [...(spec.initContainers ?? []), ...(spec.containers ?? [])]) {
    const mounts = (c.volumeMounts ??= []);
    if (mounts.some((m) => m.mountPath === API_TOKEN_MOUNT_PATH)) continue;
    mounts.push({ name: volumeName, readOnly: true, mountPath: API_TOKEN_MOUNT_PATH });
    needed = true;
  }
  if (!existing && needed) volumes.push(apiAccessVolume(volumeName) as never);
}

/** Returns the ServiceAccount; the `default` one the controller has not made yet is waited for a moment (upstream retries). */
async function lookup(ctx: ServerContext, namespace: string, name: string): Promise<ServiceAccount | undefined> {
  const key = `/registry/serviceaccounts/${namespace}/${name}`;
  const now = () => ctx.store.get(key)?.value as ServiceAccount | undefined;
  if (now()) return now();
  // On a shared store this replica's cache may lag the controller's create.
  await ctx.store.sync?.();
  if (now() || name !== DEFAULT_SERVICE_ACCOUNT) return now();
  return new Promise((resolve) => {
    const done = () => {
      ctx.clock.clearTimeout(timer);
      cancel();
      resolve(now());
    };
    const timer = ctx.clock.setTimeout(done, DEFAULT_ACCOUNT_WAIT_MS);
    const cancel = ctx.store.watch(key, ctx.store.revision, (ev) => {
      if (ev.kv.key === key && ev.type === 'put') done();
    });
  });
}
