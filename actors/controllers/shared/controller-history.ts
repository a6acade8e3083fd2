// ControllerRevisions as upstream's pkg/controller/history and controller.ComputeHash: hashes of
// templates and revision data, revision names, ordering and equality. Pure.
import type { ControllerRevision } from '../../../api/kinds/controllerrevision.ts';
import type { PodTemplateSpec } from '../../../api/kinds/pod.ts';
import { NAME_ALPHABET } from '../../../api/names.ts';

/** The label a DaemonSet/StatefulSet puts on its pods and revisions (apps.ControllerRevisionHashLabelKey). */
export const CONTROLLER_REVISION_HASH_LABEL = 'controller-revision-hash';

/** Returns JSON with object keys sorted at every level, so equal values always give equal text. */
export function stableStringify(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? 'null';
  if (Array.isArray(v)) return `[${v.map((x) => (x === undefined ? 'null' : stableStringify(x))).join(',')}]`;
  const o = v as Record<string, unknown>;
  const parts: string[] = [];
  for (const k of Object.keys(o).sort()) if (o[k] !== undefined) parts.push(`${JSON.stringify(k)}:${stableStringify(o[k])}`);
  return `{${parts.join(',')}}`;
}

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** Returns the 32-bit FNV-1a hash of bytes (Go's fnv.New32a), continuing from `h`. */
export function fnv32a(bytes: Uint8Array, h = FNV_OFFSET): number {
  for (const b of bytes) h = Math.imul(h ^ b, FNV_PRIME) >>> 0;
  return h >>> 0;
}

/** Returns the 32-bit FNV-1 hash of bytes (Go's fnv.New32), continuing from `h`. */
export function fnv32(bytes: Uint8Array, h = FNV_OFFSET): number {
  for (const b of bytes) h = (Math.imul(h, FNV_PRIME) ^ b) >>> 0;
  return h >>> 0;
}

/** Maps each character to the vowel-free alphabet, as apimachinery's rand.SafeEncodeString. */
export const safeEncodeString = (s: string): string => [...s].map((c) => NAME_ALPHABET[c.charCodeAt(0) % NAME_ALPHABET.length]).join('');

const utf8 = (s: string) => new TextEncoder().encode(s);

/** Returns the hash of a pod template plus collision count (controller.ComputeHash: fnv32a, count as 8 LE bytes). */
export function computeHash(template: PodTemplateSpec, collisionCount?: number): string {
  let h = fnv32a(utf8(stableStringify(template)));
  if (collisionCount !== undefined && collisionCount !== null) {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setUint32(0, collisionCount >>> 0, true);
    h = fnv32a(b, h);
  }
  return safeEncodeString(String(h));
}

/** Returns the hash of a revision's data plus probe (history.HashControllerRevision: fnv32, probe as decimal text). */
export function hashRevisionData(data: unknown, probe?: number): string {
  let h = fnv32(utf8(stableStringify(data)));
  if (probe !== undefined && probe !== null) h = fnv32(utf8(String(probe)), h);
  return safeEncodeString(String(h));
}

/** Returns `<prefix>-<hash>` with the prefix cut to 223 characters (history.ControllerRevisionName). */
export const revisionName = (prefix: string, hash: string): string => `${prefix.length > 223 ? prefix.slice(0, 223) : prefix}-${hash}`;

/** Returns the patch a DaemonSet/StatefulSet revision stores: its template, to be applied with `$patch: replace`. */
export const templatePatch = (template: PodTemplateSpec): Record<string, unknown> => ({
  spec: { template: { ...structuredClone(template), $patch: 'replace' } },
});

/** Returns the template stored in a revision's data (the inverse of templatePatch), or undefined. */
export function templateOfRevision(rev: ControllerRevision): PodTemplateSpec | undefined {
  const t = (rev.data as { spec?: { template?: Record<string, unknown> } } | undefined)?.spec?.template;
  if (!t) return undefined;
  const { $patch: _ignored, ...rest } = t;
  return structuredClone(rest) as unknown as PodTemplateSpec;
}

/** Returns whether two revisions hold the same data (history.EqualRevision). */
export const equalRevision = (a: ControllerRevision | undefined, b: ControllerRevision | undefined): boolean =>
  !a || !b ? a === b : stableStringify(a.data) === stableStringify(b.data);

/** Returns the revisions sorted by revision number, then creation time, then name (history.SortControllerRevisions). */
export function sortRevisions(revs: readonly ControllerRevision[]): ControllerRevision[] {
  return [...revs].sort(
    (a, b) =>
      a.revision - b.revision ||
      (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? '') ||
      (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''),
  );
}

/** Returns the revision number after the highest of sorted revisions (1 when there are none). */
export const nextRevision = (sorted: readonly ControllerRevision[]): number => (sorted.length ? sorted[sorted.length - 1].revision + 1 : 1);

/** Returns the revisions whose data equal `needle`'s (history.FindEqualRevisions), in input order. */
export const findEqualRevisions = (revs: readonly ControllerRevision[], needle: ControllerRevision): ControllerRevision[] =>
  revs.filter((r) => equalRevision(r, needle));
