// metadata.managedFields: who owns which fields. An Update (create, update, patch) gives its
// manager the fields it changed and takes them from everyone else; an Apply owns exactly the
// fields of its configuration, removes what it no longer applies (unless someone else owns it),
// and fails with upstream's 409 when it changes a field another manager owns, unless forced.
import type { PatchTypeDef } from '../patch/index.ts';
import { StatusError } from '../status.ts';
import { FieldSet, pathString, type FieldPath, type FieldsV1 } from './field-set.ts';
import { compare, fieldsOf } from './fields.ts';
import { mergeApplied, removeFields } from './merge.ts';

export type Operation = 'Apply' | 'Update';

/** One entry of metadata.managedFields, as upstream's ManagedFieldsEntry. */
export interface ManagedFieldsEntry {
  manager: string;
  operation: Operation;
  apiVersion: string;
  time?: string;
  fieldsType: 'FieldsV1';
  fieldsV1: FieldsV1;
  subresource?: string;
}

/** One manager's fields; managers are told apart by name, operation and subresource. */
export interface Owner {
  manager: string;
  operation: Operation;
  apiVersion: string;
  time?: string;
  subresource?: string;
  set: FieldSet;
}

export type Owners = Map<string, Owner>;

/** Returns the identity of a manager (upstream's BuildManagerIdentifier, which messages sort by). */
export const ownerKey = (o: Pick<Owner, 'manager' | 'operation' | 'apiVersion' | 'subresource'>) =>
  JSON.stringify({ manager: o.manager, operation: o.operation, ...(o.operation === 'Update' ? { apiVersion: o.apiVersion } : {}), ...(o.subresource ? { subresource: o.subresource } : {}) });

/** Returns the owners of managedFields; throws (a 400) on entries that are not upstream's shape. */
export function decodeOwners(entries: unknown): Owners {
  const out: Owners = new Map();
  if (entries === undefined || entries === null) return out;
  const bad = (why: string) => new StatusError(400, 'BadRequest', `metadata.managedFields: ${why}`);
  if (!Array.isArray(entries)) throw bad('must be a list');
  for (const [i, e] of entries.entries()) {
    const x = e as Partial<ManagedFieldsEntry>;
    if (typeof x !== 'object' || x === null || typeof x.manager !== 'string') throw bad(`entry ${i} has no manager`);
    if (x.operation !== 'Apply' && x.operation !== 'Update') throw bad(`entry ${i}: operation must be Apply or Update`);
    if (x.fieldsType !== undefined && x.fieldsType !== 'FieldsV1') throw bad(`entry ${i}: fieldsType must be FieldsV1`);
    let set: FieldSet;
    try {
      set = FieldSet.fromFieldsV1(x.fieldsV1 ?? {});
    } catch (err) {
      throw bad(`entry ${i}: ${(err as Error).message}`);
    }
    const owner: Owner = { manager: x.manager, operation: x.operation, apiVersion: String(x.apiVersion ?? ''), set };
    if (typeof x.time === 'string') owner.time = x.time;
    if (typeof x.subresource === 'string' && x.subresource) owner.subresource = x.subresource;
    const key = ownerKey(owner);
    const prior = out.get(key);
    out.set(key, prior ? { ...owner, set: prior.set.union(set) } : owner);
  }
  return out;
}

/** Returns managedFields for the owners, in upstream's order (Apply first, then by time and name). */
export function encodeOwners(owners: Owners): ManagedFieldsEntry[] {
  const sorted = [...owners.values()].sort(
    (a, b) => cmp(a.operation, b.operation) || cmp(a.time ?? '', b.time ?? '') || cmp(a.manager, b.manager) || cmp(a.apiVersion, b.apiVersion) || cmp(a.subresource ?? '', b.subresource ?? ''),
  );
  return sorted.map((o) => ({
    manager: o.manager,
    operation: o.operation,
    apiVersion: o.apiVersion,
    ...(o.time ? { time: o.time } : {}),
    fieldsType: 'FieldsV1' as const,
    fieldsV1: o.set.toFieldsV1(),
    ...(o.subresource ? { subresource: o.subresource } : {}),
  }));
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Who writes, and when (the API server's clock, RFC 3339). */
export interface Writer {
  manager: string;
  apiVersion: string;
  subresource?: string;
  time: string;
}

/** Returns the owners after an Update from `before` to `after` by `w` (`before` undefined: a create). */
export function recordUpdate(owners: Owners, before: unknown, after: unknown, kind: string | PatchTypeDef, w: Writer): Owners {
  const c = compare(before ?? {}, after, kind);
  const changed = c.added.union(c.modified);
  const out = takeFrom(owners, changed.union(c.removed), undefined);
  const me: Owner = { manager: w.manager, operation: 'Update', apiVersion: w.apiVersion, ...(w.subresource ? { subresource: w.subresource } : {}), set: new FieldSet() };
  const key = ownerKey(me);
  const prior = owners.get(key);
  const set = (prior?.set ?? new FieldSet()).difference(c.removed).union(changed);
  out.delete(key);
  if (!set.empty) out.set(key, { ...me, set, time: changed.empty && c.removed.empty && prior?.time ? prior.time : w.time });
  return capUpdates(out);
}

/** Upstream's cap on Update entries; the oldest beyond it merge into one "ancient-changes" entry per API version. */
export const MAX_UPDATE_MANAGERS = 10;

function capUpdates(owners: Owners): Owners {
  const updaters = [...owners].filter(([, o]) => o.operation === 'Update');
  if (updaters.length <= MAX_UPDATE_MANAGERS) return owners;
  updaters.sort(([ka, a], [kb, b]) => cmp(a.time ?? '', b.time ?? '') || cmp(ka, kb));
  const out = new Map(owners);
  let count = updaters.length;
  for (const [k, o] of updaters) {
    if (count <= MAX_UPDATE_MANAGERS) break;
    const bucket: Owner = { manager: 'ancient-changes', operation: 'Update', apiVersion: o.apiVersion, set: o.set };
    const bk = ownerKey(bucket);
    if (bk === k) continue;
    const prior = out.get(bk);
    out.delete(k);
    count--;
    if (prior) out.set(bk, { ...prior, set: prior.set.union(o.set), ...(o.time && o.time > (prior.time ?? '') ? { time: o.time } : {}) });
    else {
      out.set(bk, { ...bucket, ...(o.time ? { time: o.time } : {}) });
      count++;
    }
  }
  return out;
}

/** Returns a copy of the owners (but `except`) without the fields of `gone`; owners left with nothing go. */
function takeFrom(owners: Owners, gone: FieldSet, except: string | undefined): Owners {
  const out: Owners = new Map();
  for (const [k, o] of owners) {
    const set = k === except ? o.set : o.set.difference(gone);
    if (!set.empty) out.set(k, set.size === o.set.size ? o : { ...o, set });
  }
  return out;
}

/** One field another manager owns and an apply would change. */
export interface Conflict {
  owner: Owner;
  path: FieldPath;
}

/** The result of an apply: the object to store and its owners. */
export interface Applied<T> {
  object: T;
  owners: Owners;
}

/**
 * Applies `config` to `live` for `w` (structured-merge-diff's Updater.Apply); `live` undefined:
 * the object is created. Throws upstream's 409 when fields other managers own would change and
 * `force` is not set; with `force`, the applier takes them.
 */
export function recordApply<T>(owners: Owners, live: T | undefined, config: unknown, kind: string | PatchTypeDef, w: Writer, force: boolean): Applied<T> {
  const applied = fieldsOf(config, kind, true);
  const me: Owner = { manager: w.manager, operation: 'Apply', apiVersion: w.apiVersion, ...(w.subresource ? { subresource: w.subresource } : {}), set: applied };
  const key = ownerKey(me);
  if (live !== undefined && owners.size === 0) {
    // An object nobody owned yet: its fields belong to "before-first-apply", as upstream.
    const all = fieldsOf(live, kind);
    if (!all.empty) owners = new Map([[ownerKey({ manager: 'before-first-apply', operation: 'Update', apiVersion: w.apiVersion }), { manager: 'before-first-apply', operation: 'Update' as const, apiVersion: w.apiVersion, set: all }]]);
  }
  const last = owners.get(key)?.set ?? new FieldSet();
  const others = [...owners].filter(([k]) => k !== key).reduce((s, [, o]) => s.union(o.set), new FieldSet());
  const merged = mergeApplied((live ?? {}) as Record<string, unknown>, config, kind);
  removeFields(merged, last.difference(applied), applied.union(others), kind);
  const c = compare(live ?? {}, merged, kind);
  const changed = c.added.union(c.modified);
  const conflicts: Conflict[] = [];
  for (const [k, o] of owners) if (k !== key) for (const path of o.set.intersection(changed).paths()) conflicts.push({ owner: o, path });
  if (conflicts.length && !force) throw applyConflict(conflicts);
  const out = takeFrom(owners, changed.union(c.removed), key);
  const prior = owners.get(key);
  const same = prior && prior.set.equals(applied) && changed.empty && c.removed.empty;
  out.set(key, { ...me, time: same && prior.time ? prior.time : w.time });
  return { object: merged as T, owners: out };
}

/** Returns how upstream names a manager in a conflict (printManager). */
function managerLabel(o: Owner): string {
  let s = JSON.stringify(o.manager);
  if (o.subresource) s += ` with subresource ${JSON.stringify(o.subresource)}`;
  return o.operation === 'Update' ? `${s} using ${o.apiVersion}` : s;
}

/** Returns upstream's 409 for apply conflicts (k8s.io/apimachinery managedfields NewConflictError). */
export function applyConflict(conflicts: Conflict[]): StatusError {
  const sorted = [...conflicts].sort((a, b) => cmp(ownerKey(a.owner), ownerKey(b.owner)));
  const causes = sorted.map((c) => ({ reason: 'FieldManagerConflict', message: `conflict with ${managerLabel(c.owner)}`, field: pathString(c.path) }));
  let message: string;
  if (sorted.length === 1) message = `Apply failed with 1 conflict: conflict with ${managerLabel(sorted[0]!.owner)}: ${pathString(sorted[0]!.path)}`;
  else {
    const lines: string[] = [];
    let last = '';
    for (const c of sorted) {
      const k = ownerKey(c.owner);
      if (k !== last) lines.push(`conflicts with ${managerLabel(c.owner)}:`);
      last = k;
      lines.push(`- ${pathString(c.path)}`);
    }
    message = `Apply failed with ${sorted.length} conflicts: ${lines.join('\n')}`;
  }
  return new StatusError(409, 'Conflict', message, { causes });
}

/** Returns the configuration an apply may set on `part`: the main resource never sets status; the status subresource sets only status. */
export function appliedPart(config: Record<string, unknown>, part: 'main' | 'status', hasStatus: boolean): Record<string, unknown> {
  if (part === 'main') {
    if (!hasStatus) return config;
    const { status: _s, ...rest } = config;
    return rest;
  }
  const out: Record<string, unknown> = {};
  for (const f of ['apiVersion', 'kind', 'status']) if (config[f] !== undefined) out[f] = config[f];
  return out;
}
