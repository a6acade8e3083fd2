// Streaming exec against a real containerd (CRI Exec's streaming server, relayed by the kubelet over
// the bus): kubectl exec with stdin and exit codes, kubectl attach, `kubus exec` (also -it, driven
// through a pipe, and in a real pty made by util-linux script), `kubus logs` for a pod, a deployment and a job, and
// `kubus port-forward` (CRI PortForward). hostNetwork pods, no CNI.
import test from 'ava';
import { execFile, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { freePort, startContainerdCluster } from './helpers/containerd-node.ts';
import { KUBECTL, ROOT, runKubus, startKubus } from './helpers/proc.ts';
import { waitFor } from './helpers/wait.ts';

test('e2e containerd exec - kubectl exec -i and exit codes, kubectl attach -i, kubus exec (-i, -it, resize), kubus logs pod/deploy/job, kubus port-forward', async (t) => {
  const { natsUrl, home, env, url, name, node, kubectl } = await startContainerdCluster(t, 'cri-exec', 'apiserver,scheduler,controller-manager,gateway');
  const kubus = (args: string[], input?: string) => runKubus(['--nats', natsUrl, ...args], { input, env });
  const apply = async (obj: object, file: string) => {
    writeFileSync(join(home, file), stringify(obj));
    const r = await kubectl(['apply', '-f', join(home, file)]);
    t.is(r.code, 0, r.stderr);
  };
  const spec = (command: string) => ({ hostNetwork: true, terminationGracePeriodSeconds: 1, containers: [{ name: 'c', image: 'busybox', imagePullPolicy: 'Never', command: ['sh', '-c', command] }] });

  await apply({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'shell', namespace: 'default' }, spec: { ...spec('echo one; echo two; echo three; exec sleep 3600'), nodeName: name } }, 'shell.yaml');
  await waitFor(async () => (await kubectl(['get', 'pod', 'shell', '-o', 'jsonpath={.status.phase}'])).stdout === 'Running', 'pod shell Running', 60_000, 200);

  // kubectl exec: stdin piped in reaches the command; exit codes come back from the error channel.
  const read = await kubectl(['exec', '-i', 'shell', '--', 'sh', '-c', 'read a; read b; echo "got $a $b"; echo oops >&2'], 'hello\nworld\n');
  t.is(read.stdout, 'got hello world\n', read.stderr);
  t.is(read.stderr, 'oops\n');
  const failed = await kubectl(['exec', 'shell', '--', 'sh', '-c', 'exit 7']);
  t.is(failed.code, 7);
  t.regex(failed.stderr, /command terminated with exit code 7/);
  const missing = await kubectl(['exec', 'shell', '--', 'no-such-binary']);
  t.not(missing.code, 0);
  t.regex(missing.stderr, /no-such-binary/);

  // kubus exec over the bus.
  const hi = await kubus(['exec', 'shell', '--', 'echo', 'hi']);
  t.deepEqual([hi.code, hi.stdout], [0, 'hi\n'], hi.stderr);
  const three = await kubus(['exec', 'shell', '--', 'sh', '-c', 'echo err >&2; exit 3']);
  t.deepEqual([three.code, three.stderr], [3, 'err\n']);
  const piped = await kubus(['exec', '-i', 'shell', '--', 'sh', '-c', 'read l; echo "got $l"'], 'line\n');
  t.deepEqual([piped.code, piped.stdout], [0, 'got line\n'], piped.stderr);
  // -it with a pipe for stdin (no pty here): the shell gets a terminal, its end of input is ^D.
  const it = await kubus(['exec', '-it', 'shell', '--', 'sh'], 'echo $((6*7))\nexit 5\n');
  t.is(it.code, 5, it.stderr);
  t.regex(it.stdout, /\r\n42\r\n/);
  // The terminal's size reaches the container's pty (a pipe has none: 80x24, as sent on the resize channel).
  const size = await kubus(['exec', '-it', 'shell', '--', 'sh'], 'stty size\nexit\n');
  t.regex(size.stdout, /\r\n24 80\r\n/, size.stderr);
  // A real pty (util-linux script): kubectl exec -it and kubus exec -it put it in raw mode; the shell's exit code comes back.
  const inPty = (cmd: string[], input: string) =>
    new Promise<{ code: number; stdout: string }>((resolve) => {
      const child = execFile('script', ['-qfec', cmd.map((a) => `'${a}'`).join(' '), '/dev/null'], { env: { PATH: process.env.PATH, HOME: home, KUBUS_HOME: home }, timeout: 30_000 }, (err, stdout) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout }),
      );
      child.stdin!.end(input);
    });
  for (const cmd of [
    [KUBECTL, '--server', url, '--cache-dir', join(home, 'cache'), 'exec', '-it', 'shell', '--', 'sh'],
    [process.execPath, join(ROOT, 'bin', 'kubus'), '--nats', natsUrl, 'exec', '-it', 'shell', '--', 'sh'],
  ]) {
    const r = await inPty(cmd, 'echo $((6*7)); tty\nexit 3\n');
    t.is(r.code, 3, r.stdout);
    // The outer pty turns the container's \r\n into \r\r\n.
    t.regex(r.stdout, /\n42\r+\n\/dev\/pts\/\d+\r+\n/, 'the command ran with a terminal of its own');
  }
  const eof = await kubus(['exec', '-it', 'shell', '--', 'sh'], 'echo bye\n');
  t.is(eof.code, 0, 'the end of the piped input ends the shell (^D)');
  t.regex(eof.stdout, /bye\r\n/);

  // kubectl attach -i to a container that keeps its stdin open: what is typed reaches its process, its output comes back.
  const reader = { ...spec('while read l; do echo "got $l"; done'), nodeName: name };
  reader.containers[0] = { ...reader.containers[0], stdin: true } as (typeof reader.containers)[0];
  await apply({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'reader', namespace: 'default' }, spec: reader }, 'reader.yaml');
  await waitFor(async () => (await kubectl(['get', 'pod', 'reader', '-o', 'jsonpath={.status.phase}'])).stdout === 'Running', 'pod reader Running', 60_000, 200);
  const attach = spawn(KUBECTL, ['--server', url, '--cache-dir', join(home, 'cache'), 'attach', '-i', 'reader'], { env: { PATH: process.env.PATH, HOME: home } });
  t.teardown(() => attach.kill('SIGKILL'));
  let attached = '';
  attach.stdout.on('data', (d: Buffer) => (attached += d.toString()));
  attach.stdin.write('ping\n');
  await waitFor(() => attached.includes('got ping\n'), 'the attached container answers', 20_000, 100);
  attach.kill('SIGKILL');

  // kubus logs: a pod (--tail), a deployment's pod and a job's pod.
  const tail = await kubus(['logs', 'shell', '--tail', '2']);
  t.deepEqual([tail.code, tail.stdout], [0, 'two\nthree\n'], tail.stderr);
  t.is((await kubus(['logs', 'pod/shell'])).stdout, 'one\ntwo\nthree\n');
  const labels = { app: 'web' };
  await apply({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'default' }, spec: { replicas: 1, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: spec('echo from deploy; exec sleep 3600') } } }, 'web.yaml');
  // Waited for with kubectl (a Go binary: ~0.1 s of CPU a run, where each `kubus` start costs ~1 s), then read once with kubus.
  await waitFor(async () => (await kubectl(['logs', 'deploy/web'])).stdout === 'from deploy\n', 'kubectl logs deploy/web', 60_000, 300);
  const deployed = await kubus(['logs', 'deploy/web']);
  t.deepEqual([deployed.code, deployed.stdout], [0, 'from deploy\n'], deployed.stderr);
  await apply({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'once', namespace: 'default' }, spec: { backoffLimit: 0, template: { spec: { ...spec('echo job done'), restartPolicy: 'Never' } } } }, 'job.yaml');
  await waitFor(async () => (await kubectl(['logs', 'job/once'])).stdout === 'job done\n', 'kubectl logs job/once', 60_000, 300);
  const done = await kubus(['logs', 'job/once']);
  t.deepEqual([done.code, done.stdout], [0, 'job done\n'], done.stderr);
  const none = await kubus(['logs', 'job/nope']);
  t.is(none.code, 1);
  t.regex(none.stderr, /jobs.* "nope" not found/);

  // kubus port-forward: a local port reaches busybox httpd listening on the pod's loopback, through CRI PortForward.
  const remote = await freePort();
  const started = await kubus(['exec', 'shell', '--', 'sh', '-c', `mkdir -p /www && echo forwarded > /www/index.html && httpd -p 127.0.0.1:${remote} -h /www`]);
  t.is(started.code, 0, started.stderr);
  const pf = startKubus(t, ['--nats', natsUrl, 'port-forward', 'shell', `:${remote}`], env);
  const [, local] = await pf.waitFor(/Forwarding from 127\.0\.0\.1:(\d+) -> /);
  for (let i = 0; i < 2; i++) t.is(await (await fetch(`http://127.0.0.1:${local}/`)).text(), 'forwarded\n', 'each connection its own stream');
  await pf.kill('SIGINT');
  // kubectl port-forward: its WebSocket tunnel is refused, it falls back to SPDY/3.1, which the gateway serves.
  const kpf = spawn(KUBECTL, ['--server', url, '--cache-dir', join(home, 'cache'), 'port-forward', 'pod/shell', `:${remote}`], { env: { PATH: process.env.PATH, HOME: home } });
  t.teardown(() => kpf.kill('SIGKILL'));
  let kpfOut = '';
  kpf.stdout.on('data', (d: Buffer) => (kpfOut += d.toString()));
  kpf.stderr.on('data', (d: Buffer) => (kpfOut += d.toString()));
  await waitFor(() => /Forwarding from 127\.0\.0\.1:\d+ -> /.test(kpfOut), 'kubectl port-forward listening', 20_000, 100);
  const kLocal = /Forwarding from 127\.0\.0\.1:(\d+) -> /.exec(kpfOut)![1];
  for (let i = 0; i < 2; i++) t.is(await (await fetch(`http://127.0.0.1:${kLocal}/`)).text(), 'forwarded\n', kpfOut);
  kpf.kill('SIGINT');
  const plain = await fetch(`${url}/api/v1/namespaces/default/pods/shell/portforward`, { method: 'POST' });
  t.like(await plain.json(), { code: 400, reason: 'BadRequest', message: 'Upgrade request required' });

  for (const [kind, n] of [['deployment', 'web'], ['job', 'once'], ['pod', 'shell']]) await kubectl(['delete', kind, n, '--wait=false']);
  await node.kill('SIGTERM');
});
