// `kubus up` runs the bus locked by default: every component as its own identity (the scheduler as
// system:kube-scheduler, each kubelet as system:node:<name>), the CLI as the admin; a client without
// credentials is refused. A deployment still gets all its pods Running.
import test from 'ava';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NatsBus } from '../bus/nats-bus.ts';
import { runKubus, startKubus } from './helpers/proc.ts';
import { countReady, countRunning, upClient } from './helpers/up-client.ts';
import { waitFor } from './helpers/wait.ts';

const deployment = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: default}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: nginx}]}
`;

test('bus lock up - kubus up is locked by default: components as their identities, the CLI as admin, no credentials refused', async (t) => {
  const home = mkdtempSync(join(tmpdir(), 'kubus-buslock-up-'));
  t.teardown(() => rmSync(home, { recursive: true, force: true }));
  const env = { KUBUS_HOME: home, HOME: home };
  const up = startKubus(t, ['up', '--memory', '--port', '0', '--nodes', '2', '--no-trace', '--log-level', 'warn'], env);
  const [, url] = await up.waitFor(/NATS at (nats:\/\/127\.0\.0\.1:\d+);/, 60_000);
  for (const id of ['apiserver', 'scheduler', 'controller-manager', 'gateway', 'admin', 'node_node-0', 'node_node-1'])
    t.is(statSync(join(home, 'bus', `${id}.creds`)).mode & 0o777, 0o600, id);
  t.is(JSON.parse(readFileSync(join(home, 'cluster.json'), 'utf8')).credentials, join(home, 'bus', 'admin.creds'));

  await t.throwsAsync(NatsBus.connect({ servers: url!, name: 'anonymous', credentials: null, connectTimeoutMs: 2000 }));

  // The CLI finds the admin's credentials through cluster.json.
  // Waited for in process (a `kubus` start per try costs ~1 s of CPU), then seen once through the CLI.
  const client = await upClient(t, home);
  await waitFor(async () => countReady((await client.list('nodes')).items) === 2, 'two Ready nodes', 30_000, 200);
  const nodes = await runKubus(['get', 'nodes'], { env });
  t.is(nodes.stdout.match(/\bReady\b/g)?.length, 2, nodes.stdout + nodes.stderr);
  const applied = await runKubus(['apply', '-f', '-'], { input: deployment, env });
  t.is(applied.code, 0, applied.stderr);
  await waitFor(async () => countRunning((await client.list('pods', { namespace: 'default' })).items) === 3, 'three Running pods', 60_000, 300);
  const pods = (await runKubus(['get', 'pods', '-n', 'default'], { env })).stdout;
  t.is(pods.match(/\bRunning\b/g)?.length, 3, pods);

  // Logs go from the CLI (admin, a front) to the pod's kubelet on its node's own subjects.
  const pod = /^(web-\S+)/m.exec(pods)![1]!;
  const logs = await runKubus(['logs', pod, '-n', 'default'], { env });
  t.is(logs.code, 0, logs.stderr);

  const printed = await runKubus(['credentials', '--identity', 'node/node-0'], { env });
  t.is(JSON.parse(printed.stdout).seed, JSON.parse(readFileSync(join(home, 'bus', 'node_node-0.creds'), 'utf8')).seed);
  up.child.kill('SIGINT');
  t.is(await up.exited, 0);
});
