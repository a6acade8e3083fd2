// Sets of field paths, as upstream's structured-merge-diff fieldpath.Set, in the FieldsV1 form
// managedFields carry: each path element is `f:<field>`, `k:<json keys>` (an item of an
// associative list), `v:<json value>` (an item of a set) or `i:<index>`; `.` marks a member
// that also has members below it.

/** One step of a path, spelled as in FieldsV1: `f:spec`, `k:{"name":"nginx"}`, `v:"a"`, `i:0`. */
export type PathElement = string;
export type FieldPath = readonly PathElement[];

/** A FieldsV1 tree: `{"f:spec":{"f:replicas":{}}}`. */
export interface FieldsV1 {
  [element: string]: FieldsV1;
}

/** Returns the element naming a field. */
export const fieldElement = (name: string): PathElement => `f:${name}`;

/** Returns the element naming an associative list item by its key fields (sorted, as upstream). */
export function keyElement(keys: Record<string, unknown>): PathElement {
  const sorted = Object.fromEntries(Object.keys(keys).sort().map((k) => [k, keys[k]]));
  return `k:${JSON.stringify(sorted)}`;
}

/** Returns the element naming a set item by its value. */
export const valueElement = (v: unknown): PathElement => `v:${JSON.stringify(v)}`;

/** Returns a path as upstream prints it in conflicts: `.spec.containers[name="nginx"].image`. */
export function pathString(path: FieldPath): string {
  return path
    .map((e) => {
      const body = e.slice(2);
      if (e.startsWith('f:')) return `.${body}`;
      if (e.startsWith('v:')) return `[=${body}]`;
      if (e.startsWith('i:')) return `[${body}]`;
      const keys = JSON.parse(body) as Record<string, unknown>;
      return `[${Object.keys(keys).map((k) => `${k}=${JSON.stringify(keys[k])}`).sort().join(',')}]`;
    })
    .join('');
}

const keyOf = (p: FieldPath) => JSON.stringify(p);

/** An immutable set of field paths. */
export class FieldSet {
  private readonly members: ReadonlyMap<string, FieldPath>;

  constructor(paths: Iterable<FieldPath> | ReadonlyMap<string, FieldPath> = []) {
    if (paths instanceof Map) {
      this.members = paths;
      return;
    }
    const m = new Map<string, FieldPath>();
    for (const p of paths as Iterable<FieldPath>) m.set(keyOf(p), p);
    this.members = m;
  }

  get size(): number {
    return this.members.size;
  }

  get empty(): boolean {
    return this.members.size === 0;
  }

  has(path: FieldPath): boolean {
    return this.members.has(keyOf(path));
  }

  /** Returns the paths, sorted (so messages and FieldsV1 come out the same every time). */
  paths(): FieldPath[] {
    return [...this.members.keys()].sort().map((k) => this.members.get(k)!);
  }

  /** Returns true when `path` or any path below it is a member. */
  hasAtOrBelow(path: FieldPath): boolean {
    for (const p of this.members.values()) if (p.length >= path.length && path.every((e, i) => p[i] === e)) return true;
    return false;
  }

  union(other: FieldSet): FieldSet {
    if (other.empty) return this;
    if (this.empty) return other;
    const m = new Map(this.members);
    for (const [k, p] of other.members) m.set(k, p);
    return new FieldSet(m);
  }

  difference(other: FieldSet): FieldSet {
    if (other.empty || this.empty) return this;
    return new FieldSet(new Map([...this.members].filter(([k]) => !other.members.has(k))));
  }

  intersection(other: FieldSet): FieldSet {
    return new FieldSet(new Map([...this.members].filter(([k]) => other.members.has(k))));
  }

  equals(other: FieldSet): boolean {
    if (this.size !== other.size) return false;
    for (const k of this.members.keys()) if (!other.members.has(k)) return false;
    return true;
  }

  /** Returns the FieldsV1 tree of the set. */
  toFieldsV1(): FieldsV1 {
    const root: FieldsV1 = {};
    for (const path of this.paths()) {
      let node = root;
      for (const e of path) node = node[e] ??= {};
      node['.'] = {};
    }
    return tidy(root);
  }

  /** Returns the set a FieldsV1 tree describes; throws on anything that is not one. */
  static fromFieldsV1(tree: unknown): FieldSet {
    const out: FieldPath[] = [];
    const walk = (node: unknown, path: PathElement[]) => {
      if (typeof node !== 'object' || node === null || Array.isArray(node)) throw new Error(`FieldsV1: expected an object at ${pathString(path) || '.'}`);
      const keys = Object.keys(node);
      if (path.length && (keys.length === 0 || keys.includes('.'))) out.push(path);
      for (const k of keys) {
        if (k === '.') continue;
        if (!/^[fkvi]:/.test(k)) throw new Error(`FieldsV1: unknown path element ${JSON.stringify(k)}`);
        walk((node as Record<string, unknown>)[k], [...path, k]);
      }
    };
    walk(tree, []);
    return new FieldSet(out);
  }
}

/** Leaves become `{}`; a member with children keeps `.` first, as upstream serializes it. */
function tidy(node: FieldsV1): FieldsV1 {
  const keys = Object.keys(node).filter((k) => k !== '.');
  if (keys.length === 0) return {};
  const out: FieldsV1 = {};
  if (node['.']) out['.'] = {};
  for (const k of keys.sort()) out[k] = tidy(node[k]!);
  return out;
}
