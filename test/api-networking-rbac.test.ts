// Kinds stored and validated now: networking (Ingress, IngressClass, NetworkPolicy), autoscaling/v2 HPA, RBAC,
// RuntimeClass, webhook configurations, ValidatingAdmissionPolicy (+Binding) and flowcontrol; a good and a bad example each.
import test from 'ava';
import fc from 'fast-check';
import { unknownFieldsOf } from '../api/openapi/field-validation.ts';
import { resourceFor } from '../api/resources.ts';
import { createErrors, defOf, edited, lines } from './api-fixtures.ts';

const o = (kind: string, apiVersion: string, name: string, namespace: string | undefined, fields: Record<string, unknown>) =>
  ({ apiVersion, kind, metadata: { name, ...(namespace ? { namespace } : {}) }, ...fields }) as never;

const has = test.macro({
  exec(t, name: string, obj: unknown, expected: string[]) {
    const errs = lines(createErrors(name, obj as never));
    if (expected.length === 0) t.deepEqual(errs, []);
    for (const e of expected) t.true(errs.includes(e), `missing: ${e}\n got: ${errs.join('\n      ')}`);
  },
  title: (title, name) => `api - ${name}: ${title}`,
});

const NET = 'networking.k8s.io/v1';
const backend = { service: { name: 'web', port: { number: 80 } } };
const ingress = (spec: Record<string, unknown>) => o('Ingress', NET, 'web', 'default', { spec });

test('a typical ingress is valid', has, 'ingresses', ingress({ ingressClassName: 'nginx', rules: [{ host: 'foo.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend }] } }], tls: [{ hosts: ['*.example.com'], secretName: 'tls' }] }), []);
test('ingress without rules or backend', has, 'ingresses', ingress({}), ['spec: Invalid value: []networking.IngressRule(nil): either `defaultBackend` or `rules` must be specified']);
test('ingress paths and backends', has, 'ingresses', ingress({ rules: [{ host: '10.0.0.1', http: { paths: [{ path: 'api', pathType: 'Prefix', backend }, { path: '/a', backend }, { path: '/b', pathType: 'Exact', backend: { service: { name: 'web', port: {} } } }, { path: '/c/..', pathType: 'Fuzzy', backend: {} }] } }] }), [
  'spec.rules[0].host: Invalid value: "10.0.0.1": must be a DNS name, not an IP address',
  'spec.rules[0].http.paths[0].path: Invalid value: "api": must be an absolute path',
  'spec.rules[0].http.paths[1].pathType: Required value: pathType must be specified',
  'spec.rules[0].http.paths[2].backend: Required value: port name or number is required',
  'spec.rules[0].http.paths[3].pathType: Unsupported value: "Fuzzy": supported values: "Exact", "ImplementationSpecific", "Prefix"',
  'spec.rules[0].http.paths[3].backend: Invalid value: "": resource or service backend is required',
]);

const ingressClass = (spec: Record<string, unknown>) => o('IngressClass', NET, 'nginx', undefined, { spec });
test('a typical ingress class is valid', has, 'ingressclasses', ingressClass({ controller: 'k8s.io/ingress-nginx', parameters: { apiGroup: 'k8s.example.com', kind: 'IngressParameters', name: 'external-lb' } }), []);
test('ingress class controller and parameters', has, 'ingressclasses', ingressClass({ controller: 'nginx', parameters: { kind: 'P', name: 'p', scope: 'Namespace' } }), [
  'spec.controller: Invalid value: "nginx": must be a domain-prefixed path (such as "acme.io/foo")',
  "spec.parameters.namespace: Required value: `parameters.scope` is set to 'Namespace'",
]);
test('api - ingressclasses: parameters scope defaults to Cluster; controller is immutable', (t) => {
  const c: any = ingressClass({ controller: 'k8s.io/a', parameters: { kind: 'P', name: 'p' } }); // eslint-disable-line @typescript-eslint/no-explicit-any
  t.deepEqual(createErrors('ingressclasses', c), []);
  t.is(c.spec.parameters.scope, 'Cluster');
  const moved = edited(c, (x) => (x.spec.controller = 'k8s.io/b'));
  t.deepEqual(lines(defOf('ingressclasses').validateUpdate!(moved, c)), ['spec.controller: Invalid value: "k8s.io/b": field is immutable']);
});

const netpol = (spec: Record<string, unknown>) => o('NetworkPolicy', NET, 'deny', 'default', { spec });
test('api - networkpolicies: a typical policy is valid; protocol and policyTypes default', (t) => {
  const np: any = netpol({ podSelector: { matchLabels: { app: 'db' } }, ingress: [{ from: [{ ipBlock: { cidr: '172.17.0.0/16', except: ['172.17.1.0/24'] } }, { namespaceSelector: {}, podSelector: { matchLabels: { role: 'fe' } } }], ports: [{ port: 6379 }] }], egress: [{ to: [{ ipBlock: { cidr: '10.0.0.0/24' } }], ports: [{ protocol: 'TCP', port: 32000, endPort: 32768 }] }] }); // eslint-disable-line @typescript-eslint/no-explicit-any
  t.deepEqual(lines(createErrors('netpol', np)), []);
  t.deepEqual(np.spec.policyTypes, ['Ingress', 'Egress']);
  t.is(np.spec.ingress[0].ports[0].protocol, 'TCP');
});
test('network policy peers, ports and types', has, 'networkpolicies', netpol({ podSelector: {}, ingress: [{ from: [{}, { ipBlock: { cidr: '10.0.0.0/8', except: ['11.0.0.0/16'] }, podSelector: {} }], ports: [{ protocol: 'ICMP', port: 80, endPort: 70 }, { port: 'http', endPort: 90 }] }], policyTypes: ['Ingress', 'Sideways'] }), [
  'spec.ingress[0].from[0]: Required value: must specify a peer',
  'spec.ingress[0].from[1]: Forbidden: may not specify both ipBlock and another peer',
  'spec.ingress[0].from[1].ipBlock.except[0]: Invalid value: "11.0.0.0/16": must be a strict subset of `cidr`',
  'spec.ingress[0].ports[0].protocol: Unsupported value: "ICMP": supported values: "TCP", "UDP", "SCTP"',
  'spec.ingress[0].ports[0].endPort: Invalid value: 80: must be greater than or equal to `port`',
  'spec.ingress[0].ports[1].endPort: Invalid value: 90: may not be specified when `port` is non-numeric',
  'spec.policyTypes[1]: Unsupported value: "Sideways": supported values: "Ingress", "Egress"',
]);

const hpa = (spec: Record<string, unknown>) => o('HorizontalPodAutoscaler', 'autoscaling/v2', 'web', 'default', { spec });
test('api - horizontalpodautoscalers: served as autoscaling/v2; defaults as SetDefaults_HorizontalPodAutoscaler', (t) => {
  const d = resourceFor('hpa')!;
  t.is(d.apiVersion, 'autoscaling/v2');
  t.is(d.version, 'v2');
  t.is(resourceFor('horizontalpodautoscalers.v2.autoscaling'), d);
  const h: any = hpa({ scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, maxReplicas: 5, behavior: { scaleDown: { stabilizationWindowSeconds: 60 } } }); // eslint-disable-line @typescript-eslint/no-explicit-any
  t.deepEqual(lines(createErrors('hpa', h)), []);
  t.is(h.spec.minReplicas, 1);
  t.deepEqual(h.spec.metrics, [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }]);
  t.like(h.spec.behavior, { scaleUp: { stabilizationWindowSeconds: 0, selectPolicy: 'Max' }, scaleDown: { stabilizationWindowSeconds: 60, selectPolicy: 'Max' } });
  t.is(h.spec.behavior.scaleUp.policies.length, 2);
});
test('hpa bounds, target and metrics', has, 'horizontalpodautoscalers', hpa({ scaleTargetRef: { kind: 'Deployment', name: '' }, minReplicas: 4, maxReplicas: 2, metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 0 } } }, { type: 'Pods', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '1Gi' } } }] }), [
  'spec.maxReplicas: Invalid value: 2: must be greater than or equal to `minReplicas`',
  'spec.scaleTargetRef.name: Required value',
  'spec.metrics[0].resource.target.averageUtilization: Invalid value: 0: must be greater than 0',
  'spec.metrics[1].pods: Required value: must populate information for the given metric source',
]);

const RBAC = 'rbac.authorization.k8s.io/v1';
test('a typical role is valid', has, 'roles', o('Role', RBAC, 'pod-reader', 'default', { rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'watch', 'list'] }] }), []);
test('role rules', has, 'roles', o('Role', RBAC, 'r', 'default', { rules: [{ verbs: [], apiGroups: [] , resources: ['pods'] }, { verbs: ['get'], nonResourceURLs: ['/healthz'] }] }), [
  'rules[0].verbs: Required value: verbs must contain at least one value',
  'rules[0].apiGroups: Required value: resource rules must supply at least one api group',
  'rules[1].nonResourceURLs: Invalid value: []string{"/healthz"}: namespaced rules cannot apply to non-resource URLs',
]);
test('a cluster role with non-resource URLs and aggregation is valid', has, 'clusterroles', o('ClusterRole', RBAC, 'monitoring', undefined, { aggregationRule: { clusterRoleSelectors: [{ matchLabels: { 'rbac.example.com/aggregate-to-monitoring': 'true' } }] }, rules: [{ verbs: ['get'], nonResourceURLs: ['/metrics'] }] }), []);
test('cluster role aggregation needs a selector', has, 'clusterroles', o('ClusterRole', RBAC, 'x', undefined, { aggregationRule: {} }), [
  'aggregationRule.clusterRoleSelectors: Required value: at least one clusterRoleSelector required if aggregationRule is non-nil',
]);
test('api - rolebindings: defaults the rbac group; subjects and roleRef are checked; roleRef is immutable', (t) => {
  const b: any = o('RoleBinding', RBAC, 'read-pods', 'default', { subjects: [{ kind: 'User', name: 'jane' }, { kind: 'ServiceAccount', name: 'default', namespace: 'kube-system' }], roleRef: { kind: 'Role', name: 'pod-reader' } }); // eslint-disable-line @typescript-eslint/no-explicit-any
  t.deepEqual(lines(createErrors('rolebindings', b)), []);
  t.is(b.roleRef.apiGroup, 'rbac.authorization.k8s.io');
  t.is(b.subjects[0].apiGroup, 'rbac.authorization.k8s.io');
  t.is(b.subjects[1].apiGroup, undefined);
  const bad = o('RoleBinding', RBAC, 'b', 'default', { subjects: [{ kind: 'Robot', name: 'r' }, { kind: 'ServiceAccount', name: 'x', apiGroup: 'v1' }], roleRef: { apiGroup: RBAC.split('/')[0], kind: 'Pod', name: '' } });
  t.deepEqual(lines(createErrors('rolebindings', bad)), [
    'roleRef.kind: Unsupported value: "Pod": supported values: "Role", "ClusterRole"',
    'roleRef.name: Required value',
    'subjects[0].kind: Unsupported value: "Robot": supported values: "ServiceAccount", "User", "Group"',
    'subjects[1].apiGroup: Unsupported value: "v1": supported values: ""',
  ]);
  const moved = edited(b, (x) => (x.roleRef.name = 'other'));
  t.deepEqual(lines(defOf('rolebindings').validateUpdate!(moved, b)), [
    'roleRef: Invalid value: rbac.RoleRef{APIGroup:"rbac.authorization.k8s.io", Kind:"Role", Name:"other"}: cannot change roleRef',
  ]);
});
test('cluster role binding names a ClusterRole and namespaced service accounts', has, 'clusterrolebindings', o('ClusterRoleBinding', RBAC, 'b', undefined, { subjects: [{ kind: 'ServiceAccount', name: 'sa' }], roleRef: { kind: 'Role', name: 'r' } }), [
  'roleRef.kind: Unsupported value: "Role": supported values: "ClusterRole"',
  'subjects[0].namespace: Required value',
]);

test('a typical runtime class is valid', has, 'runtimeclasses', o('RuntimeClass', 'node.k8s.io/v1', 'gvisor', undefined, { handler: 'runsc', overhead: { podFixed: { cpu: '250m' } }, scheduling: { nodeSelector: { sandbox: 'true' } } }), []);
test('runtime class handler is a DNS label', has, 'runtimeclasses', o('RuntimeClass', 'node.k8s.io/v1', 'x', undefined, { handler: 'Run_SC' }), [
  "handler: Invalid value: \"Run_SC\": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name', or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
]);

const ADM = 'admissionregistration.k8s.io/v1';
const rule = { operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'] };
const webhook = (over: Record<string, unknown> = {}) => ({ name: 'pods.policy.example.com', clientConfig: { service: { namespace: 'default', name: 'hook' } }, rules: [rule], sideEffects: 'None', admissionReviewVersions: ['v1'], ...over });
test('api - validatingwebhookconfigurations: a typical configuration is valid, with upstream defaults', (t) => {
  const c: any = o('ValidatingWebhookConfiguration', ADM, 'pod-policy', undefined, { webhooks: [webhook()] }); // eslint-disable-line @typescript-eslint/no-explicit-any
  t.deepEqual(lines(createErrors('validatingwebhookconfigurations', c)), []);
  t.like(c.webhooks[0], { failurePolicy: 'Fail', matchPolicy: 'Equivalent', timeoutSeconds: 10, namespaceSelector: {}, objectSelector: {}, rules: [{ scope: '*' }], clientConfig: { service: { port: 443 } } });
});
test('webhook names, side effects, timeouts, clients', has, 'mutatingwebhookconfigurations', o('MutatingWebhookConfiguration', ADM, 'm', undefined, { webhooks: [webhook({ name: 'hook', sideEffects: undefined, timeoutSeconds: 31, clientConfig: { url: 'http://x.example.com/a?b=1' }, reinvocationPolicy: 'Always', rules: [{ ...rule, operations: ['*', 'CREATE'] }] }), webhook({ admissionReviewVersions: [] }), webhook({ clientConfig: {} })] }), [
  'webhooks[0].name: Invalid value: "hook": should be a domain with at least three segments separated by dots',
  'webhooks[0].sideEffects: Required value: must specify one of None, NoneOnDryRun',
  'webhooks[0].timeoutSeconds: Invalid value: 31: the timeout value must be between 1 and 30 seconds',
  "webhooks[0].clientConfig.url: Invalid value: \"http\": 'https' is the only allowed URL scheme; desired format: https://host[/path]",
  'webhooks[0].clientConfig.url: Invalid value: "b=1": query parameters are not permitted in the URL',
  'webhooks[0].reinvocationPolicy: Unsupported value: "Always": supported values: "IfNeeded", "Never"',
  'webhooks[0].rules[0].operations: Invalid value: []string{"*", "CREATE"}: if \'*\' is present, must not specify other operations',
  'webhooks[1].admissionReviewVersions: Required value: must specify one of v1, v1beta1',
  'webhooks[2].name: Duplicate value: "pods.policy.example.com"',
  'webhooks[2].clientConfig: Required value: exactly one of url or service is required',
]);

const vap = (spec: Record<string, unknown>) => o('ValidatingAdmissionPolicy', ADM, 'demo-policy.example.com', undefined, { spec });
const constraints = { resourceRules: [{ apiGroups: ['apps'], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['deployments'] }] };
test('api - validatingadmissionpolicies: a typical policy is valid, with upstream defaults', (t) => {
  const p: any = vap({ paramKind: { apiVersion: 'v1', kind: 'ConfigMap' }, matchConstraints: constraints, matchConditions: [{ name: 'exclude-leases', expression: '!(request.resource.group == "coordination.k8s.io")' }], validations: [{ expression: 'object.spec.replicas <= 5', messageExpression: '"replicas: " + string(object.spec.replicas)', reason: 'Forbidden' }] }); // eslint-disable-line @typescript-eslint/no-explicit-any
  t.deepEqual(lines(createErrors('validatingadmissionpolicies', p)), []);
  t.is(p.spec.failurePolicy, 'Fail');
  t.like(p.spec.matchConstraints, { matchPolicy: 'Equivalent', namespaceSelector: {}, objectSelector: {}, resourceRules: [{ scope: '*' }] });
});
test('policy expressions compile; rules, reasons and validations are required', has, 'validatingadmissionpolicies', vap({ failurePolicy: 'Sometimes', matchConstraints: {}, matchConditions: [{ name: 'bad name!', expression: 'object.spec.replicas <' }], validations: [{ expression: 'nosuch > 1', reason: 'Teapot', message: 'a\nb' }] }), [
  'spec.failurePolicy: Unsupported value: "Sometimes": supported values: "Fail", "Ignore"',
  'spec.matchConstraints.resourceRules: Required value',
  'spec.validations[0].reason: Unsupported value: "Teapot": supported values: "Forbidden", "Invalid", "RequestEntityTooLarge", "Unauthorized"',
  'spec.validations[0].message: Invalid value: "a\\nb": message must not contain line breaks',
]);
test('api - validatingadmissionpolicies: params may be named only by a policy with a paramKind', (t) => {
  const spec = { matchConstraints: constraints, validations: [{ expression: 'object.spec.replicas <= params.max' }] };
  const errs = createErrors('validatingadmissionpolicies', vap(spec));
  t.deepEqual(errs.map((e) => e.field), ['spec.validations[0].expression']);
  t.regex(errs[0].message, /compilation failed: ERROR: <input>: .*params/);
  t.deepEqual(createErrors('validatingadmissionpolicies', vap({ ...spec, paramKind: { apiVersion: 'v1', kind: 'ConfigMap' } })), []);
});

test('api - validatingadmissionpolicies: a CEL expression that does not compile is an Invalid value at its path', (t) => {
  const errs = createErrors('validatingadmissionpolicies', vap({ matchConstraints: constraints, validations: [{ expression: 'nosuch > 1' }, { expression: '' }] }));
  const e = errs.find((x) => x.field === 'spec.validations[0].expression');
  t.truthy(e);
  t.regex(e!.message, /^Invalid value: "nosuch > 1": compilation failed: ERROR: <input>: .*nosuch/);
  t.true(lines(errs).includes('spec.validations[1].expression: Required value: expression is not specified'));
});
const binding = (spec: Record<string, unknown>) => o('ValidatingAdmissionPolicyBinding', ADM, 'demo-binding', undefined, { spec });
test('api - validatingadmissionpolicybindings: a typical binding is valid; paramRef defaults to Deny when not found', (t) => {
  const b: any = binding({ policyName: 'demo-policy.example.com', validationActions: ['Deny'], paramRef: { name: 'limits', namespace: 'default' }, matchResources: { namespaceSelector: { matchLabels: { env: 'test' } } } }); // eslint-disable-line @typescript-eslint/no-explicit-any
  t.deepEqual(lines(createErrors('validatingadmissionpolicybindings', b)), []);
  t.is(b.spec.paramRef.parameterNotFoundAction, 'Deny');
  t.like(b.spec.matchResources, { matchPolicy: 'Equivalent', objectSelector: {} });
});
test('binding actions and paramRef', has, 'validatingadmissionpolicybindings', binding({ validationActions: ['Deny', 'Warn', 'Deny', 'Log'], paramRef: { name: 'a', selector: {}, parameterNotFoundAction: 'Allow' } }), [
  'spec.policyName: Required value',
  'spec.paramRef.name: Forbidden: name and selector are mutually exclusive',
  'spec.validationActions[2]: Duplicate value: "Deny"',
  'spec.validationActions[3]: Unsupported value: "Log": supported values: "Audit", "Deny", "Warn"',
  'spec.validationActions: Invalid value: []string{"Deny", "Warn", "Deny", "Log"}: must not contain both Deny and Warn (repeating the same validation failure information in the API response and headers serves no purpose)',
]);
test('binding without actions', has, 'validatingadmissionpolicybindings', binding({ policyName: 'p' }), ['spec.validationActions: Required value: at least one validation action is required']);

const FC = 'flowcontrol.apiserver.k8s.io/v1';
test('api - flowschemas and prioritylevelconfigurations: stored with upstream defaults', (t) => {
  const fs: any = o('FlowSchema', FC, 'health', undefined, { spec: { priorityLevelConfiguration: { name: 'exempt' }, rules: [{ subjects: [{ kind: 'Group', group: { name: 'system:unauthenticated' } }], nonResourceRules: [{ verbs: ['*'], nonResourceURLs: ['/healthz'] }] }] } }); // eslint-disable-line @typescript-eslint/no-explicit-any
  t.deepEqual(lines(createErrors('flowschemas', fs)), []);
  t.is(fs.spec.matchingPrecedence, 1000);
  const pl: any = o('PriorityLevelConfiguration', FC, 'workload-low', undefined, { spec: { type: 'Limited', limited: { limitResponse: { type: 'Queue', queuing: {} } } } }); // eslint-disable-line @typescript-eslint/no-explicit-any
  t.deepEqual(lines(createErrors('prioritylevelconfigurations', pl)), []);
  t.like(pl.spec.limited, { nominalConcurrencyShares: 30, lendablePercent: 0, limitResponse: { queuing: { queues: 64, handSize: 8, queueLengthLimit: 50 } } });
});
test('flow schema precedence and priority level', has, 'flowschemas', o('FlowSchema', FC, 'x', undefined, { spec: { priorityLevelConfiguration: { name: '' }, matchingPrecedence: 20000, distinguisherMethod: { type: 'ByColor' } } }), [
  'spec.matchingPrecedence: Invalid value: 20000: must not be greater than 10000',
  'spec.priorityLevelConfiguration.name: Required value: must reference a priority level',
  'spec.distinguisherMethod.type: Unsupported value: "ByColor": supported values: "ByNamespace", "ByUser"',
]);
test('priority level type', has, 'prioritylevelconfigurations', o('PriorityLevelConfiguration', FC, 'x', undefined, { spec: { type: 'Limited' } }), ['spec.limited: Required value: must not be empty when type is Limited']);

const MINE = ['ingresses', 'ingressclasses', 'networkpolicies', 'horizontalpodautoscalers', 'roles', 'clusterroles', 'rolebindings', 'clusterrolebindings', 'runtimeclasses', 'validatingwebhookconfigurations', 'mutatingwebhookconfigurations', 'validatingadmissionpolicies', 'validatingadmissionpolicybindings', 'flowschemas', 'prioritylevelconfigurations'];
test('api - these kinds never throw in defaults or validation on arbitrary JSON (property)', (t) => {
  const defs = MINE.map((n) => resourceFor(n)!);
  const shaped = fc.record({ apiVersion: fc.string(), kind: fc.string(), metadata: fc.record({ name: fc.string() }), spec: fc.jsonValue(), rules: fc.jsonValue(), webhooks: fc.jsonValue(), roleRef: fc.jsonValue(), subjects: fc.jsonValue(), handler: fc.jsonValue() }, { requiredKeys: ['metadata'] });
  fc.assert(
    fc.property(fc.constantFrom(...defs), fc.oneof(fc.jsonValue(), shaped), (d, value) => {
      const v = structuredClone(value);
      d.defaults?.(v as never);
      d.prepareForCreate?.(v as never);
      const errs = d.validate(v as never);
      if (errs.length === 0) d.validateUpdate?.(v as never, structuredClone(v) as never);
    }),
    { numRuns: 3000 },
  );
  t.pass();
});

test('api - absent Go value fields read as their zero values, so upstream\'s checks word the errors', (t) => {
  t.deepEqual(lines(createErrors('hpa', hpa({ scaleTargetRef: { kind: 'Deployment', name: 'web' } }))), [
    'spec.maxReplicas: Invalid value: 0: must be greater than 0',
    'spec.maxReplicas: Invalid value: 0: must be greater than or equal to `minReplicas`',
  ]);
  t.deepEqual(lines(createErrors('rolebindings', o('RoleBinding', RBAC, 'b', 'default', {}))), [
    'roleRef.kind: Unsupported value: "": supported values: "Role", "ClusterRole"',
    'roleRef.name: Required value',
  ]);
  t.deepEqual(lines(createErrors('validatingadmissionpolicies', o('ValidatingAdmissionPolicy', ADM, 'p', undefined, {}))), [
    'spec.matchConstraints: Required value',
    'spec.validations: Required value: validations or auditAnnotations must contain at least one item',
    'spec.auditAnnotations: Required value: validations or auditAnnotations must contain at least one item',
  ]);
  t.deepEqual(lines(createErrors('runtimeclasses', o('RuntimeClass', 'node.k8s.io/v1', 'r', undefined, {}))), [
    "handler: Invalid value: \"\": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name', or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
  ]);
});

test('api - strict field validation finds unknown fields inside these kinds at upstream paths', (t) => {
  const policy = vap({ matchConstraints: { ...constraints, bogus: 1 }, validations: [{ expression: 'true', messsage: 'typo' }] });
  t.deepEqual(unknownFieldsOf(resourceFor('validatingadmissionpolicies')!, { object: policy }, false), ['spec.matchConstraints.bogus', 'spec.validations[0].messsage']);
  const ing = ingress({ rules: [{ host: 'a.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { numbr: 80 } } } }] } }] });
  t.deepEqual(unknownFieldsOf(resourceFor('ingresses')!, { object: ing }, false), ['spec.rules[0].http.paths[0].backend.service.port.numbr']);
  t.deepEqual(unknownFieldsOf(resourceFor('rolebindings')!, { object: o('RoleBinding', RBAC, 'b', 'default', { roleRef: { kind: 'Role', name: 'r', namespace: 'x' } }) }, false), ['roleRef.namespace']);
});

test('a typical cluster role binding is valid', has, 'clusterrolebindings', o('ClusterRoleBinding', RBAC, 'read-secrets-global', undefined, { subjects: [{ kind: 'Group', name: 'manager', apiGroup: 'rbac.authorization.k8s.io' }, { kind: 'ServiceAccount', name: 'ci', namespace: 'build' }], roleRef: { kind: 'ClusterRole', name: 'secret-reader', apiGroup: 'rbac.authorization.k8s.io' } }), []);
test('a typical mutating webhook configuration is valid', has, 'mutatingwebhookconfigurations', o('MutatingWebhookConfiguration', ADM, 'inject', undefined, { webhooks: [webhook({ name: 'inject.sidecar.example.com', reinvocationPolicy: 'IfNeeded', matchConditions: [{ name: 'not-system', expression: '!object.metadata.namespace.startsWith("kube-")' }] })] }), []);
test('validating webhook rules and service reference', has, 'validatingwebhookconfigurations', o('ValidatingWebhookConfiguration', ADM, 'v', undefined, { webhooks: [webhook({ rules: [{ operations: ['PATCH'], apiGroups: [], apiVersions: ['v1'], resources: ['*', 'pods'], scope: 'Everywhere' }], clientConfig: { service: { namespace: '', name: 'hook', port: 0, path: 'validate' } } })] }), [
  'webhooks[0].rules[0].operations[0]: Unsupported value: "PATCH": supported values: "*", "CONNECT", "CREATE", "DELETE", "UPDATE"',
  'webhooks[0].rules[0].apiGroups: Required value',
  'webhooks[0].rules[0].resources: Invalid value: []string{"*", "pods"}: if \'*\' is present, must not specify other resources without subresources',
  'webhooks[0].rules[0].scope: Unsupported value: "Everywhere": supported values: "*", "Cluster", "Namespaced"',
  'webhooks[0].clientConfig.service.namespace: Required value: service namespace is required',
  'webhooks[0].clientConfig.service.port: Invalid value: 0: port is not valid: must be between 1 and 65535, inclusive',
  "webhooks[0].clientConfig.service.path: Invalid value: \"validate\": must start with a '/'",
]);

test('api - validatingadmissionpolicies: audit annotations alone make a policy; their keys and value expressions are checked', (t) => {
  const good = vap({ matchConstraints: constraints, auditAnnotations: [{ key: 'high-replica-count', valueExpression: '"Deployment spec.replicas set to " + string(object.spec.replicas)' }] });
  t.deepEqual(createErrors('validatingadmissionpolicies', good), []);
  const bad = vap({ matchConstraints: constraints, auditAnnotations: [{ key: 'a b', valueExpression: 'object.spec.replicas >' }, { key: 'a b', valueExpression: ' ' }] });
  const got = lines(createErrors('validatingadmissionpolicies', bad));
  t.true(got.some((l) => l.startsWith('spec.auditAnnotations[0].key: Invalid value: "demo-policy.example.com/a b": name part must consist of alphanumeric characters')), got.join('\n'));
  t.true(got.some((l) => /^spec\.auditAnnotations\[0\]\.valueExpression: Invalid value: "object\.spec\.replicas >": compilation failed: /.test(l)), got.join('\n'));
  t.true(got.includes('spec.auditAnnotations[1].valueExpression: Required value: valueExpression is not specified'), got.join('\n'));
  t.true(got.includes('spec.auditAnnotations[1].key: Duplicate value: "a b"'), got.join('\n'));
});
