// Table columns of ingresses, ingress classes, network policies and horizontal pod autoscalers, as printers.go (v1.32).
import { AGE, ageOf, col, NAME, nameOf } from './column.ts';
import { arr, int, rec, recs, str } from './loose.ts';
import { formatSelector } from './selector.ts';
import type { KindColumns } from './types.ts';

const LOAD_BALANCER_WIDTH = 16;

/** Returns an ingress's HOSTS cell: up to three hosts, "*" for none, "+ N more..." beyond (upstream formatHosts). */
function formatHosts(rules: Record<string, unknown>[]): string {
  const list: string[] = [];
  let more = false;
  for (const r of rules) {
    if (list.length === 3) more = true;
    if (!more && str(r.host)) list.push(str(r.host));
  }
  if (list.length === 0) return '*';
  return more ? `${list.join(',')} + ${rules.length - 3} more...` : list.join(',');
}

/** Returns the load balancer addresses of an ingress, cut to 16 characters outside -o wide (upstream ingressLoadBalancerStatusStringer). */
export function ingressAddress(o: unknown, wide: boolean): string {
  const s = recs(rec(rec(rec(o).status).loadBalancer).ingress)
    .map((i) => str(i.ip) || str(i.hostname))
    .filter(Boolean)
    .join(',');
  return !wide && s.length > LOAD_BALANCER_WIDTH ? `${s.slice(0, LOAD_BALANCER_WIDTH - 3)}...` : s;
}

const ingresses: KindColumns = {
  columns: [
    NAME,
    col('Class', 'string', 'The name of the IngressClass resource that should be used for the Ingress'),
    col('Hosts', 'string', 'Hosts that incoming requests are matched against before the ingress rule'),
    col('Address', 'string', 'Address is a list containing ingress points for the load-balancer'),
    col('Ports', 'string', 'Ports of TLS configurations that open'),
    AGE,
  ],
  cells: (o, { now, wide }) => {
    const spec = rec(rec(o).spec);
    return [nameOf(o), str(spec.ingressClassName) || '<none>', formatHosts(recs(spec.rules)), ingressAddress(o, !!wide), arr(spec.tls).length ? '80, 443' : '80', ageOf(o, now)];
  },
};

const ingressclasses: KindColumns = {
  columns: [NAME, col('Controller', 'string', 'Controller that is responsible for handling this class'), col('Parameters', 'string', 'A reference to a resource with additional parameters'), AGE],
  cells: (o, { now }) => {
    const spec = rec(rec(o).spec);
    const p = spec.parameters === undefined || spec.parameters === null ? undefined : rec(spec.parameters);
    const params = p ? `${str(p.kind)}${p.apiGroup !== undefined ? `.${str(p.apiGroup)}` : ''}/${str(p.name)}` : '<none>';
    return [nameOf(o), str(spec.controller), params, ageOf(o, now)];
  },
};

const networkpolicies: KindColumns = {
  columns: [NAME, col('Pod-Selector', 'string', 'Selects the pods to which this NetworkPolicy object applies. The array of ingress rules is applied to any pods selected by this field. Multiple network policies can select the same set of pods. In this case, the ingress rules for each are combined additively. This field is NOT optional and follows standard label selector semantics. An empty podSelector matches all pods in this namespace.'), AGE],
  cells: (o, { now }) => [nameOf(o), formatSelector(rec(rec(o).spec).podSelector ?? {}), ageOf(o, now)],
};

/** Returns the field of a metric that holds its source (Resource → resource, ContainerResource → containerResource ...). */
const sourceField = (type: string) => type.charAt(0).toLowerCase() + type.slice(1);

/** Returns the current value of the i-th metric from the HPA's status (upstream pairs them by index), as the TARGETS cell shows it. */
function currentOf(status: Record<string, unknown>, i: number, type: string, key: 'averageUtilization' | 'averageValue' | 'value'): string | undefined {
  const cur = recs(status.currentMetrics)[i];
  const v = cur ? rec(rec(cur[sourceField(type)]).current)[key] : undefined;
  if (v === undefined) return undefined;
  return key === 'averageUtilization' ? `${int(v)}%` : String(v);
}

/** Returns an HPA's TARGETS cell: "<current>/<target>" per metric, resource ones named, two at most then "+ N more..." (upstream formatHPAMetrics). */
export function formatHPAMetrics(spec: Record<string, unknown>, status: Record<string, unknown>): string {
  const metrics = recs(spec.metrics);
  if (metrics.length === 0) return '<none>';
  const list = metrics.slice(0, 2).map((m, i) => {
    const type = str(m.type);
    const src = rec(m[sourceField(type)]);
    const t = rec(src.target);
    const name = str(src.name) || str(rec(src.metric).name);
    const key = t.averageUtilization !== undefined ? 'averageUtilization' : t.averageValue !== undefined ? 'averageValue' : 'value';
    const target = key === 'averageUtilization' ? `${int(t.averageUtilization)}%` : String(t[key] ?? '<auto>');
    const pair = `${currentOf(status, i, type, key) ?? '<unknown>'}/${target}`;
    if (type === 'Resource') return `${name}: ${pair}`;
    if (type === 'ContainerResource') return `${name} (container ${str(src.container)}): ${pair}`;
    return pair;
  });
  return metrics.length > 2 ? `${list.join(', ')} + ${metrics.length - 2} more...` : list.join(', ');
}

const horizontalpodautoscalers: KindColumns = {
  columns: [
    NAME,
    col('Reference', 'string', 'reference to scaled resource'),
    col('Targets', 'string', 'metrics the autoscaler is using'),
    col('MinPods', 'string', 'minReplicas is the lower limit for the number of replicas to which the autoscaler can scale down.  It defaults to 1 pod.  minReplicas is allowed to be 0 if the alpha feature gate HPAScaleToZero is enabled and at least one Object or External metric is configured.  Scaling is active as long as at least one metric value is available.'),
    col('MaxPods', 'integer', 'maxReplicas is the upper limit for the number of replicas to which the autoscaler can scale up. It cannot be less that minReplicas.'),
    col('Replicas', 'integer', 'currentReplicas is current number of replicas of pods managed by this autoscaler, as last seen by the autoscaler.'),
    AGE,
  ],
  cells: (o, { now }) => {
    const spec = rec(rec(o).spec);
    const status = rec(rec(o).status);
    const ref = rec(spec.scaleTargetRef);
    const min = spec.minReplicas === undefined || spec.minReplicas === null ? '<unset>' : String(int(spec.minReplicas));
    return [nameOf(o), `${str(ref.kind)}/${str(ref.name)}`, formatHPAMetrics(spec, status), min, int(spec.maxReplicas), int(status.currentReplicas), ageOf(o, now)];
  },
};

/** Table columns of the networking kinds and HPAs, by plural resource name. */
export const networkingColumns: Record<string, KindColumns> = { ingresses, ingressclasses, networkpolicies, horizontalpodautoscalers };
