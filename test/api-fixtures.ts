// Builders of typical objects for the api tests: each returns a fresh, valid-after-defaults object.
import type { KubeObject } from '../api/meta.ts';
import type { ResourceDef } from '../api/resource.ts';
import { resourceFor } from '../api/resources.ts';
import type { FieldError } from '../api/status.ts';

type Obj = KubeObject & { spec?: any; status?: any }; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Returns a minimal pod (one nginx container). */
export const pod = (over: Record<string, unknown> = {}): Obj => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'web-1', namespace: 'default', uid: 'uid-1', labels: { app: 'web' } },
  spec: { containers: [{ name: 'nginx', image: 'nginx:1.25', ports: [{ containerPort: 80 }] }] },
  ...over,
});

/** Returns a pod template with the given labels. */
export const template = (labels: Record<string, string> = { app: 'web' }, spec: Record<string, unknown> = {}) => ({
  metadata: { labels },
  spec: { containers: [{ name: 'app', image: 'busybox:1.36' }], ...spec },
});

/** Returns a workload object (Deployment, ReplicaSet, DaemonSet, StatefulSet) selecting app=web. */
export const workload = (kind: string, apiVersion = 'apps/v1', spec: Record<string, unknown> = {}): Obj => ({
  apiVersion,
  kind,
  metadata: { name: 'web', namespace: 'default', uid: 'uid-w' },
  spec: { selector: { matchLabels: { app: 'web' } }, template: template(), ...spec },
});

/** Returns a job whose template restarts OnFailure. */
export const job = (spec: Record<string, unknown> = {}): Obj => ({
  apiVersion: 'batch/v1',
  kind: 'Job',
  metadata: { name: 'pi', namespace: 'default', uid: 'uid-j' },
  spec: { template: template({}, { restartPolicy: 'OnFailure' }), ...spec },
});

/** Returns a ClusterIP service on port 80. */
export const service = (spec: Record<string, unknown> = {}): Obj => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'web', namespace: 'default' },
  spec: { selector: { app: 'web' }, ports: [{ port: 80 }], ...spec },
});

/** Returns a node with 4 cpu / 8Gi / 110 pods. */
export const node = (over: Record<string, unknown> = {}): Obj => ({
  apiVersion: 'v1',
  kind: 'Node',
  metadata: { name: 'node-1' },
  spec: {},
  status: { capacity: { cpu: '4', memory: '8Gi', pods: '110' } },
  ...over,
});

/** Returns the ResourceDef for a name, failing loudly when absent. */
export function defOf(name: string): ResourceDef {
  const d = resourceFor(name);
  if (!d) throw new Error(`no resource ${name}`);
  return d;
}

/** Applies defaults (and create preparation) as the API server does, then returns the validation errors. */
export function createErrors(name: string, obj: KubeObject): FieldError[] {
  const d = defOf(name);
  d.defaults?.(obj);
  d.prepareForCreate?.(obj);
  return d.validate(obj);
}

/** Returns the "field: message" lines of errors, for compact assertions. */
export const lines = (errs: FieldError[]): string[] => errs.map((e) => `${e.field}: ${e.message}`);

/** Returns a deep copy with `mutate` applied. */
export function edited<T>(o: T, mutate: (c: any) => void): T { // eslint-disable-line @typescript-eslint/no-explicit-any
  const c = structuredClone(o);
  mutate(c);
  return c;
}
