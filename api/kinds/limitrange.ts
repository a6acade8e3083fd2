// v1 LimitRange: schema, SetDefaults_LimitRangeItem and validation as upstream ValidateLimitRange
// (types, per-type resource names, min ≤ defaultRequest ≤ default ≤ max, ratios).
import { Type, type Static } from '@sinclair/typebox';
import { objectSchema } from '../meta.ts';
import { compareQuantities, formatQuantity, milliValue, parseQuantity, type Quantity } from '../quantity.ts';
import { child, duplicate, forbiddenField, index, invalidValue, key, required, type FieldError } from '../validation/field.ts';
import { goQuantity } from '../validation/go-quantity.ts';
import { validateObjectMeta, validateObjectMetaUpdate } from '../validation/meta.ts';
import { isQualifiedName, nameIsDNSSubdomain } from '../validation/strings.ts';
import { isObj, obj, objItems, opt, ResourceList, type Kube } from './common.ts';
import { isOvercommitAllowed, validateResourceName as validateContainerResourceName } from './container-validation.ts';

export const LimitRangeItem = obj({
  type: Type.String(),
  max: opt(ResourceList),
  min: opt(ResourceList),
  default: opt(ResourceList),
  defaultRequest: opt(ResourceList),
  maxLimitRequestRatio: opt(ResourceList),
});
export type LimitRangeItem = Static<typeof LimitRangeItem>;
export const LimitRangeSpec = obj({ limits: Type.Array(LimitRangeItem) });
export type LimitRangeSpec = Static<typeof LimitRangeSpec>;

export const LimitRangeSchema = objectSchema({ spec: opt(LimitRangeSpec) });
export type LimitRange = Kube<{ spec?: LimitRangeSpec }>;

/** Upstream's standard limit types. */
export const LIMIT_TYPES = ['Pod', 'Container', 'PersistentVolumeClaim'] as const;

/** Fills a Container item's default from max, defaultRequest from default, then from min (SetDefaults_LimitRangeItem). */
export function defaultLimitRange(lr: LimitRange): void {
  // Any JSON may arrive here (defaults run before validation): only well-shaped parts are touched.
  const spec = isObj(lr) && isObj(lr.spec) ? lr.spec : undefined;
  for (const item of objItems(spec?.limits)) {
    if (item.type !== 'Container') continue;
    const list = (k: string) => (isObj(item[k]) ? (item[k] as Record<string, unknown>) : undefined);
    const def = list('default') ?? (item.default = {});
    const req = list('defaultRequest') ?? (item.defaultRequest = {});
    for (const [k, v] of Object.entries(list('max') ?? {})) if (!(k in def)) def[k] = v;
    for (const [k, v] of Object.entries(def)) if (!(k in req)) req[k] = v;
    for (const [k, v] of Object.entries(list('min') ?? {})) if (!(k in req)) req[k] = v;
  }
}

const STANDARD = new Set(['cpu', 'memory', 'ephemeral-storage', 'storage', 'pods', 'services', 'replicationcontrollers', 'resourcequotas', 'secrets', 'configmaps', 'persistentvolumeclaims', 'services.nodeports', 'services.loadbalancers']);

/** Upstream's validateResourceName: a qualified name, standard unless it has a domain. */
function validateResourceName(name: string, field: string, errs: FieldError[]): void {
  const msgs = isQualifiedName(name);
  for (const m of msgs) errs.push(invalidValue(field, name, m));
  if (!msgs.length && !name.includes('/') && !STANDARD.has(name) && !/^(requests|limits)\./.test(name) && !name.startsWith('hugepages-'))
    errs.push(invalidValue(field, name, 'must be a standard resource type or fully qualified'));
}

const str = (q: Quantity) => formatQuantity(q);

type ListName = 'min' | 'max' | 'default' | 'defaultRequest' | 'maxLimitRequestRatio';

/** Returns the field errors of one item's quantities against each other, per resource. */
function validateBounds(item: LimitRangeItem, lists: Record<ListName, Record<string, Quantity>>, p: string, errs: FieldError[]): void {
  const { min, max, default: dflt, defaultRequest: dreq, maxLimitRequestRatio: ratio } = lists;
  const names = new Set(Object.values(lists).flatMap((l) => Object.keys(l)));
  for (const k of [...names].sort()) {
    const [mn, mx, d, dr, r] = [min[k], max[k], dflt[k], dreq[k], ratio[k]];
    // The bad value upstream names is the Quantity itself (printed with Go's %#v).
    const bad = (list: keyof typeof lists) => goQuantity(item[list]?.[k]);
    const gt = (a?: Quantity, b?: Quantity) => a !== undefined && b !== undefined && compareQuantities(a, b) > 0;
    if (gt(mn, mx)) errs.push(invalidValue(key(child(p, 'min'), k), bad('min'), `min value ${str(mn)} is greater than max value ${str(mx)}`));
    if (gt(mn, dr)) errs.push(invalidValue(key(child(p, 'defaultRequest'), k), bad('defaultRequest'), `min value ${str(mn)} is greater than default request value ${str(dr)}`));
    if (gt(dr, mx)) errs.push(invalidValue(key(child(p, 'defaultRequest'), k), bad('defaultRequest'), `default request value ${str(dr)} is greater than max value ${str(mx)}`));
    if (gt(dr, d)) errs.push(invalidValue(key(child(p, 'defaultRequest'), k), bad('defaultRequest'), `default request value ${str(dr)} is greater than default limit value ${str(d)}`));
    if (gt(mn, d)) errs.push(invalidValue(key(child(p, 'default'), k), bad('min'), `min value ${str(mn)} is greater than default value ${str(d)}`));
    if (gt(d, mx)) errs.push(invalidValue(key(child(p, 'default'), k), bad('max'), `default value ${str(d)} is greater than max value ${str(mx)}`));
    if (r && r.nanos < 1_000_000_000n) errs.push(invalidValue(key(child(p, 'maxLimitRequestRatio'), k), bad('maxLimitRequestRatio'), `ratio ${str(r)} is less than 1`));
    if (r && mn && mx) {
      const limit = milliValue(mx) / milliValue(mn);
      if (milliValue(r) / 1000 > limit) errs.push(invalidValue(key(child(p, 'maxLimitRequestRatio'), k), bad('maxLimitRequestRatio'), `ratio ${str(r)} is greater than max/min = ${limit.toFixed(6)}`));
    }
    if (!isOvercommitAllowed(k) && d && dr && compareQuantities(d, dr) !== 0)
      errs.push(invalidValue(key(child(p, 'defaultRequest'), k), bad('defaultRequest'), `default value ${str(d)} must equal to defaultRequest value ${str(dr)} in ${k}`));
  }
}

/** Returns the field errors of a limit range. */
export function validateLimitRange(lr: LimitRange): FieldError[] {
  const errs: FieldError[] = [];
  validateObjectMeta(lr.metadata, { nameFn: nameIsDNSSubdomain, namespaced: true }, errs);
  const seen = new Set<string>();
  (lr.spec?.limits ?? []).forEach((item, i) => validateItem(item, index('spec.limits', i), seen, errs));
  return errs;
}

// One entry of spec.limits: its type (once per range), its resource names and quantities, then their bounds.
function validateItem(item: LimitRangeItem, p: string, seen: Set<string>, errs: FieldError[]): void {
  const type = item.type ?? '';
  const msgs = isQualifiedName(type);
  for (const m of msgs) errs.push(invalidValue(child(p, 'type'), type, m));
  if (!msgs.length && !type.includes('/') && !(LIMIT_TYPES as readonly string[]).includes(type)) errs.push(invalidValue(child(p, 'type'), type, 'must be a standard limit type or fully qualified'));
  if (seen.has(type)) errs.push(duplicate(child(p, 'type'), type));
  seen.add(type);
  const container = type === 'Pod' || type === 'Container';
  const lists: Record<ListName, Record<string, Quantity>> = { min: {}, max: {}, default: {}, defaultRequest: {}, maxLimitRequestRatio: {} };
  const read = (name: ListName) => {
    const list = item[name] ?? {};
    for (const k of Object.keys(list).sort()) {
      const f = key(child(p, name), k);
      if (container) validateContainerResourceName(k, f, errs);
      else validateResourceName(k, f, errs);
      try {
        lists[name][k] = parseQuantity(list[k]);
      } catch (e) {
        errs.push(invalidValue(f, list[k], (e as Error).message));
      }
    }
  };
  read('max');
  read('min');
  if (type === 'Pod') {
    if (Object.keys(item.default ?? {}).length) errs.push(forbiddenField(child(p, 'default'), "may not be specified when `type` is 'Pod'"));
    if (Object.keys(item.defaultRequest ?? {}).length) errs.push(forbiddenField(child(p, 'defaultRequest'), "may not be specified when `type` is 'Pod'"));
  } else {
    read('default');
    read('defaultRequest');
  }
  if (type === 'PersistentVolumeClaim' && !('storage' in (item.min ?? {})) && !('storage' in (item.max ?? {})))
    errs.push(required(child(p, 'limits'), 'either minimum or maximum storage value is required, but neither was provided'));
  read('maxLimitRequestRatio');
  validateBounds(item, lists, p, errs);
}

/** Returns the update-only field errors of a limit range (its spec may change). */
export function validateLimitRangeUpdate(lr: LimitRange, old: LimitRange): FieldError[] {
  const errs: FieldError[] = [];
  validateObjectMetaUpdate(lr.metadata, old.metadata, errs);
  return errs;
}
