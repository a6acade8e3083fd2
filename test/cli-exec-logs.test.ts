// `kubus exec` and `kubus logs` against sim nodes (the exported functions, on the virtual clock):
// the sim runs exec to completion with all of stdin, and a deployment's or job's pod is picked as kubectl does.
import test from 'ava';
import { PassThrough, Readable } from 'node:stream';
import type { KubeObject } from '../api/meta.ts';
import { VirtualClock } from '../bus/clock.ts';
import { EOF_QUIET_MS, EOF_RETRY_MS, EOF_TRIES, eofWhenQuiet, exec, exitCodeOf, type ExecIO } from '../cli/commands/exec.ts';
import { logs } from '../cli/commands/logs.ts';
import { startSimCluster, type SimCluster } from './helpers/cluster.ts';

/** An ExecIO of memory streams; `out()`/`err()` read what was written. */
function memoryIO(input = '') {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d: Buffer) => (out += d.toString()));
  stderr.on('data', (d: Buffer) => (err += d.toString()));
  const io = { stdin: Readable.from([Buffer.from(input)]), stdout, stderr } as unknown as ExecIO;
  return { io, out: () => out, err: () => err };
}

const simPod = (name: string, annotations: Record<string, string> = {}, labels: Record<string, string> = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'default', annotations, labels },
  spec: { containers: [{ name: 'c', image: 'app:1' }] },
});

async function running(c: SimCluster, name: string) {
  await c.until(async () => (await c.run(c.client.get('pods', name, { namespace: 'default' })) as { status?: { phase?: string } }).status?.phase === 'Running', 120_000, `pod ${name} Running`);
}

test('cli exec - on a sim node: output, exit code, stdin read to its end', async (t) => {
  const c = await startSimCluster(t, { nodes: 1 });
  await c.run(c.client.create('pods', simPod('p')));
  await running(c, 'p');
  const hi = memoryIO();
  t.is(await c.run(exec(c.client, 'p', ['echo', 'hi'], { namespace: 'default' }, hi.io)), 0);
  t.is(hi.out(), 'hi\n');
  const fail = memoryIO();
  t.is(await c.run(exec(c.client, 'p', ['sh', '-c', 'exit 4'], { namespace: 'default' }, fail.io)), 4);
  const cat = memoryIO('typed\n');
  t.is(await c.run(exec(c.client, 'p', ['cat'], { namespace: 'default', stdin: true }, cat.io)), 0);
  t.is(cat.out(), 'typed\n');
  await t.throwsAsync(c.run(exec(c.client, 'nope', ['true'], { namespace: 'default' }, memoryIO().io)), { message: 'pods "nope" not found' });
});

test('cli exec - the closing Status gives the exit code; another failure is thrown', (t) => {
  t.is(exitCodeOf({ status: 'Success' }), 0);
  t.is(exitCodeOf({ status: 'Failure', reason: 'NonZeroExitCode' as never, details: { causes: [{ reason: 'ExitCode', message: '42' }] } }), 42);
  t.throws(() => exitCodeOf({ status: 'Failure', code: 500, reason: 'InternalError', message: 'boom' }), { message: 'boom' });
});

test('cli exec - the ^D of a piped stdin waits for quiet output, and is typed again while the session lasts', async (t) => {
  const clock = new VirtualClock();
  let sent = 0;
  const eof = eofWhenQuiet(() => sent++, clock);
  await clock.advance(EOF_QUIET_MS - 1);
  eof.output(); // the shell still prints: its prompt is not there yet
  await clock.advance(EOF_QUIET_MS - 1);
  t.is(sent, 0, 'no ^D while output flows');
  await clock.advance(1);
  t.is(sent, 1, '^D once the output is quiet');
  await clock.advance(EOF_RETRY_MS);
  t.is(sent, 2, 'lost (the pty was still canonical): typed again');
  await clock.advance(EOF_RETRY_MS * 10);
  t.is(sent, EOF_TRIES, 'at most EOF_TRIES times');
  const stopped = eofWhenQuiet(() => sent++, clock);
  stopped.stop();
  await clock.advance(EOF_QUIET_MS * 10);
  t.is(sent, EOF_TRIES, 'none once the session ended');
});

test('cli logs - a pod (tail), a deployment’s pod, a missing job', async (t) => {
  const c = await startSimCluster(t, { nodes: 1 });
  await c.run(c.client.create('pods', simPod('p', { 'sim.kubus.io/log-lines': 'one\ntwo\nthree\n' })));
  await running(c, 'p');
  const read = async (target: string, o = {}) => {
    const m = memoryIO();
    await c.run(logs(c.client, target, { namespace: 'default', ...o }, m.io.stdout, m.io.stderr));
    return m.out();
  };
  t.is(await read('p'), '[sim] container c started (attempt 0)\none\ntwo\nthree\n');
  t.is(await read('pod/p', { tail: 1 }), 'three\n');
  const labels = { app: 'web' };
  const template = { metadata: { labels, annotations: { 'sim.kubus.io/log-lines': 'from deploy\n' } }, spec: { containers: [{ name: 'c', image: 'app:1' }] } };
  await c.run(c.client.create('deployments', { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'default' }, spec: { replicas: 1, selector: { matchLabels: labels }, template } } as KubeObject));
  await c.until(async () => (await c.list('pods', { namespace: 'default', labelSelector: 'app=web' })).some((p) => (p as { status?: { phase?: string } }).status?.phase === 'Running'), 120_000, 'a web pod Running');
  t.is(await read('deploy/web'), '[sim] container c started (attempt 0)\nfrom deploy\n');
  await t.throwsAsync(read('job/nope'), { message: /"nope" not found/ });
  await t.throwsAsync(read('cm/x'), { message: /cannot get the logs of a cm/ });
});
