// A node's pod network, kept up to date from the Node informer: once the node has its pod
// CIDR(s) (from the node IPAM controller), the CNI conflist goes into the runtime's conf dir
// (atomically; containerd picks it up), and host-gw routes follow every other node. Syncs are
// serialised and coalesced; stop() removes the routes kubus added.
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Node } from '../../../api/kinds/node.ts';
import type { Lister } from '../../../bus/indexer.ts';
import type { InformerHandlers } from '../../../bus/informer.ts';
import type { Logger } from '../../../bus/types.ts';
import { CNI_CONF_FILE, cniConfList, type CniNodeConfig } from './cni-config.ts';
import type { HostGwRoutes } from './host-gw.effects.ts';
import type { PodMasquerade } from './pod-masq.ts';

/** The Node informer as the pod network uses it. */
export interface NodeSource extends Pick<Lister<Node>, 'get' | 'list'> {
  on(h: InformerHandlers<Node>): unknown;
  off(h: InformerHandlers<Node>): void;
}

export interface PodNetworkOptions {
  nodeName: string;
  /** The CNI conf dir the runtime reads (containerd's `conf_dir`). */
  confDir: string;
  nodes: NodeSource;
  /** host-gw routes; undefined: none (one node, or routes made elsewhere). */
  routes?: HostGwRoutes;
  /** Masquerades pod traffic leaving the cluster's pod CIDRs (the conflist's own ipMasq is then off); undefined: the bridge plugin's ipMasq. */
  masquerade?: PodMasquerade;
  /** Extra conflist settings (bridge name, ipMasq, MTU). */
  cni?: Omit<CniNodeConfig, 'nodeName' | 'podCIDRs'>;
  log: Logger;
}

const cidrsOf = (n: Node | undefined) => n?.spec?.podCIDRs ?? (n?.spec?.podCIDR ? [n.spec.podCIDR] : []);

/** Keeps one node's CNI config and routes in line with the cluster's Nodes. */
export class PodNetwork {
  private readonly handlers: InformerHandlers<Node>;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  private readyWaiters: Array<() => void> = [];
  /** The pod CIDRs the written conflist holds ('' before the first write). */
  written = '';

  constructor(private readonly o: PodNetworkOptions) {
    const kick = () => this.kick();
    this.handlers = { add: kick, update: kick, delete: kick };
  }

  /** Starts following the Nodes (the cached ones count as a first change). */
  start(): void {
    this.o.nodes.on(this.handlers);
    this.kick();
  }

  /** Resolves once the conflist has been written (the node has a pod CIDR). */
  ready(): Promise<void> {
    return this.written ? Promise.resolve() : new Promise((r) => this.readyWaiters.push(r));
  }

  /** Stops following and removes the routes kubus added (the conflist stays: sandboxes still use it). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.o.nodes.off(this.handlers);
    await this.running;
    await this.o.routes?.clear().catch((err: Error) => this.o.log.error({ err: err.message }, 'removing host-gw routes failed'));
    await this.o.masquerade?.clear().catch((err: Error) => this.o.log.error({ err: err.message }, 'removing the masquerade table failed'));
  }

  /** Asks for a sync: one at a time, and one more if something changed meanwhile. */
  private kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.sync()
      .catch((err: Error) => this.o.log.error({ err: err.message }, 'pod network sync failed'))
      .finally(() => {
        this.running = undefined;
        if (this.again && !this.stopped) {
          this.again = false;
          this.kick();
        }
      });
  }

  private async sync(): Promise<void> {
    const self = this.o.nodes.get(this.o.nodeName);
    const cidrs = cidrsOf(self);
    // Before the conflist, so pods' traffic leaves masqueraded from the start. A failure (no nft?) costs
    // pods only their way out of the cluster: logged, retried at the next sync, and the conflist still goes.
    await this.o.masquerade?.sync(cidrs, this.o.nodes.list().flatMap(cidrsOf)).catch((err: Error) => this.o.log.error({ err: err.message }, 'pod masquerade table not written'));
    if (cidrs.length && cidrs.join(',') !== this.written) {
      const ipMasq = this.o.masquerade ? false : this.o.cni?.ipMasq;
      await this.writeConf(JSON.stringify(cniConfList({ ...this.o.cni, ipMasq, nodeName: this.o.nodeName, podCIDRs: cidrs }), null, 2) + '\n');
      this.written = cidrs.join(',');
      this.o.log.info({ podCIDRs: cidrs }, 'CNI configuration written');
      for (const r of this.readyWaiters.splice(0)) r();
    }
    if (this.o.routes) await this.o.routes.sync(this.o.nodes.list(), this.o.nodeName);
  }

  /** Writes the conflist through a temporary file and a rename, so the runtime never reads half of it. */
  private async writeConf(text: string): Promise<void> {
    const path = join(this.o.confDir, CNI_CONF_FILE);
    if ((await readFile(path, 'utf8').catch(() => '')) === text) return;
    await mkdir(this.o.confDir, { recursive: true });
    await writeFile(`${path}.tmp`, text);
    await rename(`${path}.tmp`, path);
  }
}
