// The side of container environments that reads the cluster: the ConfigMaps and Secrets a
// container names (fetched at each start, as upstream's kubelet does), the Services (a shared
// informer, waited for once as upstream waits for its service lister), then env.ts decides.
import type { ResourceList } from '../../api/kinds/common.ts';
import type { ConfigMap, Secret } from '../../api/kinds/configmap.ts';
import type { Pod } from '../../api/kinds/pod.ts';
import type { Service } from '../../api/kinds/service.ts';
import type { KubeObject } from '../../api/meta.ts';
import { isNotFound } from '../../api/status.ts';
import type { ApiClient } from '../../bus/client.ts';
import type { Informer } from '../../bus/informer.ts';
import { containerEnv, EnvConfigError, envReferences, expandCommand, type EnvEvent } from './env.ts';
import { expandVars } from './env-fields.ts';
import { serviceEnvMap } from './env-services.ts';

export interface EnvProviderDeps {
  client: ApiClient;
  /** The Service informer (started on first use). */
  services(): Informer<Service>;
  hostIPs: string[];
  allocatable: ResourceList;
}

/** A container's resolved environment, with its command and args expanded. */
export interface ResolvedEnv {
  env: Record<string, string>;
  command?: string[];
  args?: string[];
  events: EnvEvent[];
}

/** Builds containers' environments for the kubelet's pod effects. */
export class EnvProvider {
  /**
   * The Service variables per `namespace|enableServiceLinks`, for the Service list they were made
   * from: every container start read them again (~20 strings, maps and a sort a start; 30,000 starts
   * at 1,000 nodes), while the Services rarely change.
   */
  private serviceVars?: { services: Service[]; byKey: Map<string, ReadonlyMap<string, string>> };
  /** The Service variables of serviceVars as the environment object of a container with none of its own. */
  private readonly serviceEnvObjects = new WeakMap<ReadonlyMap<string, string>, Readonly<Record<string, string>>>();

  constructor(private readonly d: EnvProviderDeps) {
    // Watch Services from the start, as upstream's kubelet does (not from inside a pod's first start).
    d.services();
  }

  /** Returns the environment of `container` of `pod`; throws EnvConfigError (CreateContainerConfigError). */
  async resolve(pod: Pod, container: string, podIPs: string[]): Promise<ResolvedEnv> {
    const spec = [...(pod.spec.initContainers ?? []), ...pod.spec.containers].find((c) => c.name === container);
    if (!spec) throw new EnvConfigError(`container ${container} not found in pod spec`);
    const ns = pod.metadata.namespace ?? 'default';
    const refs = envReferences(spec);
    const fetch = async <T extends KubeObject>(resource: string, name: string): Promise<[string, T | null]> => {
      try {
        return [name, await this.d.client.get<T>(resource, name, { namespace: ns })];
      } catch (err) {
        if (isNotFound(err)) return [name, null];
        throw new EnvConfigError((err as Error).message);
      }
    };
    const services = this.d.services();
    const [configMaps, secrets] = await Promise.all([
      Promise.all(refs.configMaps.map((n) => fetch<ConfigMap>('configmaps', n))),
      Promise.all(refs.secrets.map((n) => fetch<Secret>('secrets', n))),
      services.waitForSync(),
    ]);
    const list = services.list();
    const serviceEnv = this.serviceEnvOf(list, ns, pod.spec.enableServiceLinks ?? true);
    // No env or envFrom of its own (most containers at scale): the environment is the Service variables alone.
    if (!spec.env?.length && !spec.envFrom?.length) return this.serviceOnly(serviceEnv, spec.command, spec.args);
    const { env, events } = containerEnv(pod, spec, {
      configMaps: new Map(configMaps),
      secrets: new Map(secrets),
      services: list,
      serviceEnv,
      hostIPs: this.d.hostIPs,
      podIPs,
      nodeAllocatable: this.d.allocatable,
    });
    return {
      env: Object.fromEntries(env.map((e) => [e.name, e.value])),
      command: expandCommand(spec.command, env),
      args: expandCommand(spec.args, env),
      events,
    };
  }

  /**
   * What containerEnv and expandCommand make of a container with no env or envFrom: its Service
   * variables as one frozen object, shared by every such container of the namespace (until the
   * Services change), and its command and args expanded from them.
   */
  private serviceOnly(vars: ReadonlyMap<string, string>, command: string[] | undefined, args: string[] | undefined): ResolvedEnv {
    let env = this.serviceEnvObjects.get(vars);
    if (!env) this.serviceEnvObjects.set(vars, (env = Object.freeze(Object.fromEntries(vars))));
    const expand = (list: string[] | undefined) => list?.map((a) => expandVars(a, (n) => vars.get(n)));
    return { env, command: expand(command), args: expand(args), events: [] };
  }

  /** Returns the Service variables for a namespace, made again only when a Service came, changed or went (the informer's objects are replaced, never changed). */
  private serviceEnvOf(services: Service[], ns: string, links: boolean): ReadonlyMap<string, string> {
    const last = this.serviceVars;
    if (!last || last.services.length !== services.length || last.services.some((s, i) => s !== services[i])) this.serviceVars = { services, byKey: new Map() };
    const byKey = this.serviceVars!.byKey;
    const key = `${ns}|${links}`;
    let vars = byKey.get(key);
    if (!vars) byKey.set(key, (vars = serviceEnvMap(services, ns, links)));
    return vars;
  }
}
