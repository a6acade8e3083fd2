// metadata.generation only on the kinds whose upstream strategy tracks it (1.32's pkg/registry/*/strategy.go):
// set to 1 on create, bumped by the kind's rule on update, bumped on a first deletion when it is there.
// Other kinds (a ConfigMap, a Lease) get none; what a client sends is kept on create and replaced by the
// stored value on update (rest.BeforeUpdate), as upstream.
import test from 'ava';
import type { KubeObject } from '../api/meta.ts';
import { documentedResources } from '../api/resources.ts';
import { startApi } from './helpers/api.ts';
import { workload } from './api-fixtures.ts';
import { widget, widgetCrd } from './fixtures/crd-widget.ts';

const NS = { namespace: 'default' };
const cm = (name: string, metadata: Record<string, unknown> = {}): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default', ...metadata }, data: { a: '1' } } as KubeObject);
const lease = (name: string): KubeObject => ({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name, namespace: 'default' }, spec: { holderIdentity: 'a', leaseDurationSeconds: 15 } } as KubeObject);

test('apiserver generation - each built-in kind carries the rule of its upstream strategy, and only those kinds', (t) => {
  const rules = Object.fromEntries(documentedResources().filter((d) => d.generation && !d.custom).map((d) => [`${d.kind}.${d.group}/${d.version}`, d.generation]));
  t.deepEqual(rules, {
    // Pods: from upstream 1.33; HPAs: later still. Kept because kubus's kubelet, scheduler and HPA controller read them.
    'Pod./v1': 'spec',
    'HorizontalPodAutoscaler.autoscaling/v2': 'spec',
    'HorizontalPodAutoscaler.autoscaling/v1': 'spec',
    'ReplicationController./v1': 'spec',
    'EndpointSlice.discovery.k8s.io/v1': 'body+labels',
    'ReplicaSet.apps/v1': 'spec',
    // Upstream: spec and annotations (see api/resources.ts).
    'Deployment.apps/v1': 'spec',
    'DaemonSet.apps/v1': 'spec',
    'StatefulSet.apps/v1': 'spec',
    'Job.batch/v1': 'spec',
    'CronJob.batch/v1': 'spec',
    'PriorityClass.scheduling.k8s.io/v1': 'create',
    'PodDisruptionBudget.policy/v1': 'spec',
    'Ingress.networking.k8s.io/v1': 'spec',
    'IngressClass.networking.k8s.io/v1': 'spec',
    'NetworkPolicy.networking.k8s.io/v1': 'spec',
    'ValidatingWebhookConfiguration.admissionregistration.k8s.io/v1': 'body',
    'MutatingWebhookConfiguration.admissionregistration.k8s.io/v1': 'body',
    'ValidatingAdmissionPolicy.admissionregistration.k8s.io/v1': 'spec',
    'ValidatingAdmissionPolicyBinding.admissionregistration.k8s.io/v1': 'spec',
    'FlowSchema.flowcontrol.apiserver.k8s.io/v1': 'spec',
    'PriorityLevelConfiguration.flowcontrol.apiserver.k8s.io/v1': 'spec',
    'CustomResourceDefinition.apiextensions.k8s.io/v1': 'spec',
  });
});

test('apiserver generation - a ConfigMap and a Lease get none, on create, update and delete', async (t) => {
  const { client } = await startApi(t);
  const c = await client.create('configmaps', cm('c', { finalizers: ['example.com/hold'] }));
  t.false('generation' in c.metadata);
  const u = await client.update('configmaps', { ...c, data: { a: '2' } } as KubeObject);
  t.false('generation' in u.metadata, 'a data change bumps nothing');
  // A first deletion bumps a generation only when there is one (upstream's BeforeDelete / markAsDeleting).
  const marked = await client.delete('configmaps', 'c', NS);
  t.truthy(marked.metadata.deletionTimestamp);
  t.false('generation' in marked.metadata);

  const l = await client.create('leases', lease('l'));
  t.false('generation' in l.metadata);
  const renewed = await client.update('leases', { ...l, spec: { holderIdentity: 'b', leaseDurationSeconds: 15 } } as KubeObject);
  t.false('generation' in renewed.metadata);
});

test('apiserver generation - a kind without one keeps what a create sends; an update cannot change it', async (t) => {
  const { client } = await startApi(t);
  const c = await client.create('configmaps', cm('sent', { generation: 7, finalizers: ['example.com/hold'] }));
  t.is(c.metadata.generation, 7, 'nothing in upstream create clears it');
  const u = await client.update('configmaps', { ...c, metadata: { ...c.metadata, generation: 99 }, data: { a: '2' } } as KubeObject);
  t.is(u.metadata.generation, 7, 'the stored one, not the 99 sent, and not bumped');
  const dropped = await client.update('configmaps', { ...u, metadata: { ...u.metadata, generation: undefined }, data: { a: '3' } } as KubeObject);
  t.is(dropped.metadata.generation, 7, 'leaving it out does not clear it either');
  t.is((await client.delete('configmaps', 'sent', NS)).metadata.generation, 8, 'a generation it has moves on at deletion');
  const l = await client.create('leases', { ...lease('none') } as KubeObject);
  const sent = await client.update('leases', { ...l, metadata: { ...l.metadata, generation: 5 } } as KubeObject);
  t.false('generation' in sent.metadata, 'the stored none wins over a sent value');
});

test('apiserver generation - a Deployment starts at 1 whatever is sent; a spec change bumps it, metadata and status do not', async (t) => {
  const { client } = await startApi(t);
  const d = await client.create('deployments', { ...workload('Deployment'), metadata: { name: 'web', namespace: 'default', generation: 9 } } as KubeObject);
  t.is(d.metadata.generation, 1);
  const labelled = await client.patch('deployments', 'web', { metadata: { labels: { x: 'y' } } }, NS);
  t.is(labelled.metadata.generation, 1, 'a label is not desired state');
  const scaled = await client.patch('deployments', 'web', { spec: { replicas: 4 } }, NS);
  t.is(scaled.metadata.generation, 2);
  const status = await client.updateStatus('deployments', { ...scaled, status: { observedGeneration: 2, replicas: 0 } } as KubeObject);
  t.is(status.metadata.generation, 2, 'a status write keeps it');
  const same = await client.patch('deployments', 'web', { spec: { replicas: 4 } }, NS);
  t.is(same.metadata.generation, 2, 'no change, no bump');
});

test('apiserver generation - an EndpointSlice bumps on its endpoints and labels; a PriorityClass never bumps', async (t) => {
  const { client } = await startApi(t);
  const eps = { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 's', namespace: 'default' }, addressType: 'IPv4', endpoints: [{ addresses: ['10.0.0.1'] }] };
  t.is((await client.create('endpointslices', eps as KubeObject)).metadata.generation, 1);
  t.is((await client.patch('endpointslices', 's', { metadata: { annotations: { a: 'b' } } }, NS)).metadata.generation, 1, 'an annotation: no bump');
  t.is((await client.patch('endpointslices', 's', { metadata: { labels: { x: 'y' } } }, NS)).metadata.generation, 2, 'a label: bump');
  t.is((await client.patch('endpointslices', 's', { endpoints: [{ addresses: ['10.0.0.2'] }] }, NS)).metadata.generation, 3, 'endpoints: bump');
  const pc = { apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: 'p' }, value: 10 };
  t.is((await client.create('priorityclasses', pc as KubeObject)).metadata.generation, 1);
  t.is((await client.patch('priorityclasses', 'p', { description: 'changed' })).metadata.generation, 1, 'upstream sets it once and never bumps it');
});

test.serial('apiserver generation - a custom resource starts at 1; any change but metadata bumps it', async (t) => {
  const { client } = await startApi(t);
  await client.create('customresourcedefinitions', widgetCrd() as KubeObject);
  const w = await client.create('widgets', { ...widget('a'), metadata: { name: 'a', namespace: 'default', generation: 4 } } as KubeObject);
  t.is(w.metadata.generation, 1);
  const labelled = await client.patch('widgets', 'a', { metadata: { labels: { x: 'y' } } }, NS);
  t.is(labelled.metadata.generation, 1, 'metadata only: no bump, though the Widget has no status yet');
  const changed = await client.patch('widgets', 'a', { spec: { color: 'red' } }, NS);
  t.is(changed.metadata.generation, 2);
  const status = await client.updateStatus('widgets', { ...changed, status: { replicas: 1 } } as KubeObject);
  t.is(status.metadata.generation, 2, 'the status subresource does not bump it');
  const crd = await client.get('customresourcedefinitions', 'widgets.example.com');
  t.is(crd.metadata.generation, 1, 'a CRD tracks it too');
});
