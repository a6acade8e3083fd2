// `kubus node --proxy nftables` as a user runs it: nats-server, the control plane and the node
// process all run inside a network namespace of the test's own (so the node's kube-proxy programs
// that namespace's nftables, never the host's); a Service created with `kubus apply` shows up in
// its table with the node's InternalIP accepting NodePorts; SIGTERM removes the table.
import test, { type ExecutionContext } from 'ava';
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { NFT } from '../actors/proxy/nft.ts';
import { findNatsServer } from '../runtime/nats-server.ts';
import { ROOT } from './helpers/proc.ts';
import { waitFor } from './helpers/wait.ts';

const run = promisify(execFile);
const KUBUS = join(ROOT, 'bin', 'kubus');

/** Starts a command inside the netns; resolves once its output matches `ready`; killed in teardown. */
async function startIn(t: ExecutionContext, ns: string, cmd: string[], ready: RegExp) {
  const child = spawn('ip', ['netns', 'exec', ns, ...cmd], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  t.teardown(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  await waitFor(() => {
    if (child.exitCode !== null) throw new Error(`${cmd.join(' ')} exited: ${out}`);
    return ready.test(out);
  }, `${cmd[1] ?? cmd[0]} to be ready`, 30_000, 20).catch((err: Error) => Promise.reject(new Error(`${err.message}\n${out}`)));
  return { child, exited, output: () => out };
}

test('proxy node cli - kubus node --proxy nftables programs its table for a Service and removes it on SIGTERM', async (t) => {
  const ns = `kp${process.pid}cli`;
  await run('ip', ['netns', 'add', ns]);
  t.teardown(() => run('ip', ['netns', 'del', ns]).catch(() => {}));
  await run('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
  const dir = mkdtempSync(join(tmpdir(), 'kubus-proxy-cli-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const nats = ['--nats', 'nats://127.0.0.1:4222']; // the namespace's own loopback: its ports are all ours

  await startIn(t, ns, [findNatsServer()!, '-a', '127.0.0.1', '-p', '4222'], /Server is ready/);
  await startIn(t, ns, [process.execPath, KUBUS, ...nats, 'control-plane', '--log-level', 'warn'], /control plane .* running/);
  const node = await startIn(t, ns, [process.execPath, KUBUS, ...nats, 'node', '--name', 'n1', '--proxy', 'nftables', '--log-level', 'warn'], /node\(s\) .* running/);

  const manifest = join(dir, 'web.yaml');
  writeFileSync(manifest, 'apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: default}\nspec:\n  type: NodePort\n  selector: {app: web}\n  ports: [{port: 80, targetPort: 8080, nodePort: 30080}]\n');
  await run('ip', ['netns', 'exec', ns, process.execPath, KUBUS, ...nats, 'apply', '-f', manifest], { cwd: ROOT });
  const listed = async (what: string) => (await run('ip', ['netns', 'exec', ns, NFT, 'list', 'map', 'ip', 'kubus-proxy-n1', what])).stdout;
  // No pods behind it: the ClusterIP and the NodePort are rejected.
  await waitFor(async () => (await listed('no-endpoint-services')).includes('tcp . 80 : goto reject-chain'), 'the Service in the table', 20_000, 100);
  t.regex(await listed('no-endpoint-nodeports'), /tcp \. 30080 : goto reject-chain/);
  const ips = (await run('ip', ['netns', 'exec', ns, NFT, 'list', 'set', 'ip', 'kubus-proxy-n1', 'nodeport-ips'])).stdout;
  t.regex(ips, /elements = \{ \d+\.\d+\.\d+\.\d+ \}/, "the node's InternalIP accepts NodePorts");

  node.child.kill('SIGTERM');
  await node.exited;
  t.is((await run('ip', ['netns', 'exec', ns, NFT, 'list', 'tables'])).stdout.trim(), '', 'the table went with the node process');
});
