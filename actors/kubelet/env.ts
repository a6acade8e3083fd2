// A container's environment as upstream's kubelet builds it (makeEnvironmentVariables): envFrom
// first (configMapRef/secretRef with prefix; invalid names skipped with an event), then env in
// order (value with `$(VAR)` expansion, or valueFrom: configMapKeyRef, secretKeyRef, fieldRef,
// resourceFieldRef), then the Service variables not already set. A missing ConfigMap, Secret or
// key that is not optional is a CreateContainerConfigError with upstream's message. Pure: the
// caller fetches what `envReferences` names and passes it in.
import type { ResourceList } from '../../api/kinds/common.ts';
import type { ConfigMap, Secret } from '../../api/kinds/configmap.ts';
import type { Container } from '../../api/kinds/container.ts';
import type { Pod } from '../../api/kinds/pod.ts';
import type { Service } from '../../api/kinds/service.ts';
import { isEnvVarName } from '../../api/validation/strings.ts';
import { EnvConfigError, expandVars, podFieldValue, resourceFieldValue } from './env-fields.ts';
import { serviceEnvMap } from './env-services.ts';

export { EnvConfigError } from './env-fields.ts';

/** One variable of the container's environment (CRI KeyValue). */
export interface EnvVarValue {
  name: string;
  value: string;
}

/** An Event to record on the pod while building the environment. */
export interface EnvEvent {
  type: 'Warning';
  reason: string;
  message: string;
}

/** What the environment is built from: the objects envReferences named (null: not found), Services, IPs, the node's allocatable. */
export interface EnvSources {
  configMaps: Map<string, ConfigMap | null>;
  secrets: Map<string, Secret | null>;
  /** Every Service known (the kubelet's Service lister); filtered by namespace here. */
  services: Service[];
  /** The Service variables of `services` for this pod's namespace and enableServiceLinks, when the caller has them already (read, never changed). */
  serviceEnv?: ReadonlyMap<string, string>;
  hostIPs: string[];
  podIPs: string[];
  /** Limits left unset read as this (upstream defaultPodLimitsForDownwardAPI). */
  nodeAllocatable?: ResourceList;
}

/** envFrom sources as the API has them (the container schema types only `prefix`). */
interface EnvFromSource {
  prefix?: string;
  configMapRef?: { name?: string; optional?: boolean };
  secretRef?: { name?: string; optional?: boolean };
}

const envFromOf = (c: Container) => (c.envFrom ?? []) as EnvFromSource[];

/** Returns the ConfigMaps and Secrets (in the pod's namespace) a container's environment reads. */
export function envReferences(c: Container): { configMaps: string[]; secrets: string[] } {
  const cms = new Set<string>();
  const secrets = new Set<string>();
  for (const f of envFromOf(c)) {
    if (f.configMapRef?.name) cms.add(f.configMapRef.name);
    if (f.secretRef?.name) secrets.add(f.secretRef.name);
  }
  for (const e of c.env ?? []) {
    if (e.valueFrom?.configMapKeyRef?.name) cms.add(e.valueFrom.configMapKeyRef.name);
    if (e.valueFrom?.secretKeyRef?.name) secrets.add(e.valueFrom.secretKeyRef.name);
  }
  return { configMaps: [...cms], secrets: [...secrets] };
}

/** A Secret's values as text (its data is base64 on the wire). */
const secretData = (s: Secret): Record<string, string> =>
  Object.fromEntries(Object.entries(s.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]));

/** Returns the container's environment and the Events to record; throws EnvConfigError (CreateContainerConfigError). */
export function containerEnv(pod: Pod, container: Container, src: EnvSources): { env: EnvVarValue[]; events: EnvEvent[] } {
  const ns = pod.metadata.namespace ?? 'default';
  const services = src.serviceEnv ?? serviceEnvMap(src.services, ns, pod.spec.enableServiceLinks ?? true);
  const env = new Map<string, string>();
  const events: EnvEvent[] = [];
  // Returns the object, undefined for a missing optional one; throws for a missing required one.
  const lookup = <T>(kind: 'configmap' | 'secret', name: string, optional: boolean | undefined): T | undefined => {
    const obj = (kind === 'configmap' ? src.configMaps : src.secrets).get(name) as T | null | undefined;
    if (obj) return obj;
    if (optional) return undefined;
    throw new EnvConfigError(`${kind} "${name}" not found`);
  };
  for (const from of envFromOf(container)) {
    const ref = from.configMapRef ?? from.secretRef;
    if (!ref?.name) continue;
    const kind = from.configMapRef ? 'configmap' : 'secret';
    const obj = lookup<ConfigMap | Secret>(kind, ref.name, ref.optional);
    if (!obj) continue;
    const data = kind === 'configmap' ? ((obj as ConfigMap).data ?? {}) : secretData(obj as Secret);
    const invalid: string[] = [];
    for (const [k, v] of Object.entries(data)) {
      const name = (from.prefix ?? '') + k;
      if (isEnvVarName(name).length) invalid.push(name);
      else env.set(name, v);
    }
    if (invalid.length)
      events.push({
        type: 'Warning',
        reason: 'InvalidEnvironmentVariableNames',
        message: `Keys [${invalid.sort().join(', ')}] from the EnvFrom ${kind === 'configmap' ? 'configMap' : 'secret'} ${ns}/${ref.name} were skipped since they are considered invalid environment variable names.`,
      });
  }
  const vars = (name: string) => env.get(name) ?? services.get(name);
  for (const e of container.env ?? []) {
    let value = e.value ?? '';
    const from = e.valueFrom;
    if (value !== '') value = expandVars(value, vars);
    else if (from?.fieldRef) value = podFieldValue(from.fieldRef.fieldPath ?? '', pod, src);
    else if (from?.resourceFieldRef) value = resourceFieldValue(from.resourceFieldRef, pod, container, src.nodeAllocatable);
    else if (from?.configMapKeyRef || from?.secretKeyRef) {
      const ref = (from.configMapKeyRef ?? from.secretKeyRef)!;
      const kind = from.configMapKeyRef ? 'configmap' : 'secret';
      const obj = lookup<ConfigMap | Secret>(kind, ref.name ?? '', ref.optional);
      if (!obj) continue;
      const data = kind === 'configmap' ? ((obj as ConfigMap).data ?? {}) : secretData(obj as Secret);
      if (!Object.hasOwn(data, ref.key ?? '')) {
        if (ref.optional) continue;
        throw new EnvConfigError(`couldn't find key ${ref.key} in ${kind === 'configmap' ? 'ConfigMap' : 'Secret'} ${ns}/${ref.name}`);
      }
      value = data[ref.key!];
    }
    env.set(e.name, value);
  }
  for (const [k, v] of services) if (!env.has(k)) env.set(k, v);
  return { env: [...env].map(([name, value]) => ({ name, value })), events };
}

/** Expands `$(VAR)` in a container's command and args from its final environment (upstream ExpandContainerCommandAndArgs). */
export function expandCommand(args: string[] | undefined, env: EnvVarValue[]): string[] | undefined {
  if (!args) return undefined;
  const m = new Map(env.map((e) => [e.name, e.value]));
  return args.map((a) => expandVars(a, (n) => m.get(n)));
}
