// The real kubectl's everyday commands against the gateway, over a cluster in this process on the
// real clock: scheduler, controller manager and one sim node, so Deployments actually roll out.
import { execFile } from 'node:child_process';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { stringify } from 'yaml';
import { decodeDeleteOptions, decodeEviction } from '../actors/gateway/protobuf-options.ts';
import { KUBECTL, startGateway, startGatewayCluster, type GatewayEnv } from './helpers/gateway.ts';
import { waitFor } from './helpers/wait.ts';

const cluster = startGatewayCluster;

const deployment = (image = 'app:1') => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'default', labels: { app: 'web' } },
  spec: { replicas: 1, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image }] } } },
});

/** Applies the Deployment `web` and waits (with kubectl rollout status) until it rolled out. */
async function rolledOut(t: Parameters<typeof startGateway>[0], g: GatewayEnv) {
  t.is((await g.kubectl(['apply', '--validate=false', '-f', '-'], stringify(deployment()))).stdout, 'deployment.apps/web created\n');
  const status = await g.kubectl(['rollout', 'status', 'deployment/web', '--timeout=20s']);
  t.is(status.code, 0, status.stderr);
  t.regex(status.stdout, /deployment "web" successfully rolled out\n$/);
}

const image = async (g: GatewayEnv) => (await g.client.get<any>('deployments', 'web', { namespace: 'default' })).spec.template.spec.containers[0].image;
const webPods = async (g: GatewayEnv) => (await g.client.list<any>('pods', { namespace: 'default', labelSelector: 'app=web' })).items;

test('gateway kubectl daily - describe pod and deployment print fields and Events', async (t) => {
  const g = await cluster(t);
  await rolledOut(t, g);
  const d = await g.kubectl(['describe', 'deployment', 'web']);
  t.is(d.code, 0, d.stderr);
  t.regex(d.stdout, /^Name:\s+web$/m);
  t.regex(d.stdout, /^Replicas:\s+1 desired \| 1 updated \| 1 total \| 1 available \| 0 unavailable$/m);
  t.regex(d.stdout, /^\s+Image:\s+app:1$/m);
  t.regex(d.stdout, /^NewReplicaSet:\s+web-\w+ \(1\/1 replicas created\)$/m);
  t.regex(d.stdout, /^Events:\n\s+Type\s+Reason\s+Age\s+From\s+Message\n(.|\n)*Normal\s+ScalingReplicaSet\s+\S+\s+deployment\s+Scaled up replica set web-\w+ to 1$/m);
  const p = await g.kubectl(['describe', 'pod', '-l', 'app=web']);
  t.is(p.code, 0, p.stderr);
  t.regex(p.stdout, /^Name:\s+web-\w+-\w+$/m);
  t.regex(p.stdout, /^Node:\s+n1\//m);
  t.regex(p.stdout, /^Status:\s+Running$/m);
  t.regex(p.stdout, /^Controlled By:\s+ReplicaSet\/web-\w+$/m);
  t.regex(p.stdout, /^\s+Ready\s+True\s*$/m);
  t.regex(p.stdout, /^Events:(.|\n)*Normal\s+Scheduled\s+\S+\s+default-scheduler\s+Successfully assigned default\/web-\S+ to n1$/m);
  t.regex(p.stdout, /Normal\s+Started\s+\S+\s+kubelet\s+Started container c$/m);
});

test('gateway kubectl daily - replace -f, patch (strategic by default) and edit with EDITOR', async (t) => {
  const g = await cluster(t);
  await rolledOut(t, g);
  const withArgs = deployment('app:2');
  (withArgs.spec.template.spec.containers[0] as { args?: string[] }).args = ['serve'];
  const replaced = await g.kubectl(['replace', '--validate=false', '-f', '-'], stringify(withArgs));
  t.is(replaced.stdout, 'deployment.apps/web replaced\n', replaced.stderr);
  t.is(await image(g), 'app:2');
  // Strategic merge: the containers list merges by name, so the other fields of `c` stay.
  const patched = await g.kubectl(['patch', 'deployment', 'web', '-p', '{"spec":{"template":{"spec":{"containers":[{"name":"c","image":"app:3"}]}}}}']);
  t.is(patched.stdout, 'deployment.apps/web patched\n', patched.stderr);
  const c = (await g.client.get<any>('deployments', 'web', { namespace: 'default' })).spec.template.spec.containers;
  t.deepEqual([c.length, c[0].image, c[0].args], [1, 'app:3', ['serve']]);
  // kubectl says "no change" when the answer equals what it read first: wait until the controllers are done writing status.
  t.regex((await g.kubectl(['rollout', 'status', 'deployment/web', '--timeout=20s'])).stdout, /successfully rolled out\n$/);
  t.is((await g.kubectl(['patch', 'deployment', 'web', '-p', '{"spec":{"template":{"spec":{"containers":[{"name":"c","image":"app:3"}]}}}}'])).stdout, 'deployment.apps/web patched (no change)\n');

  const editor = join(g.dir, 'editor.sh');
  writeFileSync(editor, "#!/bin/sh\nsed -i 's/image: app:3/image: app:4/' \"$1\"\n");
  chmodSync(editor, 0o755);
  const edited = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
    execFile(KUBECTL, ['--kubeconfig', g.kubeconfig, '--cache-dir', join(g.dir, 'cache'), 'edit', 'deployment/web'], { env: { PATH: process.env.PATH, HOME: g.dir, EDITOR: editor }, timeout: 20_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? 1 : 0, stdout, stderr }),
    ),
  );
  t.is(edited.stdout, 'deployment.apps/web edited\n', edited.stderr);
  t.is(await image(g), 'app:4');
});

test('gateway kubectl daily - delete -l, delete --cascade=orphan and delete --wait', async (t) => {
  const g = await cluster(t);
  await rolledOut(t, g);
  const pod = (name: string, app: string) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default', labels: { app } }, spec: { containers: [{ name: 'c', image: 'app:1' }] } });
  for (const [n, app] of [['x1', 'x'], ['x2', 'x'], ['y1', 'y']]) await g.client.create('pods', pod(n, app));
  const byLabel = await g.kubectl(['delete', 'pods', '-l', 'app=x']);
  t.is(byLabel.stdout, 'pod "x1" deleted\npod "x2" deleted\n', byLabel.stderr);
  // --wait (the default) returns only once the pods are gone, after the kubelet stopped them.
  t.deepEqual((await g.client.list<any>('pods', { namespace: 'default', labelSelector: 'app in (x,y)' })).items.map((p) => p.metadata.name), ['y1']);

  const [running] = await webPods(g);
  await waitFor(async () => (await g.client.get<any>('pods', 'y1', { namespace: 'default' })).status?.phase === 'Running', 'pod y1 running');
  const waited = await g.kubectl(['delete', 'pod', 'y1', '--wait']);
  t.is(waited.stdout, 'pod "y1" deleted\n', waited.stderr);
  t.is(await g.client.get('pods', 'y1', { namespace: 'default' }).catch((e: { code?: number }) => e.code), 404);

  const orphan = await g.kubectl(['delete', '--cascade=orphan', 'deployment', 'web']);
  t.is(orphan.stdout, 'deployment.apps "web" deleted\n', orphan.stderr);
  // The ReplicaSet and its pod stay, no longer owned.
  const [rs] = (await g.client.list<any>('replicasets', { namespace: 'default' })).items;
  t.truthy(rs);
  t.deepEqual(rs.metadata.ownerReferences ?? [], []);
  t.deepEqual((await webPods(g)).map((p) => p.metadata.name), [running.metadata.name]);
  t.is((await g.kubectl(['get', 'deployments'])).stderr, 'No resources found in default namespace.\n');
});

test('gateway kubectl daily - rollout status, history, restart, undo, pause and resume', async (t) => {
  const g = await cluster(t);
  await rolledOut(t, g);
  await g.kubectl(['patch', 'deployment', 'web', '-p', '{"spec":{"template":{"spec":{"containers":[{"name":"c","image":"app:2"}]}}}}']);
  t.regex((await g.kubectl(['rollout', 'status', 'deployment/web', '--timeout=20s'])).stdout, /deployment "web" successfully rolled out\n$/);
  const history = await g.kubectl(['rollout', 'history', 'deployment/web']);
  t.is(history.code, 0, history.stderr);
  t.regex(history.stdout, /^deployment\.apps\/web *\nREVISION\s+CHANGE-CAUSE\n1\s+<none>\n2\s+<none>\n/);
  t.regex((await g.kubectl(['rollout', 'history', 'deployment/web', '--revision=1'])).stdout, /^\s+Image:\s+app:1$/m);

  t.is((await g.kubectl(['rollout', 'undo', 'deployment/web'])).stdout, 'deployment.apps/web rolled back\n');
  t.is(await image(g), 'app:1');
  t.regex((await g.kubectl(['rollout', 'status', 'deployment/web', '--timeout=20s'])).stdout, /successfully rolled out\n$/);

  const before = new Set((await webPods(g)).map((p) => p.metadata.name));
  t.is((await g.kubectl(['rollout', 'restart', 'deployment/web'])).stdout, 'deployment.apps/web restarted\n');
  const d = await g.client.get<any>('deployments', 'web', { namespace: 'default' });
  t.truthy(d.spec.template.metadata.annotations['kubectl.kubernetes.io/restartedAt']);
  t.regex((await g.kubectl(['rollout', 'status', 'deployment/web', '--timeout=20s'])).stdout, /successfully rolled out\n$/);
  // Restarted: the running pod is a new one.
  await waitFor(async () => {
    const pods = (await webPods(g)).filter((p) => !p.metadata.deletionTimestamp);
    return pods.length === 1 && !before.has(pods[0].metadata.name);
  }, 'a new pod after the restart');

  t.is((await g.kubectl(['rollout', 'pause', 'deployment/web'])).stdout, 'deployment.apps/web paused\n');
  t.true((await g.client.get<any>('deployments', 'web', { namespace: 'default' })).spec.paused);
  t.is((await g.kubectl(['rollout', 'resume', 'deployment/web'])).stdout, 'deployment.apps/web resumed\n');
  t.falsy((await g.client.get<any>('deployments', 'web', { namespace: 'default' })).spec.paused);
});

test('gateway kubectl daily - set image, set env, set resources roll the Deployment out', async (t) => {
  const g = await cluster(t);
  await rolledOut(t, g);
  t.is((await g.kubectl(['set', 'image', 'deployment/web', 'c=app:2'])).stdout, 'deployment.apps/web image updated\n');
  t.is((await g.kubectl(['set', 'env', 'deployment/web', 'MODE=fast'])).stdout, 'deployment.apps/web env updated\n');
  t.is((await g.kubectl(['set', 'resources', 'deployment/web', '-c', 'c', '--limits=cpu=200m,memory=64Mi'])).stdout, 'deployment.apps/web resource requirements updated\n');
  t.regex((await g.kubectl(['rollout', 'status', 'deployment/web', '--timeout=20s'])).stdout, /successfully rolled out\n$/);
  const c = (await g.client.get<any>('deployments', 'web', { namespace: 'default' })).spec.template.spec.containers[0];
  t.deepEqual([c.image, c.env, c.resources], ['app:2', [{ name: 'MODE', value: 'fast' }], { limits: { cpu: '200m', memory: '64Mi' } }]);
  t.is((await g.kubectl(['set', 'env', 'deployment/web', '--list'])).stdout, '# Deployment web, container c\nMODE=fast\n');
  await waitFor(async () => (await webPods(g)).some((p) => !p.metadata.deletionTimestamp && p.spec.containers[0].image === 'app:2' && p.status?.phase === 'Running'), 'a running pod of app:2');
});

test('gateway kubectl daily - cordon, uncordon and taint a node', async (t) => {
  const g = await cluster(t);
  const node = () => g.client.get<any>('nodes', 'n1');
  t.is((await g.kubectl(['cordon', 'n1'])).stdout, 'node/n1 cordoned\n');
  t.true((await node()).spec.unschedulable);
  t.regex((await g.kubectl(['get', 'nodes'])).stdout, /^n1\s+Ready,SchedulingDisabled\s/m);
  t.is((await g.kubectl(['uncordon', 'n1'])).stdout, 'node/n1 uncordoned\n');
  t.falsy((await node()).spec.unschedulable);
  t.is((await g.kubectl(['taint', 'nodes', 'n1', 'k=v:NoSchedule'])).stdout, 'node/n1 tainted\n');
  t.deepEqual((await node()).spec.taints.filter((x: { key: string }) => x.key === 'k'), [{ key: 'k', value: 'v', effect: 'NoSchedule' }]);
  t.is((await g.kubectl(['taint', 'nodes', 'n1', 'k=v:NoSchedule-'])).stdout, 'node/n1 untainted\n');
  t.deepEqual(((await node()).spec.taints ?? []).filter((x: { key: string }) => x.key === 'k'), []);
});

test('gateway kubectl daily - wait --for=condition=Ready, --for=delete, and get events', async (t) => {
  const g = await cluster(t);
  await g.client.create('pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default' }, spec: { containers: [{ name: 'c', image: 'app:1' }] } });
  const ready = await g.kubectl(['wait', '--for=condition=Ready', 'pod/p', '--timeout=20s']);
  t.is(ready.stdout, 'pod/p condition met\n', ready.stderr);
  t.is((await g.client.get<any>('pods', 'p', { namespace: 'default' })).status.conditions.find((c: { type: string }) => c.type === 'Ready').status, 'True');
  const timedOut = await g.kubectl(['wait', '--for=condition=Nope', 'pod/p', '--timeout=1s']);
  t.is(timedOut.code, 1);
  t.is(timedOut.stderr, 'error: timed out waiting for the condition on pods/p\n');

  const events = await g.kubectl(['get', 'events', '--field-selector', 'involvedObject.name=p']);
  t.is(events.code, 0, events.stderr);
  t.regex(events.stdout, /^LAST SEEN\s+TYPE\s+REASON\s+OBJECT\s+MESSAGE\n/);
  t.regex(events.stdout, /^\S+\s+Normal\s+Scheduled\s+pod\/p\s+Successfully assigned default\/p to n1$/m);
  t.regex(events.stdout, /^\S+\s+Normal\s+Started\s+pod\/p\s+Started container c$/m);

  await g.client.delete('pods', 'p', { namespace: 'default' });
  const gone = await g.kubectl(['wait', '--for=delete', 'pod/p', '--timeout=20s']);
  t.is(gone.code, 0, gone.stderr);
  t.is(await g.client.get('pods', 'p', { namespace: 'default' }).catch((e: { code?: number }) => e.code), 404);
});

test('gateway kubectl daily - api-versions, get all, --show-labels, --sort-by and custom-columns', async (t) => {
  const g = await cluster(t);
  await rolledOut(t, g);
  const versions = await g.kubectl(['api-versions']);
  t.is(versions.code, 0, versions.stderr);
  t.deepEqual(versions.stdout.trim().split('\n').filter((v) => ['v1', 'apps/v1', 'batch/v1'].includes(v)), ['apps/v1', 'batch/v1', 'v1']);

  const all = await g.kubectl(['get', 'all']);
  t.is(all.code, 0, all.stderr);
  t.regex(all.stdout, /^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\npod\/web-\w+-\w+\s+1\/1\s+Running\s/m);
  t.regex(all.stdout, /^NAME\s+DESIRED\s+CURRENT\s+READY\s+AGE\nreplicaset\.apps\/web-\w+\s+1\s+1\s+1\s/m);
  t.regex(all.stdout, /^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE\ndeployment\.apps\/web\s+1\/1\s+1\s+1\s/m);

  const labels = await g.kubectl(['get', 'deployments', '--show-labels']);
  t.regex(labels.stdout, /^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE\s+LABELS\nweb\s+1\/1\s+1\s+1\s+\S+\s+app=web\n$/);

  // Labelled: the namespace also holds kube-root-ca.crt (the root CA publisher's, as upstream).
  for (const name of ['b', 'c', 'a']) await g.client.create('configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default', labels: { t: 'sort' } }, data: { k: name } });
  const sorted = await g.kubectl(['get', 'configmaps', '-l', 't=sort', '--sort-by=.metadata.name', '-o', 'name']);
  t.is(sorted.stdout, 'configmap/a\nconfigmap/b\nconfigmap/c\n', sorted.stderr);
  const sortedTable = await g.kubectl(['get', 'configmaps', '-l', 't=sort', '--sort-by=.data.k']);
  t.deepEqual(sortedTable.stdout.trim().split('\n').map((l) => l.split(/\s+/)[0]), ['NAME', 'a', 'b', 'c'], sortedTable.stderr);
  const columns = await g.kubectl(['get', 'configmaps', '-l', 't=sort', '-o', 'custom-columns=NAME:.metadata.name,K:.data.k', '--sort-by=.metadata.name']);
  t.regex(columns.stdout, /^NAME\s+K\na\s+a\nb\s+b\nc\s+c\n$/);
});

test('gateway kubectl daily - drain evicts (pods/eviction) or, with --disable-eviction, deletes (a protobuf DeleteOptions) the node\'s pods', async (t) => {
  const g = await cluster(t);
  await rolledOut(t, g);
  const [first] = await webPods(g);
  const drained = await g.kubectl(['drain', 'n1', '--ignore-daemonsets', '--grace-period=1', '--timeout=20s']);
  t.is(drained.code, 0, drained.stderr);
  t.is(drained.stdout, `node/n1 cordoned\nevicting pod default/${first.metadata.name}\npod/${first.metadata.name} evicted\nnode/n1 drained\n`);
  t.true((await g.client.get<any>('nodes', 'n1')).spec.unschedulable);
  t.is(await g.client.get('pods', first.metadata.name, { namespace: 'default' }).catch((e: { code?: number }) => e.code), 404);
  // The replacement cannot be scheduled onto the cordoned node; once uncordoned, it runs there.
  await waitFor(async () => (await webPods(g)).some((p) => p.metadata.name !== first.metadata.name), 'a replacement pod');
  t.true((await webPods(g)).every((p) => !p.spec.nodeName));
  t.is((await g.kubectl(['uncordon', 'n1'])).stdout, 'node/n1 uncordoned\n');
  t.regex((await g.kubectl(['rollout', 'status', 'deployment/web', '--timeout=20s'])).stdout, /successfully rolled out\n$/);

  const [second] = await webPods(g);
  const deleted = await g.kubectl(['drain', 'n1', '--disable-eviction', '--grace-period=1', '--timeout=20s']);
  t.is(deleted.stdout, `node/n1 cordoned\npod/${second.metadata.name} deleted\nnode/n1 drained\n`, deleted.stderr);
  t.is(await g.client.get('pods', second.metadata.name, { namespace: 'default' }).catch((e: { code?: number }) => e.code), 404);
});

test('gateway kubectl daily - a protobuf DeleteOptions or Eviction decodes to its JSON form; anything else is 400', (t) => {
  const ld = (no: number, b: Buffer) => Buffer.concat([Buffer.from([(no << 3) | 2, b.length]), b]);
  const s = (x: string) => Buffer.from(x);
  const typeMeta = (kind: string) => ld(1, Buffer.concat([ld(1, s('v1')), ld(2, s(kind))]));
  const raw = Buffer.concat([Buffer.from([0x08, 0x05]), ld(2, ld(1, s('u-1'))), ld(4, s('Orphan')), ld(5, s('All'))]);
  t.deepEqual(decodeDeleteOptions(Buffer.concat([s('k8s\0'), typeMeta('DeleteOptions'), ld(2, raw)])), {
    gracePeriodSeconds: 5,
    preconditions: { uid: 'u-1' },
    propagationPolicy: 'Orphan',
    dryRun: ['All'],
  });
  t.is(t.throws(() => decodeDeleteOptions(Buffer.concat([s('k8s\0'), typeMeta('Pod'), ld(2, raw)])))?.message, 'the body of the request could not be decoded as protobuf: expected a DeleteOptions, got "Pod"');
  t.is((t.throws(() => decodeDeleteOptions(s('{"kind":"DeleteOptions"}'))) as { code?: number } | undefined)?.code, 400);
  const eviction = Buffer.concat([ld(1, Buffer.concat([ld(1, s('p')), ld(3, s('default'))])), ld(2, Buffer.from([0x08, 0x01]))]);
  t.deepEqual(decodeEviction(Buffer.concat([s('k8s\0'), typeMeta('Eviction'), ld(2, eviction)])), {
    apiVersion: 'policy/v1',
    kind: 'Eviction',
    metadata: { name: 'p', namespace: 'default' },
    deleteOptions: { gracePeriodSeconds: 1 },
  });
});

test('gateway kubectl daily - pods/eviction over HTTP: 201 Success, a name mismatch 400, a missing pod 404, served in discovery', async (t) => {
  const g = await startGateway(t);
  await g.client.create('pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default' }, spec: { containers: [{ name: 'c', image: 'app:1' }] } });
  const post = (pod: string, name: string) =>
    fetch(`${g.url}/api/v1/namespaces/default/pods/${pod}/eviction`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace: 'default' } }),
    }).then(async (r) => ({ code: r.status, body: (await r.json()) as { status?: string; message?: string; code?: number } }));
  const mismatch = await post('p', 'q');
  t.deepEqual([mismatch.code, mismatch.body.message], [400, 'name in URL does not match name in Eviction object']);
  t.is((await post('nope', 'nope')).code, 404);
  const ok = await post('p', 'p');
  t.deepEqual([ok.code, ok.body.status, ok.body.code], [201, 'Success', 201]);
  // Not on a node: deleted at once.
  t.is(await g.client.get('pods', 'p', { namespace: 'default' }).catch((e: { code?: number }) => e.code), 404);
  const v1 = (await (await fetch(`${g.url}/api/v1`)).json()) as { resources: Array<{ name: string; kind: string; group?: string; version?: string }> };
  t.deepEqual(v1.resources.find((r) => r.name === 'pods/eviction'), { name: 'pods/eviction', singularName: '', namespaced: true, kind: 'Eviction', verbs: ['create'], group: 'policy', version: 'v1' } as never);
});
