// The kube-proxy actor (one per node): informers on Services, EndpointSlices and its own Node feed
// the machine; its apply effect plans the whole table from the caches (proxy.ports.ts +
// proxy.rules.ts) and hands it to `nft -f -` when it differs from what was applied last. On
// stop it waits for an apply in flight and deletes its table.
import { fromCallback, fromPromise } from 'xstate';
import type { EndpointSlice } from '../../api/kinds/endpointslice.ts';
import type { Service } from '../../api/kinds/service.ts';
import type { KubeObject } from '../../api/meta.ts';
import type { Informer } from '../../bus/informer.ts';
import { defineActor } from '../lib/actor.ts';
import { runNft, type NftTarget } from './nft.ts';
import { proxyMachine, type ApplyResult, type ProxyEvent, type ProxyTimings } from './proxy.machine.ts';
import { servicePorts } from './proxy.ports.ts';
import { deleteTableScript, planRules, proxyTableName } from './proxy.rules.ts';

/** What a node process asks of its kube-proxy. */
export interface ProxyInput extends Partial<ProxyTimings>, NftTarget {
  nodeName: string;
  /** Addresses that accept NodePort traffic; by default the Node's InternalIP addresses. */
  nodeIPs?: string[];
  /** The pod network: ClusterIP traffic from outside it is masqueraded (default 10.244.0.0/16). */
  clusterCIDR?: string;
  /** The table's name (default kubus-proxy-<node>). */
  table?: string;
}

interface NodeLike extends KubeObject {
  status?: { addresses?: Array<{ type: string; address: string }> };
}

/** The kube-proxy actor (kind "kube-proxy"); input: ProxyInput. */
export const proxyActor = defineActor<ProxyInput>({
  kind: 'kube-proxy',
  logic(deps, input) {
    const table = input.table ?? proxyTableName(input.nodeName);
    const services = deps.informers.get<Service>('services');
    const endpoints = deps.informers.get<EndpointSlice>('endpointslices');
    const nodes = input.nodeIPs ? undefined : deps.informers.get<NodeLike>('nodes', { fieldSelector: `metadata.name=${input.nodeName}` });
    const nodeIPs = () =>
      input.nodeIPs ??
      (nodes?.get(input.nodeName)?.status?.addresses ?? []).filter((a) => a.type === 'InternalIP').map((a) => a.address);
    let stopped = false;
    let inflight: Promise<unknown> = Promise.resolve();
    deps.onStop(async () => {
      stopped = true;
      await inflight.catch(() => {});
      await runNft(deleteTableScript(table), input).catch((err: Error) => deps.log.warn({ table, err: err.message }, 'could not delete the kube-proxy table'));
    });
    const apply = async (applied: string): Promise<ApplyResult> => {
      if (stopped) return { script: applied };
      const script = planRules({ table, ports: servicePorts(services.list(), endpoints.list()), nodeIPs: nodeIPs(), clusterCIDR: input.clusterCIDR ?? '10.244.0.0/16' });
      if (script === applied) return { script };
      const run = runNft(script, input);
      inflight = run;
      await run;
      return { script };
    };
    return proxyMachine.provide({
      actors: {
        watch: fromCallback<ProxyEvent>(({ sendBack }) => {
          const changed = { add: () => sendBack({ type: 'proxy.changed' }), update: () => sendBack({ type: 'proxy.changed' }), delete: () => sendBack({ type: 'proxy.changed' }) };
          const informers = [services, endpoints, nodes].filter((i) => i !== undefined) as unknown as Informer[];
          for (const inf of informers) inf.on(changed);
          void Promise.all(informers.map((i) => i.waitForSync())).then(() => sendBack({ type: 'proxy.synced' }));
          return () => informers.forEach((i) => i.off(changed));
        }),
        apply: fromPromise<ApplyResult, { applied: string }>(({ input: { applied } }) => apply(applied)),
      },
      actions: {
        applied: (_, r: ApplyResult) => deps.log.debug({ table, bytes: r.script.length }, 'kube-proxy rules in place'),
        failed: (_, f: { error: unknown; retryInMs: number }) =>
          deps.log.warn({ table, err: f.error instanceof Error ? f.error.message : String(f.error), retryInMs: f.retryInMs }, 'could not apply kube-proxy rules; retrying'),
      },
    });
  },
});
