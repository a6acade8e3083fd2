// A container's environment as upstream's kubelet builds it: values with $(VAR) expansion,
// configMap/secret refs (optional, missing → CreateContainerConfigError with upstream's text),
// fieldRef, resourceFieldRef with divisors, envFrom with prefix and invalid keys, Service variables.
import test from 'ava';
import type { ConfigMap, Secret } from '../api/kinds/configmap.ts';
import type { Container } from '../api/kinds/container.ts';
import type { Pod } from '../api/kinds/pod.ts';
import type { Service } from '../api/kinds/service.ts';
import { containerEnv, EnvConfigError, envReferences, expandCommand, type EnvSources } from '../actors/kubelet/env.ts';
import { expandVars } from '../actors/kubelet/env-fields.ts';
import { serviceEnvMap } from '../actors/kubelet/env-services.ts';

const svc = (ns: string, name: string, clusterIP: string, ports: Array<{ name?: string; port: number; protocol?: string }>): Service =>
  ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: ns }, spec: { clusterIP, ports } }) as Service;
const cm = (name: string, data: Record<string, string>): ConfigMap => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'shop' }, data });
const secret = (name: string, data: Record<string, string>): Secret =>
  ({ apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: 'shop' }, data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')])) }) as Secret;

const SERVICES = [
  svc('default', 'kubernetes', '10.96.0.1', [{ name: 'https', port: 443 }]),
  svc('shop', 'redis-primary', '10.96.0.11', [{ port: 6379 }]),
  svc('shop', 'web', '10.96.0.12', [{ name: 'http', port: 80 }, { name: 'dns', port: 53, protocol: 'UDP' }]),
  svc('shop', 'headless', 'None', [{ port: 80 }]),
  svc('other', 'elsewhere', '10.96.0.13', [{ port: 80 }]),
];

const pod = (c: Partial<Container>, spec: Record<string, unknown> = {}): [Pod, Container] => {
  const container = { name: 'app', image: 'busybox', ...c } as Container;
  const p = {
    metadata: { name: 'web-0', namespace: 'shop', uid: 'uid-1', labels: { app: 'web', tier: 'front' }, annotations: { note: 'a "quoted" value' } },
    spec: { nodeName: 'node-1', serviceAccountName: 'default', containers: [container, { name: 'side', image: 'x', resources: { limits: { memory: '64Mi' } } }], ...spec },
  } as unknown as Pod;
  return [p, container];
};

const sources = (extra: Partial<EnvSources> = {}): EnvSources => ({
  configMaps: new Map<string, ConfigMap | null>([['cfg', cm('cfg', { MODE: 'prod', 'bad key': 'x', '1st': 'y', LEVEL: 'debug' })], ['gone', null]]),
  secrets: new Map<string, Secret | null>([['creds', secret('creds', { password: 's3cret', 'user-name': 'admin' })], ['nope', null]]),
  services: SERVICES,
  hostIPs: ['10.0.0.2'],
  podIPs: ['10.244.1.7'],
  nodeAllocatable: { cpu: '4', memory: '16Gi' },
  ...extra,
});

const asMap = (env: Array<{ name: string; value: string }>) => Object.fromEntries(env.map((e) => [e.name, e.value]));

test('env - values, $(VAR) expansion from earlier variables and Services, $$ escapes', (t) => {
  const [p, c] = pod({ env: [{ name: 'A', value: 'one' }, { name: 'B', value: '$(A)-two $(REDIS_PRIMARY_SERVICE_HOST) $(NOPE) $$(A) $(C)' }, { name: 'C', value: 'late' }] });
  const env = asMap(containerEnv(p, c, sources()).env);
  t.is(env.B, 'one-two 10.96.0.11 $(NOPE) $(A) $(C)');
  t.is(expandVars('$(A', () => 'x'), '$(A');
  t.is(expandVars('cost: $5 $', () => 'x'), 'cost: $5 $');
  t.deepEqual(expandCommand(['echo', '$(A)', '$$(A)'], [{ name: 'A', value: 'hi' }]), ['echo', 'hi', '$(A)']);
});

test('env - configMapKeyRef and secretKeyRef, optional ones skipped, required ones a CreateContainerConfigError', (t) => {
  const [p, c] = pod({
    env: [
      { name: 'MODE', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'MODE' } } },
      { name: 'PASS', valueFrom: { secretKeyRef: { name: 'creds', key: 'password' } } },
      { name: 'OPT1', valueFrom: { configMapKeyRef: { name: 'gone', key: 'x', optional: true } } },
      { name: 'OPT2', valueFrom: { secretKeyRef: { name: 'creds', key: 'missing', optional: true } } },
    ],
  });
  t.deepEqual(envReferences(c), { configMaps: ['cfg', 'gone'], secrets: ['creds'] });
  const env = asMap(containerEnv(p, c, sources()).env);
  t.like(env, { MODE: 'prod', PASS: 's3cret' });
  t.false('OPT1' in env || 'OPT2' in env);
  const fail = (e: Container['env']) => t.throws(() => containerEnv(p, { ...c, env: e }, sources()), { instanceOf: EnvConfigError });
  t.is(fail([{ name: 'X', valueFrom: { configMapKeyRef: { name: 'gone', key: 'x' } } }])?.message, 'configmap "gone" not found');
  t.is(fail([{ name: 'X', valueFrom: { secretKeyRef: { name: 'nope', key: 'x' } } }])?.message, 'secret "nope" not found');
  t.is(fail([{ name: 'X', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'constructor' } } }])?.message, "couldn't find key constructor in ConfigMap shop/cfg");
  t.is(fail([{ name: 'X', valueFrom: { secretKeyRef: { name: 'creds', key: 'k' } } }])?.reason, 'CreateContainerConfigError');
});

test('env - fieldRef: metadata, labels and annotations, node, service account, host and pod IPs', (t) => {
  const ref = (name: string, fieldPath: string) => ({ name, valueFrom: { fieldRef: { fieldPath } } });
  const [p, c] = pod({
    env: [ref('NAME', 'metadata.name'), ref('NS', 'metadata.namespace'), ref('UID', 'metadata.uid'), ref('APP', "metadata.labels['app']"), ref('NOTE', "metadata.annotations['note']"), ref('LABELS', 'metadata.labels'), ref('NODE', 'spec.nodeName'), ref('SA', 'spec.serviceAccountName'), ref('HOST', 'status.hostIP'), ref('HOSTS', 'status.hostIPs'), ref('IP', 'status.podIP'), ref('IPS', 'status.podIPs')],
  });
  t.like(asMap(containerEnv(p, c, sources({ podIPs: ['10.244.1.7', 'fd00::7'] })).env), {
    NAME: 'web-0',
    NS: 'shop',
    UID: 'uid-1',
    APP: 'web',
    NOTE: 'a "quoted" value',
    LABELS: 'app="web"\ntier="front"',
    NODE: 'node-1',
    SA: 'default',
    HOST: '10.0.0.2',
    HOSTS: '10.0.0.2',
    IP: '10.244.1.7',
    IPS: '10.244.1.7,fd00::7',
  });
});

test('env - resourceFieldRef: limits and requests with divisors, rounded up; unset limits are the node allocatable', (t) => {
  const ref = (name: string, resource: string, divisor?: string, containerName?: string) => ({ name, valueFrom: { resourceFieldRef: { resource, divisor, containerName } } });
  const [p, c] = pod({
    resources: { limits: { cpu: '250m', memory: '128Mi' }, requests: { cpu: '100m', memory: '100M' } },
    env: [ref('CPU', 'limits.cpu'), ref('CPU_M', 'limits.cpu', '1m'), ref('MEM', 'limits.memory'), ref('MEM_MI', 'limits.memory', '1Mi'), ref('REQ_MEM_MI', 'requests.memory', '1Mi'), ref('REQ_CPU_M', 'requests.cpu', '1m'), ref('SIDE_CPU', 'limits.cpu', undefined, 'side'), ref('SIDE_MEM', 'limits.memory', '1Mi', 'side')],
  });
  t.like(asMap(containerEnv(p, c, sources()).env), { CPU: '1', CPU_M: '250', MEM: String(128 * 1024 * 1024), MEM_MI: '128', REQ_MEM_MI: '96', REQ_CPU_M: '100', SIDE_CPU: '4', SIDE_MEM: '64' });
  t.throws(() => containerEnv(p, { ...c, env: [ref('X', 'limits.gpu')] }, sources()), { message: 'unsupported container resource : limits.gpu' });
});

test('env - envFrom with prefix; env overrides it; invalid names are skipped with an event', (t) => {
  const [p, c] = pod({
    envFrom: [{ configMapRef: { name: 'cfg' } }, { prefix: 'S_', secretRef: { name: 'creds' } }, { configMapRef: { name: 'gone', optional: true } }] as unknown as Container['envFrom'],
    env: [{ name: 'LEVEL', value: 'info' }],
  });
  const { env, events } = containerEnv(p, c, sources());
  const m = asMap(env);
  t.like(m, { MODE: 'prod', LEVEL: 'info', S_password: 's3cret', 'S_user-name': 'admin' });
  t.false('bad key' in m);
  t.deepEqual(events, [{ type: 'Warning', reason: 'InvalidEnvironmentVariableNames', message: 'Keys [1st, bad key] from the EnvFrom configMap shop/cfg were skipped since they are considered invalid environment variable names.' }]);
  t.throws(() => containerEnv(p, { ...c, envFrom: [{ configMapRef: { name: 'gone' } }] as unknown as Container['envFrom'] }, sources()), { message: 'configmap "gone" not found' });
});

test('env - Service variables for the namespace and kubernetes, not with enableServiceLinks false', (t) => {
  const m = Object.fromEntries(serviceEnvMap(SERVICES, 'shop', true));
  t.deepEqual(m, {
    KUBERNETES_SERVICE_HOST: '10.96.0.1',
    KUBERNETES_SERVICE_PORT: '443',
    KUBERNETES_SERVICE_PORT_HTTPS: '443',
    KUBERNETES_PORT: 'tcp://10.96.0.1:443',
    KUBERNETES_PORT_443_TCP: 'tcp://10.96.0.1:443',
    KUBERNETES_PORT_443_TCP_PROTO: 'tcp',
    KUBERNETES_PORT_443_TCP_PORT: '443',
    KUBERNETES_PORT_443_TCP_ADDR: '10.96.0.1',
    REDIS_PRIMARY_SERVICE_HOST: '10.96.0.11',
    REDIS_PRIMARY_SERVICE_PORT: '6379',
    REDIS_PRIMARY_PORT: 'tcp://10.96.0.11:6379',
    REDIS_PRIMARY_PORT_6379_TCP: 'tcp://10.96.0.11:6379',
    REDIS_PRIMARY_PORT_6379_TCP_PROTO: 'tcp',
    REDIS_PRIMARY_PORT_6379_TCP_PORT: '6379',
    REDIS_PRIMARY_PORT_6379_TCP_ADDR: '10.96.0.11',
    WEB_SERVICE_HOST: '10.96.0.12',
    WEB_SERVICE_PORT: '80',
    WEB_SERVICE_PORT_HTTP: '80',
    WEB_SERVICE_PORT_DNS: '53',
    WEB_PORT: 'tcp://10.96.0.12:80',
    WEB_PORT_80_TCP: 'tcp://10.96.0.12:80',
    WEB_PORT_80_TCP_PROTO: 'tcp',
    WEB_PORT_80_TCP_PORT: '80',
    WEB_PORT_80_TCP_ADDR: '10.96.0.12',
    WEB_PORT_53_UDP: 'udp://10.96.0.12:53',
    WEB_PORT_53_UDP_PROTO: 'udp',
    WEB_PORT_53_UDP_PORT: '53',
    WEB_PORT_53_UDP_ADDR: '10.96.0.12',
  });
  t.deepEqual([...serviceEnvMap(SERVICES, 'shop', false).keys()].filter((k) => !k.startsWith('KUBERNETES_')), []);
  // A container's own variable wins over a Service's.
  const [p, c] = pod({ env: [{ name: 'WEB_SERVICE_HOST', value: 'mine' }] }, { enableServiceLinks: true });
  const env = containerEnv(p, c, sources()).env;
  t.is(env.filter((e) => e.name === 'WEB_SERVICE_HOST').length, 1);
  t.is(asMap(env).WEB_SERVICE_HOST, 'mine');
});
