// The LimitRanger admission plugin (plugin/pkg/admission/limitranger): the namespace's LimitRanges give
// containers their default requests and limits (mutating, on pod create), then pods and claims must fit
// each range's min, max and limit/request ratio (validating), else 403 Forbidden with upstream's texts.
import type { ResourceList } from '../../api/kinds/common.ts';
import type { Container } from '../../api/kinds/container.ts';
import type { LimitRange, LimitRangeItem } from '../../api/kinds/limitrange.ts';
import type { Pod } from '../../api/kinds/pod.ts';
import type { KubeObject } from '../../api/meta.ts';
import { formatQuantity, milliValue, tryParseQuantity, type Quantity } from '../../api/quantity.ts';
import type { ResourceDef } from '../../api/resource.ts';
import { forbidden } from '../../api/status.ts';
import { qualified, type ServerContext } from './context.ts';

const ANNOTATION = 'kubernetes.io/limit-ranger';

/** Returns the namespace's limit ranges, in name order. */
function rangesOf(ctx: ServerContext, namespace: string): LimitRange[] {
  return ctx.store.range(`/registry/limitranges/${namespace}/`).kvs.map((kv) => kv.value as LimitRange);
}

type Requirements = { requests: ResourceList; limits: ResourceList };

/** Returns one range's container defaults: limits from `default`, requests from `defaultRequest` (defaultContainerResourceRequirements). */
function containerDefaults(lr: LimitRange): Requirements {
  const out: Requirements = { requests: {}, limits: {} };
  for (const item of lr.spec?.limits ?? []) {
    if (item.type !== 'Container') continue;
    Object.assign(out.requests, item.defaultRequest);
    Object.assign(out.limits, item.default);
  }
  return out;
}

/** Fills a container's missing requests/limits; returns the annotation parts naming what it set. */
function mergeContainer(c: Container, d: Requirements, what: string): string[] {
  const res = (c.resources ??= {});
  const limits = (res.limits ??= {});
  const requests = (res.requests ??= {});
  const setLimits = Object.keys(d.limits).filter((k) => !(k in limits)).sort();
  const setRequests = Object.keys(d.requests).filter((k) => !(k in requests)).sort();
  for (const k of setLimits) limits[k] = d.limits[k];
  for (const k of setRequests) requests[k] = d.requests[k];
  const notes: string[] = [];
  if (setRequests.length) notes.push(`${setRequests.join(', ')} request for ${what} ${c.name}`);
  if (setLimits.length) notes.push(`${setLimits.join(', ')} limit for ${what} ${c.name}`);
  return notes;
}

/** Gives a new pod's containers the defaults of every LimitRange of its namespace, noting them in upstream's annotation. */
export function applyLimitRangeDefaults(ctx: ServerContext, pod: KubeObject): void {
  const p = pod as Pod;
  for (const lr of rangesOf(ctx, pod.metadata.namespace!)) {
    const d = containerDefaults(lr);
    const notes = [
      ...(p.spec?.containers ?? []).flatMap((c) => mergeContainer(c, d, 'container')),
      ...(p.spec?.initContainers ?? []).flatMap((c) => mergeContainer(c, d, 'init container')),
    ];
    if (notes.length) (pod.metadata.annotations ??= {})[ANNOTATION] = `LimitRanger plugin set: ${notes.join('; ')}`;
  }
}

const parse = (list: ResourceList | undefined, k: string): Quantity | undefined => tryParseQuantity(list?.[k]);
const text = formatQuantity;

/** Checks request and limit against one bound kind; pushes upstream's message when they break it. */
function check(kind: 'min' | 'max' | 'maxRequest' | 'ratio', type: string, k: string, bound: Quantity, requests: ResourceList, limits: ResourceList, out: string[]): void {
  const req = parse(requests, k);
  const lim = parse(limits, k);
  const r = req ? milliValue(req) : 0;
  const l = lim ? milliValue(lim) : 0;
  const e = milliValue(bound);
  const head = `${kind === 'min' ? 'minimum' : 'maximum'} ${k} usage per ${type} is ${text(bound)}`;
  if (kind === 'min') {
    if (!req) out.push(`${head}.  No request is specified`);
    else if (r < e) out.push(`${head}, but request is ${text(req)}`);
    else if (lim && l < e) out.push(`${head}, but limit is ${text(lim)}`);
  } else if (kind === 'max') {
    if (!lim) out.push(`${head}.  No limit is specified`);
    else if (l > e) out.push(`${head}, but limit is ${text(lim)}`);
    else if (req && r > e) out.push(`${head}, but request is ${text(req)}`);
  } else if (kind === 'maxRequest') {
    if (!req) out.push(`${head}.  No request is specified`);
    else if (r > e) out.push(`${head}, but request is ${text(req)}`);
  } else {
    const ratio = `${k} max limit to request ratio per ${type} is ${text(bound)}`;
    if (!req || r === 0) out.push(`${ratio}, but no request is specified or request is 0`);
    else if (!lim || l === 0) out.push(`${ratio}, but no limit is specified or limit is 0`);
    else if ((l / r) * 1000 > e) out.push(`${ratio}, but provided ratio is ${(l / r).toFixed(6)}`);
  }
}

/** Checks one requests/limits pair against an item's min, max and ratios (names in order). */
function checkItem(item: LimitRangeItem, requests: ResourceList, limits: ResourceList, out: string[]): void {
  const each = (list: ResourceList | undefined, kind: 'min' | 'max' | 'ratio') => {
    for (const k of Object.keys(list ?? {}).sort()) {
      const bound = parse(list, k);
      if (bound) check(kind, item.type, k, bound, requests, limits, out);
    }
  };
  each(item.min, 'min');
  each(item.max, 'max');
  each(item.maxLimitRequestRatio, 'ratio');
}

/** Returns a pod's requests or limits summed over containers, at least each init container's (the Pod type's view). */
function podTotal(pod: Pod, which: 'requests' | 'limits'): ResourceList {
  const sum = new Map<string, bigint>();
  const keys = new Set<string>();
  const containers = pod.spec?.containers ?? [];
  for (const c of containers) for (const k in c.resources?.[which] ?? {}) keys.add(k);
  for (const k of keys) {
    // A resource missing from any container has no pod total (upstream's sum).
    if (containers.some((c) => parse(c.resources?.[which], k) === undefined)) continue;
    sum.set(k, containers.reduce((n, c) => n + parse(c.resources?.[which], k)!.nanos, 0n));
  }
  for (const c of pod.spec?.initContainers ?? [])
    for (const k in c.resources?.[which] ?? {}) {
      const q = parse(c.resources?.[which], k);
      if (q && (!sum.has(k) || q.nanos > sum.get(k)!)) sum.set(k, q.nanos);
    }
  return Object.fromEntries([...sum].map(([k, n]) => [k, formatQuantity({ nanos: n, format: k === 'memory' ? 'BinarySI' : 'DecimalSI' })]));
}

/** Returns upstream's aggregate text of one range's failures: the message, or `[a, b]` for several (duplicates once). */
const aggregate = (msgs: string[]) => {
  const unique = [...new Set(msgs)];
  return unique.length === 1 ? unique[0] : `[${unique.join(', ')}]`;
};

/** Refuses a pod or claim that does not fit a LimitRange of its namespace: 403 with upstream's messages. */
export function validateLimitRanges(ctx: ServerContext, def: ResourceDef, obj: KubeObject): void {
  if (def.group || (def.plural !== 'pods' && def.plural !== 'persistentvolumeclaims')) return;
  for (const lr of rangesOf(ctx, obj.metadata.namespace!)) {
    const errs: string[] = [];
    for (const item of lr.spec?.limits ?? []) {
      if (def.plural === 'persistentvolumeclaims') {
        if (item.type !== 'PersistentVolumeClaim') continue;
        const requests = ((obj.spec as { resources?: { requests?: ResourceList } } | undefined)?.resources?.requests ?? {}) as ResourceList;
        for (const k of Object.keys(item.min ?? {}).sort()) check('min', item.type, k, parse(item.min, k)!, requests, {}, errs);
        for (const k of Object.keys(item.max ?? {}).sort()) check('maxRequest', item.type, k, parse(item.max, k)!, requests, {}, errs);
        continue;
      }
      const pod = obj as Pod;
      if (item.type === 'Container')
        for (const c of [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])]) checkItem(item, c.resources?.requests ?? {}, c.resources?.limits ?? {}, errs);
      if (item.type === 'Pod') checkItem(item, podTotal(pod, 'requests'), podTotal(pod, 'limits'), errs);
    }
    if (errs.length) throw forbidden(qualified(def), obj.metadata.name ?? '', aggregate(errs));
  }
}
