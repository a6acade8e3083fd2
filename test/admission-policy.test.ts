// ValidatingAdmissionPolicy enforced by the API server: Deny, Warn and Audit, params, matchConditions,
// namespaceObject, messageExpression and reasons, DELETE, failurePolicy; on a MemoryBus API server.
import test from 'ava';
import type { KubeObject } from '../api/meta.ts';
import type { ApiClient } from '../bus/client.ts';
import { applyOne } from '../cli/commands/apply.ts';
import { widget, widgetCrd } from './fixtures/crd-widget.ts';
import { startApi, statusOf } from './helpers/api.ts';

const ADM = 'admissionregistration.k8s.io/v1';

const deployment = (name: string, replicas: number, labels: Record<string, string> = {}, namespace = 'default'): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name, namespace, labels },
  spec: { replicas, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } },
});

const deploymentRules = { resourceRules: [{ apiGroups: ['apps'], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['deployments'] }] };

async function policy(client: ApiClient, name: string, spec: Record<string, unknown>, binding: Record<string, unknown>): Promise<void> {
  await client.create('validatingadmissionpolicies', { apiVersion: ADM, kind: 'ValidatingAdmissionPolicy', metadata: { name }, spec: { matchConstraints: deploymentRules, ...spec } } as KubeObject);
  await client.create('validatingadmissionpolicybindings', { apiVersion: ADM, kind: 'ValidatingAdmissionPolicyBinding', metadata: { name: `${name}-binding` }, spec: { policyName: name, ...binding } } as KubeObject);
}

test('admission policy - Deny refuses a failing create and update with upstream 422 and message; a passing one is stored', async (t) => {
  const { client } = await startApi(t);
  await policy(client, 'demo-policy.example.com', { validations: [{ expression: 'object.spec.replicas <= 5' }] }, { validationActions: ['Deny'] });
  const e = await statusOf(client.create('deployments', deployment('nginx', 7)));
  t.is(e.status.code, 422);
  t.is(e.status.reason, 'Invalid');
  const why = "ValidatingAdmissionPolicy 'demo-policy.example.com' with binding 'demo-policy.example.com-binding' denied request: failed expression: object.spec.replicas <= 5";
  t.is(e.status.message, `deployments.apps "nginx" is forbidden: ${why}`);
  t.deepEqual(e.status.details, { name: 'nginx', group: 'apps', kind: 'deployments', causes: [{ message: why }] });
  await t.throwsAsync(client.get('deployments', 'nginx', { namespace: 'default' }), { message: /not found/ });
  const ok = await client.create('deployments', deployment('nginx', 3));
  const e2 = await statusOf(client.update('deployments', { ...ok, spec: { ...(ok.spec as object), replicas: 6 } }));
  t.is(e2.status.code, 422);
  t.is(((await client.get('deployments', 'nginx', { namespace: 'default' })).spec as { replicas: number }).replicas, 3);
});

test('admission policy - Warn admits the request and returns upstream warning text; reason and messageExpression shape a Deny', async (t) => {
  const { client } = await startApi(t);
  await policy(client, 'replicas', { validations: [{ expression: 'object.spec.replicas <= 2', message: 'too many replicas' }] }, { validationActions: ['Warn', 'Audit'] });
  const warnings: string[] = [];
  await client.call('deployments', 'create', { namespace: 'default', body: deployment('web', 4) }, warnings);
  t.deepEqual(warnings, ["Validation failed for ValidatingAdmissionPolicy 'replicas' with binding 'replicas-binding': too many replicas"]);
  t.truthy(await client.get('deployments', 'web', { namespace: 'default' }));
  await policy(client, 'names', { validations: [{ expression: 'object.metadata.name.startsWith("team-")', messageExpression: '"name " + object.metadata.name + " lacks the team- prefix"', reason: 'Forbidden' }] }, { validationActions: ['Deny'] });
  const e = await statusOf(client.create('deployments', deployment('db', 1)));
  t.is(e.status.code, 403);
  t.is(e.status.reason, 'Forbidden');
  t.regex(e.status.message, /denied request: name db lacks the team- prefix$/);
});

test('admission policy - params from a ConfigMap by paramRef; a missing param is denied or allowed as parameterNotFoundAction says', async (t) => {
  const { client } = await startApi(t);
  await policy(
    client,
    'max-replicas',
    { paramKind: { apiVersion: 'v1', kind: 'ConfigMap' }, validations: [{ expression: 'object.spec.replicas <= int(params.data.max)', messageExpression: '"at most " + params.data.max + " replicas"' }] },
    { validationActions: ['Deny'], paramRef: { name: 'limits' } },
  );
  const missing = await statusOf(client.create('deployments', deployment('a', 1)));
  t.regex(missing.status.message, /max-replicas-binding' denied request: failed to configure binding: no params found for policy binding with `Deny` parameterNotFoundAction$/);
  await client.create('configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'limits', namespace: 'default' }, data: { max: '3' } } as KubeObject);
  t.truthy(await client.create('deployments', deployment('a', 3)));
  const e = await statusOf(client.create('deployments', deployment('b', 4)));
  t.regex(e.status.message, /denied request: at most 3 replicas$/);
  const b = await client.get('validatingadmissionpolicybindings', 'max-replicas-binding');
  await client.update('validatingadmissionpolicybindings', { ...b, spec: { ...(b.spec as object), paramRef: { name: 'none', parameterNotFoundAction: 'Allow' } } });
  t.truthy(await client.create('deployments', deployment('b', 40)));
});

test('admission policy - matchConditions and the binding matchResources narrow what a policy sees; namespaceObject is the namespace', async (t) => {
  const { client } = await startApi(t);
  await client.create('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'prod', labels: { env: 'prod' } } } as KubeObject);
  await policy(
    client,
    'prod-replicas',
    {
      matchConditions: [{ name: 'not-exempt', expression: '!has(object.metadata.labels) || !("exempt" in object.metadata.labels)' }],
      validations: [{ expression: 'object.spec.replicas >= 2', messageExpression: '"namespace " + namespaceObject.metadata.name + " (" + namespaceObject.metadata.labels.env + ") needs 2 replicas"' }],
    },
    { validationActions: ['Deny'], matchResources: { namespaceSelector: { matchLabels: { env: 'prod' } } } },
  );
  t.truthy(await client.create('deployments', deployment('dev-one', 1)), 'default is not selected by the binding');
  const e = await statusOf(client.create('deployments', deployment('one', 1, {}, 'prod')));
  t.regex(e.status.message, /denied request: namespace prod \(prod\) needs 2 replicas$/);
  t.truthy(await client.create('deployments', deployment('exempt-one', 1, { exempt: 'yes' }, 'prod')), 'the match condition skips it');
  t.truthy(await client.create('deployments', deployment('two', 2, {}, 'prod')));
});

test('admission policy - DELETE sees oldObject; failurePolicy Fail denies an expression error and Ignore admits it', async (t) => {
  const { client } = await startApi(t);
  await client.create('validatingadmissionpolicies', {
    apiVersion: ADM, kind: 'ValidatingAdmissionPolicy', metadata: { name: 'protect' },
    spec: { matchConstraints: { resourceRules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['DELETE'], resources: ['configmaps'] }] }, validations: [{ expression: 'request.operation == "DELETE" && object == null && oldObject.data.locked != "true"', message: 'locked' }] },
  } as KubeObject);
  await client.create('validatingadmissionpolicybindings', { apiVersion: ADM, kind: 'ValidatingAdmissionPolicyBinding', metadata: { name: 'protect' }, spec: { policyName: 'protect', validationActions: ['Deny'] } } as KubeObject);
  const cm = (name: string, data: Record<string, string>) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default' }, data }) as KubeObject;
  await client.create('configmaps', cm('keep', { locked: 'true' }));
  await client.create('configmaps', cm('free', { locked: 'false' }));
  await client.create('configmaps', cm('odd', {}));
  const e = await statusOf(client.delete('configmaps', 'keep', { namespace: 'default' }));
  t.is(e.status.message, `configmaps "keep" is forbidden: ValidatingAdmissionPolicy 'protect' with binding 'protect' denied request: locked`);
  await client.delete('configmaps', 'free', { namespace: 'default' });
  const err = await statusOf(client.delete('configmaps', 'odd', { namespace: 'default' }));
  t.regex(err.status.message, /denied request: expression '.*' resulted in error: no such key: locked$/);
  const p = await client.get('validatingadmissionpolicies', 'protect');
  await client.update('validatingadmissionpolicies', { ...p, spec: { ...(p.spec as object), failurePolicy: 'Ignore' } });
  await client.delete('configmaps', 'odd', { namespace: 'default' });
  t.is((await client.list('configmaps', { namespace: 'default' })).items.map((c) => c.metadata.name).join(','), 'keep');
});

test('admission policy - a policy whose CEL does not compile is refused with 422 and nothing is stored', async (t) => {
  const { client } = await startApi(t);
  const e = await statusOf(client.create('validatingadmissionpolicies', { apiVersion: ADM, kind: 'ValidatingAdmissionPolicy', metadata: { name: 'bad' }, spec: { matchConstraints: deploymentRules, validations: [{ expression: 'object.spec.replicas <' }] } } as KubeObject));
  t.is(e.status.code, 422);
  t.is(e.status.details?.causes?.[0]?.field, 'spec.validations[0].expression');
  t.regex(e.status.message, /^ValidatingAdmissionPolicy\.admissionregistration\.k8s\.io "bad" is invalid: spec.validations\[0\].expression: Invalid value: "object.spec.replicas <": compilation failed: ERROR: <input>: Syntax error: /);
  t.is((await client.list('validatingadmissionpolicies')).items.length, 0);
});

test('admission policy - variables (one built on another) serve validations and messageExpression; objectSelector and excludeResourceRules leave objects out', async (t) => {
  const { client } = await startApi(t);
  await policy(
    client,
    'images',
    {
      matchConstraints: { ...deploymentRules, objectSelector: { matchExpressions: [{ key: 'skip', operator: 'DoesNotExist' }] }, excludeResourceRules: [{ apiGroups: ['apps'], apiVersions: ['v1'], operations: ['CREATE'], resources: ['deployments'], resourceNames: ['legacy'] }] },
      variables: [{ name: 'containers', expression: 'object.spec.template.spec.containers' }, { name: 'untagged', expression: 'variables.containers.filter(c, !c.image.contains(":"))' }],
      validations: [{ expression: 'size(variables.untagged) == 0', messageExpression: '"untagged images: " + variables.untagged.map(c, c.name).join(", ")' }],
    },
    { validationActions: ['Deny'] },
  );
  const e = await statusOf(client.create('deployments', deployment('web', 1)));
  t.regex(e.status.message, /denied request: untagged images: c$/);
  const tagged = deployment('web', 1);
  (tagged.spec as { template: { spec: { containers: { image: string }[] } } }).template.spec.containers[0].image = 'nginx:1.27';
  t.truthy(await client.create('deployments', tagged));
  t.truthy(await client.create('deployments', deployment('skipped', 1, { skip: 'yes' })), 'the object selector leaves it out');
  t.truthy(await client.create('deployments', deployment('legacy', 1)), 'excluded by name');
});

test('admission policy - kubus apply prints a Warn binding\'s warnings as kubectl does, on create and on update', async (t) => {
  const { client } = await startApi(t);
  await policy(client, 'replicas', { validations: [{ expression: 'object.spec.replicas <= 2', message: 'too many replicas' }] }, { validationActions: ['Warn'] });
  const lines: string[] = [];
  const warning = "Warning: Validation failed for ValidatingAdmissionPolicy 'replicas' with binding 'replicas-binding': too many replicas";
  t.is(await applyOne(client, { obj: deployment('web', 3), source: 'web.yaml' }, 'default', 'Strict', (l) => lines.push(l)), 'deployment.apps/web created');
  t.deepEqual(lines, [warning]);
  t.is(await applyOne(client, { obj: deployment('web', 1), source: 'web.yaml' }, 'default', 'Strict', (l) => lines.push(l)), 'deployment.apps/web configured');
  t.deepEqual(lines, [warning], 'no warning once it passes');
  t.is(await applyOne(client, { obj: deployment('web', 4), source: 'web.yaml' }, 'default', 'Strict', (l) => lines.push(l)), 'deployment.apps/web configured');
  t.deepEqual(lines, [warning, warning]);
});

test('admission policy - a Service it denies holds no cluster IP', async (t) => {
  const { client } = await startApi(t);
  await client.create('validatingadmissionpolicies', {
    apiVersion: ADM, kind: 'ValidatingAdmissionPolicy', metadata: { name: 'no-nodeports' },
    spec: { matchConstraints: { resourceRules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['services'] }] }, validations: [{ expression: 'object.spec.type != "NodePort"' }] },
  } as KubeObject);
  await client.create('validatingadmissionpolicybindings', { apiVersion: ADM, kind: 'ValidatingAdmissionPolicyBinding', metadata: { name: 'no-nodeports' }, spec: { policyName: 'no-nodeports', validationActions: ['Deny'] } } as KubeObject);
  const svc = (name: string, type: string) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default' }, spec: { type, clusterIP: '10.96.0.50', ports: [{ port: 80 }] } }) as KubeObject;
  const e = await statusOf(client.create('services', svc('a', 'NodePort')));
  t.is(e.status.code, 422);
  const ok = await client.create('services', svc('b', 'ClusterIP'));
  t.is((ok.spec as { clusterIP: string }).clusterIP, '10.96.0.50', 'the denied Service released the address it asked for');
});

test('admission policy - a paramRef selector evaluates the policy once per matching param; none matching with Allow admits', async (t) => {
  const { client } = await startApi(t);
  const cm = (name: string, max: string, labels: Record<string, string>) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default', labels }, data: { max } }) as KubeObject;
  await client.create('configmaps', cm('loose', '10', { limits: 'replicas' }));
  await client.create('configmaps', cm('strict', '3', { limits: 'replicas' }));
  await client.create('configmaps', cm('other', '1', {}));
  await policy(
    client,
    'max',
    { paramKind: { apiVersion: 'v1', kind: 'ConfigMap' }, validations: [{ expression: 'object.spec.replicas <= int(params.data.max)', messageExpression: '"at most " + params.data.max + " (" + params.metadata.name + ")"' }] },
    { validationActions: ['Deny'], paramRef: { selector: { matchLabels: { limits: 'replicas' } }, parameterNotFoundAction: 'Allow' } },
  );
  const e = await statusOf(client.create('deployments', deployment('a', 5)));
  t.regex(e.status.message, /denied request: at most 3 \(strict\)$/);
  t.truthy(await client.create('deployments', deployment('a', 3)));
  await client.delete('configmaps', 'strict', { namespace: 'default' });
  await client.delete('configmaps', 'loose', { namespace: 'default' });
  t.truthy(await client.create('deployments', deployment('b', 50)), 'no params and Allow: admitted');
});

test('admission policy - custom resources: a CRD kind as paramKind, and policies on custom objects', async (t) => {
  const { client } = await startApi(t);
  await client.create('customresourcedefinitions', widgetCrd() as KubeObject);
  await client.create('widgets', widget('limits', { size: 'small', replicas: 4 }) as KubeObject);
  await policy(
    client,
    'widget-max',
    { paramKind: { apiVersion: 'example.com/v1', kind: 'Widget' }, validations: [{ expression: 'object.spec.replicas <= params.spec.replicas' }] },
    { validationActions: ['Deny'], paramRef: { name: 'limits', namespace: 'default' } },
  );
  t.regex((await statusOf(client.create('deployments', deployment('a', 5)))).status.message, /denied request: failed expression: object\.spec\.replicas <= params\.spec\.replicas$/);
  t.truthy(await client.create('deployments', deployment('a', 4)));
  await client.create('validatingadmissionpolicies', {
    apiVersion: ADM, kind: 'ValidatingAdmissionPolicy', metadata: { name: 'no-large' },
    spec: { matchConstraints: { resourceRules: [{ apiGroups: ['example.com'], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['widgets'] }] }, validations: [{ expression: 'object.spec.size != "large"', reason: 'Forbidden', message: 'no large widgets' }] },
  } as KubeObject);
  await client.create('validatingadmissionpolicybindings', { apiVersion: ADM, kind: 'ValidatingAdmissionPolicyBinding', metadata: { name: 'no-large' }, spec: { policyName: 'no-large', validationActions: ['Deny'] } } as KubeObject);
  const e = await statusOf(client.create('widgets', widget('big', { size: 'large' }) as KubeObject));
  t.is(e.status.code, 403);
  t.is(e.status.message, `widgets.example.com "big" is forbidden: ValidatingAdmissionPolicy 'no-large' with binding 'no-large' denied request: no large widgets`);
});
