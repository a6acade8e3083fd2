// `kubectl describe` layouts: expectations written from describe.go's format strings and Go tabwriter rules
// (minwidth 0, padding 2; a column is aligned over each run of consecutive lines that have it).
import test from 'ava';
import { describe } from '../cli/printers/describe.ts';
import { smartLabel, splitCamel } from '../cli/printers/describe-generic.ts';
import { tabify } from '../cli/printers/tabwriter.ts';

const NOW = Date.parse('2024-05-01T12:00:00Z');
const lines = (...ls: string[]) => `${ls.join('\n')}\n`;

test('printers - tabwriter columns are elastic: a column aligns only over consecutive lines that have it', (t) => {
  // Go's text/tabwriter Example_elastic, left-aligned with spaces and padding 1.
  t.is(tabify('a\tb\tc\naa\tbb\tcc\naaa\t\naaaa\tdddd\teeee\n', { minWidth: 0, padding: 1 }), 'a    b  c\naa   bb cc\naaa  \naaaa dddd eeee\n');
});

test('printers - generic describe labels fields as kubectl does', (t) => {
  t.deepEqual(splitCamel('HTTPServerPort'), ['HTTP', 'Server', 'Port']);
  t.is(smartLabel('apiVersion'), 'API Version');
  t.is(smartLabel('uid'), 'UID');
  t.is(smartLabel('leaseDurationSeconds'), 'Lease Duration Seconds');
  t.is(smartLabel('app.kubernetes.io/name'), 'app.kubernetes.io/name');
});

const pod = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'web-1', namespace: 'default', uid: 'p1', creationTimestamp: '2024-05-01T11:55:00Z', labels: { app: 'web' }, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-abc', uid: 'rs1', controller: true }] },
  spec: {
    nodeName: 'node-1',
    serviceAccountName: 'default',
    priority: 0,
    containers: [{ name: 'nginx', image: 'nginx:1.25', ports: [{ containerPort: 80, protocol: 'TCP' }] }],
    tolerations: [
      { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
      { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
    ],
  },
  status: {
    phase: 'Running',
    hostIP: '10.0.0.1',
    podIP: '10.244.0.5',
    podIPs: [{ ip: '10.244.0.5' }],
    startTime: '2024-05-01T11:55:01Z',
    qosClass: 'BestEffort',
    conditions: ['Initialized', 'Ready', 'ContainersReady', 'PodScheduled'].map((type) => ({ type, status: 'True' })),
    containerStatuses: [{ name: 'nginx', ready: true, restartCount: 0, containerID: 'sim://web-1/nginx', imageID: 'sim://nginx:1.25', state: { running: { startedAt: '2024-05-01T11:55:02Z' } } }],
  },
};

test('printers - describe pod', (t) => {
  const want = lines(
    'Name:             web-1',
    'Namespace:        default',
    'Priority:         0',
    'Service Account:  default',
    'Node:             node-1/10.0.0.1',
    'Start Time:       Wed, 01 May 2024 11:55:01 +0000',
    'Labels:           app=web',
    'Annotations:      <none>',
    'Status:           Running',
    'IP:               10.244.0.5',
    'IPs:',
    '  IP:           10.244.0.5',
    'Controlled By:  ReplicaSet/web-abc',
    'Containers:',
    '  nginx:',
    '    Container ID:   sim://web-1/nginx',
    '    Image:          nginx:1.25',
    '    Image ID:       sim://nginx:1.25',
    '    Port:           80/TCP',
    '    Host Port:      0/TCP',
    '    State:          Running',
    '      Started:      Wed, 01 May 2024 11:55:02 +0000',
    '    Ready:          True',
    '    Restart Count:  0',
    '    Environment:    <none>',
    '    Mounts:         <none>',
    'Conditions:',
    '  Type              Status',
    '  Initialized       True ',
    '  Ready             True ',
    '  ContainersReady   True ',
    '  PodScheduled      True ',
    'Volumes:            <none>',
    'QoS Class:          BestEffort',
    'Node-Selectors:     <none>',
    'Tolerations:        node.kubernetes.io/not-ready:NoExecute op=Exists for 300s',
    '                    node.kubernetes.io/unreachable:NoExecute op=Exists for 300s',
    'Events:             <none>',
  );
  t.is(describe('pods', pod, [], NOW), want);
});

test('printers - describe pod with a crash-looping container, resources, env and events', (t) => {
  const p = {
    metadata: { name: 'api', namespace: 'prod', deletionTimestamp: '2024-05-01T11:59:30Z', deletionGracePeriodSeconds: 30 },
    spec: {
      containers: [
        {
          name: 'api',
          image: 'api:2',
          command: ['/bin/api'],
          args: ['--port=8080'],
          resources: { limits: { memory: '128Mi' }, requests: { cpu: '0.25', memory: '64Mi' } },
          env: [{ name: 'MODE', value: 'prod' }, { name: 'NODE', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'spec.nodeName' } } }],
          livenessProbe: { httpGet: { path: '/healthz', port: 8080, scheme: 'HTTP' }, timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1, failureThreshold: 3 },
          volumeMounts: [{ name: 'data', mountPath: '/data' }],
        },
      ],
      volumes: [{ name: 'data', emptyDir: {} }],
    },
    status: {
      phase: 'Running',
      containerStatuses: [
        { name: 'api', ready: false, restartCount: 4, state: { waiting: { reason: 'CrashLoopBackOff' } }, lastState: { terminated: { exitCode: 1, reason: 'Error', startedAt: '2024-05-01T11:58:00Z', finishedAt: '2024-05-01T11:58:05Z' } } },
      ],
    },
  };
  const events = [
    { type: 'Warning', reason: 'BackOff', message: 'Back-off restarting failed container api ', source: { component: 'kubelet' }, firstTimestamp: '2024-05-01T11:56:00Z', lastTimestamp: '2024-05-01T11:59:00Z', count: 5 },
    { type: 'Normal', reason: 'Scheduled', message: 'Successfully assigned prod/api to node-2', reportingController: 'default-scheduler', eventTime: '2024-05-01T11:55:00.000000Z' },
  ];
  const want = lines(
    'Name:                      api',
    'Namespace:                 prod',
    'Node:                      <none>',
    'Labels:                    <none>',
    'Annotations:               <none>',
    'Status:                    Terminating (lasts 30s)',
    'Termination Grace Period:  30s',
    'IP:                        ',
    'IPs:                       <none>',
    'Containers:',
    '  api:',
    '    Container ID:  ',
    '    Image:         api:2',
    '    Image ID:      ',
    '    Port:          <none>',
    '    Host Port:     <none>',
    '    Command:',
    '      /bin/api',
    '    Args:',
    '      --port=8080',
    '    State:          Waiting',
    '      Reason:       CrashLoopBackOff',
    '    Last State:     Terminated',
    '      Reason:       Error',
    '      Exit Code:    1',
    '      Started:      Wed, 01 May 2024 11:58:00 +0000',
    '      Finished:     Wed, 01 May 2024 11:58:05 +0000',
    '    Ready:          False',
    '    Restart Count:  4',
    '    Limits:',
    '      memory:  128Mi',
    '    Requests:',
    '      cpu:     250m',
    '      memory:  64Mi',
    '    Liveness:  http-get http://:8080/healthz delay=0s timeout=1s period=10s #success=1 #failure=3',
    '    Environment:',
    '      MODE:  prod',
    '      NODE:   (v1:spec.nodeName)',
    '    Mounts:',
    '      /data from data (rw)',
    'Volumes:',
    '  data:',
    '    Type:        EmptyDir (a temporary directory that shares a pod\'s lifetime)',
    '    Medium:      ',
    '    SizeLimit:   <unset>',
    'QoS Class:       Burstable',
    'Node-Selectors:  <none>',
    'Tolerations:     <none>',
    'Events:',
    '  Type     Reason     Age               From               Message',
    '  ----     ------     ----              ----               -------',
    '  Normal   Scheduled  5m                default-scheduler  Successfully assigned prod/api to node-2',
    '  Warning  BackOff    60s (x5 over 4m)  kubelet            Back-off restarting failed container api',
  );
  t.is(describe('po', p, events, NOW), want);
});
