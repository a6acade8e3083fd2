// Who is bound to what: the RoleBindings and ClusterRoleBindings of the API server's store, indexed by
// subject, and the rules of each Role and ClusterRole by key, kept up to date from the store's watch,
// so authorizing a request looks up the user's and its groups' bindings instead of scanning them all.
import type { PolicyRule, RoleBinding, Subject } from '../../../api/kinds/rbac.ts';
import type { Logger } from '../../../bus/types.ts';
import type { Store, StoreEvent } from '../store/store.ts';

export const CLUSTER_ROLE_BINDINGS = '/registry/clusterrolebindings/';
export const ROLE_BINDINGS = '/registry/rolebindings/';
const ROLES = '/registry/roles/';
const CLUSTER_ROLES = '/registry/clusterroles/';

/** One binding as it applies to one of its subjects. */
export interface Grant {
  binding: RoleBinding;
  /** The subject that matched, for the reason an access review gives. */
  subject: Subject;
}

/** The index key of a user name or a group name (a service account subject is its user name, as upstream matches it). */
export const userKey = (name: string) => `u:${name}`;
export const groupKey = (name: string) => `g:${name}`;

/** Returns the index key of a subject of a binding in `namespace` ('' for a ClusterRoleBinding), or undefined for an unknown kind. */
function subjectKey(s: Subject, namespace: string): string | undefined {
  if (!s?.name) return undefined;
  if (s.kind === 'User') return userKey(s.name);
  if (s.kind === 'Group') return groupKey(s.name);
  if (s.kind === 'ServiceAccount') return userKey(`system:serviceaccount:${s.namespace || namespace}:${s.name}`);
  return undefined;
}

type Slot = Map<string, Grant>;

export class BindingIndex {
  /** ClusterRoleBindings: subject key → binding key → grant. */
  private readonly cluster = new Map<string, Slot>();
  /** RoleBindings: `<namespace> <subject key>` → binding key → grant. */
  private readonly namespaced = new Map<string, Slot>();
  /** Binding key → the index keys it is under, to drop it again. */
  private readonly placed = new Map<string, Array<[Map<string, Slot>, string]>>();
  private readonly cancels = new Map<string, () => void>();
  /** Role and ClusterRole key → its rules (a Map lookup per grant, cheaper than the store's tree). */
  private readonly rules = new Map<string, PolicyRule[]>();

  constructor(
    private readonly store: Store,
    private readonly log: Logger,
  ) {}

  /** Loads both binding kinds and both role kinds, and follows their changes. */
  start(): void {
    for (const prefix of [CLUSTER_ROLES, ROLES, CLUSTER_ROLE_BINDINGS, ROLE_BINDINGS]) this.load(prefix);
  }

  /** The rules of a Role (in `namespace`) or a ClusterRole; undefined when there is no such role. */
  roleRules(kind: string | undefined, namespace: string | undefined, name: string | undefined): PolicyRule[] | undefined {
    return this.rules.get(kind === 'Role' ? `${ROLES}${namespace}/${name}` : `${CLUSTER_ROLES}${name}`);
  }

  /** The grants of one subject key: its ClusterRoleBindings, or its RoleBindings in `namespace`. */
  clusterGrants(key: string): Iterable<Grant> {
    return this.cluster.get(key)?.values() ?? [];
  }

  namespaceGrants(namespace: string, key: string): Iterable<Grant> {
    return this.namespaced.get(`${namespace} ${key}`)?.values() ?? [];
  }

  close(): void {
    for (const cancel of this.cancels.values()) cancel();
    this.cancels.clear();
  }

  private load(prefix: string): void {
    this.cancels.get(prefix)?.();
    for (const key of [...this.placed.keys(), ...this.rules.keys()]) if (key.startsWith(prefix)) this.drop(key);
    const { kvs, revision } = this.store.range(prefix);
    for (const kv of kvs) this.put(kv.key, kv.value);
    const cancel = this.store.watch(
      prefix,
      revision,
      (ev: StoreEvent) => (ev.type === 'put' ? this.put(ev.kv.key, ev.kv.value) : this.drop(ev.kv.key)),
      // The store lost the watch's place (a replica reloaded): read the bindings again.
      () => {
        this.log.info({ prefix }, 'binding index reloads');
        this.load(prefix);
      },
    );
    this.cancels.set(prefix, cancel);
  }

  private put(key: string, value: unknown): void {
    this.drop(key);
    if (key.startsWith(ROLES) || key.startsWith(CLUSTER_ROLES)) return void this.rules.set(key, (value as { rules?: PolicyRule[] }).rules ?? []);
    const binding = value as RoleBinding;
    const ns = key.startsWith(ROLE_BINDINGS) ? (binding.metadata?.namespace ?? '') : '';
    const where: Array<[Map<string, Slot>, string]> = [];
    for (const subject of binding.subjects ?? []) {
      const sk = subjectKey(subject, ns);
      if (!sk) continue;
      const [map, at] = ns ? [this.namespaced, `${ns} ${sk}`] : [this.cluster, sk];
      let slot = map.get(at);
      if (!slot) map.set(at, (slot = new Map()));
      if (slot.has(key)) continue;
      slot.set(key, { binding, subject });
      where.push([map, at]);
    }
    this.placed.set(key, where);
  }

  private drop(key: string): void {
    this.rules.delete(key);
    for (const [map, at] of this.placed.get(key) ?? []) {
      const slot = map.get(at);
      slot?.delete(key);
      if (slot?.size === 0) map.delete(at);
    }
    this.placed.delete(key);
  }
}
