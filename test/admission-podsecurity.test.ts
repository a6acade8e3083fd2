// PodSecurity admission: the Pod Security Standards' checks as a table of cases, namespace labels
// choosing enforce/warn levels over the bus, and the real kubectl printing upstream's texts.
import test from 'ava';
import { stringify } from 'yaml';
import type { KubeObject } from '../api/meta.ts';
import { StatusError } from '../api/status.ts';
import { evaluatePod, type Level } from '../actors/apiserver/admission-podsecurity-checks.ts';
import { describe as describeViolations, policyOf } from '../actors/apiserver/admission-podsecurity.ts';
import { Auditor, type AuditEvent } from '../api/audit-event.ts';
import { METADATA_FOR_ALL } from '../api/audit-policy.ts';
import { apiserverActor } from '../actors/apiserver/apiserver.actor.ts';
import { MemoryStore } from '../actors/apiserver/store/index.ts';
import { realClock } from '../bus/clock.ts';
import { ApiClient } from '../bus/client.ts';
import { MemoryBroker } from '../bus/memory-bus.ts';
import { seededRng } from '../bus/random.ts';
import { silentLogger } from '../bus/types.ts';
import { serving } from '../runtime/control-plane.ts';
import { Host } from '../runtime/host.ts';
import { pod, startApi } from './helpers/api.ts';
import { startGateway } from './helpers/gateway.ts';

const RESTRICTED_OK = { allowPrivilegeEscalation: false, runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' }, capabilities: { drop: ['ALL'] } };
const spec = (sc: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) => ({ containers: [{ name: 'c', image: 'nginx', securityContext: sc }], ...extra });

const cases: Array<[string, Level, Record<string, unknown>, string]> = [
  ['a plain pod is baseline', 'baseline', spec(), ''],
  ['host namespaces', 'baseline', spec({}, { hostNetwork: true, hostPID: true }), 'host namespaces (hostNetwork=true, hostPID=true)'],
  ['privileged', 'baseline', spec({ privileged: true }), 'privileged (container "c" must not set securityContext.privileged=true)'],
  ['capabilities beyond the default set', 'baseline', spec({ capabilities: { add: ['SYS_TIME', 'NET_ADMIN', 'CHOWN'] } }), 'non-default capabilities (container "c" must not include "NET_ADMIN", "SYS_TIME" in securityContext.capabilities.add)'],
  ['hostPath volumes', 'baseline', spec({}, { volumes: [{ name: 'h', hostPath: { path: '/' } }] }), 'hostPath volumes (volume "h")'],
  ['hostPorts', 'baseline', { containers: [{ name: 'a', image: 'x', ports: [{ containerPort: 80, hostPort: 8080 }] }] }, 'hostPort (container "a" uses hostPort 8080)'],
  ['procMount', 'baseline', spec({ procMount: 'Unmasked' }), 'procMount (container "c" must not set securityContext.procMount to "Unmasked")'],
  ['seccomp Unconfined', 'baseline', spec({}, { securityContext: { seccompProfile: { type: 'Unconfined' } } }), 'seccompProfile (pod must not set securityContext.seccompProfile.type to "Unconfined")'],
  ['unsafe sysctls', 'baseline', spec({}, { securityContext: { sysctls: [{ name: 'kernel.msgmax', value: '1' }, { name: 'net.ipv4.tcp_syncookies', value: '1' }] } }), 'forbidden sysctls (kernel.msgmax)'],
  ['SELinux type', 'baseline', spec({ seLinuxOptions: { type: 'spc_t', user: 'u' } }), 'seLinuxOptions (container "c" set forbidden securityContext.seLinuxOptions: type "spc_t"; user may not be set)'],
  ['hostProcess', 'baseline', spec({ windowsOptions: { hostProcess: true } }), 'hostProcess (container "c" must not set securityContext.windowsOptions.hostProcess=true)'],
  ['AppArmor unconfined', 'baseline', spec({ appArmorProfile: { type: 'Unconfined' } }), 'forbidden AppArmor profile (container "c" must not set securityContext.appArmorProfile.type to "Unconfined")'],
  ['a plain pod under restricted', 'restricted', spec(),
    'allowPrivilegeEscalation != false (container "c" must set securityContext.allowPrivilegeEscalation=false), unrestricted capabilities (container "c" must set securityContext.capabilities.drop=["ALL"]), runAsNonRoot != true (pod or container "c" must set securityContext.runAsNonRoot=true), seccompProfile (pod or container "c" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")'],
  ['a restricted pod', 'restricted', spec(RESTRICTED_OK, { volumes: [{ name: 'cm', configMap: { name: 'x' } }] }), ''],
  ['NET_BIND_SERVICE only may be added', 'restricted', spec({ ...RESTRICTED_OK, capabilities: { drop: ['ALL'], add: ['NET_BIND_SERVICE', 'CHOWN'] } }), 'unrestricted capabilities (container "c" must not include "CHOWN" in securityContext.capabilities.add)'],
  ['runAsUser 0 and hostPath as a restricted volume type', 'restricted', spec({ ...RESTRICTED_OK, runAsUser: 0 }, { volumes: [{ name: 'h', hostPath: { path: '/' } }] }),
    'restricted volume types (volume "h" uses restricted volume type "hostPath"), runAsUser=0 (container "c" must not set runAsUser=0)'],
  ['pod-level settings cover the containers', 'restricted', { securityContext: { runAsNonRoot: true, seccompProfile: { type: 'Localhost', localhostProfile: 'p' } }, containers: [{ name: 'c', image: 'x', securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } } }] }, ''],
  ['privileged level allows anything', 'privileged', spec({ privileged: true }, { hostNetwork: true }), ''],
];

for (const [what, level, s, want] of cases)
  test(`podsecurity checks - ${level}: ${what}`, (t) => t.is(describeViolations(evaluatePod(level, {}, s)), want));

test('podsecurity checks - namespace labels: absent is privileged, unknown levels read as restricted, versions named', (t) => {
  t.deepEqual(policyOf(undefined, 'enforce'), { level: 'privileged', version: 'latest' });
  t.deepEqual(policyOf({ 'pod-security.kubernetes.io/warn': 'bogus' }, 'warn'), { level: 'restricted', version: 'latest' });
  t.deepEqual(policyOf({ 'pod-security.kubernetes.io/enforce': 'baseline', 'pod-security.kubernetes.io/enforce-version': 'v1.30' }, 'enforce'), { level: 'baseline', version: 'v1.30' });
});

const labelled = (name: string, labels: Record<string, string>): KubeObject => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } });

test('podsecurity admission - enforce refuses with upstream\'s text; warn admits with a warning; status writes and image changes pass', async (t) => {
  const { client } = await startApi(t);
  await client.create('namespaces', labelled('locked', { 'pod-security.kubernetes.io/enforce': 'baseline', 'pod-security.kubernetes.io/warn': 'restricted' }));
  const inNs = (p: KubeObject) => ({ ...p, metadata: { ...p.metadata, namespace: 'locked' } });
  const err = await t.throwsAsync(client.create('pods', inNs(pod('priv', spec({ privileged: true })))), { instanceOf: StatusError });
  t.is(err.code, 403);
  t.is(err.message, 'pods "priv" is forbidden: violates PodSecurity "baseline:latest": privileged (container "c" must not set securityContext.privileged=true)');
  const warnings: string[] = [];
  const made = await client.create('pods', inNs(pod('plain', spec())), { warnings });
  t.deepEqual(warnings, ['would violate PodSecurity "restricted:latest": allowPrivilegeEscalation != false (container "c" must set securityContext.allowPrivilegeEscalation=false), unrestricted capabilities (container "c" must set securityContext.capabilities.drop=["ALL"]), runAsNonRoot != true (pod or container "c" must set securityContext.runAsNonRoot=true), seccompProfile (pod or container "c" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")']);
  // An image change is not significant (upstream): no warning.
  const after: string[] = [];
  const spec0 = made.spec as { containers: Array<{ image: string }> };
  await client.update('pods', { ...made, spec: { ...spec0, containers: [{ ...spec0.containers[0], image: 'nginx:2' }] } } as KubeObject, { warnings: after });
  t.deepEqual(after, []);
  // An unlabelled namespace is not checked.
  t.truthy(await client.create('pods', pod('priv', spec({ privileged: true }))));
});

test('podsecurity kubectl - a refused pod, a warned one, and a Deployment whose template violates the enforce level', async (t) => {
  const g = await startGateway(t);
  t.is((await g.kubectl(['create', 'namespace', 'ps'])).code, 0);
  t.is((await g.kubectl(['label', 'namespace', 'ps', 'pod-security.kubernetes.io/enforce=restricted', 'pod-security.kubernetes.io/warn=restricted'])).code, 0);
  const refused = await g.kubectl(['-n', 'ps', 'run', 'web', '--image=nginx']);
  t.is(refused.code, 1);
  t.is(refused.stderr, 'Error from server (Forbidden): pods "web" is forbidden: violates PodSecurity "restricted:latest": allowPrivilegeEscalation != false (container "web" must set securityContext.allowPrivilegeEscalation=false), unrestricted capabilities (container "web" must set securityContext.capabilities.drop=["ALL"]), runAsNonRoot != true (pod or container "web" must set securityContext.runAsNonRoot=true), seccompProfile (pod or container "web" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")\n');
  const deployment = await g.kubectl(['-n', 'ps', 'create', 'deployment', 'web', '--image=nginx']);
  t.is(deployment.code, 0, deployment.stderr);
  t.is(deployment.stderr, 'Warning: would violate PodSecurity "restricted:latest": allowPrivilegeEscalation != false (container "nginx" must set securityContext.allowPrivilegeEscalation=false), unrestricted capabilities (container "nginx" must set securityContext.capabilities.drop=["ALL"]), runAsNonRoot != true (pod or container "nginx" must set securityContext.runAsNonRoot=true), seccompProfile (pod or container "nginx" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")\n');
  const ok = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'ok', namespace: 'ps' }, spec: { containers: [{ name: 'c', image: 'nginx', securityContext: RESTRICTED_OK }] } };
  const created = await g.kubectl(['apply', '-f', '-'], stringify(ok));
  t.is(created.code, 0, created.stderr);
  t.is(created.stderr, '');
});

test('podsecurity namespaces - invalid labels are 422 with upstream\'s texts; raising enforce warns about existing pods, grouped', async (t) => {
  const { client } = await startApi(t);
  const bad = await t.throwsAsync(client.create('namespaces', labelled('bad', { 'pod-security.kubernetes.io/enforce': 'strict', 'pod-security.kubernetes.io/warn-version': '1.30' })), { instanceOf: StatusError });
  t.is(bad.code, 422);
  t.is(bad.message, 'Namespace "bad" is invalid: [metadata.labels[pod-security.kubernetes.io/enforce]: Invalid value: "strict": must be one of privileged, baseline, restricted, metadata.labels[pod-security.kubernetes.io/warn-version]: Invalid value: "1.30": must be "latest" or "v1.x"]');
  const ns = await client.create('namespaces', labelled('apps', {}));
  const inApps = (p: KubeObject) => ({ ...p, metadata: { ...p.metadata, namespace: 'apps' } });
  for (const name of ['b', 'a', 'c']) await client.create('pods', inApps(pod(name, spec())));
  await client.create('pods', inApps(pod('root', spec({ ...RESTRICTED_OK, runAsUser: 0 }))));
  await client.create('pods', inApps(pod('fine', spec(RESTRICTED_OK))));
  const warnings: string[] = [];
  await client.update('namespaces', { ...ns, metadata: { ...ns.metadata, labels: { 'pod-security.kubernetes.io/enforce': 'restricted' } } } as KubeObject, { warnings });
  t.deepEqual(warnings, [
    'existing pods in namespace "apps" violate the new PodSecurity enforce level "restricted:latest"',
    'a (and 2 other pods): allowPrivilegeEscalation != false, unrestricted capabilities, runAsNonRoot != true, seccompProfile',
    'root: runAsUser=0',
  ]);
});

test('podsecurity kubectl - labelling a namespace warns about its pods (a server dry run, as upstream documents); a bad level is refused', async (t) => {
  const g = await startGateway(t);
  t.is((await g.kubectl(['run', 'web', '--image=nginx'])).code, 0);
  const dry = await g.kubectl(['label', '--dry-run=server', '--overwrite', 'namespace', 'default', 'pod-security.kubernetes.io/enforce=restricted']);
  t.is(dry.code, 0, dry.stderr);
  t.is(dry.stderr, 'Warning: existing pods in namespace "default" violate the new PodSecurity enforce level "restricted:latest"\nWarning: web: allowPrivilegeEscalation != false, unrestricted capabilities, runAsNonRoot != true, seccompProfile\n');
  const bad = await g.kubectl(['label', 'namespace', 'default', 'pod-security.kubernetes.io/audit=everything']);
  t.is(bad.code, 1);
  t.is(bad.stderr, 'The Namespace "default" is invalid: metadata.labels[pod-security.kubernetes.io/audit]: Invalid value: "everything": must be one of privileged, baseline, restricted\n');
});

test('podsecurity audit - the enforce policy and the audit level\'s violations are annotations of the request\'s audit event', async (t) => {
  const events: AuditEvent[] = [];
  const rng = seededRng(7);
  const auditor = new Auditor(METADATA_FOR_ALL, { write: (e) => events.push(e) }, () => realClock.now(), () => rng.uuid());
  const broker = new MemoryBroker({ clock: realClock, rng: seededRng(1) });
  const host = new Host({ bus: broker.connect('control-plane'), clock: realClock, rng: seededRng(2), log: silentLogger });
  await serving(host.start(apiserverActor, 'apiserver', { store: new MemoryStore(), audit: auditor }));
  const client = new ApiClient(broker.connect('client'), { clock: realClock });
  t.teardown(async () => {
    await client.bus.close();
    await host.stopAll();
  });
  await client.create('namespaces', labelled('audited', { 'pod-security.kubernetes.io/enforce': 'baseline', 'pod-security.kubernetes.io/audit': 'restricted' }));
  await client.create('pods', { ...pod('web', spec()), metadata: { name: 'web', namespace: 'audited' } });
  const done = events.find((e) => e.stage === 'ResponseComplete' && e.verb === 'create' && e.objectRef?.resource === 'pods');
  t.is(done?.annotations?.['pod-security.kubernetes.io/enforce-policy'], 'baseline:latest');
  t.regex(done?.annotations?.['pod-security.kubernetes.io/audit-violations'] ?? '', /^would violate PodSecurity "restricted:latest": allowPrivilegeEscalation != false \(container "c" must set/);
});
