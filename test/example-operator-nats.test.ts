// The example operator as its own process over a real nats-server, beside `kubus control-plane
// --trace-recorder`: the CRD and a Website applied with `kubus apply`, the operator reconciles it,
// `kubus get websites` prints the CRD's printer columns, and `kubus trace website hello` shows the
// operator's messages.
import test from 'ava';
import { ApiClient } from '../bus/client.ts';
import { NatsBus } from '../bus/nats-bus.ts';
import { queryRecorder } from '../cli/commands/trace.ts';
import { natsServer } from './helpers/nats.ts';
import { runKubus, startKubus, startNode } from './helpers/proc.ts';
import { waitFor } from './helpers/wait.ts';

test('example operator nats - the operator process reconciles a Website, and kubus trace shows its flow', async (t) => {
  const nats = await natsServer(t);
  const cp = startKubus(t, ['control-plane', '--nats', nats.url, '--trace-recorder', '--leader-elect', 'false', '--log-level', 'warn']);
  await cp.waitFor(/running against/);
  const env = { KUBUS_LOG_LEVEL: 'warn' };
  const crd = await runKubus(['--nats', nats.url, 'apply', '-f', 'examples/operator/website.crd.yaml']);
  t.is(crd.code, 0, crd.stderr);
  const op = startNode(t, ['examples/operator/main.ts', '--nats', nats.url], env);
  // The Website must reach the operator as a watch event (so what it does is part of the Website's trace):
  // wait until the recorder has seen the operator's Website watch answered.
  const bus = await NatsBus.connect({ servers: nats.url, name: 'test' });
  t.teardown(() => bus.close());
  await waitFor(async () => {
    const spans = (await queryRecorder(bus, { actor: 'controller/website' })).spans;
    const asked = new Set(spans.filter((s) => s.kind === 'watch websites' && s.from === 'controller/website').map((s) => s.spanId));
    return spans.some((s) => s.reply && asked.has(s.parentSpanId ?? ''));
  }, "the operator's watch of Websites", 20_000, 100);
  const site = await runKubus(['--nats', nats.url, 'apply', '-f', 'examples/operator/website.yaml']);
  t.is(site.code, 0, site.stderr);
  t.regex(site.stdout, /website\.demo\.kubus\.dev\/hello created/);
  // Waited for in process (a `kubus` start per try costs ~1 s of CPU), then read once through the CLI.
  const client = new ApiClient(bus, { timeoutMs: 5000 });
  await waitFor(async () => (await client.list('deployments', { namespace: 'default' })).items.some((d) => d.metadata.name === 'hello'), 'the Deployment', 20_000, 200);
  const deployment = await runKubus(['--nats', nats.url, 'get', 'deployment', 'hello']);
  t.is(deployment.code, 0, deployment.stderr);
  const get = await waitFor(async () => {
    const r = await runKubus(['--nats', nats.url, 'get', 'websites']);
    return /^hello\s+2\s+0\s+\d+s$/m.test(r.stdout) ? r : undefined;
  }, 'the Website with its printer columns', 20_000, 200);
  t.regex(get.stdout, /^NAME\s+REPLICAS\s+READY\s+AGE$/m);
  const trace = await waitFor(async () => {
    const r = await runKubus(['--nats', nats.url, 'trace', 'website', 'hello']);
    return /controller\/website/.test(r.stdout) && /create deployments/.test(r.stdout) ? r : undefined;
  }, "the operator's messages in the trace", 20_000, 300);
  t.regex(trace.stdout, /create websites/);
  t.true(op.child.exitCode === null, op.output());
  t.is(await op.kill('SIGTERM'), 0);
});
