// Pods: defaults, validation, update rules and the pure helpers controllers and the scheduler use.
import test from 'ava';
import type { Pod } from '../api/kinds/pod.ts';
import { isPodAvailable, isPodReady, isPodTerminal, nodeAllocatable, podCondition, podNonZeroRequests, podRequests, qosClass } from '../api/kinds/pod-helpers.ts';
import { firstUntoleratedTaint, nodeSelectorTermMatches, tolerates, type Taint, type Toleration } from '../api/kinds/scheduling.ts';
import type { Node } from '../api/kinds/node.ts';
import { invalid } from '../api/status.ts';
import { createErrors, defOf, edited, lines, node, pod } from './api-fixtures.ts';

const defaulted = (p = pod()): Pod => {
  const d = defOf('pods');
  d.defaults!(p);
  d.prepareForCreate!(p);
  return p as Pod;
};

test('api - pod defaults as SetDefaults_PodSpec/_Container/_Pod', (t) => {
  const p = defaulted(
    pod({
      spec: {
        containers: [
          {
            name: 'a',
            image: 'nginx',
            resources: { limits: { cpu: '1', memory: '1Gi' } },
            livenessProbe: { httpGet: { port: 80 } },
            ports: [{ containerPort: 80 }],
          },
          { name: 'b', image: 'nginx:1.25@sha256:abc' },
          { name: 'c', image: 'registry:5000/app:latest' },
        ],
      },
    }),
  );
  const s = p.spec;
  t.is(s.restartPolicy, 'Always');
  t.is(s.dnsPolicy, 'ClusterFirst');
  t.is(s.schedulerName, 'default-scheduler');
  t.is(s.terminationGracePeriodSeconds, 30);
  t.deepEqual(s.securityContext, {});
  t.is(s.enableServiceLinks, true);
  t.is(s.priority, undefined, 'priority is the Priority admission\'s, not a default');
  const [a, b, c] = s.containers;
  t.is(a.imagePullPolicy, 'Always');
  t.is(b.imagePullPolicy, 'IfNotPresent');
  t.is(c.imagePullPolicy, 'Always');
  t.is(a.terminationMessagePath, '/dev/termination-log');
  t.is(a.terminationMessagePolicy, 'File');
  t.is(a.ports![0].protocol, 'TCP');
  t.deepEqual(a.resources!.requests, { cpu: '1', memory: '1Gi' });
  t.like(a.livenessProbe, { timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1, failureThreshold: 3, httpGet: { port: 80, path: '/', scheme: 'HTTP' } });
  t.deepEqual(p.status, { phase: 'Pending', qosClass: 'Burstable' }); // b and c set no resources
});

test('api - pod defaults keep what is set and give hostNetwork pods host ports', (t) => {
  const p = defaulted(pod({ spec: { hostNetwork: true, restartPolicy: 'Never', priority: 5, containers: [{ name: 'a', image: 'x:1', imagePullPolicy: 'Never', ports: [{ containerPort: 8080 }] }] } }));
  t.is(p.spec.restartPolicy, 'Never');
  t.is(p.spec.priority, 5);
  t.is(p.spec.containers[0].imagePullPolicy, 'Never');
  t.is(p.spec.containers[0].ports![0].hostPort, 8080);
});

test('api - a typical pod is valid', (t) => {
  t.deepEqual(createErrors('pods', pod()), []);
});

const invalidPod = test.macro({
  exec(t, mutate: (p: any) => void, expected: string[]) { // eslint-disable-line @typescript-eslint/no-explicit-any
    const errs = lines(createErrors('pods', edited(pod(), mutate)));
    for (const e of expected) t.true(errs.includes(e), `missing: ${e}\n got: ${errs.join('\n      ')}`);
  },
  title: (title) => `api - pod validation: ${title}`,
});

test('no containers', invalidPod, (p) => (p.spec.containers = []), ['spec.containers: Required value']);
test('missing image', invalidPod, (p) => delete p.spec.containers[0].image, ['spec.containers[0].image: Required value']);
test('duplicate names across init and app containers', invalidPod, (p) => (p.spec.initContainers = [{ name: 'nginx', image: 'x' }]), [
  'spec.initContainers[0].name: Duplicate value: "nginx"',
]);
test('container name not a DNS label', invalidPod, (p) => (p.spec.containers[0].name = 'Web'), [
  "spec.containers[0].name: Invalid value: \"Web\": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')".replace(",  or", ", or"),
]);
test('port out of range', invalidPod, (p) => (p.spec.containers[0].ports[0].containerPort = 70000), [
  'spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive',
]);
test('port protocol', invalidPod, (p) => (p.spec.containers[0].ports[0].protocol = 'HTTP'), [
  'spec.containers[0].ports[0].protocol: Unsupported value: "HTTP": supported values: "SCTP", "TCP", "UDP"',
]);
test('restart policy', invalidPod, (p) => (p.spec.restartPolicy = 'Sometimes'), [
  'spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"',
]);
test('dns policy', invalidPod, (p) => (p.spec.dnsPolicy = 'Cloud'), [
  'spec.dnsPolicy: Unsupported value: "Cloud": supported values: "ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"',
]);
test('requests above limits', invalidPod, (p) => (p.spec.containers[0].resources = { limits: { cpu: '500m' }, requests: { cpu: '1' } }), [
  'spec.containers[0].resources.requests: Invalid value: "1": must be less than or equal to cpu limit of 500m',
]);
test('malformed quantity', invalidPod, (p) => (p.spec.containers[0].resources = { limits: { memory: '1 Gi' } }), [
  "spec.containers[0].resources.limits[memory]: Invalid value: \"1 Gi\": quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'",
]);
test('negative quantity', invalidPod, (p) => (p.spec.containers[0].resources = { requests: { cpu: '-1' } }), [
  'spec.containers[0].resources.requests[cpu]: Invalid value: "-1": must be greater than or equal to 0',
]);
test('unknown resource name', invalidPod, (p) => (p.spec.containers[0].resources = { requests: { gpu: '1' } }), [
  'spec.containers[0].resources.requests[gpu]: Invalid value: "gpu": must be a standard resource for containers',
]);
test('extended resources must request what they limit', invalidPod, (p) => (p.spec.containers[0].resources = { limits: { 'example.com/gpu': '2' }, requests: { 'example.com/gpu': '1' } }), [
  'spec.containers[0].resources.requests: Invalid value: "1": must be equal to example.com/gpu limit of 2',
]);
test('probe numbers', invalidPod, (p) => (p.spec.containers[0].livenessProbe = { tcpSocket: { port: 80 }, periodSeconds: -1, successThreshold: 2 }), [
  'spec.containers[0].livenessProbe.periodSeconds: Invalid value: -1: must be greater than or equal to 0',
  'spec.containers[0].livenessProbe.successThreshold: Invalid value: 2: must be 1',
]);
test('probe without handler', invalidPod, (p) => (p.spec.containers[0].readinessProbe = { periodSeconds: 5 }), [
  'spec.containers[0].readinessProbe: Required value: must specify a handler type',
]);
test('probes on plain init containers', invalidPod, (p) => (p.spec.initContainers = [{ name: 'init', image: 'x', livenessProbe: { exec: { command: ['true'] } } }]), [
  'spec.initContainers[0].livenessProbe: Forbidden: may not be set for init containers without restartPolicy=Always',
]);
test('toleration operator and effect', invalidPod, (p) => (p.spec.tolerations = [{ key: 'k', operator: 'Maybe', effect: 'Never' }, { operator: 'Equal', value: 'v' }]), [
  'spec.tolerations[0].operator: Unsupported value: "Maybe": supported values: "Equal", "Exists"',
  'spec.tolerations[0].effect: Unsupported value: "Never": supported values: "NoSchedule", "PreferNoSchedule", "NoExecute"',
  'spec.tolerations[1].operator: Invalid value: "Equal": operator must be Exists when `key` is empty, which means "match all values and all keys"',
]);
test('tolerationSeconds needs NoExecute', invalidPod, (p) => (p.spec.tolerations = [{ key: 'k', operator: 'Exists', effect: 'NoSchedule', tolerationSeconds: 5 }]), [
  "spec.tolerations[0].effect: Invalid value: \"NoSchedule\": effect must be 'NoExecute' when `tolerationSeconds` is set",
]);
test('node selector labels', invalidPod, (p) => (p.spec.nodeSelector = { 'disk type': 'ssd' }), [
  "spec.nodeSelector: Invalid value: \"disk type\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')".replaceAll(',  or', ', or'),
]);
test('affinity weights and topology keys', invalidPod, (p) => (p.spec.affinity = {
  nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [] }, preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 0, preference: { matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] } }] },
  podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app: 'web' } }, topologyKey: '' }] },
}), [
  'spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms: Required value: must have at least one node selector term',
  'spec.affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].weight: Invalid value: 0: must be in the range 1-100',
  'spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey: Required value: can not be empty',
]);
test('topology spread', invalidPod, (p) => (p.spec.topologySpreadConstraints = [{ maxSkew: 0, topologyKey: 'zone', whenUnsatisfiable: 'Sometimes' }]), [
  'spec.topologySpreadConstraints[0].maxSkew: Invalid value: 0: must be greater than zero',
  'spec.topologySpreadConstraints[0].whenUnsatisfiable: Unsupported value: "Sometimes": supported values: "DoNotSchedule", "ScheduleAnyway"',
]);
test('activeDeadlineSeconds range', invalidPod, (p) => (p.spec.activeDeadlineSeconds = 0), [
  'spec.activeDeadlineSeconds: Invalid value: 0: must be between 1 and 2147483647, inclusive',
]);
test('hostNetwork host port must equal container port', invalidPod, (p) => {
  p.spec.hostNetwork = true;
  p.spec.containers[0].ports[0].hostPort = 81;
}, ['spec.containers[0].ports[0].hostPort: Invalid value: 81: must match `containerPort` when `hostNetwork` is true']);
test('host port conflicts', invalidPod, (p) => (p.spec.containers.push({ name: 'b', image: 'x', ports: [{ containerPort: 1, hostPort: 8080 }] }, { name: 'c', image: 'x', ports: [{ containerPort: 2, hostPort: 8080 }] })), [
  'spec.containers[2].ports[0].hostPort: Duplicate value: "TCP//8080"',
]);
test('volume mounts need a volume', invalidPod, (p) => (p.spec.containers[0].volumeMounts = [{ name: 'data', mountPath: '/data' }]), [
  'spec.containers[0].volumeMounts[0].name: Not found: "data"',
]);
test('structural type errors', invalidPod, (p) => (p.spec.containers[0].ports = 'eighty'), [
  'spec.containers[0].ports: Invalid value: "string": spec.containers[0].ports in body must be of type array: "string"',
]);

test('api - the 422 message lists every cause as upstream', (t) => {
  const p = edited(pod(), (c) => {
    c.metadata.name = 'Foo';
    c.spec.restartPolicy = 'Sometimes';
  });
  const e = invalid('Pod', 'Foo', createErrors('pods', p));
  t.is(e.code, 422);
  t.regex(e.message, /^Pod "Foo" is invalid: \[metadata\.name: Invalid value: "Foo": a lowercase RFC 1123 subdomain .*, spec\.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"\]$/);
});

const update = (mutate: (p: any) => void) => { // eslint-disable-line @typescript-eslint/no-explicit-any
  const old = defaulted();
  const next = edited(old, mutate);
  return lines(defOf('pods').validateUpdate!(next, old));
};

test('api - pod update may change images, shorten activeDeadlineSeconds and add tolerations', (t) => {
  t.deepEqual(update((p) => {
    p.spec.containers[0].image = 'nginx:1.26';
    p.spec.tolerations = [{ key: 'k', operator: 'Exists' }];
    p.metadata.labels = { app: 'web', v: '2' };
  }), []);
});

test('api - pod update may not change other spec fields', (t) => {
  const errs = update((p) => (p.spec.restartPolicy = 'Never'));
  t.is(errs.length, 1);
  t.true(errs[0].startsWith('spec: Forbidden: pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)\n'));
  t.true(errs[0].includes('spec.restartPolicy: "Always"'));
});

test('api - pod update rules for containers, deadlines, tolerations and identity', (t) => {
  t.deepEqual(update((p) => p.spec.containers.push({ name: 'x', image: 'y' })), ['spec.containers: Forbidden: pod updates may not add or remove containers']);
  t.deepEqual(update((p) => (p.spec.activeDeadlineSeconds = 10)), []);
  const old = edited(defaulted(), (p) => (p.spec.activeDeadlineSeconds = 10));
  t.deepEqual(lines(defOf('pods').validateUpdate!(edited(old, (p) => (p.spec.activeDeadlineSeconds = 20)), old)), [
    'spec.activeDeadlineSeconds: Invalid value: 20: must be less than or equal to previous value',
  ]);
  const tol = edited(defaulted(), (p) => (p.spec.tolerations = [{ key: 'k', operator: 'Exists' }]));
  t.deepEqual(lines(defOf('pods').validateUpdate!(edited(tol, (p) => (p.spec.tolerations = [])), tol)), [
    'spec.tolerations: Forbidden: existing toleration can not be modified except its tolerationSeconds',
  ]);
  t.deepEqual(update((p) => (p.metadata.uid = 'other')), ['metadata.uid: Invalid value: "other": field is immutable']);
});

const withResources = (cs: Record<string, unknown>[], init: Record<string, unknown>[] = []) =>
  defaulted(pod({ spec: { containers: cs.map((r, i) => ({ name: `c${i}`, image: 'x', resources: r })), initContainers: init.map((r, i) => ({ name: `i${i}`, image: 'x', ...r })) } }));

test('api - pod requests: sum of containers, max with init containers, sidecars added, plus overhead', (t) => {
  const p = withResources(
    [{ requests: { cpu: '100m', memory: '64Mi' } }, { requests: { cpu: '200m' } }],
    [{ resources: { requests: { cpu: '500m', memory: '32Mi' } } }, { restartPolicy: 'Always', resources: { requests: { cpu: '50m' } } }],
  );
  p.spec.overhead = { cpu: '10m' };
  t.deepEqual(podRequests(p), { cpu: 500 + 10, memory: 64 * 1024 * 1024 });
  const q = withResources([{ requests: { cpu: '100m' } }], [{ restartPolicy: 'Always', resources: { requests: { cpu: '50m' } } }, { resources: { requests: { cpu: '120m' } } }]);
  t.deepEqual(podRequests(q), { cpu: 170 });
  t.deepEqual(podNonZeroRequests(withResources([{}])), { cpu: 100, memory: 200 * 1024 * 1024 });
});

const qos = test.macro<[Record<string, unknown>[], string]>({
  exec(t, cs: Record<string, unknown>[], expected: string) {
    t.is(qosClass(withResources(cs)) as string, expected);
  },
  title: (p, _cs, expected) => `api - QoS class ${expected} when ${p}`,
});
test('equal limits (requests defaulted)', qos, [{ limits: { cpu: '1', memory: '1Gi' } }], 'Guaranteed');
test('requests below limits', qos, [{ limits: { cpu: '1', memory: '1Gi' }, requests: { cpu: '500m' } }], 'Burstable');
test('one container without memory limit', qos, [{ limits: { cpu: '1', memory: '1Gi' } }, { limits: { cpu: '1' } }], 'Burstable');
test('nothing set', qos, [{}, {}], 'BestEffort');
test('only extended resources', qos, [{ limits: { 'example.com/gpu': '1' } }], 'BestEffort');

test('api - pod conditions and phases', (t) => {
  const p = defaulted();
  t.false(isPodReady(p));
  p.status!.conditions = [{ type: 'Ready', status: 'True', lastTransitionTime: '2026-01-01T00:00:00Z' }];
  t.true(isPodReady(p));
  t.is(podCondition(p, 'Ready')?.status, 'True');
  t.true(isPodAvailable(p, 5, Date.parse('2026-01-01T00:00:05Z')));
  t.false(isPodAvailable(p, 5, Date.parse('2026-01-01T00:00:04Z')));
  t.false(isPodTerminal(p));
  p.status!.phase = 'Failed';
  t.true(isPodTerminal(p));
});

const taint = (key: string, effect = 'NoSchedule', value?: string): Taint => ({ key, effect, ...(value ? { value } : {}) });
const tol = test.macro<[Toleration, Taint, boolean]>({
  exec(t, toleration: Toleration, tnt: Taint, expected: boolean) {
    t.is(tolerates(toleration, tnt), expected);
  },
  title: (_p, toleration, tnt, expected) => `api - toleration ${JSON.stringify(toleration)} ${expected ? 'tolerates' : 'does not tolerate'} ${tnt.key}=${tnt.value ?? ''}:${tnt.effect}`,
});
test(tol, { key: 'k', operator: 'Equal', value: 'v', effect: 'NoSchedule' }, taint('k', 'NoSchedule', 'v'), true);
test(tol, { key: 'k', value: 'v' }, taint('k', 'NoExecute', 'v'), true);
test(tol, { key: 'k', value: 'w' }, taint('k', 'NoSchedule', 'v'), false);
test(tol, { key: 'k', operator: 'Exists' }, taint('k', 'NoSchedule', 'v'), true);
test(tol, { operator: 'Exists' }, taint('anything', 'NoExecute'), true);
test(tol, { key: 'k', operator: 'Exists', effect: 'NoExecute' }, taint('k', 'NoSchedule'), false);
test(tol, { key: 'other', operator: 'Exists' }, taint('k'), false);

test('api - untolerated taints and node selector terms', (t) => {
  const taints = [taint('a', 'PreferNoSchedule'), taint('b', 'NoSchedule')];
  t.is(firstUntoleratedTaint(taints, [])?.key, 'b');
  t.is(firstUntoleratedTaint(taints, [{ key: 'b', operator: 'Exists' }]), undefined);
  const labels = { zone: 'a', gen: '5' };
  t.true(nodeSelectorTermMatches({ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a', 'b'] }, { key: 'gen', operator: 'Gt', values: ['4'] }] }, labels, 'n1'));
  t.false(nodeSelectorTermMatches({ matchExpressions: [{ key: 'zone', operator: 'NotIn', values: ['a'] }] }, labels, 'n1'));
  t.true(nodeSelectorTermMatches({ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n1'] }] }, labels, 'n1'));
  t.false(nodeSelectorTermMatches({}, labels, 'n1'));
});

test('api - node allocatable defaults to capacity and parses', (t) => {
  const n = node() as Node;
  defOf('nodes').defaults!(n);
  t.deepEqual(nodeAllocatable(n), { cpu: 4000, memory: 8 * 1024 ** 3, pods: 110 });
});

// How long validation takes is a figure of `npm run bench -- validation` (the same pod).
test('api - a typical pod (port, limits, readiness probe) is valid', (t) => {
  const p = defaulted(pod({ spec: { containers: [{ name: 'a', image: 'nginx:1', ports: [{ containerPort: 80 }], resources: { limits: { cpu: '1', memory: '1Gi' } }, readinessProbe: { httpGet: { port: 80 } } }] } }));
  t.deepEqual(defOf('pods').validate(p), []);
});
