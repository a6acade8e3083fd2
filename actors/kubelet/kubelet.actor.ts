// The kubelet actor: one per node. Wires the pure kubelet and pod worker machines to their
// effects: the API (node, lease, pod statuses, Events), the node's own pod informer (filtered by
// spec.nodeName on the server) and the container runtime.
import { dirname, join } from 'node:path';
import { fromCallback, fromPromise } from 'xstate';
import type { Lease } from '../../api/kinds/lease.ts';
import type { Node } from '../../api/kinds/node.ts';
import type { Pod } from '../../api/kinds/pod.ts';
import type { Service } from '../../api/kinds/service.ts';
import { backoffDelay } from '../../bus/backoff.ts';
import { coalescer } from '../../bus/batch-client.ts';
import { ApiClient } from '../../bus/client.ts';
import { Informer } from '../../bus/informer.ts';
import { runAsRoot } from '../../bus/trace.ts';
import { defineActor } from '../lib/actor.ts';
import { EventRecorder } from '../lib/events.ts';
import { resolveConfig, type KubeletInput } from './kubelet.config.ts';
import { kubeletMachine, type KubeletEvent, type NodeCommand } from './kubelet.machine.ts';
import { HostGwRoutes } from './cni/host-gw.effects.ts';
import { PodMasquerade } from './cni/pod-masq.ts';
import { PodNetwork } from './cni/pod-network.ts';
import { podDnsConfigs } from './dns-config.ts';
import { readHostResolvConf } from './dns-host.ts';
import { EnvProvider } from './env-provider.ts';
import { LogShipper, withLogShipping } from './log-shipper.ts';
import { NodeEffects } from './node-effects.ts';
import { serveNode } from './node-server.ts';
import { serveStats } from './node-stats.ts';
import { serveKubeletMetrics } from './metrics.ts';
import { PodEffects } from './pod-effects.ts';
import { provideShared } from './provide-shared.ts';
import { renewTimers } from './renew-timers.ts';
import { podWorkerLogic } from './pod-worker.logic.ts';
import type { PodWorkerEvent } from './pod-worker.types.ts';
import { createRuntime } from './runtimes/create.ts';
import type { ContainerInfo } from './runtimes/runtime.ts';
import { removeOrphanedSandboxes } from './pod-orphans.ts';
import { UNCHECKED_READY, watchRuntimeHealth } from './runtime-health.ts';
import { onOwnNode } from './own-node.ts';
import { StatusManager } from './status-manager.ts';
import { VolumeManager } from './volumes/volume-manager.ts';

/** The kubelet's input (node name, capacity, labels, taints, runtime, timing knobs). */
export type { KubeletInput } from './kubelet.config.ts';

/** Worker events caused by time passing, not by a message: their effects start new traces. */
const TIMER_EVENTS: ReadonlySet<string> = new Set(['backoff.done', 'probe.tick', 'deadline', 'sandbox.retry', 'container.exited', 'probe.result', 'network.changed'] satisfies PodWorkerEvent['type'][]);

/** Returns whether a pod change matters to its worker (its own status writes come back as updates too). */
export function podChangeMatters(old: Pod, pod: Pod): boolean {
  const a = old.metadata;
  const b = pod.metadata;
  return (
    a.uid !== b.uid ||
    a.deletionTimestamp !== b.deletionTimestamp ||
    a.deletionGracePeriodSeconds !== b.deletionGracePeriodSeconds ||
    a.generation !== b.generation ||
    (!!pod.spec.readinessGates?.length && JSON.stringify(old.status?.conditions) !== JSON.stringify(pod.status?.conditions))
  );
}

/** Upstream's nodeStatusUpdateFrequency, the heartbeat client's timeout unless the lease is shorter. */
const HEARTBEAT_TIMEOUT_MS = 10_000;

/** The kubelet of node `input.nodeName`. */
export const kubeletActor = defineActor<KubeletInput>({
  kind: 'kubelet',
  logic(deps, input) {
    const cfg = resolveConfig(input);
    const { clock, rng } = deps;
    const log = deps.log.child({ node: cfg.nodeName });
    // Cluster logging: each container's lines go to the cluster's log stream, its pod's labels read at ship time.
    const shipper = cfg.clusterLogs && new LogShipper({ ...cfg.clusterLogs, bus: deps.bus, clock, node: cfg.nodeName, log, pod: (ns, name) => informer.get(`${ns}/${name}`) });
    const runtime = withLogShipping(createRuntime(cfg.runtime, { clock, rng: rng.fork('runtime'), log, podCIDR: cfg.podCIDR, hostIP: cfg.internalIP, nodeName: cfg.nodeName, cri: cfg.cri }), shipper);
    const informer = new Informer<Pod>(deps.client, 'pods', { fieldSelector: `spec.nodeName=${cfg.nodeName}`, clock, log });
    const status = new StatusManager(deps.client, clock, log, (ns, name) => informer.get(`${ns}/${name}`), cfg.statusRetry, (body) => deps.bus.shareable?.(body, true) ?? body);
    const events = cfg.events ? new EventRecorder(deps.client, { component: 'kubelet', host: cfg.nodeName }, clock, rng.fork('events'), log) : undefined;
    // Containers' environments: the ConfigMaps, Secrets and Services they read (env-provider.ts).
    const env = new EnvProvider({ client: deps.client, services: () => deps.informers.get<Service>('services'), hostIPs: [cfg.internalIP], allocatable: cfg.allocatable });
    // Pods' resolv.conf by dnsPolicy (dns-config.ts), over the node's own read once.
    const dnsSettings = { clusterDNS: cfg.clusterDNS, clusterDomain: cfg.clusterDomain, host: readHostResolvConf(cfg.resolvConf, log), nodeIPs: [cfg.internalIP] };
    // A real runtime's pod volumes on the host (volumes/); the sim runtime has no files to mount.
    const volumes = cfg.cri ? new VolumeManager({ root: cfg.cri.podsDir ?? join(dirname(cfg.cri.logRoot), 'kubelet-pods'), client: deps.client, clock, log, hostIPs: [cfg.internalIP], allocatable: cfg.allocatable, resyncMs: cfg.cri.volumeResyncMs, current: (p) => informer.get(`${p.metadata.namespace}/${p.metadata.name}`) }) : undefined;
    if (volumes) deps.onStop(() => volumes.close());
    const pods = new PodEffects({ runtime, status, events, clock, log, env, dns: podDnsConfigs(dnsSettings), volumes });
    const identity = { machineID: rng.hex(16), systemUUID: rng.uuid(), bootID: rng.uuid(), runtimeVersion: `${runtime.name}://${runtime.version}` };
    // Lease and node status go through a client with upstream's heartbeat timeout, min(10 s, lease
    // duration): a renewal whose reply never comes (an API server killed mid-request) is retried in time.
    // It acts as the kubelet's own client does (its node user, when the host gives one). Its lease
    // updates of one renewal slot leave with the other kubelets' of the connection, as one batch.
    const heartbeatMs = Math.min(HEARTBEAT_TIMEOUT_MS, cfg.leaseDurationSeconds * 1000);
    const heartbeats = new ApiClient(deps.bus, { clock, timeoutMs: heartbeatMs, user: deps.client.user, coalesce: coalescer(deps.bus, 'leases', 'update', heartbeatMs) });
    const node = new NodeEffects({ id: deps.id, client: heartbeats, clock, rng: rng.fork('lease'), log, events }, cfg, identity);
    // Logs and exec for `kubectl logs` / `kubectl exec`, asked by the gateway over the bus.
    const stopServing = serveNode({ bus: deps.bus, clock, runtime, nodeName: cfg.nodeName, pod: (ns, name) => informer.get(`${ns}/${name}`), log });
    // Resource stats for the metrics server (node-stats.ts).
    const stopStats = serveStats({ bus: deps.bus, clock, runtime, nodeName: cfg.nodeName, pods: () => informer.list(), onPodUpdate: (update) => {
        const h = { update };
        informer.on(h);
        return () => informer.off(h);
      }, log });
    // Prometheus metrics (metrics.ts), scraped over the bus as upstream's kubelet serves /metrics.
    deps.onStop(serveKubeletMetrics({ bus: deps.bus, clock, runtime, nodeName: cfg.nodeName, pods: informer, log }));
    // A real runtime's pod network: the node's CNI conflist once it has a pod CIDR, host-gw routes to the other nodes.
    const network = cfg.cri?.cniConfDir ? new PodNetwork({ nodeName: cfg.nodeName, confDir: cfg.cri.cniConfDir, nodes: deps.informers.get<Node>('nodes'), routes: new HostGwRoutes({ log }), masquerade: new PodMasquerade({ nodeName: cfg.nodeName, log }), cni: { dataDir: `${cfg.cri.cniConfDir}-ipam` }, log }) : undefined;
    network?.start();
    if (network) deps.onStop(() => network.stop());
    deps.onStop(() => {
      stopServing();
      stopStats();
      shipper?.close();
      informer.stop();
      status.close();
      return runtime.close();
    });

    let started = false;
    const worker = podWorkerLogic.provide({
      actions: {
        exec: ({ context, event, self }, cmd) => {
          const run = () => pods.run(cmd, context.pod, self);
          if (TIMER_EVENTS.has(event.type)) runAsRoot(deps.id, run);
          else run();
        },
      },
    });

    return provideShared<typeof kubeletMachine>(kubeletMachine, {
      actors: {
        podWorker: worker,
        registerNode: fromPromise(({ input: { conditions } }) => node.register(conditions)),
        node: fromCallback<NodeCommand>(({ sendBack, receive }) => {
          let live = true;
          let timer: unknown;
          let cancelRenew = () => {};
          // The lease loop: renew, wait ~10 s (or back off after a failure), again; tell the
          // machine only when renewals start failing or recover. Renewals of the process's kubelets
          // due together leave together (renew-timers.ts).
          const renewLoop = (lease: Lease | undefined, nodeUid: string | undefined, failures: number) => {
            node.renewLease(lease, nodeUid).then(
              (r) => {
                if (!live) return;
                if (failures > 0) sendBack({ type: 'lease.recovered' });
                cancelRenew = renewTimers(clock).setTimeout(() => renewLoop(r.lease, nodeUid, 0), r.nextRenewMs);
              },
              () => {
                if (!live) return;
                if (failures === 0) sendBack({ type: 'lease.failing' });
                timer = clock.setTimeout(() => renewLoop(lease, nodeUid, failures + 1), backoffDelay(failures + 1, cfg.leaseRetry));
              },
            );
          };
          // Its own Node, as the server has it: when someone else wrote its Ready condition (the
          // node lifecycle controller's Unknown after a cut the kubelet never noticed), write status
          // again at once, as upstream's kubelet does when it finds the server's status differs.
          let own: Node | undefined;
          const check = (n: Node) => {
            own = n;
            const reason = n.status?.conditions?.find((c) => c.type === 'Ready')?.reason ?? '';
            if (live && !reason.startsWith('Kubelet')) sendBack({ type: 'node.status.dirty' });
          };
          // The kubelets of one connection share the process's watch of all Nodes (own-node.ts).
          const self = cfg.sharedNodeWatch ? undefined : new Informer<Node>(deps.client, 'nodes', { fieldSelector: `metadata.name=${cfg.nodeName}`, clock, log });
          self?.on({ add: check, update: (_, n) => check(n) });
          void self?.start();
          const offShared = self ? () => {} : onOwnNode(deps.informers.get<Node>('nodes'), cfg.nodeName, check);
          receive((cmd) => {
            if (cmd.type === 'lease.start') {
              clock.clearTimeout(timer);
              cancelRenew();
              renewLoop(undefined, cmd.nodeUid, 0);
            } else
              node.writeStatus(cmd.conditions, () => own).then(
                () => live && sendBack({ type: 'node.status.written' }),
                () => live && sendBack({ type: 'node.status.failed' }),
              );
          });
          return () => {
            live = false;
            clock.clearTimeout(timer);
            cancelRenew();
            self?.stop();
            offShared();
          };
        }),
        pods: fromCallback<KubeletEvent>(({ sendBack }) => {
          const adoptable = new Map<string, ContainerInfo[]>();
          const handlers = {
            add: (pod: Pod) => {
              // A pod's containers still in the runtime from before a restart go to its new worker, once.
              const containers = adoptable.get(pod.metadata.uid!);
              adoptable.delete(pod.metadata.uid!);
              // An adopted pod's volumes are resynced again (its files brought up to date, as after any kubelet restart).
              if (containers?.length) shipper?.adopt(runtime, pod, containers, clock.now());
              if (containers?.length) volumes?.setUp(pod, () => (pod.status?.podIP ? [pod.status.podIP] : []), () => informer.get(`${pod.metadata.namespace}/${pod.metadata.name}`) ?? pod).catch((err: Error) => log.warn({ pod: pod.metadata.name, err: err.message }, 'adopted pod volumes not set up'));
              sendBack({ type: 'pod.upserted', pod, now: clock.now(), containers });
            },
            update: (old: Pod, pod: Pod) => {
              status.observed(pod);
              if (podChangeMatters(old, pod)) sendBack({ type: 'pod.upserted', pod, now: clock.now() });
            },
            delete: (pod: Pod) => sendBack({ type: 'pod.deleted', pod, now: clock.now() }),
          };
          informer.on(handlers); // replays the pods already cached
          // The runtime is listed before the first pod arrives, so a restarted kubelet adopts what runs.
          if (!started)
            void runtime
              .listContainers()
              .catch((err: Error) => (log.warn({ err: err.message }, 'runtime containers not listed; pods start afresh'), []))
              .then((list) => {
                for (const c of list) adoptable.set(c.podUid, [...(adoptable.get(c.podUid) ?? []), c]);
                return informer.start();
              })
              // Sandboxes, then volumes, of pods deleted while the kubelet was down, once it knows its pods and what still runs.
              .then(() => removeOrphanedSandboxes(runtime, () => new Set(informer.list().map((p) => p.metadata.uid!)), log).catch((err: Error) => log.warn({ err: err.message }, 'orphaned pod sandboxes not listed')))
              .then(() => volumes?.cleanupOrphans(new Set(informer.list().map((p) => p.metadata.uid!)), async (uid) => (await runtime.listContainers({ podUid: uid })).length > 0))
              .catch((err: Error) => log.warn({ err: err.message }, 'orphaned pod volumes not cleaned up'));
          started = true;
          const off = runtime.onContainerExit((exit) => runAsRoot(deps.id, () => sendBack({ type: 'container.exited', exit, now: clock.now() })));
          // A runtime that stops answering, or whose network is not ready, makes the node NotReady;
          // pods wait for the network (runtime-health.ts). Asked at once, as upstream's first updateRuntimeUp.
          const offHealth = watchRuntimeHealth(runtime, clock, (condition) => runAsRoot(deps.id, () => sendBack({ type: 'node.condition', condition })), {
            firstCheckMs: 0,
            initial: UNCHECKED_READY,
            network: (error) => runAsRoot(deps.id, () => sendBack({ type: 'network.status', error, now: clock.now() })),
          });
          return () => {
            informer.off(handlers);
            off();
            offHealth();
          };
        }),
      },
      actions: {
        forget: (_, { uid }) => {
          status.forget(uid);
          // Also covers a pod that never got a sandbox (its volumes set up, then deleted while it waited).
          volumes?.tearDown(uid).catch((err: Error) => log.warn({ pod: uid, err: err.message }, 'volume teardown failed'));
        },
        workerFailed: (_, { id, error }) => log.error({ worker: id, err: (error as Error)?.stack ?? error }, 'pod worker failed'),
      },
    });
  },
});
