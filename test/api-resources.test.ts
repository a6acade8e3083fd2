// The resource table, lookups, the structural check, robustness on arbitrary input, names and timestamps.
import test from 'ava';
import fc from 'fast-check';
import { generateName, NAME_ALPHABET, parseRfc3339, rfc3339, rfc3339Micro } from '../api/names.ts';
import { allResources, resourceByKind, resourceFor } from '../api/resources.ts';
import { invalid } from '../api/status.ts';
import { deepFreeze } from '../bus/freeze.ts';
import { job, lines, node, pod, service, workload } from './api-fixtures.ts';

const lookup = test.macro({
  exec(t, name: string, plural: string | undefined) {
    t.is(resourceFor(name)?.plural, plural);
  },
  title: (_p, name, plural) => `api - resourceFor(${JSON.stringify(name)}) is ${plural ?? 'unknown'}`,
});

for (const [name, plural] of [
  ['pods', 'pods'], ['pod', 'pods'], ['po', 'pods'], ['Pod', 'pods'], ['PODS', 'pods'],
  ['no', 'nodes'], ['ns', 'namespaces'], ['svc', 'services'], ['ep', 'endpoints'], ['endpoints', 'endpoints'],
  ['cm', 'configmaps'], ['deploy', 'deployments'], ['deployments.apps', 'deployments'], ['Deployment.apps', 'deployments'],
  ['deployments.v1.apps', 'deployments'], ['rs', 'replicasets'], ['ds', 'daemonsets'], ['sts', 'statefulsets'],
  ['sa', 'serviceaccounts'], ['ev', 'events'], ['lease', 'leases'], ['leases.coordination.k8s.io', 'leases'], ['job', 'jobs'],
  ['jobs.batch', 'jobs'], ['controllerrevision', 'controllerrevisions'], ['secret', 'secrets'], ['binding', 'bindings'],
  ['deployments.batch', undefined], ['widgets', undefined],
] as const)
  test(lookup, name, plural);

test('api - the table matches upstream names, groups and scopes', (t) => {
  const rows = allResources().map((d) => `${d.kind}|${d.listKind}|${d.plural}|${d.singular}|${d.shortNames.join(',')}|${d.apiVersion}|${d.namespaced ? 'ns' : 'cluster'}|${d.hasStatus ? 'status' : ''}`);
  t.deepEqual(rows, [
    'Pod|PodList|pods|pod|po|v1|ns|status',
    'Node|NodeList|nodes|node|no|v1|cluster|status',
    'Namespace|NamespaceList|namespaces|namespace|ns|v1|cluster|status',
    'Service|ServiceList|services|service|svc|v1|ns|status',
    'Endpoints|EndpointsList|endpoints|endpoints|ep|v1|ns|',
    'ConfigMap|ConfigMapList|configmaps|configmap|cm|v1|ns|',
    'Secret|SecretList|secrets|secret||v1|ns|',
    'Event|EventList|events|event|ev|v1|ns|',
    'ServiceAccount|ServiceAccountList|serviceaccounts|serviceaccount|sa|v1|ns|',
    'Binding|BindingList|bindings|binding||v1|ns|',
    'EndpointSlice|EndpointSliceList|endpointslices|endpointslice||discovery.k8s.io/v1|ns|',
    'Lease|LeaseList|leases|lease||coordination.k8s.io/v1|ns|',
    'ReplicaSet|ReplicaSetList|replicasets|replicaset|rs|apps/v1|ns|status',
    'Deployment|DeploymentList|deployments|deployment|deploy|apps/v1|ns|status',
    'DaemonSet|DaemonSetList|daemonsets|daemonset|ds|apps/v1|ns|status',
    'StatefulSet|StatefulSetList|statefulsets|statefulset|sts|apps/v1|ns|status',
    'ControllerRevision|ControllerRevisionList|controllerrevisions|controllerrevision||apps/v1|ns|',
    'Job|JobList|jobs|job||batch/v1|ns|status',
    'CronJob|CronJobList|cronjobs|cronjob|cj|batch/v1|ns|status',
    'PersistentVolume|PersistentVolumeList|persistentvolumes|persistentvolume|pv|v1|cluster|status',
    'PersistentVolumeClaim|PersistentVolumeClaimList|persistentvolumeclaims|persistentvolumeclaim|pvc|v1|ns|status',
    'StorageClass|StorageClassList|storageclasses|storageclass|sc|storage.k8s.io/v1|cluster|',
    'PriorityClass|PriorityClassList|priorityclasses|priorityclass|pc|scheduling.k8s.io/v1|cluster|',
    'ReplicationController|ReplicationControllerList|replicationcontrollers|replicationcontroller|rc|v1|ns|status',
    'PodTemplate|PodTemplateList|podtemplates|podtemplate||v1|ns|',
    'PodDisruptionBudget|PodDisruptionBudgetList|poddisruptionbudgets|poddisruptionbudget|pdb|policy/v1|ns|status',
    'Ingress|IngressList|ingresses|ingress|ing|networking.k8s.io/v1|ns|status',
    'IngressClass|IngressClassList|ingressclasses|ingressclass||networking.k8s.io/v1|cluster|',
    'NetworkPolicy|NetworkPolicyList|networkpolicies|networkpolicy|netpol|networking.k8s.io/v1|ns|',
    'HorizontalPodAutoscaler|HorizontalPodAutoscalerList|horizontalpodautoscalers|horizontalpodautoscaler|hpa|autoscaling/v2|ns|status',
    'Role|RoleList|roles|role||rbac.authorization.k8s.io/v1|ns|',
    'ClusterRole|ClusterRoleList|clusterroles|clusterrole||rbac.authorization.k8s.io/v1|cluster|',
    'RoleBinding|RoleBindingList|rolebindings|rolebinding||rbac.authorization.k8s.io/v1|ns|',
    'ClusterRoleBinding|ClusterRoleBindingList|clusterrolebindings|clusterrolebinding||rbac.authorization.k8s.io/v1|cluster|',
    'SubjectAccessReview|SubjectAccessReviewList|subjectaccessreviews|subjectaccessreview||authorization.k8s.io/v1|cluster|',
    'SelfSubjectAccessReview|SelfSubjectAccessReviewList|selfsubjectaccessreviews|selfsubjectaccessreview||authorization.k8s.io/v1|cluster|',
    'LocalSubjectAccessReview|LocalSubjectAccessReviewList|localsubjectaccessreviews|localsubjectaccessreview||authorization.k8s.io/v1|ns|',
    'SelfSubjectRulesReview|SelfSubjectRulesReviewList|selfsubjectrulesreviews|selfsubjectrulesreview||authorization.k8s.io/v1|cluster|',
    'TokenReview|TokenReviewList|tokenreviews|tokenreview||authentication.k8s.io/v1|cluster|',
    'RuntimeClass|RuntimeClassList|runtimeclasses|runtimeclass||node.k8s.io/v1|cluster|',
    'ValidatingWebhookConfiguration|ValidatingWebhookConfigurationList|validatingwebhookconfigurations|validatingwebhookconfiguration||admissionregistration.k8s.io/v1|cluster|',
    'MutatingWebhookConfiguration|MutatingWebhookConfigurationList|mutatingwebhookconfigurations|mutatingwebhookconfiguration||admissionregistration.k8s.io/v1|cluster|',
    'ValidatingAdmissionPolicy|ValidatingAdmissionPolicyList|validatingadmissionpolicies|validatingadmissionpolicy||admissionregistration.k8s.io/v1|cluster|status',
    'ValidatingAdmissionPolicyBinding|ValidatingAdmissionPolicyBindingList|validatingadmissionpolicybindings|validatingadmissionpolicybinding||admissionregistration.k8s.io/v1|cluster|',
    'FlowSchema|FlowSchemaList|flowschemas|flowschema||flowcontrol.apiserver.k8s.io/v1|cluster|status',
    'PriorityLevelConfiguration|PriorityLevelConfigurationList|prioritylevelconfigurations|prioritylevelconfiguration||flowcontrol.apiserver.k8s.io/v1|cluster|status',
    'ResourceQuota|ResourceQuotaList|resourcequotas|resourcequota|quota|v1|ns|status',
    'LimitRange|LimitRangeList|limitranges|limitrange|limits|v1|ns|',
    'CustomResourceDefinition|CustomResourceDefinitionList|customresourcedefinitions|customresourcedefinition|crd,crds|apiextensions.k8s.io/v1|cluster|status',
  ]);
});

test('api - resourceByKind honours an apiVersion', (t) => {
  t.is(resourceByKind('Deployment')?.plural, 'deployments');
  t.is(resourceByKind('deployment', 'apps/v1')?.plural, 'deployments');
  t.is(resourceByKind('Deployment', 'extensions/v1beta1'), undefined);
});

test('api - pods offer upstream field labels; jobs only metadata ones', (t) => {
  t.deepEqual(Object.keys(resourceFor('pods')!.fields!).sort(), [
    'spec.hostNetwork', 'spec.nodeName', 'spec.restartPolicy', 'spec.schedulerName', 'spec.serviceAccountName', 'status.nominatedNodeName', 'status.phase', 'status.podIP',
  ]);
  t.is(resourceFor('jobs')!.fields, undefined);
  const p = pod();
  resourceFor('pods')!.defaults!(p);
  t.is(resourceFor('pods')!.fields!['spec.nodeName'](p), '');
  t.is(resourceFor('pods')!.fields!['spec.schedulerName'](p), 'default-scheduler');
});

test('api - structural errors come first and name the field', (t) => {
  const d = resourceFor('deployments')!;
  const e = d.validate({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'x', namespace: 'd' }, spec: { replicas: 'three', template: {} } } as never);
  t.deepEqual(lines(e), [
    'spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string"',
    'spec.template.spec: Required value',
  ]);
  t.deepEqual(lines(resourceFor('pods')!.validate({ apiVersion: 'v1', kind: 'Pod' } as never)), ['metadata: Required value', 'spec: Required value']);
  t.regex(invalid('Pod', '', resourceFor('pods')!.validate(42 as never)).message, /in body must be of type object/);
});

test('api - JSON nulls read as absent fields, as Go decodes them', (t) => {
  const p = pod({ status: { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'True', lastProbeTime: null }] } });
  (p.metadata as Record<string, unknown>).creationTimestamp = null;
  const d = resourceFor('pods')!;
  d.defaults!(p);
  t.deepEqual(d.validate(p), []);
  t.false('lastProbeTime' in p.status.conditions[0]);
  t.false('creationTimestamp' in p.metadata);
});

test('api - nulls in a frozen part (shared with a stored object) are dropped from a copy, never from it', (t) => {
  const stored = deepFreeze({ phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'True', lastProbeTime: null }] });
  const p = pod({ status: stored });
  const d = resourceFor('pods')!;
  d.defaults!(p);
  t.deepEqual(d.validate(p), []);
  t.false('lastProbeTime' in p.status.conditions[0]);
  t.is(stored.conditions[0].lastProbeTime, null);
  t.not(p.status, stored);
});

const samples = () => [pod(), workload('Deployment'), workload('ReplicaSet'), workload('DaemonSet'), workload('StatefulSet'), job(), service(), node()];

test('api - defaults and validation never throw on arbitrary JSON (property)', (t) => {
  const defs = allResources();
  fc.assert(
    fc.property(fc.constantFrom(...defs), fc.jsonValue(), (d, value) => {
      const v = structuredClone(value);
      d.defaults?.(v as never);
      d.prepareForCreate?.(v as never);
      const errs = d.validate(v as never);
      // As the API server does: update rules only for an object that is valid by itself.
      if (errs.length === 0) d.validateUpdate?.(v as never, structuredClone(v) as never);
      return Array.isArray(errs);
    }),
    { numRuns: 2000 },
  );
  t.pass();
});

test('api - validation never throws on mutated real objects (property)', (t) => {
  const leaf = fc.oneof(fc.jsonValue({ maxDepth: 1 }), fc.constant(undefined));
  fc.assert(
    fc.property(fc.constantFrom(...samples().map((o, i) => i)), fc.array(fc.tuple(fc.nat(), leaf), { maxLength: 4 }), (i, edits) => {
      const o = samples()[i] as Record<string, unknown>;
      const d = resourceFor(o.kind as string)!;
      d.defaults!(o as never);
      for (const [pick, val] of edits) {
        // Replace a random nested value (found by walking the object) with arbitrary JSON.
        const paths: [Record<string, unknown>, string][] = [];
        const walk = (x: unknown) => {
          if (typeof x !== 'object' || x === null) return;
          for (const k of Object.keys(x)) {
            paths.push([x as Record<string, unknown>, k]);
            walk((x as Record<string, unknown>)[k]);
          }
        };
        walk(o);
        const [parent, k] = paths[pick % paths.length];
        parent[k] = val;
      }
      const errs = d.validate(o as never);
      if (errs.length === 0) d.validateUpdate?.(o as never, structuredClone(o) as never);
      return Array.isArray(errs);
    }),
    { numRuns: 3000 },
  );
  t.pass();
});

test('api - generateName cuts the prefix to 58 chars and adds 5 from the upstream alphabet', (t) => {
  let i = 0;
  const seq = (n: number) => i++ % n;
  t.is(generateName('web-', seq), 'web-bcdfg');
  const long = generateName('x'.repeat(70), () => NAME_ALPHABET.length - 1);
  t.is(long, `${'x'.repeat(58)}99999`);
  t.is(long.length, 63);
});

test('api - generated names are valid for a valid prefix (property)', (t) => {
  fc.assert(
    fc.property(fc.stringMatching(/^[a-z]([-a-z0-9]{0,80})$/), fc.array(fc.nat(), { minLength: 5, maxLength: 5 }), (prefix, picks) => {
      let k = 0;
      const name = generateName(prefix, (n) => picks[k++] % n);
      return name.length <= 63 && /^[a-z0-9-]+$/.test(name) && [...name.slice(-5)].every((c) => NAME_ALPHABET.includes(c));
    }),
  );
  t.pass();
});

test('api - RFC 3339 timestamps from injected milliseconds', (t) => {
  const ms = Date.UTC(2026, 10, 23, 10, 0, 0, 789);
  t.is(rfc3339(ms), '2026-11-23T10:00:00Z');
  t.is(rfc3339Micro(ms), '2026-11-23T10:00:00.789000Z');
  t.is(rfc3339Micro(ms + 0.123), '2026-11-23T10:00:00.789123Z');
  t.is(parseRfc3339('2026-11-23T10:00:00Z'), ms - 789);
  t.is(parseRfc3339('2026-11-23T10:00:00.789000Z'), ms);
  t.is(parseRfc3339('2026-11-23T11:00:00+01:00'), ms - 789);
  t.true(Number.isNaN(parseRfc3339('yesterday')));
});
