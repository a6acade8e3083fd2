// Workload kinds: defaults, validation and update rules of ReplicaSet, Deployment, DaemonSet, StatefulSet, Job.
import test from 'ava';
import { createErrors, defOf, edited, job, lines, workload } from './api-fixtures.ts';

const defaulted = (name: string, o: any) => { // eslint-disable-line @typescript-eslint/no-explicit-any
  const d = defOf(name);
  d.defaults!(o);
  d.prepareForCreate?.(o);
  return o;
};

test('api - deployment defaults as SetDefaults_Deployment, template gets pod-spec defaults', (t) => {
  const d = defaulted('deployments', workload('Deployment'));
  t.is(d.spec.replicas, 1);
  t.deepEqual(d.spec.strategy, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } });
  t.is(d.spec.revisionHistoryLimit, 10);
  t.is(d.spec.progressDeadlineSeconds, 600);
  t.is(d.spec.template.spec.restartPolicy, 'Always');
  t.is(d.spec.template.spec.containers[0].imagePullPolicy, 'IfNotPresent');
  t.is(d.spec.template.spec.enableServiceLinks, undefined, 'pod-only defaults stay off templates');
  t.deepEqual(d.status, {});
});

test('api - replica set, daemon set and stateful set defaults', (t) => {
  t.is(defaulted('rs', workload('ReplicaSet')).spec.replicas, 1);
  const ds = defaulted('ds', workload('DaemonSet'));
  t.deepEqual(ds.spec.updateStrategy, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } });
  t.is(ds.spec.revisionHistoryLimit, 10);
  const sts = defaulted('sts', workload('StatefulSet'));
  t.like(sts.spec, { replicas: 1, podManagementPolicy: 'OrderedReady', revisionHistoryLimit: 10, updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } } });
  const recreate = defaulted('deploy', workload('Deployment', 'apps/v1', { strategy: { type: 'Recreate' } }));
  t.deepEqual(recreate.spec.strategy, { type: 'Recreate' });
});

test('api - job defaults as SetDefaults_Job', (t) => {
  const j = defaulted('jobs', job());
  t.like(j.spec, { completions: 1, parallelism: 1, backoffLimit: 6, completionMode: 'NonIndexed', suspend: false });
  const p = defaulted('jobs', job({ parallelism: 3 }));
  t.is(p.spec.completions, undefined);
  t.is(p.spec.parallelism, 3);
});

test('api - typical workloads are valid', (t) => {
  for (const [name, o] of [
    ['deployments', workload('Deployment')],
    ['replicasets', workload('ReplicaSet')],
    ['daemonsets', workload('DaemonSet')],
    ['statefulsets', workload('StatefulSet', 'apps/v1', { serviceName: 'web' })],
    ['jobs', job()],
  ] as const)
    t.deepEqual(createErrors(name, o), [], name);
});

test('api - a job gets its generated selector and pod labels', (t) => {
  const j = job();
  t.deepEqual(createErrors('jobs', j), []);
  t.deepEqual(j.spec.selector, { matchLabels: { 'batch.kubernetes.io/controller-uid': 'uid-j' } });
  t.like(j.spec.template.metadata.labels, { 'batch.kubernetes.io/job-name': 'pi', 'job-name': 'pi', 'controller-uid': 'uid-j' });
});

const invalid = test.macro({
  exec(t, name: string, obj: unknown, expected: string[]) {
    const errs = lines(createErrors(name, obj as never));
    for (const e of expected) t.true(errs.includes(e), `missing: ${e}\n got: ${errs.join('\n      ')}`);
  },
  title: (title, name) => `api - ${name} validation: ${title}`,
});

test('selector does not match template', invalid, 'deployments', edited(workload('Deployment'), (d) => (d.spec.selector.matchLabels.app = 'x')), [
  'spec.template.metadata.labels: Invalid value: map[string]string{"app":"web"}: `selector` does not match template `labels`',
]);
test('missing selector', invalid, 'deployments', edited(workload('Deployment'), (d) => delete d.spec.selector), [
  'spec.selector: Required value',
  'spec.template.metadata.labels: Invalid value: map[string]string{"app":"web"}: `selector` does not match template `labels`',
]);
test('empty selector', invalid, 'replicasets', edited(workload('ReplicaSet'), (d) => (d.spec.selector = {})), [
  'spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector is invalid for deployment',
]);
test('negative replicas', invalid, 'deployments', edited(workload('Deployment'), (d) => (d.spec.replicas = -1)), [
  'spec.replicas: Invalid value: -1: must be greater than or equal to 0',
]);
test('template restart policy', invalid, 'deployments', edited(workload('Deployment'), (d) => (d.spec.template.spec.restartPolicy = 'Never')), [
  'spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"',
]);
test('both maxSurge and maxUnavailable zero', invalid, 'deployments', edited(workload('Deployment'), (d) => (d.spec.strategy = { type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: '0%' } })), [
  'spec.strategy.rollingUpdate.maxUnavailable: Invalid value: intstr.IntOrString{Type:1, IntVal:0, StrVal:"0%"}: may not be 0 when `maxSurge` is 0',
]);
test('bad percentages', invalid, 'deployments', edited(workload('Deployment'), (d) => (d.spec.strategy = { type: 'RollingUpdate', rollingUpdate: { maxSurge: 'lots', maxUnavailable: '150%' } })), [
  "spec.strategy.rollingUpdate.maxSurge: Invalid value: intstr.IntOrString{Type:1, IntVal:0, StrVal:\"lots\"}: a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%', or '93%', regex used for validation is '[0-9]+%')",
  'spec.strategy.rollingUpdate.maxUnavailable: Invalid value: intstr.IntOrString{Type:1, IntVal:0, StrVal:"150%"}: must not be greater than 100%',
]);
test('Recreate with rollingUpdate', invalid, 'deployments', edited(workload('Deployment'), (d) => (d.spec.strategy = { type: 'Recreate', rollingUpdate: {} })), [
  "spec.strategy.rollingUpdate: Forbidden: may not be specified when strategy `type` is 'Recreate'",
]);
test('progress deadline not above minReadySeconds', invalid, 'deployments', edited(workload('Deployment'), (d) => Object.assign(d.spec, { minReadySeconds: 30, progressDeadlineSeconds: 30 })), [
  'spec.progressDeadlineSeconds: Invalid value: 30: must be greater than minReadySeconds',
]);
test('template pod spec is validated', invalid, 'replicasets', edited(workload('ReplicaSet'), (d) => (d.spec.template.spec.containers[0].image = '')), [
  'spec.template.spec.containers[0].image: Required value',
]);
test('daemon set surge and unavailable both set', invalid, 'daemonsets', edited(workload('DaemonSet'), (d) => (d.spec.updateStrategy = { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 1 } })), [
  'spec.updateStrategy.rollingUpdate.maxSurge: Invalid value: intstr.IntOrString{Type:0, IntVal:1, StrVal:""}: may not be set when maxUnavailable is non-zero',
]);
test('daemon set active deadline', invalid, 'daemonsets', edited(workload('DaemonSet'), (d) => (d.spec.template.spec.activeDeadlineSeconds = 5)), [
  'spec.template.spec.activeDeadlineSeconds: Forbidden: activeDeadlineSeconds in DaemonSet is not Supported',
]);
test('stateful set pod management policy', invalid, 'statefulsets', edited(workload('StatefulSet'), (d) => (d.spec.podManagementPolicy = 'Random')), [
  "spec.podManagementPolicy: Invalid value: \"Random\": must be 'OrderedReady' or 'Parallel'",
]);
test('stateful set name is a DNS label', invalid, 'statefulsets', edited(workload('StatefulSet'), (d) => (d.metadata.name = 'web.v1')), [
  'metadata.name: Invalid value: "web.v1": must not contain dots',
]);
test('job restart policy', invalid, 'jobs', edited(job(), (j) => (j.spec.template.spec.restartPolicy = 'Always')), [
  'spec.template.spec.restartPolicy: Unsupported value: "Always": supported values: "OnFailure", "Never"',
]);
test('job counts', invalid, 'jobs', edited(job(), (j) => Object.assign(j.spec, { completions: -1, parallelism: -2, backoffLimit: -3 })), [
  'spec.completions: Invalid value: -1: must be greater than or equal to 0',
  'spec.parallelism: Invalid value: -2: must be greater than or equal to 0',
  'spec.backoffLimit: Invalid value: -3: must be greater than or equal to 0',
]);
test('job completion mode', invalid, 'jobs', edited(job(), (j) => (j.spec.completionMode = 'Sometimes')), [
  'spec.completionMode: Unsupported value: "Sometimes": supported values: "Indexed", "NonIndexed"',
]);
test('job manual selector must still match', invalid, 'jobs', edited(job(), (j) => Object.assign(j.spec, { manualSelector: true, selector: { matchLabels: { a: 'b' } } })), [
  'spec.template.metadata.labels: Invalid value: map[string]string{}: `selector` does not match template `labels`',
]);

const updateErrors = (name: string, old: any, mutate: (o: any) => void) => { // eslint-disable-line @typescript-eslint/no-explicit-any
  const d = defOf(name);
  defaulted(name, old);
  d.validate(old);
  const next = edited(old, mutate);
  return lines(d.validateUpdate!(next, old));
};

test('api - workload selectors are immutable', (t) => {
  const change = (o: any) => { // eslint-disable-line @typescript-eslint/no-explicit-any
    o.spec.selector.matchLabels = { app: 'v2' };
    o.spec.template.metadata.labels = { app: 'v2' };
  };
  const msg = 'spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"v2"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable';
  t.deepEqual(updateErrors('deployments', workload('Deployment'), change), [msg]);
  t.deepEqual(updateErrors('replicasets', workload('ReplicaSet'), change), [msg]);
  t.deepEqual(updateErrors('daemonsets', workload('DaemonSet'), change), [msg]);
  t.deepEqual(updateErrors('deployments', workload('Deployment'), (o) => (o.spec.replicas = 5)), []);
});

test('api - stateful set updates are limited to a whitelist', (t) => {
  t.deepEqual(updateErrors('sts', workload('StatefulSet'), (o) => Object.assign(o.spec, { replicas: 3, minReadySeconds: 5 })), []);
  t.deepEqual(updateErrors('sts', workload('StatefulSet'), (o) => (o.spec.serviceName = 'other')), [
    "spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
  ]);
});

test('api - job template and completions are immutable', (t) => {
  const errs = updateErrors('jobs', job(), (o) => {
    o.spec.completions = 3;
    o.spec.template.spec.containers[0].image = 'other';
  });
  t.is(errs.length, 2);
  t.is(errs[0], 'spec.completions: Invalid value: 3: field is immutable');
  t.true(errs[1].startsWith('spec.template: Invalid value: '));
  t.true(errs[1].endsWith(': field is immutable'));
  t.deepEqual(updateErrors('jobs', job(), (o) => (o.spec.parallelism = 4)), []);
});
