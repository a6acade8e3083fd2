// The real kubectl's logs and exec against sim pods, through the gateway and the bus to the
// kubelet of the pod's node (a sim kubelet on the real clock in this process).
import test from 'ava';
import { gatewayActor } from '../actors/gateway/gateway.actor.ts';
import { kubeletActor } from '../actors/kubelet/kubelet.actor.ts';
import type { Pod } from '../api/kinds/pod.ts';
import type { KubeObject } from '../api/meta.ts';
import { nodeLogsStop } from '../bus/subjects.ts';
import { WebSocket } from 'ws';
import { startGateway, type GatewayEnv } from './helpers/gateway.ts';
import { waitFor } from './helpers/wait.ts';

/** A gateway plus one sim node `n1` whose kubelet runs in its own "process". */
async function cluster(t: Parameters<typeof startGateway>[0]): Promise<GatewayEnv> {
  const g = await startGateway(t);
  g.process('node/n1').start(kubeletActor, 'kubelet/n1', { nodeName: 'n1', events: false });
  await waitFor(() => g.client.get('nodes', 'n1').catch(() => undefined), 'node n1 registered');
  return g;
}

const simPod = (name: string, annotations: Record<string, string>, containers = [{ name: 'c', image: 'app:1' }]): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'default', annotations },
  spec: { nodeName: 'n1', containers },
});

const running = (g: GatewayEnv, name: string, restarts = 0) =>
  waitFor(async () => {
    const p = await g.client.get<Pod>('pods', name, { namespace: 'default' });
    return p.status?.containerStatuses?.every((s) => s.state?.running && (s.restartCount ?? 0) >= restarts);
  }, `pod ${name} running`);

test('gateway logs - kubectl logs: start line, user lines, --tail, --timestamps, -c and the several-containers error', async (t) => {
  const g = await cluster(t);
  await g.client.create('pods', simPod('p', { 'sim.kubus.io/log-lines': 'hello\nworld\n' }));
  await running(g, 'p');
  const all = await g.kubectl(['logs', 'p']);
  t.is(all.code, 0, all.stderr);
  t.is(all.stdout, '[sim] container c started (attempt 0)\nhello\nworld\n');
  const tail = await g.kubectl(['logs', 'p', '--tail', '2']);
  t.is(tail.stdout, 'hello\nworld\n');
  const ts = await g.kubectl(['logs', 'p', '--timestamps', '--tail=1']);
  t.regex(ts.stdout, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z world\n$/);

  await g.client.create('pods', simPod('two', { 'sim.kubus.io/b.log-lines': 'from b' }, [{ name: 'a', image: 'app:1' }, { name: 'b', image: 'app:1' }]));
  await running(g, 'two');
  const b = await g.kubectl(['logs', 'two', '-c', 'b']);
  t.is(b.stdout, '[sim] container b started (attempt 0)\nfrom b\n');
  // kubectl itself defaults to the first container; the API's own answer names them all.
  const raw = await g.kubectl(['get', '--raw', '/api/v1/namespaces/default/pods/two/log']);
  t.not(raw.code, 0);
  t.regex(raw.stderr, /a container name must be specified for pod two, choose one of: \[a b\]/);
  const bad = await g.kubectl(['logs', 'two', '-c', 'zz']);
  t.regex(bad.stderr, /container zz is not valid for pod two/);
  const missing = await g.kubectl(['logs', 'nope']);
  t.regex(missing.stderr, /pods "nope" not found/);
  t.is((await g.kubectl(['logs', 'p', '--since=1h'])).stdout, all.stdout);
  t.is((await g.kubectl(['logs', 'p', '--since-time=2099-01-01T00:00:00Z'])).stdout, '');
  t.is((await g.kubectl(['logs', 'p', '--limit-bytes=5'])).stdout, '[sim]');

  await g.client.create('pods', simPod('slow', { 'sim.kubus.io/start-delay': '1h' }));
  await waitFor(async () => (await g.client.get<Pod>('pods', 'slow', { namespace: 'default' })).status?.containerStatuses?.[0]?.state?.waiting, 'pod slow waiting');
  const waiting = await g.kubectl(['logs', 'slow']);
  t.regex(waiting.stderr, /Error from server \(BadRequest\): container "c" in pod "slow" is waiting to start: ContainerCreating/);
});

test('gateway logs - kubectl logs -f sees lines written later and ends when the container exits', async (t) => {
  const g = await cluster(t);
  await g.client.create('pods', { ...simPod('f', { 'sim.kubus.io/log-lines': 'tick\ntock', 'sim.kubus.io/log-every': '300ms', 'sim.kubus.io/exit-after': '2s' }), spec: { nodeName: 'n1', restartPolicy: 'Never', containers: [{ name: 'c', image: 'app:1' }] } });
  await running(g, 'f');
  const child = g.spawnKubectl(['logs', '-f', 'f']);
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  await waitFor(() => out.includes('tock\ntick\n'), 'lines written after the follow began', 5000);
  t.is(await exited, 0, 'kubectl logs -f ends when the container exits');
  t.regex(out, /^\[sim\] container c started \(attempt 0\)\ntick\ntock\ntick\n/);
  t.regex(out, /\[sim\] container c exited with code 0 \(Completed\)\n$/);
});

test('gateway logs - kubectl logs -f ends when kubectl is killed; --previous shows the run before a restart', async (t) => {
  const g = await cluster(t);
  await g.client.create('pods', simPod('r', { 'sim.kubus.io/crash-loop': '1' }));
  await running(g, 'r', 1);
  const prev = await g.kubectl(['logs', 'r', '--previous']);
  t.is(prev.code, 0, prev.stderr);
  t.is(prev.stdout, '[sim] container r started (attempt 0)\n[sim] container r exited with code 1 (Error)\n'.replaceAll('container r', 'container c'));
  const cur = await g.kubectl(['logs', 'r']);
  t.is(cur.stdout, '[sim] container c started (attempt 1)\n');

  await g.client.create('pods', simPod('q', {}));
  await running(g, 'q');
  const none = await g.kubectl(['logs', 'q', '-p']);
  t.regex(none.stderr, /previous terminated container "c" in pod "q" not found/);
  const child = g.spawnKubectl(['logs', '-f', 'q']);
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  await waitFor(() => out.includes('started'), 'the follow began');
  // The gateway tells the kubelet to stop sending when the client leaves.
  const stops: unknown[] = [];
  g.client.bus.subscribe(nodeLogsStop('n1'), (m) => stops.push(m.data));
  await g.client.bus.flush();
  child.kill('SIGTERM');
  await waitFor(() => stops.length === 1, 'the follow stopped at the kubelet');
  t.regex((stops[0] as { follow: string }).follow, /^kubus\.logs\./);
});

test('gateway exec - kubectl exec runs the sim commands over WebSocket; a missing binary fails as under runc', async (t) => {
  const g = await cluster(t);
  await g.client.create('pods', { ...simPod('e', {}), spec: { nodeName: 'n1', hostname: 'box', containers: [{ name: 'c', image: 'app:1', env: [{ name: 'GREETING', value: 'hi' }] }] } });
  await running(g, 'e');
  const echo = await g.kubectl(['exec', '-v=6', 'e', '--', 'echo', 'hi', 'there']);
  t.is(echo.code, 0, echo.stderr);
  t.is(echo.stdout, 'hi there\n');
  t.regex(echo.stderr, /GET http:\/\/\S+\/api\/v1\/namespaces\/default\/pods\/e\/exec\?command=echo&command=hi&command=there&container=c&stderr=true&stdout=true 101 Switching Protocols/);
  t.is((await g.kubectl(['exec', 'e', '--', 'hostname'])).stdout, 'box\n');
  t.is((await g.kubectl(['exec', 'e', '--', 'cat', '/etc/hostname'])).stdout, 'box\n');
  t.regex((await g.kubectl(['exec', 'e', '--', 'env'])).stdout, /^GREETING=hi$/m);
  t.is((await g.kubectl(['exec', 'e', '--', 'sh', '-c', 'echo "a  b"'])).stdout, 'a  b\n');
  const no = await g.kubectl(['exec', 'e', '--', 'false']);
  t.is(no.code, 1);
  t.regex(no.stderr, /command terminated with exit code 1/);
  const nope = await g.kubectl(['exec', 'e', '--', 'nope']);
  t.is(nope.code, 127);
  t.regex(nope.stderr, /exec: "nope": executable file not found in \$PATH/);
  t.regex(nope.stderr, /command terminated with exit code 127/);
  const sh = await g.kubectl(['exec', 'e', '--', 'sh', '-c', 'exit 3']);
  t.is(sh.code, 3);
  // stdin: kubectl (v5) closes it at its end; the command then runs with all of it.
  t.is((await g.kubectl(['exec', '-i', 'e', '--', 'cat'], 'input\nlines\n')).stdout, 'input\nlines\n');
  const script = await g.kubectl(['exec', '-i', 'e', '--', 'sh'], 'hostname\necho hi\nexit 4\necho never\n');
  t.is(script.stdout, 'box\nhi\n');
  t.is(script.code, 4);
  const gone = await g.kubectl(['exec', 'ghost', '--', 'true']);
  t.not(gone.code, 0);
  t.regex(gone.stderr, /pods "ghost" not found/);
});

test('gateway attach - kubectl attach shows what the container writes from then on, and ends when it exits', async (t) => {
  const g = await cluster(t);
  const annotations = { 'sim.kubus.io/log-lines': 'first\nnext', 'sim.kubus.io/log-every': '300ms', 'sim.kubus.io/exit-after': '12s', 'sim.kubus.io/exit-code': '0' };
  await g.client.create('pods', { ...simPod('a', annotations), spec: { nodeName: 'n1', restartPolicy: 'Never', containers: [{ name: 'c', image: 'app:1' }] } });
  await running(g, 'a');
  const raw = await g.kubectl(['get', '--raw', '/api/v1/namespaces/default/pods/a/attach?stdout=true']);
  t.regex(raw.stderr, /\(BadRequest\): Upgrade request required/, 'without a WebSocket upgrade: 400, as upstream');
  const r = await g.kubectl(['attach', 'a']);
  t.is(r.code, 0, r.stderr);
  t.notRegex(r.stdout, /started/, 'what was written before the attach is not shown');
  t.regex(r.stdout, /(first|next)\n/);
  t.regex(r.stdout, /\[sim\] container c exited with code 0 \(Completed\)\n$/);
  await waitFor(async () => (await g.client.get<Pod>('pods', 'a', { namespace: 'default' })).status?.phase === 'Succeeded', 'pod a Succeeded');
  const done = await g.kubectl(['get', '--raw', '/api/v1/namespaces/default/pods/a/exec?command=true&stdout=true']);
  t.regex(done.stderr, /cannot exec into a container in a completed pod; current phase is Succeeded/);
});

/** Opens an exec WebSocket offering `protocols`; resolves with the protocol chosen and the messages by channel. */
function wsExec(url: string, path: string, protocols: string[]): Promise<{ protocol: string; channels: Record<number, string> }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url.replace(/^http/, 'ws') + path, protocols);
    const channels: Record<number, string> = {};
    ws.on('message', (data: Buffer) => (channels[data[0]] = (channels[data[0]] ?? '') + data.subarray(1).toString()));
    ws.on('close', () => resolve({ protocol: ws.protocol, channels }));
    ws.on('error', reject);
  });
}

test('gateway exec - v5.channel.k8s.io is preferred, v4.channel.k8s.io served to clients that offer only it', async (t) => {
  const g = await cluster(t);
  await g.client.create('pods', simPod('w', {}));
  await running(g, 'w');
  const path = '/api/v1/namespaces/default/pods/w/exec?command=echo&command=hi&stdout=true&stderr=true';
  const v5 = await wsExec(g.url, path, ['v4.channel.k8s.io', 'v5.channel.k8s.io']);
  t.is(v5.protocol, 'v5.channel.k8s.io');
  t.deepEqual(v5.channels, { 1: 'hi\n', 3: '{"metadata":{},"status":"Success"}' });
  const v4 = await wsExec(g.url, path.replace('echo&command=hi', 'nope'), ['v4.channel.k8s.io']);
  t.is(v4.protocol, 'v4.channel.k8s.io');
  t.regex(v4.channels[2], /executable file not found/);
  t.like(JSON.parse(v4.channels[3]), { status: 'Failure', reason: 'NonZeroExitCode', details: { causes: [{ reason: 'ExitCode', message: '127' }] } });
});

test('gateway attach - a gateway that stops ends the attach sessions it serves', async (t) => {
  const g = await cluster(t);
  await g.client.create('pods', simPod('s', { 'sim.kubus.io/log-lines': 'beat', 'sim.kubus.io/log-every': '200ms' }));
  await running(g, 's');
  const host = g.process('gateway-2');
  const gw = host.start(gatewayActor, 'gateway', { address: '127.0.0.1:0' });
  await gw.waitFor((s) => s.matches('listening'));
  const url = gw.snapshot()?.context.url as string;
  const child = g.spawnKubectl(['--server', url, 'attach', 's']);
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise((resolve) => child.on('exit', resolve));
  await waitFor(() => out.includes('beat\nbeat\n'), 'the attach streams');
  await host.stopAll();
  await exited;
  t.pass('kubectl attach ended with the gateway');
});
