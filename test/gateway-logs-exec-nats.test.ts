// kubectl logs and exec across real processes: the gateway in a control-plane process and the
// kubelet in a node process, over a real nats-server (the messages cross NATS, not the MemoryBus).
import test from 'ava';
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { natsServer } from './helpers/nats.ts';
import { KUBECTL, startKubus } from './helpers/proc.ts';
import { waitFor } from './helpers/wait.ts';

test('gateway logs over NATS - kubectl logs, logs -f and exec reach a kubelet in another process', async (t) => {
  const nats = await natsServer(t);
  const home = mkdtempSync(join(tmpdir(), 'kubus-logs-nats-'));
  t.teardown(() => rmSync(home, { recursive: true, force: true }));
  const cp = startKubus(t, ['--nats', nats.url, 'control-plane', '--actors', 'apiserver,gateway', '--insecure-http', '--http-address', '127.0.0.1:0', '--log-level', 'warn'], { KUBUS_HOME: home });
  const [, url] = await cp.waitFor(/Kubernetes API at (http:\/\/127\.0\.0\.1:\d+);/);
  const node = startKubus(t, ['--nats', nats.url, 'node', '--name', 'w', '--log-level', 'warn'], { KUBUS_HOME: home });
  await node.waitFor(/node\(s\) .* running/);
  const kubectl = (args: string[], stdin?: string) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      const child = execFile(KUBECTL, ['--server', url, '--cache-dir', join(home, 'cache'), ...args], { env: { PATH: process.env.PATH, HOME: home }, timeout: 20_000 }, (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
      if (stdin !== undefined) child.stdin!.end(stdin);
    });
  const nodeName = await waitFor(async () => (await kubectl(['get', 'nodes', '-o', 'jsonpath={.items[0].metadata.name}'])).stdout, 'a node registered', 20_000, 100);
  const pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p', namespace: 'default', annotations: { 'sim.kubus.io/log-lines': 'over nats' } },
    spec: { nodeName, containers: [{ name: 'c', image: 'app:1' }] },
  };
  writeFileSync(join(home, 'pod.yaml'), stringify(pod));
  t.is((await kubectl(['create', '--validate=false', '-f', join(home, 'pod.yaml')])).code, 0);
  await waitFor(async () => (await kubectl(['get', 'pod', 'p', '-o', 'jsonpath={.status.phase}'])).stdout === 'Running', 'pod p Running', 20_000, 100);
  const logs = await kubectl(['logs', 'p']);
  t.is(logs.stdout, '[sim] container c started (attempt 0)\nover nats\n', logs.stderr);
  const exec = await kubectl(['exec', 'p', '--', 'sh', '-c', 'echo hello']);
  t.is(exec.stdout, 'hello\n', exec.stderr);
  const nope = await kubectl(['exec', 'p', '--', 'nope']);
  t.is(nope.code, 127);
  // Deleting the pod stops its container: the follow ends with the exit line.
  const follow = spawn(KUBECTL, ['--server', url, '--cache-dir', join(home, 'cache'), 'logs', '-f', 'p'], { env: { PATH: process.env.PATH, HOME: home }, stdio: ['ignore', 'pipe', 'inherit'] });
  t.teardown(() => follow.exitCode === null && follow.kill('SIGKILL'));
  let out = '';
  follow.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise((resolve) => follow.on('exit', resolve));
  await waitFor(() => out.includes('over nats'), 'the follow began', 20_000);
  t.is((await kubectl(['delete', 'pod', 'p', '--wait=false'])).code, 0);
  t.is(await exited, 0);
  t.regex(out, /over nats\n\[sim\] container c received SIGTERM\n\[sim\] container c exited with code 0 \(Completed\)\n$/);
});
