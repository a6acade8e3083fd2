// `kubectl describe` of Ingresses, NetworkPolicies, IngressClasses and HorizontalPodAutoscalers (autoscaling/v2), as
// kubectl's describe.go (v1.32).
import { ingressAddress } from '../../api/table/columns-networking.ts';
import { formatSelector } from '../../api/table/selector.ts';
import { arr, int, rec, recs, str, type Obj } from '../../api/table/loose.ts';
import { goTimeString, rfc1123z } from './duration.ts';
import { formatEndpointSlices } from './describe-core.ts';
import { describeEvents, DescribeWriter, printAnnotations, printLabels, printObjectMeta } from './describe-writer.ts';

const INDENT = '    ';

function printPeers(w: DescribeWriter, peers: Obj[], title: 'From' | 'To', anyText: string): void {
  if (peers.length === 0) return w.write(0, `${INDENT}${title}: ${anyText}\n`);
  for (const p of peers) {
    w.write(0, `${INDENT}${title}:\n`);
    if (p.podSelector && p.namespaceSelector) {
      w.write(1, `${INDENT}NamespaceSelector: ${formatSelector(p.namespaceSelector)}\n`);
      w.write(1, `${INDENT}PodSelector: ${formatSelector(p.podSelector)}\n`);
    } else if (p.podSelector) w.write(1, `${INDENT}PodSelector: ${formatSelector(p.podSelector)}\n`);
    else if (p.namespaceSelector) w.write(1, `${INDENT}NamespaceSelector: ${formatSelector(p.namespaceSelector)}\n`);
    else if (p.ipBlock) {
      const b = rec(p.ipBlock);
      w.write(1, `${INDENT}IPBlock:\n`);
      w.write(2, `${INDENT}CIDR: ${str(b.cidr)}\n`);
      w.write(2, `${INDENT}Except: ${arr(b.except).map(str).join(', ')}\n`);
    }
  }
}

function printRules(w: DescribeWriter, rules: Obj[], dir: 'ingress' | 'egress'): void {
  if (rules.length === 0) return w.write(0, `${INDENT}<none> (Selected pods are isolated for ${dir} connectivity)\n`);
  rules.forEach((r, i) => {
    const ports = recs(r.ports);
    if (ports.length === 0) w.write(0, `${INDENT}To Port: <any> (traffic allowed to all ports)\n`);
    for (const p of ports) w.write(0, `${INDENT}To Port: ${p.port === undefined ? '<nil>' : String(p.port)}/${str(p.protocol) || 'TCP'}\n`);
    if (dir === 'ingress') printPeers(w, recs(r.from), 'From', '<any> (traffic not restricted by source)');
    else printPeers(w, recs(r.to), 'To', '<any> (traffic not restricted by destination)');
    if (i !== rules.length - 1) w.write(0, `${INDENT}----------\n`);
  });
}

/** Returns `kubectl describe networkpolicy` output. */
export function describeNetworkPolicy(obj: unknown): string {
  const o = rec(obj);
  const m = rec(o.metadata);
  const spec = rec(o.spec);
  const types = arr(spec.policyTypes).map(str);
  const w = new DescribeWriter();
  w.write(0, `Name:\t${str(m.name)}\n`);
  w.write(0, `Namespace:\t${str(m.namespace)}\n`);
  w.write(0, `Created on:\t${goTimeString(m.creationTimestamp)}\n`);
  printLabels(w, 'Labels', m.labels);
  printAnnotations(w, 'Annotations', m.annotations);
  w.write(0, 'Spec:\n');
  w.write(1, 'PodSelector: ');
  const sel = rec(spec.podSelector);
  if (Object.keys(rec(sel.matchLabels)).length === 0 && arr(sel.matchExpressions).length === 0) w.write(2, '<none> (Allowing the specific traffic to all pods in this namespace)\n');
  else w.write(2, `${formatSelector(sel)}\n`);
  if (types.includes('Ingress')) {
    w.write(1, 'Allowing ingress traffic:\n');
    printRules(w, recs(spec.ingress), 'ingress');
  } else w.write(1, 'Not affecting ingress traffic\n');
  if (types.includes('Egress')) {
    w.write(1, 'Allowing egress traffic:\n');
    printRules(w, recs(spec.egress), 'egress');
  } else w.write(1, 'Not affecting egress traffic\n');
  w.write(1, `Policy Types: ${types.join(', ')}\n`);
  return w.toString();
}

/** Returns `kubectl describe ingressclass` output. */
export function describeIngressClass(obj: unknown, events: readonly unknown[], now: number): string {
  const o = rec(obj);
  const m = rec(o.metadata);
  const spec = rec(o.spec);
  const w = new DescribeWriter();
  w.write(0, `Name:\t${str(m.name)}\n`);
  printLabels(w, 'Labels', m.labels);
  printAnnotations(w, 'Annotations', m.annotations);
  w.write(0, `Controller:\t${str(spec.controller)}\n`);
  if (spec.parameters) {
    const p = rec(spec.parameters);
    w.write(0, 'Parameters:\n');
    if (p.apiGroup !== undefined) w.write(1, `APIGroup:\t${str(p.apiGroup)}\n`);
    w.write(1, `Kind:\t${str(p.kind)}\n`);
    w.write(1, `Name:\t${str(p.name)}\n`);
  }
  describeEvents(w, events, now);
  return w.toString();
}

/** Returns one Metrics line of an HPA: the metric as describe names it, current / target. */
function metricLine(metric: Obj, current: Obj | undefined): string {
  const type = str(metric.type);
  const key = type.charAt(0).toLowerCase() + type.slice(1);
  const src = rec(metric[key]);
  const cur = rec(rec(current?.[key]).current);
  const t = rec(src.target);
  const name = str(src.name) || str(rec(src.metric).name);
  const value = (v: unknown) => (v === undefined ? '<unknown>' : String(v));
  if (type === 'Resource' || type === 'ContainerResource') {
    const on = type === 'Resource' ? `resource ${name} on pods` : `resource ${name} of container "${str(src.container)}" on pods`;
    if (t.averageValue !== undefined) return `${on}:\t${value(cur.averageValue)} / ${String(t.averageValue)}`;
    const c = cur.averageUtilization !== undefined ? `${int(cur.averageUtilization)}% (${String(cur.averageValue ?? '0')})` : '<unknown>';
    return `${on}  (as a percentage of request):\t${c} / ${t.averageUtilization !== undefined ? `${int(t.averageUtilization)}%` : '<auto>'}`;
  }
  if (type === 'Pods') return `"${name}" on pods:\t${value(cur.averageValue)} / ${String(t.averageValue ?? '')}`;
  if (type === 'Object') {
    const d = rec(src.describedObject);
    const [curV, target] = t.type === 'AverageValue' ? [cur.averageValue, t.averageValue] : [cur.value, t.value];
    return `"${name}" on ${str(d.kind)}/${str(d.name)}${t.type === 'AverageValue' ? ' (target average value)' : ''}:\t${value(curV)} / ${String(target ?? '')}`;
  }
  const [curV, target] = t.type === 'AverageValue' ? [cur.averageValue, t.averageValue] : [cur.value, t.value];
  return `"${name}" (target ${t.type === 'AverageValue' ? 'average ' : ''}value):\t${value(curV)} / ${String(target ?? '')}`;
}

function printDirection(w: DescribeWriter, title: string, rules: unknown): void {
  if (rules === undefined || rules === null) return;
  const r = rec(rules);
  w.write(1, `${title}:\n`);
  if (r.stabilizationWindowSeconds !== undefined) w.write(2, `Stabilization Window: ${int(r.stabilizationWindowSeconds)} seconds\n`);
  const policies = recs(r.policies);
  if (!policies.length) return;
  w.write(2, `Select Policy: ${str(r.selectPolicy) || 'Max'}\n`);
  w.write(2, 'Policies:\n');
  for (const p of policies) w.write(3, `- Type: ${str(p.type)}\tValue: ${int(p.value)}\tPeriod: ${int(p.periodSeconds)} seconds\n`);
}

/** Returns `kubectl describe hpa` output (autoscaling/v2). */
export function describeHPA(obj: unknown, events: readonly unknown[], now: number): string {
  const o = rec(obj);
  const m = rec(o.metadata);
  const spec = rec(o.spec);
  const status = rec(o.status);
  const ref = rec(spec.scaleTargetRef);
  const w = new DescribeWriter();
  printObjectMeta(w, m);
  w.write(0, `CreationTimestamp:\t${rfc1123z(m.creationTimestamp)}\n`);
  w.write(0, `Reference:\t${str(ref.kind)}/${str(ref.name)}\n`);
  w.write(0, 'Metrics:\t( current / target )\n');
  const current = recs(status.currentMetrics);
  recs(spec.metrics).forEach((metric, i) => w.write(1, `${metricLine(metric, current[i])}\n`));
  w.write(0, `Min replicas:\t${spec.minReplicas === undefined ? '<unset>' : int(spec.minReplicas)}\n`);
  w.write(0, `Max replicas:\t${int(spec.maxReplicas)}\n`);
  if (spec.behavior) {
    w.write(0, 'Behavior:\n');
    printDirection(w, 'Scale Up', rec(spec.behavior).scaleUp);
    printDirection(w, 'Scale Down', rec(spec.behavior).scaleDown);
  }
  w.write(0, `${str(ref.kind)} pods:\t`);
  w.write(0, `${int(status.currentReplicas)} current / ${int(status.desiredReplicas)} desired\n`);
  const conds = recs(status.conditions);
  if (conds.length) {
    w.write(0, 'Conditions:\n');
    w.write(1, 'Type\tStatus\tReason\tMessage\n');
    w.write(1, '----\t------\t------\t-------\n');
    for (const c of conds) w.write(1, `${str(c.type)}\t${str(c.status)}\t${str(c.reason)}\t${str(c.message)}\n`);
  }
  describeEvents(w, events, now);
  return w.toString();
}

/** What describing an Ingress reads besides it: the Services and EndpointSlices of its namespace. */
export interface IngressContext {
  services?: readonly unknown[];
  endpointSlices?: readonly unknown[];
}

/** Returns a backend as describe shows it: `svc:port (endpoints)`, or the resource it names (describeBackendV1). */
function describeBackend(backend: unknown, ctx: IngressContext): string {
  const b = rec(backend);
  if (b.service) {
    const svc = rec(b.service);
    const port = rec(svc.port);
    const name = str(svc.name);
    const sb = `${name}:${int(port.number) ? int(port.number) : str(port.name)}`;
    const service = (ctx.services ?? []).map(rec).find((s) => str(rec(s.metadata).name) === name);
    if (!service) return `${sb} (<error: services "${name}" not found>)`;
    let spName = '';
    for (const sp of recs(rec(service.spec).ports)) {
      if (int(port.number) !== 0 && int(port.number) === int(sp.port)) spName = str(sp.name);
      else if (str(port.name) && str(port.name) === str(sp.name)) spName = str(sp.name);
    }
    const slices = (ctx.endpointSlices ?? []).filter((sl) => rec(rec(rec(sl).metadata).labels)['kubernetes.io/service-name'] === name);
    return `${sb} (${formatEndpointSlices(slices, spName)})`;
  }
  if (b.resource) {
    const r = rec(b.resource);
    return `APIGroup: ${r.apiGroup === undefined ? '<none>' : str(r.apiGroup)}, Kind: ${str(r.kind)}, Name: ${str(r.name)}`;
  }
  return '';
}

/** Returns `kubectl describe ingress` output (networking.k8s.io/v1). */
export function describeIngress(obj: unknown, events: readonly unknown[], now: number, ctx: IngressContext = {}): string {
  const o = rec(obj);
  const m = rec(o.metadata);
  const spec = rec(o.spec);
  const w = new DescribeWriter();
  w.write(0, `Name:\t${str(m.name)}\n`);
  printLabels(w, 'Labels', m.labels);
  w.write(0, `Namespace:\t${str(m.namespace)}\n`);
  w.write(0, `Address:\t${ingressAddress(o, true)}\n`);
  w.write(0, `Ingress Class:\t${str(spec.ingressClassName) || '<none>'}\n`);
  w.write(0, `Default backend:\t${spec.defaultBackend ? describeBackend(spec.defaultBackend, ctx) : '<default>'}\n`);
  const tls = recs(spec.tls);
  if (tls.length) {
    w.write(0, 'TLS:\n');
    for (const t of tls) {
      const hosts = arr(t.hosts).map(str).join(',');
      w.write(1, str(t.secretName) ? `${str(t.secretName)} terminates ${hosts}\n` : `SNI routes ${hosts}\n`);
    }
  }
  w.write(0, 'Rules:\n  Host\tPath\tBackends\n');
  w.write(1, '----\t----\t--------\n');
  let count = 0;
  for (const r of recs(spec.rules)) {
    if (!r.http) continue;
    count++;
    w.write(1, `${str(r.host) || '*'}\t\n`);
    for (const p of recs(rec(r.http).paths)) w.write(2, `\t${str(p.path)} \t${describeBackend(p.backend, ctx)}\n`);
  }
  if (count === 0) w.write(1, `*\t*\t${describeBackend(spec.defaultBackend, ctx)}\n`);
  printAnnotations(w, 'Annotations', m.annotations);
  describeEvents(w, events, now);
  return w.toString();
}
