// The status upstream's naming and establishing controllers give a CRD: NamesAccepted, Established,
// acceptedNames and storedVersions, as a pure function of the CRD, the names already taken and the time.
import type { CRDCondition, CRDNames, CRDStatus, CustomResourceDefinition } from './types.ts';

/**
 * Tells whether a name is already served in the CRD's group by another resource: called with
 * (plural-like name, '') for plural, singular and short names, and with ('', kind) for kind and listKind.
 */
export type NameTaken = (plural: string, kind: string) => boolean;

/** Returns the storage version's name, if exactly one is marked. */
export function storageVersion(crd: CustomResourceDefinition): string | undefined {
  // Called before validation too (on create): any shape must do.
  const versions: unknown = crd?.spec?.versions;
  const s = (Array.isArray(versions) ? versions : []).filter((v) => typeof v === 'object' && v !== null && v.storage === true);
  return s.length === 1 && typeof s[0].name === 'string' ? s[0].name : undefined;
}

/** Returns status.storedVersions with the current storage version added (never removed: that is a storage migration's job). */
export function storedVersionsFor(crd: CustomResourceDefinition, old?: string[]): string[] {
  const out = Array.isArray(old) ? old.filter((v) => typeof v === 'string') : [];
  const storage = storageVersion(crd);
  if (storage && !out.includes(storage)) out.push(storage);
  return out;
}

/** Returns a condition, keeping the old one's lastTransitionTime when its status did not change (SetCRDCondition). */
function condition(c: Omit<CRDCondition, 'lastTransitionTime'>, old: CRDCondition | undefined, now: string): CRDCondition {
  const lastTransitionTime = old && old.status === c.status && old.lastTransitionTime ? old.lastTransitionTime : now;
  return { type: c.type, status: c.status, lastTransitionTime, reason: c.reason, message: c.message };
}

/** Returns the first conflicting name and its condition reason, or undefined when every name is free. */
function conflict(names: CRDNames, accepted: Partial<CRDNames>, taken: NameTaken): { reason: string; name: string } | undefined {
  // A name the CRD was already given stays its own (equalToAcceptedOrFresh).
  const busy = (want: string | undefined, had: string | undefined, check: (n: string) => boolean) => !!want && want !== had && check(want);
  const resource = (n: string) => taken(n, '');
  const kind = (n: string) => taken('', n);
  if (busy(names.plural, accepted.plural, resource)) return { reason: 'PluralConflict', name: names.plural };
  if (busy(names.singular, accepted.singular, resource)) return { reason: 'SingularConflict', name: names.singular! };
  for (const s of names.shortNames ?? [])
    if (!(accepted.shortNames ?? []).includes(s) && resource(s)) return { reason: 'ShortNamesConflict', name: s };
  if (busy(names.kind, accepted.kind, kind)) return { reason: 'KindConflict', name: names.kind };
  if (busy(names.listKind, accepted.listKind, kind)) return { reason: 'ListKindConflict', name: names.listKind! };
  return undefined;
}

/**
 * Returns the status a CRD should have: NamesAccepted (NoConflicts, or a <Name>Conflict reason with
 * `"x" is already in use`), Established once its names are accepted (kept once true), acceptedNames
 * and storedVersions. Other conditions (Terminating, NonStructuralSchema) are carried over.
 */
export function crdStatusFor(crd: CustomResourceDefinition, taken: NameTaken, now: string): CRDStatus {
  const old = crd.status ?? {};
  const oldConds = old.conditions ?? [];
  const find = (t: string) => oldConds.find((c) => c.type === t);
  const accepted = old.acceptedNames ?? { plural: '', kind: '' };
  const clash = conflict(crd.spec.names, accepted, taken);
  const namesAccepted = clash
    ? condition({ type: 'NamesAccepted', status: 'False', reason: clash.reason, message: `"${clash.name}" is already in use` }, find('NamesAccepted'), now)
    : condition({ type: 'NamesAccepted', status: 'True', reason: 'NoConflicts', message: 'no conflicts found' }, find('NamesAccepted'), now);
  const wasEstablished = find('Established')?.status === 'True';
  const established =
    wasEstablished || !clash
      ? condition({ type: 'Established', status: 'True', reason: 'InitialNamesAccepted', message: 'the initial names have been accepted' }, find('Established'), now)
      : condition({ type: 'Established', status: 'False', reason: 'NotAccepted', message: 'not all names are accepted' }, find('Established'), now);
  if (wasEstablished) Object.assign(established, find('Established'));
  const others = oldConds.filter((c) => c.type !== 'NamesAccepted' && c.type !== 'Established');
  return {
    conditions: [namesAccepted, established, ...others],
    acceptedNames: clash ? accepted : structuredClone(crd.spec.names),
    storedVersions: storedVersionsFor(crd, old.storedVersions),
  };
}
