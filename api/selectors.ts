// Label selectors (apimachinery/pkg/labels): string parse and print, LabelSelector conversion, fast matchers.
// Field selectors live in field-selector.ts and are re-exported here.
import type { LabelSelector } from './meta.ts';
import { badRequest } from './status.ts';
import { goQuote } from './validation/field.ts';
import { isLabelValue, isQualifiedName } from './validation/strings.ts';

export * from './field-selector.ts';

/** A selector operator as upstream's selection.Operator spells it. */
export type SelectorOp = 'in' | 'notin' | '=' | '==' | '!=' | 'exists' | '!' | 'gt' | 'lt';

/** One requirement of a label selector; values are sorted and unique. */
export interface Requirement {
  key: string;
  op: SelectorOp;
  values: string[];
}

/** Labels of an object. */
export type Labels = Readonly<Record<string, string>> | undefined;

/** A compiled label selector. */
export type LabelMatcher = (labels: Labels) => boolean;

type Tok = 'id' | 'end' | ')' | '(' | ',' | '!' | '==' | '=' | '!=' | '>' | '<' | 'in' | 'notin' | 'err';
const SPECIAL = new Set(['=', '!', '(', ')', ',', '>', '<']);
const SYMBOLS = new Set([')', ',', '!', '==', '=', '!=', '>', '<', '(']);
const isSpace = (c: string) => c === ' ' || c === '\t' || c === '\r' || c === '\n';

function lex(s: string): { tok: Tok; lit: string }[] {
  const out: { tok: Tok; lit: string }[] = [];
  let i = 0;
  for (;;) {
    while (i < s.length && isSpace(s[i])) i++;
    if (i >= s.length) {
      out.push({ tok: 'end', lit: '' });
      return out;
    }
    if (SPECIAL.has(s[i])) {
      let buf = '';
      let last = '';
      while (i < s.length && SPECIAL.has(s[i])) {
        if (SYMBOLS.has(buf + s[i])) last = buf += s[i++];
        else if (last) break;
        else buf += s[i++];
      }
      out.push(last ? { tok: last as Tok, lit: last } : { tok: 'err', lit: `error expected: keyword found '${buf}'` });
      continue;
    }
    let buf = '';
    while (i < s.length && !SPECIAL.has(s[i]) && !isSpace(s[i])) buf += s[i++];
    out.push({ tok: buf === 'in' || buf === 'notin' ? buf : 'id', lit: buf });
  }
}

/** Parses a selector string (`a=b,c!=d,e in (x,y),f notin (z),g,!h`); throws a 400 StatusError worded as upstream. */
export function parseSelector(selector: string): Requirement[] {
  try {
    return parseInternal(selector);
  } catch (e) {
    if (e instanceof SelectorSyntaxError) throw badRequest(`unable to parse requirement: ${e.message}`);
    throw e;
  }
}

class SelectorSyntaxError extends Error {
  override name = 'SelectorSyntaxError';
}

function parseInternal(selector: string): Requirement[] {
  const items = lex(selector);
  let pos = 0;
  // In value position, 'in' and 'notin' are plain identifiers.
  const peek = (values = true) => {
    const it = items[pos];
    return values && (it.tok === 'in' || it.tok === 'notin') ? { tok: 'id' as Tok, lit: it.lit } : it;
  };
  const next = (values = true) => {
    const it = peek(values);
    pos++;
    return it;
  };
  const fail = (m: string): never => {
    throw new SelectorSyntaxError(m);
  };
  const reqs: Requirement[] = [];
  for (;;) {
    const { tok, lit } = peek();
    if (tok === 'end') break;
    if (tok !== 'id' && tok !== '!') fail(`found '${lit}', expected: !, identifier, or 'end of string'`);
    reqs.push(parseRequirement());
    const t = next();
    if (t.tok === 'end') break;
    if (t.tok !== ',') fail(`found '${t.lit}', expected: ',' or 'end of string'`);
    const t2 = peek();
    if (t2.tok !== 'id' && t2.tok !== '!') fail(`found '${t2.lit}', expected: identifier after ','`);
  }
  return sortRequirements(reqs);

  function parseRequirement(): Requirement {
    let t = next();
    let op: SelectorOp | undefined;
    if (t.tok === '!') {
      op = '!';
      t = next();
    }
    if (t.tok !== 'id') fail(`found '${t.lit}', expected: identifier`);
    const key = t.lit;
    const keyErrs = isQualifiedName(key);
    if (keyErrs.length) fail(`key: Invalid value: ${goQuote(key)}: ${keyErrs.join('; ')}`);
    const after = peek().tok;
    if (after === 'end' || after === ',') return makeRequirement(key, op ?? 'exists', []);
    if (op === '!') fail(`found '${peek().lit}', expected: ',' or 'end of string'`);
    const o = next(false);
    const OPS: Partial<Record<Tok, SelectorOp>> = { in: 'in', notin: 'notin', '=': '=', '==': '==', '!=': '!=', '>': 'gt', '<': 'lt' };
    op = OPS[o.tok] ?? fail(`found '${o.lit}', expected: in, notin, =, ==, !=, gt, lt`);
    return makeRequirement(key, op, op === 'in' || op === 'notin' ? parseValues() : parseExactValue());
  }

  function parseValues(): string[] {
    const t = next();
    if (t.tok !== '(') fail(`found '${t.lit}' expected: '('`);
    const first = peek();
    if (first.tok === ')') {
      pos++;
      return [''];
    }
    if (first.tok !== 'id' && first.tok !== ',') fail(`found '${first.lit}', expected: ',', ')' or identifier`);
    const vals = new Set<string>();
    for (;;) {
      const v = next();
      if (v.tok === 'id') {
        vals.add(v.lit);
        const n = peek();
        if (n.tok === ',') continue;
        if (n.tok === ')') break;
        fail(`found '${n.lit}', expected: ',' or ')'`);
      } else if (v.tok === ',') {
        if (vals.size === 0) vals.add('');
        const n = peek();
        if (n.tok === ')') {
          vals.add('');
          break;
        }
        if (n.tok === ',') vals.add('');
      } else fail(`found '${v.lit}', expected: ',', or identifier`);
    }
    pos++; // the ')'
    return [...vals];
  }

  function parseExactValue(): string[] {
    const t = peek();
    if (t.tok === 'end' || t.tok === ',') return [''];
    const v = next();
    if (v.tok !== 'id') fail(`found '${v.lit}', expected: identifier`);
    return [v.lit];
  }
}

function makeRequirement(key: string, op: SelectorOp, values: string[]): Requirement {
  const sorted = [...new Set(values)].sort();
  sorted.forEach((v, i) => {
    const errs = isLabelValue(v);
    if (errs.length) throw new SelectorSyntaxError(`values[${i}][${key}]: Invalid value: ${goQuote(v)}: ${errs.join('; ')}`);
  });
  if ((op === 'gt' || op === 'lt') && !/^[+-]?[0-9]+$/.test(sorted[0] ?? ''))
    throw new SelectorSyntaxError(`values[0]: Invalid value: ${goQuote(sorted[0])}: for 'Gt', 'Lt' operators, the value must be an integer`);
  return { key, op, values: sorted };
}

const sortRequirements = (r: Requirement[]) => r.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));

/** Returns the requirements of a LabelSelector (matchLabels as '=', expressions as in/notin/exists/!); throws 400 on a bad operator. */
export function labelSelectorRequirements(sel: LabelSelector): Requirement[] {
  const reqs: Requirement[] = [];
  for (const k in sel.matchLabels ?? {}) reqs.push({ key: k, op: '=', values: [sel.matchLabels![k]] });
  for (const e of sel.matchExpressions ?? []) {
    const op = ({ In: 'in', NotIn: 'notin', Exists: 'exists', DoesNotExist: '!' } as const)[e.operator as 'In'];
    if (!op) throw badRequest(`${JSON.stringify(e.operator)} is not a valid label selector operator`);
    reqs.push({ key: e.key, op, values: [...new Set(e.values ?? [])].sort() });
  }
  return sortRequirements(reqs);
}

/** Returns the selector string of requirements (upstream Selector.String); "" selects everything. */
export function selectorToString(reqs: readonly Requirement[]): string {
  return reqs
    .map((r) => {
      const vals = r.values.length === 1 ? r.values[0] : [...r.values].sort().join(',');
      switch (r.op) {
        case 'exists':
          return r.key;
        case '!':
          return `!${r.key}`;
        case 'in':
        case 'notin':
          return `${r.key} ${r.op} (${vals})`;
        case 'gt':
          return `${r.key}>${vals}`;
        case 'lt':
          return `${r.key}<${vals}`;
        default:
          return `${r.key}${r.op}${vals}`;
      }
    })
    .join(',');
}

/** Returns a LabelSelector as kubectl prints it: its selector string, or `<none>` when empty or absent. */
export function formatLabelSelector(sel: LabelSelector | undefined | null): string {
  if (!sel) return '<none>';
  const s = selectorToString(labelSelectorRequirements(sel));
  return s === '' ? '<none>' : s;
}

// Label values are strings and Object.prototype holds no strings, so a typeof check is a safe own-key test.
const hasLabel = (l: Labels, k: string): boolean => l !== undefined && l !== null && typeof l[k] === 'string';

function compileOne(r: Requirement): LabelMatcher {
  const { key } = r;
  const v0 = r.values[0];
  const set = r.values.length > 4 ? new Set(r.values) : undefined;
  const has = (v: string) => (set ? set.has(v) : r.values.includes(v));
  switch (r.op) {
    case '=':
    case '==':
      return r.values.length === 1 ? (l) => l != null && l[key] === v0 : (l) => hasLabel(l, key) && has(l![key]);
    case 'in':
      return (l) => hasLabel(l, key) && has(l![key]);
    case '!=':
    case 'notin':
      return (l) => !hasLabel(l, key) || !has(l![key]);
    case 'exists':
      return (l) => hasLabel(l, key);
    case '!':
      return (l) => !hasLabel(l, key);
    case 'gt':
    case 'lt': {
      const bound = Number(v0);
      const gt = r.op === 'gt';
      return (l) => {
        if (!hasLabel(l, key) || !/^[+-]?[0-9]+$/.test(l![key])) return false;
        const n = Number(l![key]);
        return gt ? n > bound : n < bound;
      };
    }
  }
}

/** Returns a matcher for requirements (all must hold); the empty list matches everything. */
export function compileRequirements(reqs: readonly Requirement[]): LabelMatcher {
  const ms = reqs.map(compileOne);
  if (ms.length === 0) return () => true;
  if (ms.length === 1) return ms[0];
  if (ms.length === 2) {
    const [a, b] = ms;
    return (l) => a(l) && b(l);
  }
  return (l) => {
    for (const m of ms) if (!m(l)) return false;
    return true;
  };
}

/** Returns a matcher for a LabelSelector: absent (null) matches nothing, empty matches everything (upstream LabelSelectorAsSelector). */
/** Returns true for a LabelSelector with no requirement (it selects everything; workload controllers treat it as nothing). */
export const isEmptySelector = (sel: LabelSelector | undefined | null): boolean =>
  !sel || Object.keys(sel.matchLabels ?? {}).length + (sel.matchExpressions?.length ?? 0) === 0;

/** Returns whether two label maps hold the same pairs (absent = empty). */
export function sameLabels(a: Labels, b: Labels): boolean {
  const ka = Object.keys(a ?? {});
  return ka.length === Object.keys(b ?? {}).length && ka.every((k) => a![k] === b?.[k]);
}

export function labelSelectorMatcher(sel: LabelSelector | undefined | null): LabelMatcher {
  if (!sel) return () => false;
  return compileRequirements(labelSelectorRequirements(sel));
}

/** Returns a matcher for a selector string (throws 400 when malformed). */
export const selectorMatcher = (selector: string): LabelMatcher => compileRequirements(parseSelector(selector));

/** Returns whether labels match a selector given as a string, a LabelSelector or requirements. */
export function matches(selector: string | LabelSelector | readonly Requirement[] | null | undefined, labels: Labels): boolean {
  if (typeof selector === 'string') return selectorMatcher(selector)(labels);
  if (Array.isArray(selector)) return compileRequirements(selector as Requirement[])(labels);
  return labelSelectorMatcher(selector as LabelSelector | null | undefined)(labels);
}

/** Returns the labels a set of `=` requirements implies, e.g. to stamp on pods a controller creates. */
export function selectorFromSet(set: Record<string, string>): Requirement[] {
  return sortRequirements(Object.keys(set).map((k) => ({ key: k, op: '=' as const, values: [set[k]] })));
}
