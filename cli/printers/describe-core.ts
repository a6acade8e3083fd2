// `kubectl describe` of Services, Namespaces, ConfigMaps, Secrets, ServiceAccounts and Endpoints.
import { formatEndpoints } from '../../api/table/columns-core.ts';
import { describeEvents, DescribeWriter, printAnnotations, printLabels, printObjectMeta } from './describe-writer.ts';
import { rfc1123z } from './duration.ts';
import { arr, byString, formatLabels, int, rec, recs, sortedKeys, str, strMap, type Obj } from '../../api/table/loose.ts';
import { LIMIT_RANGE_HEADER, LIMIT_RANGE_RULE, writeLimitRangeRows, writeQuotaTable } from './describe-quota.ts';

/** Extra objects core describers show: a service's endpoint slices or Endpoints, a namespace's quotas and limit ranges. */
export interface CoreContext {
  endpointSlices?: readonly unknown[];
  endpoints?: unknown;
  resourceQuotas?: readonly unknown[];
  limitRanges?: readonly unknown[];
  secrets?: readonly unknown[];
}

const hostPort = (ip: string, port: number): string => (ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`);

/** Returns formatEndpointSlices: up to three ready "ip:port" of the named port, then " + N more...", `<none>` without slices. */
export function formatEndpointSlices(slices: readonly unknown[], portName: string): string {
  if (slices.length === 0) return '<none>';
  const list: string[] = [];
  let more = false;
  let count = 0;
  const visit = (ep: Obj, text: (addr: string) => string) => {
    if (list.length === 3) more = true;
    const ready = rec(ep.conditions).ready;
    if (ready === false) return;
    if (!more) list.push(text(str(arr(ep.addresses)[0])));
    count++;
  };
  for (const s of slices.map(rec)) {
    const ports = recs(s.ports);
    if (ports.length === 0) for (const ep of recs(s.endpoints)) visit(ep, (a) => a);
    else
      for (const p of ports) {
        if (str(p.name) !== portName) continue;
        for (const ep of recs(s.endpoints)) visit(ep, (a) => hostPort(a, int(p.port)));
      }
  }
  const ret = list.join(',');
  return more ? `${ret} + ${count - 3} more...` : ret;
}

/** Returns `kubectl describe service` output. */
export function describeService(svc: unknown, events: readonly unknown[], now: number, ctx: CoreContext = {}): string {
  const m = rec(rec(svc).metadata);
  const spec = rec(rec(svc).spec);
  const w = new DescribeWriter();
  printObjectMeta(w, m);
  w.write(0, `Selector:\t${formatLabels(spec.selector)}\n`);
  w.write(0, `Type:\t${str(spec.type)}\n`);
  if (spec.ipFamilyPolicy != null) w.write(0, `IP Family Policy:\t${str(spec.ipFamilyPolicy)}\n`);
  w.write(0, `IP Families:\t${arr(spec.ipFamilies).map(str).join(',') || '<none>'}\n`);
  w.write(0, `IP:\t${str(spec.clusterIP)}\n`);
  w.write(0, `IPs:\t${arr(spec.clusterIPs).map(str).join(',') || '<none>'}\n`);
  if (arr(spec.externalIPs).length > 0) w.write(0, `External IPs:\t${arr(spec.externalIPs).map(str).join(',')}\n`);
  if (str(spec.loadBalancerIP)) w.write(0, `Desired LoadBalancer IP:\t${str(spec.loadBalancerIP)}\n`);
  if (str(spec.externalName)) w.write(0, `External Name:\t${str(spec.externalName)}\n`);
  const ingress = recs(rec(rec(rec(svc).status).loadBalancer).ingress);
  if (ingress.length > 0) {
    const list = ingress.map((i) => (str(i.ip) ? `${str(i.ip)}${i.ipMode != null ? ` (${str(i.ipMode)})` : ''}` : str(i.hostname)));
    w.write(0, `LoadBalancer Ingress:\t${list.join(', ')}\n`);
  }
  for (const sp of recs(spec.ports)) {
    const name = str(sp.name) || '<unset>';
    const proto = str(sp.protocol);
    w.write(0, `Port:\t${name}\t${int(sp.port)}/${proto}\n`);
    w.write(0, typeof sp.targetPort === 'string' ? `TargetPort:\t${sp.targetPort}/${proto}\n` : `TargetPort:\t${int(sp.targetPort)}/${proto}\n`);
    if (int(sp.nodePort) !== 0) w.write(0, `NodePort:\t${name}\t${int(sp.nodePort)}/${proto}\n`);
    const eps = ctx.endpointSlices ? formatEndpointSlices(ctx.endpointSlices, str(sp.name)) : ctx.endpoints != null ? formatEndpoints(ctx.endpoints, new Set([str(sp.name)])) : '<none>';
    w.write(0, `Endpoints:\t${eps}\n`);
  }
  w.write(0, `Session Affinity:\t${str(spec.sessionAffinity)}\n`);
  if (str(spec.externalTrafficPolicy)) w.write(0, `External Traffic Policy:\t${str(spec.externalTrafficPolicy)}\n`);
  if (spec.internalTrafficPolicy != null) w.write(0, `Internal Traffic Policy:\t${str(spec.internalTrafficPolicy)}\n`);
  if (int(spec.healthCheckNodePort) !== 0) w.write(0, `HealthCheck NodePort:\t${int(spec.healthCheckNodePort)}\n`);
  if (arr(spec.loadBalancerSourceRanges).length > 0) w.write(0, `LoadBalancer Source Ranges:\t${arr(spec.loadBalancerSourceRanges).map(str).join(',')}\n`);
  describeEvents(w, events, now);
  return w.toString();
}

function describeQuotas(w: DescribeWriter, quotas: readonly unknown[]): void {
  if (quotas.length === 0) return w.write(0, 'No resource quota.\n');
  w.write(0, 'Resource Quotas\n');
  for (const q of [...quotas.map(rec)].sort((a, b) => byString(str(rec(a.metadata).name), str(rec(b.metadata).name)))) {
    w.write(1, `Name:\t${str(rec(q.metadata).name)}\n`);
    writeQuotaTable(w, q, 1, '--------\t---\t---\n');
  }
}

function describeLimitRanges(w: DescribeWriter, ranges: readonly unknown[]): void {
  if (ranges.length === 0) return w.write(0, 'No LimitRange resource.\n');
  w.write(0, `Resource Limits\n ${LIMIT_RANGE_HEADER}`);
  w.write(0, ` ${LIMIT_RANGE_RULE}`);
  for (const lr of ranges) writeLimitRangeRows(w, lr, ' ');
}

/** Returns `kubectl describe namespace` output (quotas and limit ranges from ctx; none when absent). */
export function describeNamespace(ns: unknown, ctx: CoreContext = {}): string {
  const m = rec(rec(ns).metadata);
  const st = rec(rec(ns).status);
  const w = new DescribeWriter();
  w.write(0, `Name:\t${str(m.name)}\n`);
  printLabels(w, 'Labels', m.labels);
  printAnnotations(w, 'Annotations', m.annotations);
  w.write(0, `Status:\t${str(st.phase)}\n`);
  const conds = recs(st.conditions);
  if (conds.length > 0) {
    w.write(0, 'Conditions:\n');
    w.write(1, 'Type\tStatus\tLastTransitionTime\tReason\tMessage\n');
    w.write(1, '----\t------\t------------------\t------\t-------\n');
    for (const c of conds) w.write(1, `${str(c.type)}\t${str(c.status)}\t${rfc1123z(c.lastTransitionTime)}\t${str(c.reason)}\t${str(c.message)}\n`);
  }
  w.write(0, '\n');
  describeQuotas(w, ctx.resourceQuotas ?? []);
  w.write(0, '\n');
  describeLimitRanges(w, ctx.limitRanges ?? []);
  return w.toString();
}

/** Returns `kubectl describe configmap` output (keys sorted). */
export function describeConfigMap(cm: unknown, events: readonly unknown[], now: number): string {
  const o = rec(cm);
  const m = rec(o.metadata);
  const w = new DescribeWriter();
  printObjectMeta(w, m);
  w.write(0, '\nData\n====\n');
  const data = strMap(o.data);
  for (const k of sortedKeys(data)) w.write(0, `${k}:\n----\n${data[k]}\n\n`);
  w.write(0, '\nBinaryData\n====\n');
  const bin = strMap(o.binaryData);
  for (const k of sortedKeys(bin)) w.write(0, `${k}: ${Buffer.from(bin[k], 'base64').length} bytes\n`);
  w.write(0, '\n');
  describeEvents(w, events, now);
  return w.toString();
}

/** Returns `kubectl describe secret` output: sizes of the decoded values, never the values (except a token's). */
export function describeSecret(secret: unknown): string {
  const o = rec(secret);
  const m = rec(o.metadata);
  const w = new DescribeWriter();
  printObjectMeta(w, m);
  w.write(0, `\nType:\t${str(o.type)}\n`);
  w.write(0, '\nData\n====\n');
  const data = strMap(o.data);
  for (const k of sortedKeys(data)) {
    const bytes = Buffer.from(data[k], 'base64');
    const token = k === 'token' && o.type === 'kubernetes.io/service-account-token';
    w.write(0, token ? `${k}:\t${bytes.toString('utf8')}\n` : `${k}:\t${bytes.length} bytes\n`);
  }
  return w.toString();
}

/** Returns `kubectl describe serviceaccount` output; with ctx.secrets, missing secrets are marked and tokens listed. */
export function describeServiceAccount(sa: unknown, events: readonly unknown[], now: number, ctx: CoreContext = {}): string {
  const o = rec(sa);
  const m = rec(o.metadata);
  const w = new DescribeWriter();
  printObjectMeta(w, m);
  const secrets = ctx.secrets?.map(rec);
  const existing = new Set(secrets?.map((s) => str(rec(s.metadata).name)));
  const tokens = (secrets ?? []).filter((s) => {
    const a = strMap(rec(s.metadata).annotations);
    return s.type === 'kubernetes.io/service-account-token' && a['kubernetes.io/service-account.name'] === str(m.name) && a['kubernetes.io/service-account.uid'] === str(m.uid);
  });
  const sections: [string, string[]][] = [
    ['Image pull secrets:', recs(o.imagePullSecrets).map((s) => str(s.name))],
    ['Mountable secrets: ', recs(o.secrets).map((s) => str(s.name))],
    ['Tokens:            ', tokens.map((s) => str(rec(s.metadata).name))],
  ];
  for (const [header, names] of sections) {
    if (names.length === 0) w.write(0, `${header}\t<none>\n`);
    names.forEach((n, i) => w.write(0, `${i === 0 ? header : ' '.repeat(19)}\t${n}${secrets && !existing.has(n) && header !== sections[2][0] ? ' (not found)' : ''}\n`));
  }
  describeEvents(w, events, now);
  return w.toString();
}

/** Returns `kubectl describe endpoints` output. */
export function describeEndpoints(ep: unknown, events: readonly unknown[], now: number): string {
  const m = rec(rec(ep).metadata);
  const w = new DescribeWriter();
  printObjectMeta(w, m);
  w.write(0, 'Subsets:\n');
  for (const ss of recs(rec(ep).subsets)) {
    w.write(1, `Addresses:\t${recs(ss.addresses).map((a) => str(a.ip)).join(',') || '<none>'}\n`);
    w.write(1, `NotReadyAddresses:\t${recs(ss.notReadyAddresses).map((a) => str(a.ip)).join(',') || '<none>'}\n`);
    const ports = recs(ss.ports);
    if (ports.length > 0) {
      w.write(1, 'Ports:\n');
      w.write(2, 'Name\tPort\tProtocol\n');
      w.write(2, '----\t----\t--------\n');
      for (const p of ports) w.write(2, `${str(p.name) || '<unset>'}\t${int(p.port)}\t${str(p.protocol)}\n`);
    }
    w.write(0, '\n');
  }
  describeEvents(w, events, now);
  return w.toString();
}
