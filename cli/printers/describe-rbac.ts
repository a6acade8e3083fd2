// `kubectl describe` of Roles, ClusterRoles, RoleBindings and ClusterRoleBindings, as kubectl's describe.go (v1.32):
// rules broken down per group/resource/name, simple ones compacted, sorted as rbac's SortableRuleSlice.
import { arr, rec, recs, str, type Obj } from '../../api/table/loose.ts';
import { DescribeWriter, printAnnotations, printLabels } from './describe-writer.ts';

interface Rule {
  verbs: string[];
  apiGroups: string[];
  resources: string[];
  resourceNames: string[];
  nonResourceURLs: string[];
}

const strs = (v: unknown): string[] => arr(v).map(str);
const goList = (v: readonly string[]) => `[${v.join(' ')}]`;

/** Splits a rule into one rule per group × resource (× name) and one per non-resource URL (rbac BreakdownRule). */
export function breakdownRule(r: Obj): Rule[] {
  const verbs = strs(r.verbs);
  const out: Rule[] = [];
  const one = (g: string[], res: string[], names: string[], urls: string[]): Rule => ({ verbs, apiGroups: g, resources: res, resourceNames: names, nonResourceURLs: urls });
  for (const g of strs(r.apiGroups))
    for (const res of strs(r.resources)) {
      const names = strs(r.resourceNames);
      if (names.length) for (const n of names) out.push(one([g], [res], [n], []));
      else out.push(one([g], [res], [], []));
    }
  for (const u of strs(r.nonResourceURLs)) out.push(one([], [], [], [u]));
  return out;
}

/** Merges the verbs of rules naming one group, resource and at most one name (rbac CompactRules). */
export function compactRules(rules: readonly Rule[]): Rule[] {
  const out: Rule[] = [];
  const simple = new Map<string, Rule>();
  for (const r of rules) {
    const isSimple = r.nonResourceURLs.length === 0 && r.apiGroups.length === 1 && r.resources.length === 1 && r.resourceNames.length <= 1;
    if (!isSimple) {
      out.push(r);
      continue;
    }
    const key = JSON.stringify([r.apiGroups[0], r.resources[0], r.resourceNames]);
    const seen = simple.get(key);
    if (seen) seen.verbs = [...seen.verbs, ...r.verbs];
    else simple.set(key, { ...r, verbs: [...r.verbs] });
  }
  return [...out, ...simple.values()];
}

/** Returns a rule as Go's generated PolicyRule.String() renders it: the key rules are sorted by. */
const ruleString = (r: Rule) =>
  `&PolicyRule{Verbs:${goList(r.verbs)},APIGroups:${goList(r.apiGroups)},Resources:${goList(r.resources)},ResourceNames:${goList(r.resourceNames)},NonResourceURLs:${goList(r.nonResourceURLs)},}`;

/** Returns `resource.group[/subresource]` of a broken-down rule (kubectl CombineResourceGroup). */
function combineResourceGroup(resources: readonly string[], groups: readonly string[]): string {
  if (resources.length === 0) return '';
  const [res, sub] = resources[0].split(/\/(.*)/s, 2);
  let s = res;
  if (groups.length && groups[0] !== '') s += `.${groups[0]}`;
  if (sub !== undefined) s += `/${sub}`;
  return s;
}

/** Returns `kubectl describe role` (or clusterrole) output. */
export function describeRole(obj: unknown): string {
  const o = rec(obj);
  const m = rec(o.metadata);
  const rules = compactRules(recs(o.rules).flatMap(breakdownRule)).sort((a, b) => {
    const x = ruleString(a);
    const y = ruleString(b);
    return x < y ? -1 : x > y ? 1 : 0;
  });
  const w = new DescribeWriter();
  w.write(0, `Name:\t${str(m.name)}\n`);
  printLabels(w, 'Labels', m.labels);
  printAnnotations(w, 'Annotations', m.annotations);
  w.write(0, 'PolicyRule:\n');
  w.write(1, 'Resources\tNon-Resource URLs\tResource Names\tVerbs\n');
  w.write(1, '---------\t-----------------\t--------------\t-----\n');
  for (const r of rules) w.write(1, `${combineResourceGroup(r.resources, r.apiGroups)}\t${goList(r.nonResourceURLs)}\t${goList(r.resourceNames)}\t${goList(r.verbs)}\n`);
  return w.toString();
}

/** Returns `kubectl describe rolebinding` (or clusterrolebinding) output. */
export function describeRoleBinding(obj: unknown): string {
  const o = rec(obj);
  const m = rec(o.metadata);
  const ref = rec(o.roleRef);
  const w = new DescribeWriter();
  w.write(0, `Name:\t${str(m.name)}\n`);
  printLabels(w, 'Labels', m.labels);
  printAnnotations(w, 'Annotations', m.annotations);
  w.write(0, 'Role:\n');
  w.write(1, `Kind:\t${str(ref.kind)}\n`);
  w.write(1, `Name:\t${str(ref.name)}\n`);
  w.write(0, 'Subjects:\n');
  w.write(1, 'Kind\tName\tNamespace\n');
  w.write(1, '----\t----\t---------\n');
  for (const s of recs(o.subjects)) w.write(1, `${str(s.kind)}\t${str(s.name)}\t${str(s.namespace)}\n`);
  return w.toString();
}
