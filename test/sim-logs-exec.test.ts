// The sim runtime's container logs and exec commands on their own: the bounded log and its
// followers, the log annotations on the virtual clock, probe-failure lines, and the command table.
import test from 'ava';
import type { SandboxConfig } from '../actors/kubelet/runtimes/runtime.ts';
import { simBehaviour } from '../actors/kubelet/runtimes/sim-behaviour.ts';
import { formatDate, shellWords, simExec } from '../actors/kubelet/runtimes/sim-exec.ts';
import { ContainerLog } from '../actors/kubelet/runtimes/sim-logs.ts';
import { SimRuntime } from '../actors/kubelet/runtimes/sim.ts';
import { keepFollowing } from '../actors/gateway/node-proxy.ts';
import { serveNode } from '../actors/kubelet/node-server.ts';
import type { Pod } from '../api/kinds/pod.ts';
import { FOLLOW_KEEPALIVE_MS, type LogChunk, type LogReply } from '../api/node-protocol.ts';
import { ApiClient } from '../bus/client.ts';
import { VirtualClock } from '../bus/clock.ts';
import { MemoryBroker } from '../bus/memory-bus.ts';
import { logStream, nodeLogs, nodeLogsAlive, nodePeer } from '../bus/subjects.ts';
import { seededRng } from '../bus/random.ts';
import { silentLogger } from '../bus/types.ts';

test('sim logs - a container log keeps its last lines, reads by tail and time, and ends its followers once', (t) => {
  const log = new ContainerLog(3);
  for (let i = 1; i <= 5; i++) log.write(i * 1000, `l${i}`);
  t.deepEqual(log.read().map((l) => l.text), ['l3', 'l4', 'l5'], 'only the last 3 kept');
  t.deepEqual(log.read({ tail: 2 }).map((l) => l.text), ['l4', 'l5']);
  t.deepEqual(log.read({ tail: 0 }), []);
  t.deepEqual(log.read({ sinceMs: 4000 }).map((l) => l.text), ['l4', 'l5']);
  const seen: string[] = [];
  let ends = 0;
  const stop = log.follow((l) => seen.push(l.text), () => ends++);
  log.write(6000, 'l6');
  log.end();
  log.end();
  log.write(7000, 'after the end');
  t.deepEqual(seen, ['l6']);
  t.is(ends, 1);
  stop();
  let late = 0;
  log.follow(() => {}, () => late++);
  t.is(late, 1, 'following an ended log ends at once');
});

test('sim logs - log-lines annotations: text per container, one line every log-every', (t) => {
  t.deepEqual(simBehaviour({ 'sim.kubus.io/log-lines': 'a\nb\n' }, 'c', 'app').logLines, ['a', 'b']);
  t.deepEqual(simBehaviour({ 'sim.kubus.io/log-lines': 'a', 'sim.kubus.io/c.log-lines': 'mine' }, 'c', 'app').logLines, ['mine']);
  t.is(simBehaviour({ 'sim.kubus.io/log-every': '2s' }, 'c', 'app').logEveryMs, 2000);
  t.deepEqual(simBehaviour({}, 'c', 'app').logLines, []);
});

const sandbox = (annotations: Record<string, string>): SandboxConfig => ({ podUid: 'u1', name: 'p', namespace: 'default', annotations, labels: {}, hostname: 'h' });

test('sim logs - a sim container logs its start, its lines on the clock, probe failures, SIGTERM and its exit', async (t) => {
  const clock = new VirtualClock(Date.UTC(2026, 0, 1));
  const rt = new SimRuntime({ clock, rng: seededRng(1), log: silentLogger, podCIDR: '10.128.0.0/24', hostIP: '10.0.0.2' });
  t.teardown(() => rt.close());
  const sb = sandbox({ 'sim.kubus.io/log-lines': 'one\ntwo', 'sim.kubus.io/log-every': '1s', 'sim.kubus.io/liveness-fail-after': '0s' });
  const { id: sid } = await rt.runPodSandbox(sb);
  const id = await rt.createContainer(sid, { name: 'web', image: 'app:1', attempt: 2, init: false }, sb);
  await rt.startContainer(id);
  const followed: string[] = [];
  let ended = false;
  rt.followLogs(id, (l) => followed.push(l.text), () => (ended = true));
  await clock.advance(2500);
  t.like(await rt.probe(id, 'liveness', { httpGet: { port: 80 } }), { result: 'failure' });
  void rt.stopContainer(id, 30_000);
  await clock.advance(0);
  const lines = await rt.logs(id);
  t.deepEqual(
    lines.map((l) => [l.at - Date.UTC(2026, 0, 1), l.text]),
    [
      [0, '[sim] container web started (attempt 2)'],
      [0, 'one'],
      [1000, 'two'],
      [2000, 'one'],
      [2500, '[sim] liveness probe failed: HTTP probe failed with statuscode: 503'],
      [2500, '[sim] container web received SIGTERM'],
      [2500, '[sim] container web exited with code 0 (Completed)'],
    ],
  );
  t.deepEqual(followed, lines.slice(2).map((l) => l.text), 'the follower saw every line written after it began');
  t.true(ended);
  await clock.advance(10_000);
  t.is((await rt.logs(id)).length, 7, 'no lines after the exit: the log-every timer is gone');
});

const ctx = { hostname: 'web-0', env: { GREETING: 'hi' }, now: Date.UTC(2026, 11, 4, 21, 31, 17) };
const run = test.macro((t, argv: string[], want: { exitCode: number; stdout?: string; stderr?: string | RegExp }) => {
  const r = simExec(argv, ctx);
  t.is(r.exitCode, want.exitCode);
  if (want.stdout !== undefined) t.is(r.stdout, want.stdout);
  if (typeof want.stderr === 'string') t.is(r.stderr, want.stderr);
  else if (want.stderr) t.regex(r.stderr, want.stderr);
});
test('sim exec - echo', run, ['echo', 'hi', 'there'], { exitCode: 0, stdout: 'hi there\n' });
test('sim exec - echo -n', run, ['echo', '-n', 'x'], { exitCode: 0, stdout: 'x' });
test('sim exec - a path names the same command', run, ['/bin/echo', 'x'], { exitCode: 0, stdout: 'x\n' });
test('sim exec - hostname', run, ['hostname'], { exitCode: 0, stdout: 'web-0\n' });
test('sim exec - cat /etc/hostname', run, ['cat', '/etc/hostname'], { exitCode: 0, stdout: 'web-0\n' });
test('sim exec - cat of another file', run, ['cat', '/etc/passwd'], { exitCode: 1, stdout: '', stderr: 'cat: /etc/passwd: No such file or directory\n' });
test('sim exec - env', run, ['env'], { exitCode: 0, stdout: 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\nHOSTNAME=web-0\nGREETING=hi\nHOME=/root\n' });
test('sim exec - printenv NAME', run, ['printenv', 'GREETING'], { exitCode: 0, stdout: 'hi\n' });
test('sim exec - printenv of an unset name', run, ['printenv', 'NOPE'], { exitCode: 1, stdout: '' });
test('sim exec - true', run, ['true'], { exitCode: 0, stdout: '' });
test('sim exec - false', run, ['false'], { exitCode: 1, stdout: '' });
test('sim exec - date', run, ['date'], { exitCode: 0, stdout: 'Fri Dec  4 21:31:17 UTC 2026\n' });
test('sim exec - sh -c runs one command', run, ['sh', '-c', 'echo "a  b" \'c\''], { exitCode: 0, stdout: 'a  b c\n' });
test('sim exec - sh -c exit', run, ['/bin/sh', '-c', 'exit 3'], { exitCode: 3 });
test('sim exec - sh -c of an unknown command', run, ['sh', '-c', 'nope --x'], { exitCode: 127, stderr: 'sh: 1: nope: not found\n' });
test('sim exec - a shell without -c and without stdin ends at once', run, ['bash'], { exitCode: 0, stdout: '', stderr: '' });
test('sim exec - cat without a file prints stdin', (t) => t.is(simExec(['cat'], { ...ctx, stdin: 'a\nb\n' }).stdout, 'a\nb\n'));
test('sim exec - a shell without -c runs its stdin line by line until exit', (t) => {
  t.deepEqual(simExec(['sh'], { ...ctx, stdin: 'echo 1\nnope\n\nexit 5\necho 2\n' }), { exitCode: 5, stdout: '1\n', stderr: 'sh: 1: nope: not found\n' });
});
test('sim exec - a missing binary', run, ['nope', 'x'], { exitCode: 127, stdout: '', stderr: /^OCI runtime exec failed: exec failed: unable to start container process: exec: "nope": executable file not found in \$PATH: unknown\n$/ });

test('sim exec - shell words and dates', (t) => {
  t.deepEqual(shellWords(`a 'b c' "d \\" e"  f`), ['a', 'b c', 'd " e', 'f']);
  t.is(formatDate(Date.UTC(2027, 0, 10, 1, 2, 3)), 'Sun Jan 10 01:02:03 UTC 2027');
});

test('sim logs - the kubelet server follows a log over the bus and drops a follower that stopped saying it is there', async (t) => {
  const clock = new VirtualClock(Date.UTC(2026, 0, 1));
  const broker = new MemoryBroker({ clock, deterministic: true, rng: seededRng(2) });
  const kubelet = broker.connect('kubelet');
  const client = broker.connect('gateway');
  const rt = new SimRuntime({ clock, rng: seededRng(1), log: silentLogger, podCIDR: '10.128.0.0/24', hostIP: '10.0.0.2' });
  const sb = sandbox({ 'sim.kubus.io/log-lines': 'tick', 'sim.kubus.io/log-every': '10s' });
  const { id: sid } = await rt.runPodSandbox(sb);
  await rt.startContainer(await rt.createContainer(sid, { name: 'c', image: 'app:1', attempt: 0, init: false }, sb));
  const pod = { metadata: { name: 'p', namespace: 'default', uid: 'u1' }, spec: { containers: [{ name: 'c', image: 'app:1' }] } } as Pod;
  const stop = serveNode({ bus: kubelet, clock, runtime: rt, nodeName: 'n', pod: () => pod, log: silentLogger });
  t.teardown(async () => {
    stop();
    await rt.close();
    await kubelet.close();
    await client.close();
  });
  const chunks: LogChunk[] = [];
  const follow = logStream(client, '1', nodePeer(client, 'n'));
  client.subscribe<LogChunk>(follow, (m) => chunks.push(m.data));
  const req = async (data: unknown, subject = nodeLogs('n')) => {
    let done = false;
    const p = client.request(subject, data).finally(() => (done = true));
    await clock.runUntil(() => done, clock.now() + 5000);
    return p;
  };
  const first = await req({ namespace: 'default', name: 'p', container: 'c', follow });
  t.deepEqual((first.data as LogReply).lines.map((l) => l.text), ['[sim] container c started (attempt 0)', 'tick']);
  await clock.advance(20_000);
  t.deepEqual(chunks.map((c) => c.lines.map((l) => l.text)), [['tick'], ['tick']]);
  t.deepEqual((await req({ follow }, nodeLogsAlive('n'))).data, { known: true });
  t.deepEqual((await req({ follow: 'other' }, nodeLogsAlive('n'))).data, { known: false });
  // No keepalive for three periods: the follower is taken for gone and its follow ends.
  await clock.advance(3 * FOLLOW_KEEPALIVE_MS + 20_000);
  t.true(chunks.at(-1)?.end);
  const count = chunks.length;
  await clock.advance(60_000);
  t.is(chunks.length, count, 'nothing sent after the end');
  t.deepEqual((await req({ follow }, nodeLogsAlive('n'))).data, { known: false });
});

test('sim logs - a follower ends when the kubelet restarted (the follow is unknown) or is gone (no answer)', async (t) => {
  const clock = new VirtualClock(Date.UTC(2026, 0, 1));
  const broker = new MemoryBroker({ clock, deterministic: true, rng: seededRng(3) });
  const kubelet = broker.connect('kubelet');
  const client = new ApiClient(broker.connect('gateway'), { clock });
  const rt = new SimRuntime({ clock, rng: seededRng(1), log: silentLogger, podCIDR: '10.128.0.0/24', hostIP: '10.0.0.2' });
  t.teardown(() => rt.close());
  const sb = sandbox({});
  const { id: sid } = await rt.runPodSandbox(sb);
  await rt.startContainer(await rt.createContainer(sid, { name: 'c', image: 'app:1', attempt: 0, init: false }, sb));
  const pod = { metadata: { name: 'p', namespace: 'default', uid: 'u1' }, spec: { containers: [{ name: 'c', image: 'app:1' }] } } as Pod;
  const serve = () => serveNode({ bus: kubelet, clock, runtime: rt, nodeName: 'n', pod: () => pod, log: silentLogger });
  let stop = serve();
  const follow = async (id: string) => {
    let gone = false;
    const subject = logStream(client.bus, id, nodePeer(client.bus, 'n'));
    let done = false;
    void client.bus.request(nodeLogs('n'), { namespace: 'default', name: 'p', container: 'c', follow: subject }).finally(() => (done = true));
    await clock.runUntil(() => done, clock.now() + 5000);
    keepFollowing(client, clock, 'n', subject, () => (gone = true));
    return () => gone;
  };
  const a = await follow('a');
  await clock.advance(5 * FOLLOW_KEEPALIVE_MS);
  t.false(a(), 'a kubelet that knows the follow keeps it');
  stop();
  stop = serve();
  await clock.advance(FOLLOW_KEEPALIVE_MS + 1000);
  t.true(a(), 'a restarted kubelet does not know it: the follow ends');
  const b = await follow('b');
  stop();
  await clock.advance(FOLLOW_KEEPALIVE_MS + 1000);
  t.true(b(), 'no kubelet answers: the follow ends');
});
