// describe's Containers, Volumes and Pod Template sections (describeContainers, describeVolumes, DescribePodTemplate).
import { rfc1123z } from './duration.ts';
import { orNone, printLabels, printAnnotations, printTolerations, type DescribeWriter } from './describe-writer.ts';
import { arr, byString, int, rec, recs, str, strMap, type Obj } from '../../api/table/loose.ts';
import { milli, quantity, quantityString, sortedNames, whole } from './quantities.ts';

/** Resolves an env var's fieldRef against the pod (undefined for pod templates, which print nothing). */
export type EnvResolver = ((fieldPath: string) => string) | undefined;

const intOrString = (v: unknown): string => (typeof v === 'number' ? String(Math.trunc(v)) : str(v));

/** Returns a probe as describe prints it: "http-get http://:8080/healthz delay=0s timeout=1s period=10s #success=1 #failure=3". */
export function describeProbe(probe: Obj): string {
  const attrs = `delay=${int(probe.initialDelaySeconds)}s timeout=${int(probe.timeoutSeconds)}s period=${int(probe.periodSeconds)}s #success=${int(probe.successThreshold)} #failure=${int(probe.failureThreshold)}`;
  if (probe.exec != null) return `exec [${arr(rec(probe.exec).command).map(str).join(' ')}] ${attrs}`;
  if (probe.httpGet != null) {
    const h = rec(probe.httpGet);
    const port = intOrString(h.port);
    const host = str(h.host);
    const hostPort = port ? (host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`) : host;
    const scheme = str(h.scheme).toLowerCase();
    let path = str(h.path);
    if (path && !path.startsWith('/') && hostPort) path = `/${path}`;
    return `http-get ${scheme ? `${scheme}:` : ''}//${hostPort}${path} ${attrs}`;
  }
  if (probe.tcpSocket != null) return `tcp-socket ${str(rec(probe.tcpSocket).host)}:${intOrString(rec(probe.tcpSocket).port)} ${attrs}`;
  if (probe.grpc != null) return `grpc <pod>:${int(rec(probe.grpc).port)} ${str(rec(probe.grpc).service)} ${attrs}`;
  return `unknown ${attrs}`;
}

function describeState(w: DescribeWriter, name: string, state: Obj): void {
  if (state.running != null) {
    w.write(2, `${name}:\tRunning\n`);
    w.write(3, `Started:\t${rfc1123z(rec(state.running).startedAt)}\n`);
  } else if (state.waiting != null) {
    w.write(2, `${name}:\tWaiting\n`);
    if (str(rec(state.waiting).reason)) w.write(3, `Reason:\t${str(rec(state.waiting).reason)}\n`);
  } else if (state.terminated != null) {
    const t = rec(state.terminated);
    w.write(2, `${name}:\tTerminated\n`);
    if (str(t.reason)) w.write(3, `Reason:\t${str(t.reason)}\n`);
    if (str(t.message)) w.write(3, `Message:\t${str(t.message)}\n`);
    w.write(3, `Exit Code:\t${int(t.exitCode)}\n`);
    if (int(t.signal) > 0) w.write(3, `Signal:\t${int(t.signal)}\n`);
    w.write(3, `Started:\t${rfc1123z(t.startedAt)}\n`);
    w.write(3, `Finished:\t${rfc1123z(t.finishedAt)}\n`);
  } else w.write(2, `${name}:\tWaiting\n`);
}

/** Prints a container's Limits and Requests, resources sorted by name. */
export function describeResources(w: DescribeWriter, res: unknown, level: number): void {
  for (const field of ['limits', 'requests']) {
    const list = rec(rec(res)[field]);
    const names = sortedNames(list);
    if (names.length > 0) w.write(level, field === 'limits' ? 'Limits:\n' : 'Requests:\n');
    for (const n of names) w.write(level + 1, `${n}:\t${quantityString(list[n])}\n`);
  }
}

// ExtractContainerResourceValue: the container's own request or limit over the divisor, rounded up.
function resourceFieldValue(ref: Obj, c: Obj): string | undefined {
  const [field, name] = str(ref.resource).split('.', 2);
  if ((field !== 'limits' && field !== 'requests') || !['cpu', 'memory', 'ephemeral-storage'].includes(name)) return undefined;
  const q = quantity(rec(rec(c.resources)[field])[name]);
  const divisor = (ref.divisor != null && ref.divisor !== '0' && ref.divisor !== 0 ? quantity(ref.divisor) : undefined) ?? quantity('1')!;
  const [num, den] = name === 'cpu' ? [milli(q), milli(divisor)] : [whole(q), whole(divisor)];
  return den === 0n ? undefined : String(num % den === 0n ? num / den : num / den + (num > 0n ? 1n : 0n));
}

function describeEnv(w: DescribeWriter, c: Obj, resolve: EnvResolver): void {
  const env = recs(c.env);
  w.write(2, `Environment:${env.length === 0 ? '\t<none>' : ''}\n`);
  for (const e of env) {
    if (e.valueFrom == null) {
      str(e.value)
        .split('\n')
        .forEach((s, i) => w.write(3, i === 0 ? `${str(e.name)}:\t${s}\n` : `\t${s}\n`));
      continue;
    }
    const from = rec(e.valueFrom);
    if (from.fieldRef != null) {
      const f = rec(from.fieldRef);
      const value = resolve ? resolve(str(f.fieldPath)) : '';
      w.write(3, `${str(e.name)}:\t${value} (${str(f.apiVersion)}:${str(f.fieldPath)})\n`);
    } else if (from.resourceFieldRef != null) {
      const ref = rec(from.resourceFieldRef);
      let value = resourceFieldValue(ref, c) ?? '';
      if (value === '0' && (ref.resource === 'limits.cpu' || ref.resource === 'limits.memory')) value = 'node allocatable';
      w.write(3, `${str(e.name)}:\t${value} (${str(ref.resource)})\n`);
    } else if (from.secretKeyRef != null) {
      const r = rec(from.secretKeyRef);
      w.write(3, `${str(e.name)}:\t<set to the key '${str(r.key)}' in secret '${str(r.name)}'>\tOptional: ${r.optional === true}\n`);
    } else if (from.configMapKeyRef != null) {
      const r = rec(from.configMapKeyRef);
      w.write(3, `${str(e.name)}:\t<set to the key '${str(r.key)}' of config map '${str(r.name)}'>\tOptional: ${r.optional === true}\n`);
    }
  }
}

function describeEnvFrom(w: DescribeWriter, c: Obj): void {
  w.write(2, 'Environment Variables from:\n');
  for (const e of recs(c.envFrom)) {
    const [from, ref] = e.configMapRef != null ? ['ConfigMap', rec(e.configMapRef)] : e.secretRef != null ? ['Secret', rec(e.secretRef)] : ['', {} as Obj];
    const optional = ref.optional === true;
    const prefix = str(e.prefix);
    w.write(3, prefix ? `${str(ref.name)}\t${from} with prefix '${prefix}'\tOptional: ${optional}\n` : `${str(ref.name)}\t${from}\tOptional: ${optional}\n`);
  }
}

function describeMounts(w: DescribeWriter, c: Obj): void {
  const mounts = recs(c.volumeMounts);
  w.write(2, `Mounts:${mounts.length === 0 ? '\t<none>' : ''}\n`);
  for (const m of [...mounts].sort((a, b) => byString(str(a.mountPath), str(b.mountPath)))) {
    const flags = [m.readOnly === true ? 'ro' : 'rw'];
    if (str(m.subPath)) flags.push(`path=${JSON.stringify(str(m.subPath))}`);
    w.write(3, `${str(m.mountPath)} from ${str(m.name)} (${flags.join(',')})\n`);
  }
}

/** Prints a Containers (or Init Containers) section; statuses add IDs, state, readiness and restarts. */
export function describeContainers(w: DescribeWriter, label: string, containers: unknown, statuses: unknown, resolve: EnvResolver, space: string): void {
  const byName = new Map(recs(statuses).map((s) => [str(s.name), s] as const));
  const list = recs(containers);
  w.write(0, `${space}${label}:${list.length === 0 ? ' <none>' : ''}\n`);
  for (const c of list) {
    const st = byName.get(str(c.name));
    w.write(1, `${space ? ' ' : ''}${str(c.name)}:\n`);
    if (st) w.write(2, `Container ID:\t${str(st.containerID)}\n`);
    w.write(2, `Image:\t${str(c.image)}\n`);
    if (st) w.write(2, `Image ID:\t${str(st.imageID)}\n`);
    const ports = recs(c.ports);
    const portStr = ports.map((p) => `${int(p.containerPort)}/${str(p.protocol)}`).join(', ');
    const hostStr = ports.map((p) => `${int(p.hostPort)}/${str(p.protocol)}`).join(', ');
    w.write(2, portStr.includes(',') ? `Ports:\t${portStr}\n` : `Port:\t${orNone(portStr)}\n`);
    w.write(2, hostStr.includes(',') ? `Host Ports:\t${hostStr}\n` : `Host Port:\t${orNone(hostStr)}\n`);
    for (const [title, field] of [['Command', 'command'], ['Args', 'args']] as const) {
      const items = arr(c[field]).map(str);
      if (items.length === 0) continue;
      w.write(2, `${title}:\n`);
      for (const item of items) for (const s of item.split('\n')) w.write(3, `${s}\n`);
    }
    if (st) {
      describeState(w, 'State', rec(st.state));
      if (rec(st.lastState).terminated != null) describeState(w, 'Last State', rec(st.lastState));
      w.write(2, `Ready:\t${st.ready === true ? 'True' : 'False'}\n`);
      w.write(2, `Restart Count:\t${int(st.restartCount)}\n`);
    }
    describeResources(w, c.resources, 2);
    for (const [title, field] of [['Liveness', 'livenessProbe'], ['Readiness', 'readinessProbe'], ['Startup', 'startupProbe']] as const)
      if (c[field] != null) w.write(2, `${title}:\t${describeProbe(rec(c[field]))}\n`);
    if (arr(c.envFrom).length > 0) describeEnvFrom(w, c);
    describeEnv(w, c, resolve);
    describeMounts(w, c);
  }
}

/** Prints the Volumes section: one block per volume with its source type and fields. */
export function describeVolumes(w: DescribeWriter, volumes: unknown, space: string): void {
  const list = recs(volumes);
  if (list.length === 0) return w.write(0, `${space}Volumes:\t<none>\n`);
  w.write(0, `${space}Volumes:\n`);
  for (const v of list) {
    w.write(1, `${space ? ' ' : ''}${str(v.name)}:\n`);
    if (v.hostPath != null) {
      const h = rec(v.hostPath);
      w.write(2, `Type:\tHostPath (bare host directory volume)\n    Path:\t${str(h.path)}\n    HostPathType:\t${str(h.type) || '<none>'}\n`);
    } else if (v.emptyDir != null) {
      const e = rec(v.emptyDir);
      const limit = quantity(e.sizeLimit);
      const size = limit && limit.nanos > 0n ? quantityString(e.sizeLimit) : '<unset>';
      w.write(2, `Type:\tEmptyDir (a temporary directory that shares a pod's lifetime)\n    Medium:\t${str(e.medium)}\n    SizeLimit:\t${size}\n`);
    } else if (v.secret != null) {
      const s = rec(v.secret);
      w.write(2, `Type:\tSecret (a volume populated by a Secret)\n    SecretName:\t${str(s.secretName)}\n    Optional:\t${s.optional === true}\n`);
    } else if (v.configMap != null) {
      const s = rec(v.configMap);
      w.write(2, `Type:\tConfigMap (a volume populated by a ConfigMap)\n    Name:\t${str(s.name)}\n    Optional:\t${s.optional === true}\n`);
    } else if (v.persistentVolumeClaim != null) {
      const s = rec(v.persistentVolumeClaim);
      w.write(2, `Type:\tPersistentVolumeClaim (a reference to a PersistentVolumeClaim in the same namespace)\n    ClaimName:\t${str(s.claimName)}\n    ReadOnly:\t${s.readOnly === true}\n`);
    } else if (v.projected != null) {
      w.write(2, 'Type:\tProjected (a volume that contains injected data from multiple sources)\n');
      for (const src of recs(rec(v.projected).sources)) {
        if (src.secret != null) w.write(2, `SecretName:\t${str(rec(src.secret).name)}\n    Optional:\t${rec(src.secret).optional === true}\n`);
        else if (src.downwardAPI != null) w.write(2, 'DownwardAPI:\ttrue\n');
        else if (src.configMap != null) w.write(2, `ConfigMapName:\t${str(rec(src.configMap).name)}\n    Optional:\t${rec(src.configMap).optional === true}\n`);
        else if (src.serviceAccountToken != null) w.write(2, `TokenExpirationSeconds:\t${int(rec(src.serviceAccountToken).expirationSeconds)}\n`);
      }
    } else w.write(1, '<unknown>\n');
  }
}

/** Prints the Pod Template section of a workload (DescribePodTemplate). */
export function describePodTemplate(w: DescribeWriter, template: unknown): void {
  w.write(0, 'Pod Template:\n');
  if (template == null) return w.write(1, '<unset>');
  const t = rec(template);
  const meta = rec(t.metadata);
  const spec = rec(t.spec);
  printLabels(w, '  Labels', meta.labels);
  if (Object.keys(strMap(meta.annotations)).length > 0) printAnnotations(w, '  Annotations', meta.annotations);
  if (str(spec.serviceAccountName)) w.write(1, `Service Account:\t${str(spec.serviceAccountName)}\n`);
  if (arr(spec.initContainers).length > 0) describeContainers(w, 'Init Containers', spec.initContainers, undefined, undefined, '  ');
  describeContainers(w, 'Containers', spec.containers, undefined, undefined, '  ');
  describeVolumes(w, spec.volumes, '  ');
  if (str(spec.priorityClassName)) w.write(1, `Priority Class Name:\t${str(spec.priorityClassName)}\n`);
  printLabels(w, '  Node-Selectors', spec.nodeSelector);
  printTolerations(w, '  Tolerations', spec.tolerations);
}
