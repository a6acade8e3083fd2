// Small builders for the objects scenarios apply most (a script may equally write YAML).
import type { KubeObject } from '../api/meta.ts';

export interface PodTemplate {
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  image?: string;
  /** e.g. `{ cpu: '500m' }` */
  requests?: Record<string, string>;
  tolerations?: Array<Record<string, unknown>>;
  /** Anything else of the pod spec. */
  spec?: Record<string, unknown>;
}

function podSpec(t: PodTemplate): Record<string, unknown> {
  const container: Record<string, unknown> = { name: 'app', image: t.image ?? 'nginx:1.27' };
  if (t.requests) container.resources = { requests: t.requests };
  return { containers: [container], ...(t.tolerations ? { tolerations: t.tolerations } : {}), ...t.spec };
}

/** Returns a Pod in `default` (or the namespace of `name` written as `ns/name`). */
export function pod(name: string, t: PodTemplate = {}): KubeObject {
  const [ns, n] = name.includes('/') ? name.split('/') : ['default', name];
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name: n, namespace: ns, labels: t.labels ?? {}, annotations: t.annotations ?? {} }, spec: podSpec(t) } as KubeObject;
}

/** Returns a Deployment whose pods carry `app=<name>`. */
export function deployment(name: string, replicas: number, t: PodTemplate & { strategy?: Record<string, unknown> } = {}): KubeObject {
  const labels = { app: name, ...t.labels };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'default' },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      ...(t.strategy ? { strategy: t.strategy } : {}),
      template: { metadata: { labels, annotations: t.annotations ?? {} }, spec: podSpec(t) },
    },
  } as KubeObject;
}

/** Returns a DaemonSet whose pods carry `app=<name>`. */
export function daemonSet(name: string, t: PodTemplate = {}): KubeObject {
  const labels = { app: name, ...t.labels };
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name, namespace: 'default' },
    spec: { selector: { matchLabels: { app: name } }, template: { metadata: { labels, annotations: t.annotations ?? {} }, spec: podSpec(t) } },
  } as KubeObject;
}

/** Returns tolerations of the node-lost taints (unreachable, not-ready) for `seconds` (upstream's default is 300). */
export function tolerateNodeLoss(seconds: number): Array<Record<string, unknown>> {
  return ['node.kubernetes.io/unreachable', 'node.kubernetes.io/not-ready'].map((key) => ({ key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: seconds }));
}
