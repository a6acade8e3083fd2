// Containers: schemas, types and defaults (SetDefaults_Container, _Probe, _HTTPGetAction, _ContainerPort).
import { Type, type Static } from '@sinclair/typebox';
import { IntOrString, isObj, obj, objItems, opt, ResourceList } from './common.ts';

export const EnvVar = obj({
  name: Type.String(),
  value: opt(Type.String()),
  valueFrom: opt(
    obj({
      fieldRef: opt(obj({ apiVersion: opt(Type.String()), fieldPath: opt(Type.String()) })),
      resourceFieldRef: opt(obj({ containerName: opt(Type.String()), resource: opt(Type.String()), divisor: opt(Type.Unknown()) })),
      configMapKeyRef: opt(obj({ name: opt(Type.String()), key: opt(Type.String()), optional: opt(Type.Boolean()) })),
      secretKeyRef: opt(obj({ name: opt(Type.String()), key: opt(Type.String()), optional: opt(Type.Boolean()) })),
    }),
  ),
});
export type EnvVar = Static<typeof EnvVar>;

export const ContainerPort = obj({
  name: opt(Type.String()),
  containerPort: Type.Integer(),
  hostPort: opt(Type.Integer()),
  hostIP: opt(Type.String()),
  protocol: opt(Type.String()),
});
export type ContainerPort = Static<typeof ContainerPort>;

export const ResourceRequirements = obj({
  limits: opt(ResourceList),
  requests: opt(ResourceList),
  claims: opt(Type.Array(obj({ name: Type.String() }))),
});
export type ResourceRequirements = Static<typeof ResourceRequirements>;

export const ExecAction = obj({ command: opt(Type.Array(Type.String())) });
export const HTTPGetAction = obj({
  path: opt(Type.String()),
  port: IntOrString,
  host: opt(Type.String()),
  scheme: opt(Type.String()),
  httpHeaders: opt(Type.Array(obj({ name: Type.String(), value: Type.String() }))),
});
export const TCPSocketAction = obj({ port: IntOrString, host: opt(Type.String()) });
export const GRPCAction = obj({ port: Type.Integer(), service: opt(Type.String()) });

export const Probe = obj({
  exec: opt(ExecAction),
  httpGet: opt(HTTPGetAction),
  tcpSocket: opt(TCPSocketAction),
  grpc: opt(GRPCAction),
  initialDelaySeconds: opt(Type.Integer()),
  timeoutSeconds: opt(Type.Integer()),
  periodSeconds: opt(Type.Integer()),
  successThreshold: opt(Type.Integer()),
  failureThreshold: opt(Type.Integer()),
  terminationGracePeriodSeconds: opt(Type.Integer()),
});
export type Probe = Static<typeof Probe>;

export const LifecycleHandler = obj({
  exec: opt(ExecAction),
  httpGet: opt(HTTPGetAction),
  tcpSocket: opt(TCPSocketAction),
  sleep: opt(obj({ seconds: Type.Integer() })),
});
export const Lifecycle = obj({ postStart: opt(LifecycleHandler), preStop: opt(LifecycleHandler) });

export const VolumeMount = obj({
  name: Type.String(),
  mountPath: Type.String(),
  readOnly: opt(Type.Boolean()),
  subPath: opt(Type.String()),
});

export const Container = obj({
  name: Type.String(),
  image: opt(Type.String()),
  command: opt(Type.Array(Type.String())),
  args: opt(Type.Array(Type.String())),
  workingDir: opt(Type.String()),
  ports: opt(Type.Array(ContainerPort)),
  env: opt(Type.Array(EnvVar)),
  envFrom: opt(Type.Array(obj({ prefix: opt(Type.String()) }))),
  resources: opt(ResourceRequirements),
  volumeMounts: opt(Type.Array(VolumeMount)),
  livenessProbe: opt(Probe),
  readinessProbe: opt(Probe),
  startupProbe: opt(Probe),
  lifecycle: opt(Lifecycle),
  restartPolicy: opt(Type.String()),
  terminationMessagePath: opt(Type.String()),
  terminationMessagePolicy: opt(Type.String()),
  imagePullPolicy: opt(Type.String()),
  securityContext: opt(obj({})),
  stdin: opt(Type.Boolean()),
  stdinOnce: opt(Type.Boolean()),
  tty: opt(Type.Boolean()),
});
export type Container = Static<typeof Container>;

/** A container's environment as a plain map (value only; valueFrom is left to the kubelet). */
export const envMap = (c: Container): Record<string, string> =>
  Object.fromEntries((c.env ?? []).filter((e) => e.value !== undefined).map((e) => [e.name, e.value!]));

/** Returns the tag of an image reference ("" when none, "latest" when none and no digest), as upstream's ParseImageName. */
export function imageTag(image: string): string {
  if (image.includes('@')) return '';
  const lastSlash = image.lastIndexOf('/');
  const colon = image.indexOf(':', lastSlash + 1);
  return colon >= 0 ? image.slice(colon + 1) : 'latest';
}

function defaultProbe(p: unknown): void {
  if (!isObj(p)) return;
  p.timeoutSeconds ||= 1;
  p.periodSeconds ||= 10;
  p.successThreshold ||= 1;
  p.failureThreshold ||= 3;
  for (const k of ['httpGet'] as const) {
    const h = p[k];
    if (isObj(h)) {
      h.path ||= '/';
      h.scheme ||= 'HTTP';
    }
  }
}

/** Fills a container's defaults in place: pull policy, termination message, port protocol, probes. */
export function defaultContainer(c: Record<string, unknown>): void {
  if (!c.imagePullPolicy) c.imagePullPolicy = imageTag(typeof c.image === 'string' ? c.image : '') === 'latest' ? 'Always' : 'IfNotPresent';
  c.terminationMessagePath ||= '/dev/termination-log';
  c.terminationMessagePolicy ||= 'File';
  for (const p of objItems(c.ports)) p.protocol ||= 'TCP';
  defaultProbe(c.livenessProbe);
  defaultProbe(c.readinessProbe);
  defaultProbe(c.startupProbe);
  for (const k of ['postStart', 'preStop']) {
    const lc = isObj(c.lifecycle) ? c.lifecycle[k] : undefined;
    if (isObj(lc) && isObj(lc.httpGet)) {
      lc.httpGet.path ||= '/';
      lc.httpGet.scheme ||= 'HTTP';
    }
  }
  for (const e of objItems(c.env)) {
    const fr = isObj(e.valueFrom) ? e.valueFrom.fieldRef : undefined;
    if (isObj(fr)) fr.apiVersion ||= 'v1';
  }
}

/** Copies limits into requests where a request is missing (SetDefaults_Pod; pods only, not templates). */
export function defaultRequestsFromLimits(c: Record<string, unknown>): void {
  const r = c.resources;
  if (!isObj(r) || !isObj(r.limits)) return;
  if (r.requests === undefined || r.requests === null) r.requests = {};
  if (!isObj(r.requests)) return;
  for (const k in r.limits) if (!(k in r.requests)) r.requests[k] = r.limits[k];
}
