// The pod network's masquerade table: a node's pods leave as the node only towards addresses
// outside every pod CIDR of the cluster (pods reach other nodes' pods with their own IPs).
import test from 'ava';
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { masqScript, masqTable, PodMasquerade } from '../actors/kubelet/cni/pod-masq.ts';

const run = promisify(execFile);
const NFT = '/usr/sbin/nft';

test('pod masq - the script: own IPv4 CIDRs masqueraded unless towards a cluster pod CIDR or multicast, IPv6 left out', (t) => {
  const script = masqScript('n1', ['10.244.1.0/24', 'fd00::/64'], ['10.244.0.0/24', '10.244.1.0/24']);
  t.true(script.startsWith('table ip kubus-masq-n1\ndelete table ip kubus-masq-n1\n'), 'replaces the table in one transaction');
  t.regex(script, /type nat hook postrouting priority srcnat; policy accept;/);
  t.regex(script, /ip saddr \{ 10\.244\.1\.0\/24 \} ip daddr != \{ 10\.244\.0\.0\/24, 10\.244\.1\.0\/24, 224\.0\.0\.0\/4 \} masquerade/);
  t.false(script.includes('fd00'));
});

test('pod masq - sync writes only on a change, nothing without an IPv4 CIDR; clear removes the table once', async (t) => {
  const scripts: string[] = [];
  const masq = new PodMasquerade({ nodeName: 'n1', run: async (s) => void scripts.push(s) });
  await masq.sync([], ['10.244.0.0/24']);
  t.is(scripts.length, 0);
  await masq.sync(['10.244.1.0/24'], ['10.244.0.0/24', '10.244.1.0/24']);
  await masq.sync(['10.244.1.0/24'], ['10.244.1.0/24', '10.244.0.0/24']);
  t.is(scripts.length, 1, 'the same CIDRs in another order: no change');
  await masq.sync(['10.244.1.0/24'], ['10.244.0.0/24', '10.244.1.0/24', '10.244.2.0/24']);
  t.is(scripts.length, 2, 'a new node');
  await masq.clear();
  await masq.clear();
  t.is(scripts.length, 3);
  t.is(scripts[2], `table ip ${masqTable('n1')}\ndelete table ip ${masqTable('n1')}\n`);
});

test('pod masq - nft takes the table in a network namespace of the test, and clear removes it', async (t) => {
  const ns = `kubus-masq-${process.pid}`;
  await run('ip', ['netns', 'add', ns]);
  t.teardown(() => run('ip', ['netns', 'del', ns]).catch(() => {}));
  const inNs = (script: string) =>
    new Promise<void>((resolve, reject) => {
      const child = spawn('ip', ['netns', 'exec', ns, NFT, '-f', '-'], { stdio: ['pipe', 'ignore', 'pipe'] });
      let err = '';
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(err))));
      child.stdin.end(script);
    });
  const masq = new PodMasquerade({ nodeName: 'n1', run: inNs });
  await masq.sync(['10.244.1.0/24'], ['10.244.0.0/24', '10.244.1.0/24']);
  const listed = (await run('ip', ['netns', 'exec', ns, NFT, 'list', 'table', 'ip', 'kubus-masq-n1'])).stdout;
  // nft merges the adjacent /24s into one /23.
  t.regex(listed, /ip saddr 10\.244\.1\.0\/24 ip daddr != \{ 10\.244\.0\.0\/23, 224\.0\.0\.0\/4 \} masquerade/);
  await masq.sync(['10.244.1.0/24'], ['10.244.0.0/24', '10.244.1.0/24', '10.244.2.0/24']);
  t.regex((await run('ip', ['netns', 'exec', ns, NFT, 'list', 'table', 'ip', 'kubus-masq-n1'])).stdout, /10\.244\.0\.0-10\.244\.2\.255/, 'replaced (merged into a range)');
  await masq.clear();
  t.is((await run('ip', ['netns', 'exec', ns, NFT, 'list', 'tables'])).stdout.trim(), '');
});
