// Server-side Table output (api/table): upstream's column definitions, typed cells, PartialObjectMetadata rows, and the same text `kubus get` prints.
import test from 'ava';
import { renderTable } from '../cli/printers/table.ts';
import { formatOutput } from '../cli/printers/output.ts';
import { columnsFor, renderOutput, toPartialObjectMetadata, toPartialObjectMetadataList, toTable, type Table } from '../api/table/index.ts';

const NOW = Date.parse('2024-05-01T12:00:00Z');
const M = 60_000;
const at = (offsetMs: number): string => new Date(NOW + offsetMs).toISOString();

// What kubectl does with a server-side Table: priority-0 columns (all with -o wide), headers upper-cased, cells printed with %v.
function printAsKubectl(t: Table, wide: boolean): string {
  const defs = t.columnDefinitions ?? [];
  const shown = defs.map((c) => wide || c.priority === 0);
  const headers = defs.filter((_, i) => shown[i]).map((c) => c.name.toUpperCase());
  return renderTable(headers, t.rows.map((r) => r.cells.filter((_, i) => shown[i]).map(String)));
}

const list = (items: unknown[], kind: string, apiVersion = 'v1') => ({ apiVersion, kind, metadata: { resourceVersion: '42', continue: 'next-page' }, items });

const running = { running: { startedAt: at(-10 * M) } };
const pods = [
  {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web-1', namespace: 'default', uid: 'u-1', resourceVersion: '40', labels: { app: 'web' }, creationTimestamp: at(-10 * M) },
    spec: { nodeName: 'node-1', containers: [{ name: 'c', image: 'nginx' }], readinessGates: [{ conditionType: 'example.com/gate' }] },
    status: {
      phase: 'Running',
      podIPs: [{ ip: '10.244.0.5' }],
      conditions: [{ type: 'Ready', status: 'True' }, { type: 'example.com/gate', status: 'True' }],
      containerStatuses: [{ name: 'c', ready: true, restartCount: 2, state: running, lastState: { terminated: { exitCode: 1, finishedAt: at(-5 * M) } } }],
    },
  },
  {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'job-x', namespace: 'default', uid: 'u-2', resourceVersion: '41', creationTimestamp: at(-3 * M) },
    spec: { containers: [{ name: 'c', image: 'busybox' }] },
    status: { phase: 'Succeeded', containerStatuses: [{ name: 'c', ready: false, restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed' } } }] },
  },
];

test('table - pods: upstream column definitions, -o wide at priority 1, Name formatted as a name', (t) => {
  const table = toTable(list(pods, 'PodList'), 'pods', { now: NOW });
  const defs = table.columnDefinitions ?? [];
  t.deepEqual(defs.map((c) => [c.name, c.type, c.format, c.priority]), [
    ['Name', 'string', 'name', 0],
    ['Ready', 'string', '', 0],
    ['Status', 'string', '', 0],
    ['Restarts', 'string', '', 0],
    ['Age', 'string', '', 0],
    ['IP', 'string', '', 1],
    ['Node', 'string', '', 1],
    ['Nominated Node', 'string', '', 1],
    ['Readiness Gates', 'string', '', 1],
  ]);
  t.true(defs.every((c) => c.description.length > 0));
});

test('table - pods: cells, Completed row conditions, PartialObjectMetadata rows, list metadata', (t) => {
  const table = toTable(list(pods, 'PodList'), 'pods', { now: NOW });
  t.is(table.kind, 'Table');
  t.is(table.apiVersion, 'meta.k8s.io/v1');
  t.deepEqual(table.metadata, { resourceVersion: '42', continue: 'next-page' });
  t.deepEqual(table.rows[0].cells, ['web-1', '1/1', 'Running', '2 (5m ago)', '10m', '10.244.0.5', 'node-1', '<none>', '1/1']);
  t.deepEqual(table.rows[1].cells, ['job-x', '0/1', 'Completed', '0', '3m', '<none>', '<none>', '<none>', '<none>']);
  t.is(table.rows[0].conditions, undefined);
  t.deepEqual(table.rows[1].conditions, [{ type: 'Completed', status: 'True', reason: 'Succeeded', message: 'The pod has completed successfully.' }]);
  t.deepEqual(table.rows[0].object, { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: pods[0].metadata });
});

test('table - pods: kubectl printing the Table gives exactly what `kubus get` prints, plain and -o wide', (t) => {
  const table = toTable(list(pods, 'PodList'), 'pods', { now: NOW });
  t.is(printAsKubectl(table, false), formatOutput('pods', pods, 'table', { allNamespaces: false, now: NOW }));
  t.is(printAsKubectl(table, true), formatOutput('pods', pods, 'wide', { allNamespaces: false, now: NOW }));
});

const nodes = [
  {
    metadata: { name: 'node-1', labels: { 'node-role.kubernetes.io/control-plane': '' }, creationTimestamp: at(-3 * 24 * 60 * M) },
    status: {
      conditions: [{ type: 'Ready', status: 'True' }],
      addresses: [{ type: 'InternalIP', address: '172.18.0.2' }],
      nodeInfo: { kubeletVersion: 'v1.32.0', osImage: 'kubus sim', kernelVersion: '6.1.0', containerRuntimeVersion: 'sim://1.0' },
    },
  },
  { metadata: { name: 'node-2', creationTimestamp: at(-2 * M) }, spec: { unschedulable: true }, status: { conditions: [{ type: 'Ready', status: 'False' }] } },
];

test('table - nodes: columns, wide columns and cells as `kubus get nodes`', (t) => {
  const table = toTable(list(nodes, 'NodeList'), 'nodes', { now: NOW });
  t.deepEqual(table.columnDefinitions?.map((c) => `${c.name}:${c.priority}`), [
    'Name:0', 'Status:0', 'Roles:0', 'Age:0', 'Version:0', 'Internal-IP:1', 'External-IP:1', 'OS-Image:1', 'Kernel-Version:1', 'Container-Runtime:1',
  ]);
  t.deepEqual(table.rows[0].cells, ['node-1', 'Ready', 'control-plane', '3d', 'v1.32.0', '172.18.0.2', '<none>', 'kubus sim', '6.1.0', 'sim://1.0']);
  t.deepEqual(table.rows[1].cells, ['node-2', 'NotReady,SchedulingDisabled', '<none>', '2m', '', '<none>', '<none>', '<unknown>', '<unknown>', '<unknown>']);
  t.is(printAsKubectl(table, false), formatOutput('nodes', nodes, 'table', { allNamespaces: false, now: NOW }));
  t.is(printAsKubectl(table, true), formatOutput('nodes', nodes, 'wide', { allNamespaces: false, now: NOW }));
});

const template = { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'nginx', image: 'nginx:1.27' }, { name: 'log', image: 'busybox' }] } };
const deployments = [
  {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default', creationTimestamp: at(-90 * M) },
    spec: { replicas: 3, selector: { matchLabels: { app: 'web' } }, template },
    status: { replicas: 3, readyReplicas: 2, updatedReplicas: 3, availableReplicas: 2 },
  },
];

test('table - deployments: integer cells stay integers on the wire, and print as `kubus get deployments`', (t) => {
  const table = toTable(list(deployments, 'DeploymentList', 'apps/v1'), { plural: 'deployments', group: 'apps' }, { now: NOW });
  t.deepEqual(table.columnDefinitions?.map((c) => `${c.name}:${c.type}:${c.priority}`), [
    'Name:string:0', 'Ready:string:0', 'Up-to-date:string:0', 'Available:string:0', 'Age:string:0', 'Containers:string:1', 'Images:string:1', 'Selector:string:1',
  ]);
  t.deepEqual(table.rows[0].cells, ['web', '2/3', 3, 2, '90m', 'nginx,log', 'nginx:1.27,busybox', 'app=web']);
  t.regex(JSON.stringify(table.rows[0].cells), /"2\/3",3,2,/);
  t.is(printAsKubectl(table, false), formatOutput('deployments', deployments, 'table', { allNamespaces: false, now: NOW }));
  t.is(printAsKubectl(table, true), formatOutput('deployments', deployments, 'wide', { allNamespaces: false, now: NOW }));
});

test('table - replica sets and daemon sets declare integer columns as upstream', (t) => {
  t.deepEqual(columnsFor('replicasets').columns.filter((c) => c.type === 'integer').map((c) => c.name), ['Desired', 'Current', 'Ready']);
  t.deepEqual(columnsFor('daemonsets').columns.filter((c) => c.type === 'integer').map((c) => c.name), ['Desired', 'Current', 'Ready', 'Up-to-date', 'Available']);
});

const services = [
  {
    metadata: { name: 'web', namespace: 'default', creationTimestamp: at(-7 * M) },
    spec: { type: 'NodePort', clusterIP: '10.96.0.10', clusterIPs: ['10.96.0.10'], selector: { app: 'web' }, ports: [{ port: 80, nodePort: 30080, protocol: 'TCP' }] },
  },
  { metadata: { name: 'db', namespace: 'default', creationTimestamp: at(-7 * M) }, spec: { type: 'ClusterIP', clusterIP: 'None', clusterIPs: ['None'] } },
];

test('table - services: columns and cells as `kubus get services`', (t) => {
  const table = toTable(list(services, 'ServiceList'), 'services', { now: NOW });
  t.deepEqual(table.columnDefinitions?.map((c) => `${c.name}:${c.priority}`), ['Name:0', 'Type:0', 'Cluster-IP:0', 'External-IP:0', 'Port(s):0', 'Age:0', 'Selector:1']);
  t.deepEqual(table.rows.map((r) => r.cells), [
    ['web', 'NodePort', '10.96.0.10', '<none>', '80:30080/TCP', '7m', 'app=web'],
    ['db', 'ClusterIP', 'None', '<none>', '<none>', '7m', '<none>'],
  ]);
  t.is(printAsKubectl(table, false), formatOutput('services', services, 'table', { allNamespaces: false, now: NOW }));
  t.is(printAsKubectl(table, true), formatOutput('services', services, 'wide', { allNamespaces: false, now: NOW }));
});

test('table - load-balancer IPs are never clipped server-side (upstream prints tables wide)', (t) => {
  const lb = { metadata: { name: 'lb' }, spec: { type: 'LoadBalancer', clusterIPs: ['1.5.6.7'], ports: [{ port: 80, protocol: 'TCP' }] }, status: { loadBalancer: { ingress: [{ ip: '2.3.4.5' }, { ip: '3.4.5.6' }, { ip: '5.6.7.8' }] } } };
  t.is(toTable(lb, 'services', { now: NOW }).rows[0].cells[3], '2.3.4.5,3.4.5.6,5.6.7.8');
});

test('table - one object: its resourceVersion in the Table metadata', (t) => {
  const table = toTable(pods[0], 'pods', { now: NOW });
  t.deepEqual(table.metadata, { resourceVersion: '40' });
  t.is(table.rows.length, 1);
});

test('table - includeObject None, Object and Metadata; v1beta1; no headers on later watch events', (t) => {
  const source = list(pods, 'PodList');
  t.deepEqual(toTable(source, 'pods', { now: NOW, includeObject: 'None' }).rows.map((r) => r.object), [null, null]);
  t.is(toTable(source, 'pods', { now: NOW, includeObject: 'Object' }).rows[1].object, pods[1]);
  const beta = toTable(source, 'pods', { now: NOW, version: 'v1beta1' });
  t.is(beta.apiVersion, 'meta.k8s.io/v1beta1');
  t.is((beta.rows[0].object as { apiVersion: string }).apiVersion, 'meta.k8s.io/v1beta1');
  t.is(toTable(pods[0], 'pods', { now: NOW, noHeaders: true }).columnDefinitions, null);
});

test('table - the wire shape: key order and fields of upstream metav1.Table', (t) => {
  const wire = JSON.parse(JSON.stringify(toTable(pods[1], 'pods', { now: NOW }))) as Record<string, unknown>;
  t.deepEqual(Object.keys(wire), ['kind', 'apiVersion', 'metadata', 'columnDefinitions', 'rows']);
  const [def] = wire.columnDefinitions as Record<string, unknown>[];
  t.deepEqual(Object.keys(def), ['name', 'type', 'format', 'description', 'priority']);
  t.deepEqual(Object.keys((wire.rows as object[])[0]), ['cells', 'conditions', 'object']);
});

test('table - kinds without columns of their own (and custom resources) get Name and an Age of type date', (t) => {
  const widget = { metadata: { name: 'w', creationTimestamp: at(-90 * 24 * 60 * M) } };
  const table = toTable([widget], 'widgets', { now: NOW });
  t.deepEqual(table.columnDefinitions?.map((c) => `${c.name}:${c.type}:${c.format}`), ['Name:string:name', 'Age:date:']);
  t.deepEqual(table.rows[0].cells, ['w', '90d']);
  t.deepEqual(table.metadata, {});
  t.is(columnsFor('pods', 'example.com'), columnsFor('widgets'), 'a pods resource of another group is not core pods');
});

test('table - PartialObjectMetadata and PartialObjectMetadataList', (t) => {
  t.deepEqual(toPartialObjectMetadata(pods[0]), { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: pods[0].metadata });
  const l = toPartialObjectMetadataList({ ...list(pods, 'PodList'), metadata: { resourceVersion: '42', remainingItemCount: 3 } });
  t.is(l.kind, 'PartialObjectMetadataList');
  t.is(l.apiVersion, 'meta.k8s.io/v1');
  t.deepEqual(l.metadata, { resourceVersion: '42', remainingItemCount: 3 });
  t.deepEqual(l.items.map((i) => [i.kind, i.apiVersion, i.metadata.name]), [
    ['PartialObjectMetadata', 'meta.k8s.io/v1', 'web-1'],
    ['PartialObjectMetadata', 'meta.k8s.io/v1', 'job-x'],
  ]);
  t.deepEqual(toPartialObjectMetadataList({ items: [] }, 'v1beta1'), { kind: 'PartialObjectMetadataList', apiVersion: 'meta.k8s.io/v1beta1', metadata: {}, items: [] });
});

test('table - renderOutput: the negotiated form, and upstream 406 when list and single object do not fit', (t) => {
  const source = list(pods, 'PodList');
  const opts = { now: NOW };
  t.deepEqual(renderOutput(source, 'pods', { as: 'Object', version: 'v1' }, opts), { ok: true, body: source });
  const table = renderOutput(source, 'pods', { as: 'Table', version: 'v1' }, opts);
  t.true(table.ok && (table.body as Table).kind === 'Table');
  t.deepEqual(renderOutput(source, 'pods', { as: 'PartialObjectMetadata', version: 'v1' }, opts), {
    ok: false,
    code: 406,
    reason: 'NotAcceptable',
    message: 'you requested PartialObjectMetadata, but the requested object is a list (*core.PodList)',
  });
  t.deepEqual(renderOutput(deployments[0], 'deployments', { as: 'PartialObjectMetadataList', version: 'v1' }, opts), {
    ok: false,
    code: 406,
    reason: 'NotAcceptable',
    message: 'you requested PartialObjectMetadataList, but the requested object is not a list (*apps.Deployment)',
  });
  const partial = renderOutput(pods[0], 'pods', { as: 'PartialObjectMetadata', version: 'v1' }, opts);
  t.deepEqual(partial, { ok: true, body: toPartialObjectMetadata(pods[0]) });
  const status = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', code: 410, reason: 'Expired', message: 'too old resource version' };
  t.deepEqual(renderOutput(status, 'pods', { as: 'Table', version: 'v1' }, opts), { ok: true, body: status }, "a watch's ERROR Status is never converted");
});

// One object of every other kind with columns: the Table, printed as kubectl prints it, is `kubus get`'s text.
const others: [string, unknown][] = [
  ['namespaces', { metadata: { name: 'ns', creationTimestamp: at(-M) }, status: { phase: 'Active' } }],
  ['endpoints', { metadata: { name: 'web', creationTimestamp: at(-M) }, subsets: [{ addresses: [{ ip: '10.0.0.1' }, { ip: '10.0.0.2' }], ports: [{ port: 80 }] }] }],
  ['configmaps', { metadata: { name: 'cm', creationTimestamp: at(-M) }, data: { a: '1' }, binaryData: { b: 'AA==' } }],
  ['secrets', { metadata: { name: 's', creationTimestamp: at(-M) }, type: 'Opaque', data: { k: 'dg==' } }],
  ['serviceaccounts', { metadata: { name: 'default', creationTimestamp: at(-M) }, secrets: [{ name: 'x' }] }],
  ['events', { metadata: { name: 'e1' }, involvedObject: { kind: 'Pod', name: 'web-1', fieldPath: 'spec.containers{c}' }, source: { component: 'kubelet', host: 'node-1' }, reason: 'Pulled', message: 'ok', type: 'Normal', firstTimestamp: at(-9 * M), lastTimestamp: at(-M), count: 4 }],
  ['leases', { metadata: { name: 'kube-scheduler', creationTimestamp: at(-M) }, spec: { holderIdentity: 'cp-0' } }],
  ['replicasets', { metadata: { name: 'web-abc', creationTimestamp: at(-M) }, spec: { replicas: 3, selector: { matchLabels: { app: 'web' } }, template }, status: { replicas: 3, readyReplicas: 1 } }],
  ['daemonsets', { metadata: { name: 'agent', creationTimestamp: at(-M) }, spec: { selector: { matchLabels: { app: 'a' } }, template: { spec: { ...template.spec, nodeSelector: { os: 'linux' } } } }, status: { desiredNumberScheduled: 2, currentNumberScheduled: 2, numberReady: 1, updatedNumberScheduled: 2, numberAvailable: 1 } }],
  ['statefulsets', { metadata: { name: 'db', creationTimestamp: at(-M) }, spec: { replicas: 2, template }, status: { readyReplicas: 2 } }],
  ['jobs', { metadata: { name: 'pi', creationTimestamp: at(-9 * M) }, spec: { completions: 1, template, selector: { matchLabels: { job: 'pi' } } }, status: { succeeded: 1, startTime: at(-9 * M), completionTime: at(-7 * M), conditions: [{ type: 'Complete', status: 'True' }] } }],
  ['controllerrevisions', { metadata: { name: 'agent-1', creationTimestamp: at(-M), ownerReferences: [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'agent', controller: true }] }, revision: 1 }],
];
for (const [resource, obj] of others)
  test(`table - ${resource}: printed as kubectl prints a Table, the same text as \`kubus get\`, plain and -o wide`, (t) => {
    const table = toTable([obj], resource, { now: NOW });
    t.is(table.rows[0].cells.length, table.columnDefinitions?.length ?? -1);
    t.is(printAsKubectl(table, false), formatOutput(resource, [obj], 'table', { allNamespaces: false, now: NOW }));
    t.is(printAsKubectl(table, true), formatOutput(resource, [obj], 'wide', { allNamespaces: false, now: NOW }));
  });
