// Masquerading of a node's pod traffic that leaves the cluster's pod network, as flannel and
// upstream's kubenet do (their non-masquerade CIDR is the cluster CIDR): pods reach other nodes'
// pods with their own IPs (the network model: no NAT between pods), the world with the node's.
// The CNI bridge plugin's own ipMasq cannot spare other nodes' CIDRs, so the conflist turns it
// off and this keeps an nftables table of its own, `ip kubus-masq-<node>`, removed on stop.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { Logger } from '../../../bus/types.ts';

/** nft's path: the system's own first (npm's bin dir on PATH may hold an unrelated `nft`). */
const NFT = ['/usr/sbin/nft', '/sbin/nft', '/usr/bin/nft'].find((p) => existsSync(p)) ?? 'nft';

/** Runs an nft script (`nft -f -`); rejects with nft's first line of stderr. */
export type NftScriptRunner = (script: string) => Promise<void>;

const runNft: NftScriptRunner = (script) =>
  new Promise((resolve, reject) => {
    const child = spawn(NFT, ['-f', '-'], { stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', (err) => reject(new Error(`could not run ${NFT}: ${err.message}`)));
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`nft exited with ${code}: ${stderr.trim().split('\n')[0] ?? ''}`))));
    child.stdin.on('error', () => {}); // nft may exit before reading everything; 'close' reports it
    child.stdin.end(script);
  });

const v4 = (cidrs: string[]) => [...new Set(cidrs.filter((c) => !c.includes(':')))].sort();

/** The table's name for a node. */
export const masqTable = (nodeName: string) => `kubus-masq-${nodeName}`;

/** Returns the nft script that (re)creates the node's table: its pods' packets to anywhere but a pod CIDR of the cluster (or multicast) leave as the node's. */
export function masqScript(nodeName: string, own: string[], all: string[]): string {
  const table = masqTable(nodeName);
  const rule = `ip saddr { ${v4(own).join(', ')} } ip daddr != { ${v4([...all, ...own, '224.0.0.0/4']).join(', ')} } masquerade`;
  return [`table ip ${table}`, `delete table ip ${table}`, `table ip ${table} {`, '  chain postrouting {', '    type nat hook postrouting priority srcnat; policy accept;', `    ${rule}`, '  }', '}', ''].join('\n');
}

/** One node's masquerade table, kept in line with the cluster's pod CIDRs. */
export class PodMasquerade {
  private readonly run: NftScriptRunner;
  private last = '';

  constructor(private readonly o: { nodeName: string; log?: Logger; run?: NftScriptRunner }) {
    this.run = o.run ?? runNft;
  }

  /** Writes the table for the node's own CIDRs and every node's (unchanged: nothing to do). */
  async sync(own: string[], all: string[]): Promise<void> {
    if (!v4(own).length) return;
    const script = masqScript(this.o.nodeName, own, all);
    if (script === this.last) return;
    await this.run(script);
    this.last = script;
  }

  /** Removes the table (if it was made). */
  async clear(): Promise<void> {
    if (!this.last) return;
    const table = masqTable(this.o.nodeName);
    await this.run(`table ip ${table}\ndelete table ip ${table}\n`);
    this.last = '';
  }
}
