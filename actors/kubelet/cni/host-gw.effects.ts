// host-gw routing, carried out with iproute2 (`ip`), optionally inside a network namespace:
// reads the kernel's routes and local addresses, applies a plan from host-gw.plan.ts, and
// removes every kubus route on stop. Never touches a route it did not add.
import { execFile } from 'node:child_process';
import type { Node } from '../../../api/kinds/node.ts';
import type { Logger } from '../../../bus/types.ts';
import { desiredRoutes, KUBUS_ROUTE_PROTO, parseIpRoutes, planRoutes, type KernelRoute, type RoutePlan } from './host-gw.plan.ts';

/** Runs `ip` with arguments and resolves with its stdout. */
export type IpRunner = (args: string[]) => Promise<string>;

/** Thrown when an `ip` command fails; carries its stderr. */
export class IpCommandError extends Error {
  override name = 'IpCommandError';
}

/** Returns a runner of `ip` (in `netns` when given: `ip -n NS ...`). */
export function ipRunner(netns?: string, timeoutMs = 10_000): IpRunner {
  const pre = netns ? ['-n', netns] : [];
  return (args) =>
    new Promise((resolve, reject) => {
      execFile('ip', [...pre, ...args], { timeout: timeoutMs }, (err, stdout, stderr) => {
        if (err) reject(new IpCommandError(`ip ${[...pre, ...args].join(' ')}: ${stderr.trim() || err.message}`));
        else resolve(stdout);
      });
    });
}

export interface HostGwOptions {
  /** A network namespace to work in (tests); default the host's. */
  netns?: string;
  proto?: number;
  log?: Logger;
  /** Replaces the `ip` runner (tests). */
  ip?: IpRunner;
}

/** One node's host-gw routes: sync them to the cluster's nodes, clear its own on stop. */
export class HostGwRoutes {
  private readonly ip: IpRunner;
  private readonly proto: number;
  /** The CIDRs this instance keeps routed: clear() removes only these (another node process of the host keeps its own). */
  private kept = new Set<string>();

  constructor(private readonly opts: HostGwOptions = {}) {
    this.ip = opts.ip ?? ipRunner(opts.netns);
    this.proto = opts.proto ?? KUBUS_ROUTE_PROTO;
  }

  /** Returns the main table's IPv4 and IPv6 routes. */
  async routes(): Promise<KernelRoute[]> {
    const [v4, v6] = await Promise.all([this.ip(['-j', '-4', 'route', 'show', 'table', 'main']), this.ip(['-j', '-6', 'route', 'show', 'table', 'main'])]);
    return [...parseIpRoutes(v4), ...parseIpRoutes(v6)];
  }

  /** Returns this host's (or namespace's) own addresses. */
  async localAddresses(): Promise<string[]> {
    const links = JSON.parse((await this.ip(['-j', 'addr', 'show'])) || '[]') as Array<{ addr_info?: Array<{ local?: string }> }>;
    return links.flatMap((l) => (l.addr_info ?? []).map((a) => a.local).filter((a): a is string => !!a));
  }

  /** Brings the routes to what `nodes` need for node `self`; returns what it did. Routes that fail are logged and left for the next sync. */
  async sync(nodes: Node[], self: string): Promise<RoutePlan> {
    const [current, local] = await Promise.all([this.routes(), this.localAddresses()]);
    const desired = desiredRoutes(nodes, self, local);
    const plan = planRoutes(desired, current, this.proto);
    for (const c of plan.conflicts) this.opts.log?.warn({ dst: c.route.dst, node: c.route.node, existing: c.existing }, 'pod CIDR already routed by someone else; not replaced');
    for (const r of plan.remove) await this.run(['route', 'del', r.dst, 'proto', String(this.proto)]);
    for (const r of plan.replace) await this.run(['route', 'replace', r.dst, 'via', r.via, 'proto', String(this.proto)]);
    const conflicted = new Set(plan.conflicts.map((c) => c.route.dst));
    this.kept = new Set(desired.filter((d) => !conflicted.has(d.dst)).map((d) => d.dst));
    return plan;
  }

  /** Removes the kubus routes this instance keeps. */
  async clear(): Promise<void> {
    const ours = (await this.routes()).filter((x) => x.protocol === String(this.proto) && this.kept.has(x.dst));
    for (const r of ours) await this.run(['route', 'del', r.dst, 'proto', String(this.proto)]);
    this.kept.clear();
  }

  /** Runs a route change; a failure is logged and left for the next sync. */
  private async run(args: string[]): Promise<void> {
    try {
      await this.ip(args);
    } catch (err) {
      this.opts.log?.error({ err: (err as Error).message }, 'route change failed');
    }
  }
}
