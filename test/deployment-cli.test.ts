// The CLI verbs for Deployments (kubectl's scale, set image, rollout pause/resume/restart/history/
// undo), run as functions against an API server: their output and errors, word for word.
import test from 'ava';
import type { Deployment } from '../api/kinds/deployment.ts';
import type { KubeObject } from '../api/meta.ts';
import { deploymentStatusMessage, resourceArgs, rolloutHistory, rolloutSet, rolloutUndo } from '../cli/commands/rollout.ts';
import { scale } from '../cli/commands/scale.ts';
import { imagePatch, setImage } from '../cli/commands/set-image.ts';
import { startApi } from './helpers/api.ts';

const NS = 'default';
const template = (image: string, extra: Record<string, string> = {}) => ({
  metadata: { labels: { app: 'web', ...extra } },
  spec: { initContainers: [{ name: 'init', image: 'busybox' }], containers: [{ name: 'nginx', image }, { name: 'sidecar', image: 'envoy:1' }] },
});
const workload = (kind: string, replicas = 3): KubeObject => ({
  apiVersion: 'apps/v1',
  kind,
  metadata: { name: 'web', namespace: NS },
  spec: { replicas, selector: { matchLabels: { app: 'web' } }, template: template('nginx:1.26'), ...(kind === 'StatefulSet' ? { serviceName: 'web' } : {}) },
});

test('deployment - cli: scale deployments, replicasets and statefulsets with kubectl messages and preconditions', async (t) => {
  const { client } = await startApi(t);
  for (const [kind, plural] of [['Deployment', 'deployments'], ['ReplicaSet', 'replicasets'], ['StatefulSet', 'statefulsets']]) await client.create(plural, workload(kind));
  t.deepEqual(await scale(client, ['deployment', 'web'], { replicas: 5, namespace: NS }), ['deployment.apps/web scaled']);
  t.deepEqual(await scale(client, ['rs/web', 'statefulset/web'], { replicas: 0, namespace: NS }), ['replicaset.apps/web scaled', 'statefulset.apps/web scaled']);
  t.is((await client.get<Deployment>('deployments', 'web', { namespace: NS })).spec.replicas, 5);
  await t.throwsAsync(scale(client, ['deploy/web'], { replicas: 2, namespace: NS, currentReplicas: 3 }), { message: 'Expected replicas to be 3, was 5' });
  t.deepEqual(await scale(client, ['deploy/web'], { replicas: 2, namespace: NS, currentReplicas: 5 }), ['deployment.apps/web scaled']);
  await t.throwsAsync(scale(client, ['deploy/web'], { replicas: -1, namespace: NS }), { message: 'The --replicas=COUNT flag is required, and COUNT must be greater than or equal to 0' });
  await t.throwsAsync(scale(client, ['pod/web'], { replicas: 1, namespace: NS }), { message: 'the server could not find the requested resource' });
  await t.throwsAsync(scale(client, ['deploy/missing'], { replicas: 1, namespace: NS }), { message: 'deployments.apps "missing" not found' });
  await t.throwsAsync(scale(client, ['deploy/web'], { replicas: 1, namespace: NS, resourceVersion: '1' }), { message: /the object has been modified/ });
});

test('deployment - cli: resource arguments are TYPE NAME... or TYPE/NAME...', (t) => {
  t.deepEqual(resourceArgs(['deployment', 'a', 'b']).map((x) => `${x.def.plural}/${x.name}`), ['deployments/a', 'deployments/b']);
  t.deepEqual(resourceArgs(['deploy/a', 'rs/b']).map((x) => `${x.def.plural}/${x.name}`), ['deployments/a', 'replicasets/b']);
  t.throws(() => resourceArgs(['deployment']), { message: 'you must specify the name of the deployment' });
  t.throws(() => resourceArgs(['deployment', 'web/x']), { message: /no need to specify a resource type as a separate argument/ });
  t.throws(() => resourceArgs(['nope/x']), { message: `the server doesn't have a resource type "nope"` });
});

test('deployment - cli: set image updates the named containers (or *), and fails for a container that is not there', async (t) => {
  const { client } = await startApi(t);
  await client.create('deployments', workload('Deployment'));
  t.deepEqual(await setImage(client, ['deployment/web', 'nginx=nginx:1.27'], NS), ['deployment.apps/web image updated']);
  let d = await client.get<Deployment>('deployments', 'web', { namespace: NS });
  t.deepEqual(d.spec.template.spec.containers.map((c) => c.image), ['nginx:1.27', 'envoy:1']);
  t.is(d.metadata.generation, 2);
  t.deepEqual(await setImage(client, ['deployment', 'web', 'nginx=nginx:1.27'], NS), [], 'nothing to change: no output');
  await t.throwsAsync(setImage(client, ['deployment/web', 'php=php:8'], NS), { message: 'unable to find container named "php"' });
  t.deepEqual(await setImage(client, ['deployment/web', '*=registry/x:2'], NS), ['deployment.apps/web image updated']);
  d = await client.get<Deployment>('deployments', 'web', { namespace: NS });
  t.deepEqual([...(d.spec.template.spec.initContainers ?? []), ...d.spec.template.spec.containers].map((c) => c.image), ['registry/x:2', 'registry/x:2', 'registry/x:2']);
  await t.throwsAsync(setImage(client, ['deployment/web'], NS), { message: 'at least one image update is required' });
  const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'a' }] } } as KubeObject;
  t.deepEqual(imagePatch(pod, new Map([['c', 'b']])), [{ op: 'replace', path: '/spec/containers/0/image', value: 'b' }]);
});

test('deployment - cli: rollout pause, resume and restart with kubectl messages and errors', async (t) => {
  const { client } = await startApi(t);
  await client.create('deployments', workload('Deployment'));
  t.is(await rolloutSet(client, 'pause', 'web', NS), 'deployment.apps/web paused');
  t.true((await client.get<Deployment>('deployments', 'web', { namespace: NS })).spec.paused);
  await t.throwsAsync(rolloutSet(client, 'pause', 'web', NS), { message: 'deployments.apps "web" is already paused' });
  await t.throwsAsync(rolloutSet(client, 'restart', 'web', NS), { message: "can't restart paused deployment (run rollout resume first)" });
  t.is(await rolloutSet(client, 'resume', 'web', NS), 'deployment.apps/web resumed');
  t.is((await client.get<Deployment>('deployments', 'web', { namespace: NS })).spec.paused, undefined);
  await t.throwsAsync(rolloutSet(client, 'resume', 'web', NS), { message: 'deployments.apps "web" is not paused' });
  t.is(await rolloutSet(client, 'restart', 'web', NS, Date.UTC(2026, 10, 23, 10)), 'deployment.apps/web restarted');
  const d = await client.get<Deployment>('deployments', 'web', { namespace: NS });
  t.is(d.spec.template.metadata?.annotations?.['kubectl.kubernetes.io/restartedAt'], '2026-11-23T10:00:00Z');
});

test('deployment - cli: rollout history lists revisions with their change-cause, or one revision\'s pod template', async (t) => {
  const { client } = await startApi(t);
  const d = await client.create<Deployment>('deployments', workload('Deployment'));
  t.is(await rolloutHistory(client, 'web', NS), 'No rollout history found.\n');
  const rs = (rev: number, image: string, cause?: string): KubeObject => ({
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      name: `web-${rev}`,
      namespace: NS,
      labels: { app: 'web', 'pod-template-hash': String(rev) },
      annotations: { 'deployment.kubernetes.io/revision': String(rev), ...(cause ? { 'kubernetes.io/change-cause': cause } : {}) },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: d.metadata.uid!, controller: true, blockOwnerDeletion: true }],
    },
    spec: { replicas: 0, selector: { matchLabels: { app: 'web', 'pod-template-hash': String(rev) } }, template: template(image, { 'pod-template-hash': String(rev) }) },
  });
  await client.create('replicasets', rs(1, 'nginx:1.25'));
  await client.create('replicasets', rs(12, 'nginx:1.26', 'kubectl set image deployment/web nginx=nginx:1.26'));
  await client.create('replicasets', { ...rs(3, 'nginx:1.24'), metadata: { ...rs(3, 'x').metadata, ownerReferences: [] } }); // not the Deployment's
  t.is(
    await rolloutHistory(client, 'web', NS),
    'deployment.apps/web \nREVISION  CHANGE-CAUSE\n1         <none>\n12        kubectl set image deployment/web nginx=nginx:1.26\n\n',
  );
  const one = await rolloutHistory(client, 'web', NS, 12);
  t.true(one.startsWith('deployment.apps/web with revision #12\nPod Template:\n  Labels:'), one);
  t.regex(one, /Annotations:\s+kubernetes\.io\/change-cause: kubectl set image deployment\/web nginx=nginx:1\.26/);
  t.regex(one, /nginx:\n\s+Image:\s+nginx:1\.26/);
  await t.throwsAsync(rolloutHistory(client, 'web', NS, 7), { message: 'unable to find the specified revision' });
  // Undo to revision 1 copies its template (without the hash label) and its annotations.
  t.is(await rolloutUndo(client, 'web', NS, 1), 'deployment.apps/web rolled back');
  const back = await client.get<Deployment>('deployments', 'web', { namespace: NS });
  t.deepEqual(back.spec.template.metadata?.labels, { app: 'web' });
  t.is(back.spec.template.spec.containers[0].image, 'nginx:1.25');
  t.is(back.metadata.annotations?.['kubernetes.io/change-cause'], undefined);
  await t.throwsAsync(rolloutUndo(client, 'web', NS, -1), { message: 'unable to find specified revision -1 in history' });
});

test('deployment - cli: rollout status messages follow kubectl\'s DeploymentStatusViewer', (t) => {
  const d = (status: Deployment['status'], generation = 2, replicas = 5): Deployment =>
    ({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', generation, annotations: { 'deployment.kubernetes.io/revision': '3' } }, spec: { replicas }, status }) as unknown as Deployment;
  t.deepEqual(deploymentStatusMessage(d({ observedGeneration: 1 })), { message: 'Waiting for deployment spec update to be observed...', done: false });
  t.deepEqual(deploymentStatusMessage(d({ observedGeneration: 2, updatedReplicas: 2, replicas: 6 })), { message: 'Waiting for deployment "web" rollout to finish: 2 out of 5 new replicas have been updated...', done: false });
  t.deepEqual(deploymentStatusMessage(d({ observedGeneration: 2, updatedReplicas: 5, replicas: 6 })), { message: 'Waiting for deployment "web" rollout to finish: 1 old replicas are pending termination...', done: false });
  t.deepEqual(deploymentStatusMessage(d({ observedGeneration: 2, updatedReplicas: 5, replicas: 5, availableReplicas: 2 })), { message: 'Waiting for deployment "web" rollout to finish: 2 of 5 updated replicas are available...', done: false });
  t.deepEqual(deploymentStatusMessage(d({ observedGeneration: 2, updatedReplicas: 5, replicas: 5, availableReplicas: 5 })), { message: 'deployment "web" successfully rolled out', done: true });
  t.throws(() => deploymentStatusMessage(d({ observedGeneration: 2, conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded' }] })), { message: 'deployment "web" exceeded its progress deadline' });
  t.throws(() => deploymentStatusMessage(d({ observedGeneration: 2 }), 2), { message: 'desired revision (2) is different from the running revision (3)' });
});
