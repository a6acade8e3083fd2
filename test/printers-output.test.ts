// -o name|json|yaml, watch output, and robustness of every printer on partial or malformed objects.
import test from 'ava';
import fc from 'fast-check';
import { describe } from '../cli/printers/describe.ts';
import { formatOutput, watchPrinter } from '../cli/printers/output.ts';
import { noResourcesMessage, tableFor } from '../cli/printers/table.ts';

const NOW = Date.parse('2024-05-01T12:00:00Z');
const base = { allNamespaces: false, now: NOW };
const pod = (name: string, status: string, phase = 'Running') => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'default', creationTimestamp: '2024-05-01T11:55:00Z' },
  spec: { containers: [{ name: 'c', image: 'nginx' }] },
  status: { phase, containerStatuses: [{ name: 'c', ready: status === 'Running', restartCount: 0, state: status === 'Running' ? { running: {} } : { waiting: { reason: status } } }] },
});

test('printers - -o name prints kind[.group]/name per object', (t) => {
  const objs = [pod('web-1', 'Running'), { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' } }, { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'node-1' } }];
  t.is(formatOutput('pods', objs, 'name', base), 'pod/web-1\ndeployment.apps/web\nlease.coordination.k8s.io/node-1\n');
  t.is(formatOutput('deployments', { metadata: { name: 'api' } }, 'name', base), 'deployment.apps/api\n');
});

test('printers - -o json wraps lists in a List, sorts keys, indents by 4 and escapes HTML as Go does', (t) => {
  const cm = { kind: 'ConfigMap', apiVersion: 'v1', metadata: { name: 'a<b' }, data: { x: '1 & 2' } };
  const list = ['{', '    "apiVersion": "v1",', '    "items": [', '        {', '            "apiVersion": "v1",', '            "data": {', '                "x": "1 \\u0026 2"', '            },', '            "kind": "ConfigMap",', '            "metadata": {', '                "name": "a\\u003cb"', '            }', '        }', '    ],', '    "kind": "List",', '    "metadata": {', '        "resourceVersion": ""', '    }', '}', ''];
  t.is(formatOutput('configmaps', [cm], 'json', base), list.join('\n'));
  t.is(formatOutput('configmaps', cm, 'json', base), '{\n    "apiVersion": "v1",\n    "data": {\n        "x": "1 \\u0026 2"\n    },\n    "kind": "ConfigMap",\n    "metadata": {\n        "name": "a\\u003cb"\n    }\n}\n');
});

test('printers - -o yaml prints the List as sigs.k8s.io/yaml does (sorted, unindented sequences, quoted ambiguous strings)', (t) => {
  const cm = { kind: 'ConfigMap', apiVersion: 'v1', metadata: { name: 'cfg', creationTimestamp: '2024-05-01T11:00:00Z' }, data: { enabled: 'true', n: '1', text: 'a\nb' } };
  const want = ['apiVersion: v1', 'items:', '- apiVersion: v1', '  data:', '    enabled: "true"', '    "n": "1"', '    text: |-', '      a', '      b', '  kind: ConfigMap', '  metadata:', '    creationTimestamp: "2024-05-01T11:00:00Z"', '    name: cfg', 'kind: List', 'metadata:', '  resourceVersion: ""', ''];
  t.is(formatOutput('configmaps', [cm], 'yaml', base), want.join('\n'));
});

test('printers - table output prints nothing for an empty list; the stderr message names the namespace', (t) => {
  t.is(formatOutput('pods', [], 'table', base), '');
  t.is(noResourcesMessage('default'), 'No resources found in default namespace.');
  t.is(noResourcesMessage(), 'No resources found');
});

test('printers - -o wide and table output through formatOutput', (t) => {
  const p = { ...pod('web-1', 'Running'), spec: { nodeName: 'node-1', containers: [{ name: 'c' }] }, status: { ...pod('web-1', 'Running').status, podIP: '10.244.1.7' } };
  t.is(formatOutput('pods', [p], 'table', base), 'NAME    READY   STATUS    RESTARTS   AGE\nweb-1   1/1     Running   0          5m\n');
  t.is(formatOutput('pods', [p], 'wide', base), 'NAME    READY   STATUS    RESTARTS   AGE   IP           NODE     NOMINATED NODE   READINESS GATES\nweb-1   1/1     Running   0          5m    10.244.1.7   node-1   <none>           <none>\n');
});

test('printers - watch prints the header once and keeps column widths across events', (t) => {
  const w = watchPrinter('pods', { ...base, wide: false });
  t.is(w.list([pod('web-1', 'Running')]), 'NAME    READY   STATUS    RESTARTS   AGE\nweb-1   1/1     Running   0          5m\n');
  t.is(w.event({ type: 'MODIFIED', object: { ...pod('a-longer-pod-name', 'Running'), metadata: { ...pod('x', '').metadata, name: 'a-longer-pod-name', deletionTimestamp: '2024-05-01T11:59:00Z' } } }), 'a-longer-pod-name   1/1     Terminating   0          5m\n');
  t.is(w.event({ type: 'MODIFIED', object: pod('x', 'Running') }), 'x                   1/1     Running       0          5m\n');
});

test('printers - watch with --output-watch-events prefixes the event type', (t) => {
  const w = watchPrinter('pods', { ...base, wide: false, outputWatchEvents: true });
  t.is(w.list([]), '');
  t.is(w.event({ type: 'ADDED', object: pod('web-1', 'ContainerCreating', 'Pending') }), 'EVENT      NAME    READY   STATUS              RESTARTS   AGE\nADDED      web-1   0/1     ContainerCreating   0          5m\n');
  t.is(w.event({ type: 'DELETED', object: pod('web-1', 'Running') }), 'DELETED    web-1   1/1     Running             0          5m\n');
});

const RESOURCES = ['pods', 'nodes', 'namespaces', 'services', 'endpoints', 'endpointslices', 'configmaps', 'secrets', 'serviceaccounts', 'events', 'leases', 'replicasets', 'deployments', 'daemonsets', 'statefulsets', 'jobs', 'controllerrevisions', 'widgets'];
const KEYS = ['metadata', 'name', 'namespace', 'labels', 'annotations', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'ownerReferences', 'controller', 'kind', 'apiVersion', 'uid', 'spec', 'status', 'containers', 'initContainers', 'image', 'ports', 'containerPort', 'hostPort', 'protocol', 'resources', 'requests', 'limits', 'cpu', 'memory', 'env', 'envFrom', 'value', 'valueFrom', 'fieldRef', 'resourceFieldRef', 'resource', 'divisor', 'fieldPath', 'secretKeyRef', 'state', 'running', 'waiting', 'terminated', 'lastState', 'reason', 'message', 'exitCode', 'signal', 'finishedAt', 'startedAt', 'restartCount', 'ready', 'started', 'restartPolicy', 'phase', 'conditions', 'type', 'containerStatuses', 'initContainerStatuses', 'podIP', 'podIPs', 'ip', 'nodeName', 'readinessGates', 'conditionType', 'replicas', 'readyReplicas', 'selector', 'matchLabels', 'matchExpressions', 'key', 'operator', 'values', 'template', 'subsets', 'addresses', 'addressType', 'port', 'nodePort', 'targetPort', 'clusterIP', 'clusterIPs', 'externalIPs', 'loadBalancer', 'ingress', 'hostname', 'unschedulable', 'taints', 'effect', 'tolerations', 'tolerationSeconds', 'nodeInfo', 'kubeletVersion', 'capacity', 'allocatable', 'address', 'data', 'binaryData', 'secrets', 'involvedObject', 'count', 'series', 'lastObservedTime', 'firstTimestamp', 'lastTimestamp', 'eventTime', 'source', 'component', 'holderIdentity', 'renewTime', 'completions', 'parallelism', 'startTime', 'completionTime', 'revision', 'strategy', 'rollingUpdate', 'maxSurge', 'maxUnavailable', 'volumes', 'emptyDir', 'sizeLimit', 'hostPath', 'projected', 'sources', 'volumeMounts', 'mountPath', 'subPath', 'livenessProbe', 'readinessProbe', 'httpGet', 'exec', 'command', 'args', 'tcpSocket', 'grpc', 'overhead', 'priority', 'serviceAccountName', 'qosClass', 'hostIP', 'podCIDR', 'podCIDRs', 'endpoints', 'topologySpreadConstraints', 'labelSelector', 'volumeClaimTemplates', 'updateStrategy', 'partition'];
const LEAVES = ['True', 'False', 'Always', 'Exists', 'Running', 'Pending', 'Succeeded', 'Completed', 'LoadBalancer', 'ClusterIP', 'NodePort', 'ExternalName', 'apps/v1', 'v1', '2024-05-01T11:00:00Z', '2024-05-01T11:59:59.123456Z', '100m', '64Mi', '1e3', 'not a quantity', 'In', 'Bogus', 'fd00::1', 'Ready', 'Initialized'];
const { node: jsonish } = fc.letrec((tie) => ({
  node: fc.oneof({ depthSize: 'small' }, tie('leaf'), tie('obj'), tie('arr')),
  leaf: fc.oneof(fc.constantFrom(...LEAVES), fc.string({ maxLength: 8 }), fc.integer(), fc.double(), fc.boolean(), fc.constant(null)),
  obj: fc.dictionary(fc.constantFrom(...KEYS), tie('node'), { maxKeys: 6 }),
  arr: fc.array(tie('node'), { maxLength: 3 }),
}));
const kubeish = fc.dictionary(fc.constantFrom(...KEYS), jsonish, { maxKeys: 8 });

test('printers - no printer throws on partial or malformed objects', (t) => {
  fc.assert(
    fc.property(fc.constantFrom(...RESOURCES), kubeish, fc.array(kubeish, { maxLength: 3 }), fc.boolean(), fc.boolean(), (resource, obj, others, wide, all) => {
      const strings = [
        ...tableFor(resource, { wide, allNamespaces: all, now: NOW }).row(obj),
        formatOutput(resource, [obj, ...others], wide ? 'wide' : 'table', { ...base, allNamespaces: all }),
        formatOutput(resource, obj, 'name', base),
        formatOutput(resource, [obj], 'json', base),
        formatOutput(resource, obj, 'yaml', base),
        watchPrinter(resource, { ...base, wide, outputWatchEvents: all }).event({ type: 'MODIFIED', object: obj }),
        describe(resource, obj, others, NOW, { pods: others, replicaSets: others, lease: others[0], endpoints: others[0], endpointSlices: others, resourceQuotas: others, limitRanges: others, secrets: others }),
      ];
      return strings.every((s) => typeof s === 'string');
    }),
    { numRuns: 400 },
  );
  t.pass();
});
