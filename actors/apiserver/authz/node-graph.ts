// The node authorizer's graph (upstream plugin/pkg/auth/authorizer/node graph.go and graph_populator.go),
// kept as reference counts per node instead of a general graph: each bound pod adds its edges
// (pod, its secrets, configmaps, claims and service account → its node); a PersistentVolume adds
// pv → its claim and its secrets → pv. A check is a Map lookup (a secret also walks the few PVs that
// name it); a pod or PV change costs only its own references. Fed from the API server's own store watch.
import type { Logger } from '../../../bus/types.ts';
import type { Store, StoreEvent } from '../store/store.ts';

const PODS = '/registry/pods/';
const PVS = '/registry/persistentvolumes/';

/** The resources the graph relates to nodes; a reference is `<resource>/<namespace>/<name>`. */
export type GraphResource = 'pods' | 'secrets' | 'configmaps' | 'persistentvolumeclaims' | 'serviceaccounts' | 'persistentvolumes';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
const list = (v: unknown): Obj[] => (Array.isArray(v) ? v.filter(isObj) : []);

/** Returns the node a pod is bound to and what it refers to (upstream VisitPodSecretNames, VisitPodConfigmapNames, its claims and service account). */
export function podReferences(pod: unknown): { node: string; refs: string[] } | undefined {
  if (!isObj(pod) || !isObj(pod.spec) || !isObj(pod.metadata)) return undefined;
  const spec = pod.spec;
  const node = str(spec.nodeName);
  const ns = str(pod.metadata.namespace) ?? '';
  const name = str(pod.metadata.name);
  if (!node || !name) return undefined;
  const refs = new Set<string>([`pods/${ns}/${name}`, `serviceaccounts/${ns}/${str(spec.serviceAccountName) ?? 'default'}`]);
  const add = (resource: GraphResource, n: unknown) => {
    const s = str(n);
    if (s) refs.add(`${resource}/${ns}/${s}`);
  };
  for (const s of list(spec.imagePullSecrets)) add('secrets', s.name);
  for (const group of [spec.initContainers, spec.containers, spec.ephemeralContainers]) for (const c of list(group)) {
    for (const e of list(c.envFrom)) {
      if (isObj(e.secretRef)) add('secrets', e.secretRef.name);
      if (isObj(e.configMapRef)) add('configmaps', e.configMapRef.name);
    }
    for (const e of list(c.env)) {
      const from = isObj(e.valueFrom) ? e.valueFrom : {};
      if (isObj(from.secretKeyRef)) add('secrets', from.secretKeyRef.name);
      if (isObj(from.configMapKeyRef)) add('configmaps', from.configMapKeyRef.name);
    }
  }
  for (const v of list(spec.volumes)) {
    if (isObj(v.secret)) add('secrets', v.secret.secretName);
    if (isObj(v.configMap)) add('configmaps', v.configMap.name);
    if (isObj(v.persistentVolumeClaim)) add('persistentvolumeclaims', v.persistentVolumeClaim.claimName);
    // A generic ephemeral volume's claim is named <pod>-<volume> (upstream ephemeral.VolumeClaimName).
    if (isObj(v.ephemeral)) add('persistentvolumeclaims', `${name}-${String(v.name)}`);
    if (isObj(v.projected))
      for (const src of list(v.projected.sources)) {
        if (isObj(src.secret)) add('secrets', src.secret.name);
        if (isObj(src.configMap)) add('configmaps', src.configMap.name);
      }
    if (isObj(v.azureFile)) add('secrets', v.azureFile.secretName);
    // The volume plugins that name a secret of the pod's namespace: cephfs, cinder, flexVolume, iscsi, rbd, scaleIO, storageos, csi.
    for (const plugin of Object.values(v)) {
      if (!isObj(plugin)) continue;
      if (isObj(plugin.secretRef)) add('secrets', plugin.secretRef.name);
      if (isObj(plugin.nodePublishSecretRef)) add('secrets', plugin.nodePublishSecretRef.name);
    }
  }
  return { node, refs: [...refs] };
}

/** Returns a PersistentVolume's claim (`namespace/name`) and the secrets its source names (`namespace/name`). */
export function pvReferences(pv: unknown): { claim?: string; secrets: string[] } {
  if (!isObj(pv) || !isObj(pv.spec)) return { secrets: [] };
  const ref = isObj(pv.spec.claimRef) ? pv.spec.claimRef : undefined;
  const claimNs = str(ref?.namespace);
  const claim = ref && claimNs && str(ref.name) ? `${claimNs}/${ref.name}` : undefined;
  const secrets = new Set<string>();
  for (const [key, source] of Object.entries(pv.spec)) {
    if (!isObj(source) || key === 'claimRef') continue;
    // azureFile: secretName in secretNamespace (default "default"); every other plugin: a secret reference `*SecretRef`/`secretRef`.
    if (key === 'azureFile' && str(source.secretName)) secrets.add(`${str(source.secretNamespace) ?? 'default'}/${source.secretName}`);
    for (const [field, r] of Object.entries(source)) {
      if (!(field === 'secretRef' || field.endsWith('SecretRef')) || !isObj(r) || !str(r.name)) continue;
      const ns = str(r.namespace) ?? claimNs;
      if (ns) secrets.add(`${ns}/${r.name}`);
    }
  }
  return { claim, secrets: [...secrets] };
}

const sameRefs = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((r, i) => r === b[i]);

export class NodeGraph {
  /** Node → reference → how many of its pods hold it. */
  private readonly byNode = new Map<string, Map<string, number>>();
  /** Pod key → its node and references as last indexed (and its spec, to skip status-only writes). */
  private readonly pods = new Map<string, { node: string; refs: string[]; spec: unknown }>();
  /** PV name → its claim and secrets; secret `namespace/name` → the PVs naming it. */
  private readonly pvs = new Map<string, { claim?: string; secrets: string[] }>();
  private readonly pvsBySecret = new Map<string, Set<string>>();
  private readonly cancels = new Map<string, () => void>();

  constructor(
    private readonly store: Store,
    private readonly log: Logger,
  ) {}

  /** Loads the pods and PVs and follows their changes. */
  start(): void {
    for (const prefix of [PODS, PVS]) this.load(prefix);
  }

  close(): void {
    for (const cancel of this.cancels.values()) cancel();
    this.cancels.clear();
  }

  /** True when `resource` `namespace`/`name` is related to `node` (upstream hasPathFrom). */
  related(node: string, resource: GraphResource, namespace: string, name: string): boolean {
    const held = this.byNode.get(node);
    if (!held) return false;
    if (resource === 'persistentvolumes') {
      const claim = this.pvs.get(name)?.claim;
      return !!claim && held.has(`persistentvolumeclaims/${claim}`);
    }
    if (held.has(`${resource}/${namespace}/${name}`)) return true;
    if (resource !== 'secrets') return false;
    for (const pv of this.pvsBySecret.get(`${namespace}/${name}`) ?? []) if (this.related(node, 'persistentvolumes', '', pv)) return true;
    return false;
  }

  /** The number of bound pods indexed (for tests and stats). */
  get podCount(): number {
    return this.pods.size;
  }

  private load(prefix: string): void {
    this.cancels.get(prefix)?.();
    if (prefix === PODS) {
      for (const key of [...this.pods.keys()]) this.dropPod(key);
    } else for (const name of [...this.pvs.keys()]) this.dropPv(name);
    const { kvs, revision } = this.store.range(prefix);
    for (const kv of kvs) this.apply(prefix, { type: 'put', revision, kv });
    const cancel = this.store.watch(
      prefix,
      revision,
      (ev) => this.apply(prefix, ev),
      // The store lost the watch's place (a replica reloaded): read them again.
      () => {
        this.log.info({ prefix }, 'node authorizer graph reloads');
        this.load(prefix);
      },
    );
    this.cancels.set(prefix, cancel);
  }

  private apply(prefix: string, ev: StoreEvent): void {
    const key = ev.kv.key;
    if (prefix === PVS) {
      const name = key.slice(PVS.length);
      this.dropPv(name);
      if (ev.type === 'put') this.putPv(name, pvReferences(ev.kv.value));
      return;
    }
    if (ev.type === 'delete') return this.dropPod(key);
    const spec = (ev.kv.value as { spec?: unknown } | undefined)?.spec;
    const had = this.pods.get(key);
    // A status write shares the stored spec: nothing to re-index.
    if (had && spec !== undefined && had.spec === spec) return;
    const now = podReferences(ev.kv.value);
    if (had && now && had.node === now.node && sameRefs(had.refs, now.refs)) return void (had.spec = spec);
    this.dropPod(key);
    if (!now) return;
    const held = this.byNode.get(now.node) ?? new Map<string, number>();
    this.byNode.set(now.node, held);
    for (const r of now.refs) held.set(r, (held.get(r) ?? 0) + 1);
    this.pods.set(key, { ...now, spec });
  }

  private dropPod(key: string): void {
    const had = this.pods.get(key);
    if (!had) return;
    this.pods.delete(key);
    const held = this.byNode.get(had.node)!;
    for (const r of had.refs) {
      const n = (held.get(r) ?? 1) - 1;
      if (n > 0) held.set(r, n);
      else held.delete(r);
    }
    if (held.size === 0) this.byNode.delete(had.node);
  }

  private putPv(name: string, refs: { claim?: string; secrets: string[] }): void {
    this.pvs.set(name, refs);
    for (const s of refs.secrets) {
      const set = this.pvsBySecret.get(s) ?? new Set<string>();
      this.pvsBySecret.set(s, set.add(name));
    }
  }

  private dropPv(name: string): void {
    const had = this.pvs.get(name);
    if (!had) return;
    this.pvs.delete(name);
    for (const s of had.secrets) {
      const set = this.pvsBySecret.get(s);
      set?.delete(name);
      if (set?.size === 0) this.pvsBySecret.delete(s);
    }
  }
}
