// `kubectl describe pod` (describePod) as a pure function of the pod, its events and the time.
import { qosClass } from '../../api/kinds/pod-helpers.ts';
import type { Pod } from '../../api/kinds/pod.ts';
import { describeContainers, describeVolumes, type EnvResolver } from './describe-containers.ts';
import { controlledBy, describeEvents, DescribeWriter, printAnnotations, printLabels, printTolerations } from './describe-writer.ts';
import { rfc1123z, since } from './duration.ts';
import { arr, byString, int, rec, recs, str, strMap } from '../../api/table/loose.ts';
import { formatSelector } from '../../api/table/selector.ts';

// ExtractFieldPathAsString for the field paths pods support in env fieldRefs.
function podFieldResolver(pod: unknown): EnvResolver {
  const p = rec(pod);
  const meta = rec(p.metadata);
  const status = rec(p.status);
  return (path) => {
    const sub = /^metadata\.(labels|annotations)\['(.*)'\]$/.exec(path);
    if (sub) return strMap(meta[sub[1]])[sub[2]] ?? '';
    switch (path) {
      case 'metadata.name':
      case 'metadata.namespace':
      case 'metadata.uid':
        return str(meta[path.slice('metadata.'.length)]);
      case 'metadata.labels':
      case 'metadata.annotations': {
        const m = strMap(meta[path.slice('metadata.'.length)]);
        return Object.keys(m)
          .sort(byString)
          .map((k) => `${k}=${JSON.stringify(m[k])}`)
          .join('\n');
      }
      case 'spec.nodeName':
      case 'spec.serviceAccountName':
        return str(rec(p.spec)[path.slice('spec.'.length)]);
      case 'status.hostIP':
      case 'status.podIP':
        return str(status[path.slice('status.'.length)]);
      case 'status.podIPs':
      case 'status.hostIPs':
        return recs(status[path.slice('status.'.length)]).map((i) => str(i.ip)).join(',');
    }
    return '';
  };
}

// qos.GetPodQOS: the recorded class, else computed from the containers.
function qos(pod: unknown): string {
  const recorded = str(rec(rec(pod).status).qosClass);
  if (recorded) return recorded;
  try {
    const p = rec(pod);
    return qosClass({ ...p, spec: { ...rec(p.spec), containers: recs(rec(p.spec).containers), initContainers: recs(rec(p.spec).initContainers) } } as unknown as Pod);
  } catch {
    return 'BestEffort';
  }
}

function describeSpread(w: DescribeWriter, constraints: unknown): void {
  const list = [...recs(constraints)].sort((a, b) => byString(str(a.topologyKey), str(b.topologyKey)));
  if (list.length === 0) return;
  w.write(0, 'Topology Spread Constraints:\t');
  list.forEach((c, i) => {
    if (i !== 0) w.write(0, '\t');
    const sel = c.labelSelector != null ? ` for selector ${formatSelector(c.labelSelector)}` : '';
    w.write(0, `${str(c.topologyKey)}:${str(c.whenUnsatisfiable)} when max skew ${int(c.maxSkew)} is exceeded${sel}\n`);
  });
}

/** Returns `kubectl describe pod` output; events are the pod's (in any order), now is the time ages are measured at. */
export function describePod(pod: unknown, events: readonly unknown[], now: number): string {
  const p = rec(pod);
  const meta = rec(p.metadata);
  const spec = rec(p.spec);
  const status = rec(p.status);
  const w = new DescribeWriter();
  w.write(0, `Name:\t${str(meta.name)}\n`);
  w.write(0, `Namespace:\t${str(meta.namespace)}\n`);
  if (spec.priority != null) w.write(0, `Priority:\t${int(spec.priority)}\n`);
  if (str(spec.priorityClassName)) w.write(0, `Priority Class Name:\t${str(spec.priorityClassName)}\n`);
  if (str(spec.runtimeClassName)) w.write(0, `Runtime Class Name:\t${str(spec.runtimeClassName)}\n`);
  if (str(spec.serviceAccountName)) w.write(0, `Service Account:\t${str(spec.serviceAccountName)}\n`);
  w.write(0, str(spec.nodeName) ? `Node:\t${str(spec.nodeName)}/${str(status.hostIP)}\n` : 'Node:\t<none>\n');
  if (status.startTime != null) w.write(0, `Start Time:\t${rfc1123z(status.startTime)}\n`);
  printLabels(w, 'Labels', meta.labels);
  printAnnotations(w, 'Annotations', meta.annotations);
  const phase = str(status.phase);
  if (meta.deletionTimestamp != null && phase !== 'Failed' && phase !== 'Succeeded') {
    w.write(0, `Status:\tTerminating (lasts ${since(meta.deletionTimestamp, now)})\n`);
    w.write(0, `Termination Grace Period:\t${int(meta.deletionGracePeriodSeconds)}s\n`);
  } else w.write(0, `Status:\t${phase}\n`);
  if (str(status.reason)) w.write(0, `Reason:\t${str(status.reason)}\n`);
  if (str(status.message)) w.write(0, `Message:\t${str(status.message)}\n`);
  w.write(0, `IP:\t${str(status.podIP)}\n`);
  const ips = recs(status.podIPs);
  if (ips.length === 0) w.write(0, 'IPs:\t<none>\n');
  else {
    w.write(0, 'IPs:\n');
    for (const ip of ips) w.write(1, `IP:\t${str(ip.ip)}\n`);
  }
  const controller = controlledBy(pod);
  if (controller) w.write(0, `Controlled By:\t${controller}\n`);
  if (str(status.nominatedNodeName)) w.write(0, `NominatedNodeName:\t${str(status.nominatedNodeName)}\n`);
  const resolve = podFieldResolver(pod);
  if (arr(spec.initContainers).length > 0) describeContainers(w, 'Init Containers', spec.initContainers, status.initContainerStatuses, resolve, '');
  describeContainers(w, 'Containers', spec.containers, status.containerStatuses, resolve, '');
  const conds = recs(status.conditions);
  const gates = recs(spec.readinessGates);
  if (gates.length > 0) {
    w.write(0, 'Readiness Gates:\n  Type\tStatus\n');
    for (const g of gates) w.write(1, `${str(g.conditionType)} \t${str(conds.find((c) => c.type === g.conditionType)?.status) || '<none>'} \n`);
  }
  if (conds.length > 0) {
    w.write(0, 'Conditions:\n  Type\tStatus\n');
    for (const c of conds) w.write(1, `${str(c.type)} \t${str(c.status)} \n`);
  }
  describeVolumes(w, spec.volumes, '');
  w.write(0, `QoS Class:\t${qos(pod)}\n`);
  printLabels(w, 'Node-Selectors', spec.nodeSelector);
  printTolerations(w, 'Tolerations', spec.tolerations);
  describeSpread(w, spec.topologySpreadConstraints);
  describeEvents(w, events, now);
  return w.toString();
}
