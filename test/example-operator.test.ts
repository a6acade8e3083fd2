// The example operator (examples/operator): its CRD from the YAML file, a Website from the YAML file,
// and the operator on the controller framework reconciling it: owned ConfigMap, Deployment and Service,
// status from the Deployment, a new message rolled out, scaling, and collection once it is deleted.
import test from 'ava';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { crdCleanupController } from '../actors/controllers/crd-cleanup/crd-cleanup.controller.ts';
import { deploymentController } from '../actors/controllers/deployment/deployment.controller.ts';
import { garbageCollectorController } from '../actors/controllers/garbage-collector/garbage-collector.controller.ts';
import { replicaSetController } from '../actors/controllers/replicaset/replicaset.controller.ts';
import type { KubeObject } from '../api/meta.ts';
import { isNotFound } from '../api/status.ts';
import { websiteController } from '../examples/operator/website.controller.ts';
import type { Website } from '../examples/operator/website.logic.ts';
import { startApi } from './helpers/api.ts';
import { waitFor } from './helpers/wait.ts';

const manifest = (file: string) => parse(readFileSync(new URL(`../examples/operator/${file}`, import.meta.url), 'utf8')) as KubeObject;
type Deployment = KubeObject & { spec: { replicas: number; template: { metadata: { annotations: Record<string, string> } } } };

test('example operator - reconciles a Website into a ConfigMap, Deployment and Service, and follows its changes', async (t) => {
  const env = await startApi(t);
  const { client } = env;
  const cm = env.process('controller-manager');
  for (const [name, def] of [['deployment', deploymentController], ['replicaset', replicaSetController], ['garbage-collector', garbageCollectorController], ['crd-cleanup', crdCleanupController]] as const)
    cm.start(def as never, `controller/${name}`, undefined);
  await client.create('customresourcedefinitions', manifest('website.crd.yaml'));
  env.process('operator').start(websiteController, 'controller/website', undefined);
  const site = await client.create<Website>('websites', manifest('website.yaml'));
  t.is(site.spec.image, 'nginx:1.27'); // the CRD's default

  const page = await waitFor(() => client.get('configmaps', 'hello-content', { namespace: 'default' }), 'the ConfigMap');
  t.deepEqual((page as KubeObject & { data: Record<string, string> }).data, { 'index.html': '<h1>Hello from a kubus operator</h1>\n' });
  const dep = await waitFor(() => client.get<Deployment>('deployments', 'hello', { namespace: 'default' }), 'the Deployment');
  t.is(dep.spec.replicas, 2);
  t.is(dep.metadata.ownerReferences?.[0]?.kind, 'Website');
  await waitFor(() => client.get('services', 'hello', { namespace: 'default' }), 'the Service');
  // Status follows the Deployment (no kubelets here: pods exist but none is ready).
  await waitFor(async () => (await client.get<Website>('websites', 'hello', { namespace: 'default' })).status?.replicas === 2, 'status.replicas 2');

  const hash = dep.spec.template.metadata.annotations['demo.kubus.dev/content-hash'];
  await client.patch('websites', 'hello', { spec: { message: 'Changed', replicas: 3 } }, { namespace: 'default' });
  const rolled = await waitFor(async () => {
    const d = await client.get<Deployment>('deployments', 'hello', { namespace: 'default' });
    return d.spec.replicas === 3 && d.spec.template.metadata.annotations['demo.kubus.dev/content-hash'] !== hash && d;
  }, 'the new message and replicas in the Deployment');
  t.truthy(rolled);

  await client.delete('websites', 'hello', { namespace: 'default' });
  for (const [resource, name] of [['deployments', 'hello'], ['configmaps', 'hello-content'], ['services', 'hello']])
    await waitFor(async () => isNotFound(await client.get(resource, name, { namespace: 'default' }).catch((e) => e)), `${resource}/${name} to be collected`);
  t.pass();
});
