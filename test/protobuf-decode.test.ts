// api/protobuf: hand-built protobuf bytes (as Go's gogo marshalling writes them: value fields
// always, pointers only when set) decode to the object's Kubernetes JSON.
import test from 'ava';
import { decodeProtobufObject, ProtobufNotReadableError } from '../api/protobuf/decode.ts';
import { StatusError } from '../api/status.ts';
import { startGateway } from './helpers/gateway.ts';

// A test-only encoder: just enough protobuf to write the messages by field number.
function varint(n: bigint): Buffer {
  const out: number[] = [];
  let v = BigInt.asUintN(64, n);
  do {
    const b = Number(v & 0x7fn);
    v >>= 7n;
    out.push(v ? b | 0x80 : b);
  } while (v);
  return Buffer.from(out);
}
const cat = (...parts: Buffer[]) => Buffer.concat(parts);
/** A varint field (ints and bools). */
const n = (no: number, x: number | bigint | boolean) => cat(varint(BigInt((no << 3) | 0)), varint(BigInt(typeof x === 'boolean' ? Number(x) : x)));
/** A length-delimited field (strings, bytes, messages). */
const ld = (no: number, b: Buffer | string) => {
  const bytes = typeof b === 'string' ? Buffer.from(b) : b;
  return cat(varint(BigInt((no << 3) | 2)), varint(BigInt(bytes.length)), bytes);
};
/** A map entry field. */
const entry = (no: number, key: string, value: Buffer | string) => ld(no, cat(ld(1, key), ld(2, value)));
/** The `k8s\0` envelope around a message. */
const envelope = (apiVersion: string, kind: string, raw: Buffer) => cat(Buffer.from('k8s\0', 'latin1'), ld(1, cat(ld(1, apiVersion), ld(2, kind))), ld(2, raw));
/** ObjectMeta as gogo writes it for a new object: every value field, the zero creationTimestamp empty. */
const meta = (name: string, ...extra: Buffer[]) => ld(1, cat(ld(1, name), ld(2, ''), ld(3, ''), ld(4, ''), ld(5, ''), ld(6, ''), n(7, 0), ld(8, ''), ...extra));
const quantity = (q: string) => ld(1, q);
const intOrString = (x: number | string) => (typeof x === 'number' ? cat(n(1, 0), n(2, x), ld(3, '')) : cat(n(1, 1), n(2, 0), ld(3, x)));

test('protobuf - a Deployment: pointers kept at zero, value zeros left out, empty messages kept, IntOrString, Time, owner references', (t) => {
  const container = cat(ld(1, 'c'), ld(2, 'nginx:1.27'), ld(3, 'sh'), ld(3, '-c'), ld(5, ''), ld(8, cat(entry(1, 'cpu', quantity('500m')), entry(2, 'memory', quantity('1Gi')))), ld(13, ''), ld(20, ''), ld(14, 'IfNotPresent'), n(16, false), n(17, false), n(18, false));
  const podSpec = cat(ld(2, container), ld(3, 'Always'), n(4, 30), ld(6, 'ClusterFirst'), ld(8, ''), ld(9, ''), ld(10, ''), n(11, false), n(12, false), n(13, false), ld(16, ''), ld(17, ''), ld(19, ''), ld(24, ''));
  const template = cat(ld(1, cat(ld(1, ''), ld(2, ''), ld(3, ''), ld(4, ''), ld(5, ''), ld(6, ''), n(7, 0), ld(8, ''), entry(11, 'app', 'web'))), ld(2, podSpec));
  const spec = cat(
    n(1, 0),
    ld(2, cat(entry(1, 'app', 'web'), ld(2, cat(ld(1, 'tier'), ld(2, 'In'), ld(3, 'a'), ld(3, 'b'))))),
    ld(3, template),
    ld(4, cat(ld(1, 'RollingUpdate'), ld(2, cat(ld(1, intOrString(0)), ld(2, intOrString('25%')))))),
    n(5, 0),
    n(7, false),
  );
  const owner = cat(ld(1, 'ReplicaSet'), ld(3, 'rs'), ld(4, 'u-1'), ld(5, 'apps/v1'), n(6, true));
  const time = cat(n(1, 1_700_000_000), n(2, 5));
  const body = envelope('apps/v1', 'Deployment', cat(meta('web', entry(11, 'app', 'web'), entry(12, 'note', ''), ld(13, owner), ld(14, 'f/one'), ld(9, time), n(10, 0)), ld(2, spec), ld(3, '')));
  t.deepEqual(decodeProtobufObject(body), {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: 'web',
      creationTimestamp: null,
      labels: { app: 'web' },
      annotations: { note: '' },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid: 'u-1', controller: true }],
      finalizers: ['f/one'],
      deletionTimestamp: '2023-11-14T22:13:20Z',
      deletionGracePeriodSeconds: 0,
    },
    spec: {
      replicas: 0,
      selector: { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['a', 'b'] }] },
      template: {
        metadata: { creationTimestamp: null, labels: { app: 'web' } },
        spec: {
          containers: [{ name: 'c', image: 'nginx:1.27', command: ['sh', '-c'], resources: { limits: { cpu: '500m' }, requests: { memory: '1Gi' } }, imagePullPolicy: 'IfNotPresent' }],
          restartPolicy: 'Always',
          terminationGracePeriodSeconds: 30,
          dnsPolicy: 'ClusterFirst',
        },
      },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: '25%' } },
    },
    status: {},
  });
});

test('protobuf - bytes become base64, embedded references inline, packed and negative numbers, env sources and volumes', (t) => {
  const secret = envelope('v1', 'Secret', cat(meta('s'), entry(2, 'k', Buffer.from([0xff, 0x00, 0x76])), entry(2, 'empty', ''), entry(4, 'plain', 'text'), ld(3, 'Opaque'), n(5, false)));
  t.deepEqual(decodeProtobufObject(secret), {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 's', creationTimestamp: null },
    data: { k: '/wB2', empty: '' },
    stringData: { plain: 'text' },
    type: 'Opaque',
    immutable: false,
  });
  const cm = envelope('v1', 'ConfigMap', cat(meta('c'), entry(2, 'a', '1'), entry(3, 'bin', Buffer.from('hi'))));
  t.like(decodeProtobufObject(cm), { data: { a: '1' }, binaryData: { bin: 'aGk=' } });

  const env = cat(ld(1, 'FROM_CM'), ld(2, ''), ld(3, ld(3, cat(ld(1, ld(1, 'cm')), ld(2, 'key'), n(3, true)))));
  const fieldEnv = cat(ld(1, 'NODE'), ld(2, ''), ld(3, ld(1, cat(ld(1, 'v1'), ld(2, 'spec.nodeName')))));
  const container = cat(ld(1, 'c'), ld(2, 'busybox'), ld(6, cat(ld(1, 'http'), n(2, 0), n(3, 8080), ld(4, 'TCP'), ld(5, ''))), ld(7, env), ld(7, fieldEnv), ld(8, ''), ld(9, cat(ld(1, 'data'), n(2, true), ld(3, '/data'), ld(4, ''), ld(6, ''))));
  const volumes = [ld(1, cat(ld(1, 'data'), ld(2, ld(19, cat(ld(1, ld(1, 'cm')), ld(2, cat(ld(1, 'a'), ld(2, 'a.txt'))), n(3, 420)))))), ld(1, cat(ld(1, 'scratch'), ld(2, ld(2, cat(ld(1, 'Memory'), ld(2, quantity('64Mi')))))))];
  const securityContext = ld(14, cat(n(2, -1), ld(4, cat(varint(1n), varint(2n))), n(4, 3)));
  const pod = envelope('v1', 'Pod', cat(meta('p'), ld(2, cat(...volumes, ld(2, container), securityContext, ld(7, cat(ld(1, 'disk'), ld(2, 'ssd'))))), ld(3, cat(ld(1, ''), ld(3, '')))));
  t.deepEqual(decodeProtobufObject(pod), {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p', creationTimestamp: null },
    spec: {
      volumes: [
        { name: 'data', configMap: { name: 'cm', items: [{ key: 'a', path: 'a.txt' }], defaultMode: 420 } },
        { name: 'scratch', emptyDir: { medium: 'Memory', sizeLimit: '64Mi' } },
      ],
      containers: [
        {
          name: 'c',
          image: 'busybox',
          ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }],
          env: [
            { name: 'FROM_CM', valueFrom: { configMapKeyRef: { name: 'cm', key: 'key', optional: true } } },
            { name: 'NODE', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'spec.nodeName' } } },
          ],
          resources: {},
          volumeMounts: [{ name: 'data', readOnly: true, mountPath: '/data' }],
        },
      ],
      securityContext: { runAsUser: -1, supplementalGroups: [1, 2, 3] },
      nodeSelector: { disk: 'ssd' },
    },
    status: {},
  });
});

test('protobuf - probes (handler inlined), lifecycle hooks and node affinity in a pod', (t) => {
  const probe = cat(ld(1, ld(2, cat(ld(1, '/healthz'), ld(2, intOrString('http')), ld(3, ''), ld(4, 'HTTP')))), n(2, 5), n(3, 0), n(4, 0), n(5, 0), n(6, 3));
  const lifecycle = ld(2, ld(4, n(1, 2)));
  const container = cat(ld(1, 'c'), ld(2, 'app'), ld(8, ''), ld(10, probe), ld(12, lifecycle));
  const term = ld(1, ld(1, cat(ld(1, 'zone'), ld(2, 'In'), ld(3, 'a'))));
  const affinity = ld(18, ld(1, ld(1, term)));
  const pod = envelope('v1', 'Pod', cat(meta('p'), ld(2, cat(ld(2, container), affinity, ld(28, ld(1, 'ready-x'))))));
  t.deepEqual((decodeProtobufObject(pod) as { spec: unknown }).spec, {
    containers: [
      {
        name: 'c',
        image: 'app',
        resources: {},
        livenessProbe: { httpGet: { path: '/healthz', port: 'http', scheme: 'HTTP' }, initialDelaySeconds: 5, failureThreshold: 3 },
        lifecycle: { preStop: { sleep: { seconds: 2 } } },
      },
    ],
    affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] }] } } },
    readinessGates: [{ conditionType: 'ready-x' }],
  });
});

test('protobuf - a Service with a named and a numbered targetPort, and its empty load balancer status', (t) => {
  const port = (name: string, target: number | string) => ld(1, cat(ld(1, name), ld(2, 'TCP'), n(3, 80), ld(4, intOrString(target)), n(5, 0)));
  const svc = envelope('v1', 'Service', cat(meta('svc'), ld(2, cat(port('a', 8080), port('b', 'http'), entry(2, 'app', 'web'), ld(3, ''), ld(4, 'ClusterIP'), ld(7, ''), n(12, 0), n(13, false))), ld(3, ld(1, ''))));
  t.deepEqual(decodeProtobufObject(svc), {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'svc', creationTimestamp: null },
    spec: {
      ports: [
        { name: 'a', protocol: 'TCP', port: 80, targetPort: 8080 },
        { name: 'b', protocol: 'TCP', port: 80, targetPort: 'http' },
      ],
      selector: { app: 'web' },
      type: 'ClusterIP',
    },
    status: { loadBalancer: {} },
  });
});

test('protobuf - an unknown field or kind is not readable (never dropped); broken bytes are a 400', (t) => {
  const unknownField = envelope('v1', 'Pod', cat(meta('p'), ld(2, ld(2, cat(ld(1, 'c'), ld(99, ''))))));
  t.is(t.throws(() => decodeProtobufObject(unknownField), { instanceOf: ProtobufNotReadableError })?.message, 'field 99 of Container at spec.containers[0] is not known to kubus');
  t.regex(t.throws(() => decodeProtobufObject(envelope('v1', 'Node', meta('n'))), { instanceOf: ProtobufNotReadableError })?.message ?? '', /not v1\/Node$/);
  t.throws(() => decodeProtobufObject(Buffer.from('{"kind":"Pod"}')), { instanceOf: ProtobufNotReadableError });
  const truncated = envelope('v1', 'ConfigMap', cat(meta('c'), Buffer.from([0x12, 0x05, 0x0a]))).subarray(0, -1);
  t.is((t.throws(() => decodeProtobufObject(truncated), { instanceOf: StatusError }) as StatusError).status.code, 400);
  const wrongWire = envelope('v1', 'ConfigMap', cat(ld(1, n(1, 5))));
  t.regex(t.throws(() => decodeProtobufObject(wrongWire), { instanceOf: StatusError })?.message ?? '', /metadata\.name: expected string, got a varint/);
});

test('protobuf - the gateway answers 415 with the way round for a field outside the tables, 400 for broken bytes, and stores nothing', async (t) => {
  const g = await startGateway(t);
  const post = (body: Buffer) =>
    fetch(`${g.url}/api/v1/namespaces/default/pods`, { method: 'POST', headers: { 'Content-Type': 'application/vnd.kubernetes.protobuf' }, body }).then(async (r) => ({ code: r.status, body: (await r.json()) as { reason: string; message: string } }));
  const before = g.store.revision;
  const refused = await post(envelope('v1', 'Pod', cat(meta('p'), ld(2, ld(2, cat(ld(1, 'c'), ld(99, '')))))));
  t.is(refused.code, 415);
  t.is(refused.body.reason, 'UnsupportedMediaType');
  t.regex(refused.body.message, /field 99 of Container at spec\.containers\[0\] is not known to kubus.*ContentType: "application\/json"/);
  const broken = await post(envelope('v1', 'Pod', cat(meta('p'), Buffer.from([0x12, 0x09]))));
  t.is(broken.code, 400);
  t.is(g.store.revision, before);
  const made = await post(envelope('v1', 'Pod', cat(meta('p'), ld(2, ld(2, cat(ld(1, 'c'), ld(2, 'busybox')))))));
  t.is(made.code, 201, made.body.message);
  t.like(await g.client.get<any>('pods', 'p', { namespace: 'default' }), { spec: { containers: [{ name: 'c', image: 'busybox' }] } });
});
