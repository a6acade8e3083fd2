// Tables of `kubectl get`: cases transcribed from kubernetes printers_test.go and duration_test.go (v1.32).
import test from 'ava';
import { humanDuration } from '../cli/printers/duration.ts';
import { renderTable, tableFor } from '../cli/printers/table.ts';

const NOW = Date.parse('2024-05-01T12:00:00Z');
const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;
const at = (offsetMs: number): string => new Date(NOW + offsetMs).toISOString();
const opts = { wide: false, allNamespaces: false, now: NOW };

const duration = test.macro((t, ms: number, want: string) => t.is(humanDuration(ms), want));
for (const [ms, want] of [
  [S, '1s'], [70 * S, '70s'], [190 * S, '3m10s'], [70 * M, '70m'], [47 * H, '47h'], [49 * H, '2d1h'],
  [(8 * 24 + 2) * H, '8d'], [367 * D, '367d'], [(365 * 2 * 24 + 25) * H, '2y1d'], [(365 * 8 * 24 + 2) * H, '8y'],
  [-2 * S, '<invalid>'], [-2 * S + 1, '0s'], [0, '0s'], [S - 1, '0s'], [2 * M - 1, '119s'], [2 * M, '2m'],
  [2 * M + S, '2m1s'], [10 * M - 1, '9m59s'], [10 * M, '10m'], [10 * M + S, '10m'], [3 * H - 1, '179m'], [3 * H, '3h'],
  [3 * H + M, '3h1m'], [8 * H - 1, '7h59m'], [8 * H, '8h'], [8 * H + 59 * M, '8h'], [2 * D - 1, '47h'], [2 * D, '2d'],
  [8 * D - 1, '7d23h'], [8 * D, '8d'], [8 * D + 23 * H, '8d'], [730 * D - 1, '729d'], [730 * D, '2y'],
  [731 * D - 1, '2y'], [731 * D, '2y1d'], [5 * 365 * D, '5y'], [8 * 365 * D - 1, '7y364d'], [8 * 365 * D, '8y'], [9 * 365 * D, '9y'],
] as const)
  test(`printers - HumanDuration of ${ms}ms is ${want}`, duration, ms, want);

const row = test.macro((t, resource: string, obj: unknown, want: string[], wide?: boolean) => t.deepEqual(tableFor(resource, { ...opts, wide: wide ?? false }).row(obj), want));
const twoContainers = [{}, {}];
const running = { running: {} };
const restartedAgo = (ms: number) => ({ terminated: { exitCode: 0, finishedAt: at(-ms) } });
const deleted = { name: 'x', deletionTimestamp: at(-10 * S) };

const podCases: [string, unknown, string[]][] = [
  ['name, containers, restarts, readiness', { metadata: { name: 'test1' }, spec: { containers: twoContainers }, status: { phase: 'podPhase', containerStatuses: [{ ready: true, restartCount: 3, state: running }, { restartCount: 3 }] } }, ['test1', '1/2', 'podPhase', '6', '<unknown>']],
  ['a waiting container overrides the phase', { metadata: { name: 'test2' }, spec: { containers: twoContainers }, status: { phase: 'podPhase', containerStatuses: [{ ready: true, restartCount: 3, state: running }, { state: { waiting: { reason: 'ContainerWaitingReason' } }, restartCount: 3 }] } }, ['test2', '1/2', 'ContainerWaitingReason', '6', '<unknown>']],
  ['the first container wins over later ones', { metadata: { name: 'test3' }, spec: { containers: twoContainers }, status: { phase: 'podPhase', containerStatuses: [{ state: { waiting: { reason: 'ContainerWaitingReason' } }, restartCount: 3 }, { state: { terminated: { reason: 'ContainerTerminatedReason' } }, restartCount: 3 }] } }, ['test3', '0/2', 'ContainerWaitingReason', '6', '<unknown>']],
  ['a pod reason overrides the phase', { metadata: { name: 'test5' }, spec: { containers: twoContainers }, status: { reason: 'podReason', phase: 'podPhase', containerStatuses: [{ ready: true, restartCount: 3, state: running }, { ready: true, restartCount: 3 }] } }, ['test5', '1/2', 'podReason', '6', '<unknown>']],
  ['completed and running without Ready is NotReady', { metadata: { name: 'test6' }, spec: { containers: twoContainers }, status: { phase: 'Running', containerStatuses: [{ ready: true, restartCount: 3, state: { terminated: { reason: 'Completed', exitCode: 0 } } }, { ready: true, restartCount: 3, state: running }] } }, ['test6', '1/2', 'NotReady', '6', '<unknown>']],
  ['completed and running with Ready is Running', { metadata: { name: 'test6' }, spec: { containers: twoContainers }, status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }], containerStatuses: [{ ready: true, restartCount: 3, state: { terminated: { reason: 'Completed', exitCode: 0 } } }, { ready: true, restartCount: 3, state: running }] } }, ['test6', '1/2', 'Running', '6', '<unknown>']],
  ['a restarting init container is Init:0/1 with its last restart', { metadata: { name: 'test7' }, spec: { initContainers: [{}], containers: [{}] }, status: { phase: 'podPhase', initContainerStatuses: [{ restartCount: 3, state: running, lastState: restartedAgo(10 * S) }], containerStatuses: [{ state: { waiting: {} } }] } }, ['test7', '0/1', 'Init:0/1', '3 (10s ago)', '<unknown>']],
  ['the second init container is Init:1/2', { metadata: { name: 'test10' }, spec: { initContainers: [{}, {}], containers: [{}] }, status: { phase: 'podPhase', initContainerStatuses: [{ restartCount: 2, state: { terminated: {} }, lastState: restartedAgo(2 * M) }, { restartCount: 3, state: running, lastState: restartedAgo(10 * S) }], containerStatuses: [{ state: { waiting: {} } }] } }, ['test10', '0/1', 'Init:1/2', '5 (10s ago)', '<unknown>']],
  ['after init only app restarts count', { metadata: { name: 'test11' }, spec: { initContainers: [{}], containers: [{}] }, status: { phase: 'Running', initContainerStatuses: [{ restartCount: 2, state: { terminated: {} }, lastState: restartedAgo(2 * M) }], containerStatuses: [{ restartCount: 4, state: running, lastState: restartedAgo(20 * S) }] } }, ['test11', '0/1', 'Running', '4 (20s ago)', '<unknown>']],
  ['a restart five days ago', { metadata: { name: 'test12' }, spec: { containers: [{}] }, status: { phase: 'Running', containerStatuses: [{ ready: true, restartCount: 3, state: running, lastState: restartedAgo(5 * D) }] } }, ['test12', '1/1', 'Running', '3 (5d ago)', '<unknown>']],
  ['the latest of several restarts', { metadata: { name: 'test14' }, spec: { containers: twoContainers }, status: { phase: 'Running', containerStatuses: [{ ready: true, restartCount: 6, state: running, lastState: restartedAgo(5 * D) }, { ready: true, restartCount: 3, state: running, lastState: restartedAgo(20 * D) }] } }, ['test14', '2/2', 'Running', '9 (5d ago)', '<unknown>']],
  ['SchedulingGated', { metadata: { name: 'test15' }, spec: { containers: twoContainers }, status: { phase: 'podPhase', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'SchedulingGated' }] } }, ['test15', '0/2', 'SchedulingGated', '0', '<unknown>']],
  ['Completed', { metadata: { name: 'test16' }, spec: { containers: [{}] }, status: { phase: 'Succeeded', containerStatuses: [{ state: { terminated: { reason: 'Completed', exitCode: 0 } } }] } }, ['test16', '0/1', 'Completed', '0', '<unknown>']],
  ['Error', { metadata: { name: 'test17' }, spec: { containers: [{}] }, status: { phase: 'Failed', containerStatuses: [{ state: { terminated: { reason: 'Error', exitCode: 1 } } }] } }, ['test17', '0/1', 'Error', '0', '<unknown>']],
  ['a deleted pod that succeeded stays Completed', { metadata: { ...deleted, name: 'test18' }, spec: { containers: [{}] }, status: { phase: 'Succeeded', containerStatuses: [{ state: { terminated: { reason: 'Completed', exitCode: 0 } } }] } }, ['test18', '0/1', 'Completed', '0', '<unknown>']],
  ['a deleted running pod is Terminating', { metadata: { ...deleted, name: 'test19' }, spec: { containers: [{}] }, status: { phase: 'Running', containerStatuses: [{ state: running }] } }, ['test19', '0/1', 'Terminating', '0', '<unknown>']],
  ['a deleted pending pod is Terminating', { metadata: { ...deleted, name: 'test20' }, spec: { containers: [{}] }, status: { phase: 'Pending' } }, ['test20', '0/1', 'Terminating', '0', '<unknown>']],
  ['a deleted pod on a lost node is Unknown', { metadata: { ...deleted, name: 'lost' }, spec: { containers: [{}] }, status: { phase: 'Running', reason: 'NodeLost' } }, ['lost', '0/1', 'Unknown', '0', '<unknown>']],
  ['CrashLoopBackOff with age', { metadata: { name: 'web', creationTimestamp: at(-5 * M) }, spec: { containers: [{}] }, status: { phase: 'Running', containerStatuses: [{ restartCount: 4, state: { waiting: { reason: 'CrashLoopBackOff' } }, lastState: restartedAgo(30 * S) }] } }, ['web', '0/1', 'CrashLoopBackOff', '4 (30s ago)', '5m']],
  ['a failed init container shows Init:Error', { metadata: { name: 'i' }, spec: { initContainers: [{}], containers: [{}] }, status: { phase: 'Pending', initContainerStatuses: [{ state: { terminated: { exitCode: 1, reason: 'Error' } } }] } }, ['i', '0/1', 'Init:Error', '0', '<unknown>']],
  ['a killed init container without reason shows its signal', { metadata: { name: 'i' }, spec: { initContainers: [{}], containers: [{}] }, status: { phase: 'Pending', initContainerStatuses: [{ state: { terminated: { exitCode: 137, signal: 9 } } }] } }, ['i', '0/1', 'Init:Signal:9', '0', '<unknown>']],
  ['a waiting init container shows its reason', { metadata: { name: 'i' }, spec: { initContainers: [{}], containers: [{}] }, status: { phase: 'Pending', initContainerStatuses: [{ state: { waiting: { reason: 'ImagePullBackOff' } } }] } }, ['i', '0/1', 'Init:ImagePullBackOff', '0', '<unknown>']],
];
for (const [name, pod, want] of podCases) test(`printers - pod row: ${name}`, row, 'pods', pod, want);

const sidecars = [{ name: 'restartable-init-1', restartPolicy: 'Always' }, { name: 'restartable-init-2', restartPolicy: 'Always' }];
const sidecarCases: [string, unknown, string[]][] = [
  ['sidecar running but not started', { metadata: { name: 'test1' }, spec: { initContainers: sidecars, containers: [{}] }, status: { phase: 'Pending', initContainerStatuses: [{ name: 'restartable-init-1', restartCount: 3, state: running, started: false, lastState: restartedAgo(10 * S) }, { name: 'restartable-init-2', state: { waiting: {} }, started: false }], containerStatuses: [{ state: { waiting: {} } }], conditions: [{ type: 'Initialized', status: 'False' }] } }, ['test1', '0/3', 'Init:0/2', '3 (10s ago)', '<unknown>']],
  ['first sidecar started', { metadata: { name: 'test1' }, spec: { initContainers: sidecars, containers: [{}] }, status: { phase: 'Pending', initContainerStatuses: [{ name: 'restartable-init-1', restartCount: 3, state: running, started: true, lastState: restartedAgo(10 * S) }, { name: 'restartable-init-2', state: running, started: false }], containerStatuses: [{ state: { waiting: {} } }], conditions: [{ type: 'Initialized', status: 'False' }] } }, ['test1', '0/3', 'Init:1/2', '3 (10s ago)', '<unknown>']],
  ['both sidecars started, app running', { metadata: { name: 'test2' }, spec: { initContainers: sidecars, containers: [{}] }, status: { phase: 'Running', initContainerStatuses: [{ name: 'restartable-init-1', restartCount: 3, state: running, started: true, lastState: restartedAgo(10 * S) }, { name: 'restartable-init-2', state: running, started: true }], containerStatuses: [{ ready: true, restartCount: 4, state: running, lastState: restartedAgo(20 * S) }], conditions: [{ type: 'Initialized', status: 'True' }] } }, ['test2', '1/3', 'Running', '7 (10s ago)', '<unknown>']],
  ['statuses of containers that do not exist', { metadata: { name: 'test4' }, spec: { initContainers: [{ name: 'init1', image: 'initimage' }, { name: 'sidecar1', image: 'sidecarimage', restartPolicy: 'Always' }], containers: [{ name: 'container1', image: 'containerimage' }] }, status: { phase: 'Running', initContainerStatuses: [{ name: 'initinvalid' }, { name: 'init1' }, { name: 'sidecar1' }], containerStatuses: [{ name: 'containerinvalid' }, { name: 'container1' }] } }, ['test4', '0/2', 'Init:0/2', '0', '<unknown>']],
];
for (const [name, pod, want] of sidecarCases) test(`printers - pod row with sidecars: ${name}`, row, 'pods', pod, want);

const gates = [{ conditionType: 'condition1' }, { conditionType: 'condition2' }, { conditionType: 'condition3' }];
test('printers - pod wide row: IP, node, nominated node, readiness gates', row, 'pods', { metadata: { name: 'test1' }, spec: { containers: twoContainers, nodeName: 'test1', readinessGates: gates }, status: { phase: 'podPhase', podIPs: [{ ip: '1.1.1.1' }, { ip: '2001:db8::' }], nominatedNodeName: 'node1', conditions: [{ type: 'condition1', status: 'False' }, { type: 'condition2', status: 'True' }], containerStatuses: [{ ready: true, restartCount: 3, state: running }, { restartCount: 3 }] } }, ['test1', '1/2', 'podPhase', '6', '<unknown>', '1.1.1.1', 'test1', 'node1', '1/3'], true);
test('printers - pod wide row without node or IP', row, 'pods', { metadata: { name: 'test2' }, spec: { containers: twoContainers }, status: { phase: 'podPhase', containerStatuses: [{ ready: true, restartCount: 3, state: running }, { state: { waiting: { reason: 'ContainerWaitingReason' } }, restartCount: 3 }] } }, ['test2', '1/2', 'ContainerWaitingReason', '6', '<unknown>', '<none>', '<none>', '<none>', '<none>'], true);

test('printers - renderTable aligns like kubectl: 3 spaces, min width 6, last column unpadded', (t) => {
  const out = renderTable(['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE'], [['web-1', '1/1', 'Running', '0', '5m'], ['frontend-6d8f', '0/1', 'ContainerCreating', '0', '3s']]);
  t.is(out, 'NAME            READY   STATUS              RESTARTS   AGE\nweb-1           1/1     Running             0          5m\nfrontend-6d8f   0/1     ContainerCreating   0          3s\n');
  t.is(renderTable(['A', 'B'], [['x', 'y']]), 'A     B\nx     y\n');
});

test('printers - a cell is cut at its first line break and escape characters are shown', (t) => {
  t.is(renderTable(['NAME', 'MESSAGE'], [['a', 'line one\nline two'], ['b', '\x1b[31mred']]), 'NAME   MESSAGE\na      line one...\nb      ^[[31mred\n');
});

test('printers - with -A the NAMESPACE column comes first', (t) => {
  const tbl = tableFor('pods', { ...opts, allNamespaces: true });
  t.deepEqual(tbl.headers, ['NAMESPACE', 'NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE']);
  t.deepEqual(tbl.row({ metadata: { name: 'p', namespace: 'kube-system' }, spec: { containers: [{}] }, status: { phase: 'Running' } }), ['kube-system', 'p', '0/1', 'Running', '0', '<unknown>']);
});

const headers = test.macro((t, resource: string, wide: boolean, want: string) => t.is(tableFor(resource, { ...opts, wide }).headers.join(' '), want));
for (const [resource, wide, want] of [
  ['pods', true, 'NAME READY STATUS RESTARTS AGE IP NODE NOMINATED NODE READINESS GATES'],
  ['nodes', false, 'NAME STATUS ROLES AGE VERSION'],
  ['nodes', true, 'NAME STATUS ROLES AGE VERSION INTERNAL-IP EXTERNAL-IP OS-IMAGE KERNEL-VERSION CONTAINER-RUNTIME'],
  ['namespaces', false, 'NAME STATUS AGE'],
  ['services', true, 'NAME TYPE CLUSTER-IP EXTERNAL-IP PORT(S) AGE SELECTOR'],
  ['endpoints', false, 'NAME ENDPOINTS AGE'],
  ['configmaps', false, 'NAME DATA AGE'],
  ['secrets', false, 'NAME TYPE DATA AGE'],
  ['serviceaccounts', false, 'NAME SECRETS AGE'],
  ['events', false, 'LAST SEEN TYPE REASON OBJECT MESSAGE'],
  ['events', true, 'LAST SEEN TYPE REASON OBJECT SUBOBJECT SOURCE MESSAGE FIRST SEEN COUNT NAME'],
  ['leases', false, 'NAME HOLDER AGE'],
  ['replicasets', true, 'NAME DESIRED CURRENT READY AGE CONTAINERS IMAGES SELECTOR'],
  ['deploy', true, 'NAME READY UP-TO-DATE AVAILABLE AGE CONTAINERS IMAGES SELECTOR'],
  ['ds', false, 'NAME DESIRED CURRENT READY UP-TO-DATE AVAILABLE NODE SELECTOR AGE'],
  ['statefulsets', false, 'NAME READY AGE'],
  ['jobs', false, 'NAME STATUS COMPLETIONS DURATION AGE'],
  ['controllerrevisions', false, 'NAME CONTROLLER REVISION AGE'],
  ['widgets.example.com', true, 'NAME AGE'],
] as const)
  test(`printers - ${resource}${wide ? ' wide' : ''} headers`, headers, resource, wide, want);
