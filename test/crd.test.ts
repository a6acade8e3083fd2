// CustomResourceDefinitions over the bus: a CRD is established before its create returns, its
// resource is served at once (validated, defaulted, pruned), names that are taken are refused in
// its status, strategic merge is refused, and deleting the CRD deletes its objects.
import test from 'ava';
import type { KubeObject } from '../api/meta.ts';
import { resourceFor } from '../api/resources.ts';
import { isNotFound, StatusError } from '../api/status.ts';
import { crdCleanupController } from '../actors/controllers/crd-cleanup/crd-cleanup.controller.ts';
import { garbageCollectorController } from '../actors/controllers/garbage-collector/garbage-collector.controller.ts';
import { startApi } from './helpers/api.ts';
import { waitFor } from './helpers/wait.ts';
import { widget, widgetCrd } from './fixtures/crd-widget.ts';

type Crd = KubeObject & { status?: { conditions?: Array<{ type: string; status: string; reason?: string }>; acceptedNames?: { kind?: string }; storedVersions?: string[] } };
const condition = (crd: Crd, type: string) => crd.status?.conditions?.find((c) => c.type === type);

// Serial: a process serves custom resources from one table, and these tests create and delete the same CRD.
test.serial('crd - creating a CRD establishes it and serves its resource at once', async (t) => {
  const { client } = await startApi(t);
  await client.create('customresourcedefinitions', widgetCrd() as KubeObject);
  const crd = await client.get<Crd>('customresourcedefinitions', 'widgets.example.com');
  t.is(condition(crd, 'NamesAccepted')?.status, 'True');
  t.is(condition(crd, 'Established')?.status, 'True');
  t.is(crd.status?.acceptedNames?.kind, 'Widget');
  t.deepEqual(crd.status?.storedVersions, ['v1']);
  t.is(resourceFor('wd')?.plural, 'widgets');

  const made = await client.create<KubeObject & { spec: Record<string, unknown> }>('widgets', { ...widget('a', { size: 'small', junk: 1, extra: { kept: true } }) } as KubeObject);
  // Defaulted from the schema, unknown fields pruned, preserve-unknown-fields kept.
  t.deepEqual(made.spec, { size: 'small', replicas: 1, extra: { kept: true } });
  t.is((await client.list('widgets', { namespace: 'default' })).items.length, 1);
  const patched = await client.patch<KubeObject & { spec: { color?: string } }>('widgets', 'a', { spec: { color: 'red' } }, { namespace: 'default' });
  t.is(patched.spec.color, 'red');
  const err = await t.throwsAsync(client.patch('widgets', 'a', { spec: { color: 'blue' } }, { namespace: 'default', type: 'strategic' }));
  t.is((err as StatusError).status.code, 415);
});

test.serial('crd - custom objects are validated against the schema, with field paths', async (t) => {
  const { client } = await startApi(t);
  await client.create('customresourcedefinitions', widgetCrd() as KubeObject);
  const bad = await t.throwsAsync(client.create('widgets', widget('b', { size: 'medium', replicas: -1 }) as KubeObject));
  const status = (bad as StatusError).status;
  t.is(status.code, 422);
  t.is(status.reason, 'Invalid');
  const fields = (status.details?.causes ?? []).map((c) => c.field).sort();
  t.deepEqual(fields, ['spec.replicas', 'spec.size']);
  const missing = await t.throwsAsync(client.create('widgets', widget('c', {}) as KubeObject));
  t.deepEqual((missing as StatusError).status.details?.causes?.map((c) => c.field), ['spec.size']);
  t.true(isNotFound(await client.get('widgets', 'b', { namespace: 'default' }).catch((e) => e)));
});

test.serial('crd - a plural already served is not accepted, and nothing is served for it', async (t) => {
  const { client } = await startApi(t);
  await client.create('customresourcedefinitions', widgetCrd({ plural: 'pods', group: 'example.com' }) as KubeObject);
  const crd = await client.get<Crd>('customresourcedefinitions', 'pods.example.com');
  t.is(condition(crd, 'NamesAccepted')?.status, 'False');
  t.not(condition(crd, 'Established')?.status, 'True');
  t.is(resourceFor('pods')?.kind, 'Pod');
});

test.serial('crd - deleting a CRD deletes its objects, then the CRD (cleanup finalizer)', async (t) => {
  const env = await startApi(t);
  const { client } = env;
  env.process('controller-manager').start(crdCleanupController, 'controller/crd-cleanup', undefined);
  await client.create('customresourcedefinitions', widgetCrd() as KubeObject);
  await client.create('widgets', widget('a') as KubeObject);
  await client.create('widgets', widget('b', { size: 'large' }, 'kube-system') as KubeObject);
  const marked = await client.delete<Crd>('customresourcedefinitions', 'widgets.example.com');
  t.truthy(marked.metadata.deletionTimestamp);
  t.deepEqual(marked.metadata.finalizers, ['customresourcecleanup.apiextensions.k8s.io']);
  await waitFor(async () => isNotFound(await client.get('customresourcedefinitions', 'widgets.example.com').catch((e) => e)), 'the CRD to go');
  t.is(resourceFor('widgets'), undefined);
  const gone = await client.list('widgets').catch((e) => e);
  t.is((gone as StatusError).status.code, 404);
});

test.serial('crd - the garbage collector deletes what a custom object owns once it is gone', async (t) => {
  const env = await startApi(t);
  const { client } = env;
  env.process('controller-manager').start(garbageCollectorController, 'controller/garbage-collector', undefined);
  await client.create('customresourcedefinitions', widgetCrd() as KubeObject);
  const owner = await client.create('widgets', widget('a') as KubeObject);
  const ownerReferences = [{ apiVersion: 'example.com/v1', kind: 'Widget', name: 'a', uid: owner.metadata.uid!, controller: true, blockOwnerDeletion: true }];
  await client.create('configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a-config', namespace: 'default', ownerReferences }, data: { k: 'v' } });
  await client.delete('widgets', 'a', { namespace: 'default' });
  await waitFor(async () => isNotFound(await client.get('configmaps', 'a-config', { namespace: 'default' }).catch((e) => e)), 'the owned ConfigMap to be collected');
  t.pass();
});
