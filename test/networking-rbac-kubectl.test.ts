// The real kubectl with the kinds stored and validated now: apply, get columns (autoscaling/v2 HPAs included),
// and a bad object refused with upstream's message.
import test from 'ava';
import { stringify } from 'yaml';
import { startGateway } from './helpers/gateway.ts';

const docs = [
  { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'web', namespace: 'default' }, spec: { ingressClassName: 'nginx', rules: [{ host: 'foo.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } }] } }] } },
  { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'db', namespace: 'default' }, spec: { podSelector: { matchLabels: { app: 'db' } }, ingress: [{ from: [{ podSelector: { matchLabels: { role: 'fe' } } }] }] } },
  { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'web', namespace: 'default' }, spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, minReplicas: 2, maxReplicas: 10 } },
  { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'pod-reader', namespace: 'default' }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] }] },
  { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'read-pods', namespace: 'default' }, subjects: [{ kind: 'User', name: 'jane', apiGroup: 'rbac.authorization.k8s.io' }, { kind: 'ServiceAccount', name: 'default', namespace: 'default' }], roleRef: { kind: 'Role', name: 'pod-reader', apiGroup: 'rbac.authorization.k8s.io' } },
];

test('kinds kubectl - apply, get columns, and a refused RoleBinding', async (t) => {
  const g = await startGateway(t);
  const applied = await g.kubectl(['apply', '--validate=false', '-f', '-'], docs.map((d) => stringify(d)).join('---\n'));
  t.is(applied.code, 0, applied.stderr);
  t.is(applied.stdout, [
    'ingress.networking.k8s.io/web created',
    'networkpolicy.networking.k8s.io/db created',
    'horizontalpodautoscaler.autoscaling/web created',
    'role.rbac.authorization.k8s.io/pod-reader created',
    'rolebinding.rbac.authorization.k8s.io/read-pods created',
    '',
  ].join('\n'));
  t.regex((await g.kubectl(['get', 'ing'])).stdout, /^NAME\s+CLASS\s+HOSTS\s+ADDRESS\s+PORTS\s+AGE\nweb\s+nginx\s+foo\.example\.com\s+80\s+\d+s\n$/);
  t.regex((await g.kubectl(['get', 'netpol'])).stdout, /^NAME\s+POD-SELECTOR\s+AGE\ndb\s+app=db\s+\d+s\n$/);
  t.regex((await g.kubectl(['get', 'hpa'])).stdout, /^NAME\s+REFERENCE\s+TARGETS\s+MINPODS\s+MAXPODS\s+REPLICAS\s+AGE\nweb\s+Deployment\/web\s+cpu: <unknown>\/80%\s+2\s+10\s+0\s+\d+s\n$/);
  t.is(JSON.parse((await g.kubectl(['get', 'hpa', 'web', '-o', 'json'])).stdout).apiVersion, 'autoscaling/v2');
  t.regex((await g.kubectl(['get', 'rolebinding', '-o', 'wide'])).stdout, /^NAME\s+ROLE\s+AGE\s+USERS\s+GROUPS\s+SERVICEACCOUNTS\nread-pods\s+Role\/pod-reader\s+\d+s\s+jane\s+default\/default\n$/);
  t.regex((await g.kubectl(['get', 'roles'])).stdout, /^NAME\s+CREATED AT\npod-reader\s+\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\n$/);
  const bad = await g.kubectl(['apply', '--validate=false', '-f', '-'], stringify({ ...docs[4], metadata: { name: 'bad', namespace: 'default' }, roleRef: { kind: 'Pod', name: 'x', apiGroup: 'rbac.authorization.k8s.io' } }));
  t.is(bad.code, 1);
  t.is(bad.stderr, 'The RoleBinding "bad" is invalid: roleRef.kind: Unsupported value: "Pod": supported values: "Role", "ClusterRole"\n');
});

test('kinds kubectl - create role, clusterrole (aggregated), rolebinding, clusterrolebinding and ingress: their protobuf bodies are read', async (t) => {
  const g = await startGateway(t);
  const run = async (args: string[]) => {
    const r = await g.kubectl(args);
    t.is(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  t.is(await run(['create', 'role', 'pod-reader', '--verb=get,list', '--resource=pods,deployments.apps']), 'role.rbac.authorization.k8s.io/pod-reader created\n');
  t.is(await run(['create', 'clusterrole', 'monitoring', '--aggregation-rule=rbac.example.com/aggregate-to-monitoring=true']), 'clusterrole.rbac.authorization.k8s.io/monitoring created\n');
  t.is(await run(['create', 'rolebinding', 'rb', '--role=pod-reader', '--user=jane', '--serviceaccount=default:default']), 'rolebinding.rbac.authorization.k8s.io/rb created\n');
  t.is(await run(['create', 'clusterrolebinding', 'crb', '--clusterrole=monitoring', '--group=devs']), 'clusterrolebinding.rbac.authorization.k8s.io/crb created\n');
  t.is(await run(['create', 'ingress', 'simple', '--class=nginx', '--rule=foo.com/bar=svc1:8080,tls=my-cert']), 'ingress.networking.k8s.io/simple created\n');
  const role = JSON.parse(await run(['get', 'role', 'pod-reader', '-o', 'json']));
  t.deepEqual(role.rules, [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] }, { apiGroups: ['apps'], resources: ['deployments'], verbs: ['get', 'list'] }]);
  const cr = JSON.parse(await run(['get', 'clusterrole', 'monitoring', '-o', 'json']));
  t.deepEqual(cr.aggregationRule, { clusterRoleSelectors: [{ matchLabels: { 'rbac.example.com/aggregate-to-monitoring': 'true' } }] });
  const rb = JSON.parse(await run(['get', 'rolebinding', 'rb', '-o', 'json']));
  t.deepEqual(rb.roleRef, { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'pod-reader' });
  t.deepEqual(rb.subjects, [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'jane' }, { kind: 'ServiceAccount', name: 'default', namespace: 'default' }]);
  t.deepEqual(JSON.parse(await run(['get', 'clusterrolebinding', 'crb', '-o', 'json'])).subjects, [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'devs' }]);
  const ing = JSON.parse(await run(['get', 'ingress', 'simple', '-o', 'json']));
  t.deepEqual(ing.spec, {
    ingressClassName: 'nginx',
    rules: [{ host: 'foo.com', http: { paths: [{ path: '/bar', pathType: 'Exact', backend: { service: { name: 'svc1', port: { number: 8080 } } } }] } }],
    tls: [{ hosts: ['foo.com'], secretName: 'my-cert' }],
  });
  t.deepEqual(ing.status, { loadBalancer: {} });
  const described = await run(['describe', 'role', 'pod-reader']);
  t.regex(described, /^PolicyRule:\n  Resources +Non-Resource URLs +Resource Names +Verbs\n  -+ +-+ +-+ +-+\n  pods +\[\] +\[\] +\[get list\]\n  deployments\.apps +\[\] +\[\] +\[get list\]\n$/m);
});

test('kinds kubectl - apply again merges a webhook configuration\'s webhooks by name (strategic merge patch)', async (t) => {
  const g = await startGateway(t);
  const hook = (name: string, timeoutSeconds: number) => ({ name, clientConfig: { url: 'https://hooks.example.com/validate' }, rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'] }], sideEffects: 'None', admissionReviewVersions: ['v1'], timeoutSeconds });
  const config = (hooks: unknown[]) => stringify({ apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingWebhookConfiguration', metadata: { name: 'pods' }, webhooks: hooks });
  t.is((await g.kubectl(['apply', '--validate=false', '-f', '-'], config([hook('a.hooks.example.com', 5), hook('b.hooks.example.com', 5)]))).code, 0);
  const again = await g.kubectl(['apply', '--validate=false', '-f', '-'], config([hook('a.hooks.example.com', 5), hook('b.hooks.example.com', 7)]));
  t.is(again.stdout, 'validatingwebhookconfiguration.admissionregistration.k8s.io/pods configured\n', again.stderr);
  const got = JSON.parse((await g.kubectl(['get', 'validatingwebhookconfiguration', 'pods', '-o', 'json'])).stdout);
  t.deepEqual(got.webhooks.map((w: { name: string; timeoutSeconds: number; failurePolicy: string }) => [w.name, w.timeoutSeconds, w.failurePolicy]), [['a.hooks.example.com', 5, 'Fail'], ['b.hooks.example.com', 7, 'Fail']]);
  t.regex((await g.kubectl(['get', 'validatingwebhookconfigurations'])).stdout, /^NAME\s+WEBHOOKS\s+AGE\npods\s+2\s+\d+s\n$/);
});
