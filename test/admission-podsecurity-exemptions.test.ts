// PodSecurity's exemptions from --admission-control-config-file (upstream's AdmissionConfiguration with
// a PodSecurityConfiguration: exemptions.usernames, runtimeClasses, namespaces), over a real locked
// bus: exempt requests are not evaluated (and their audit events say why); everything else still is.
import test from 'ava';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AuditEvent } from '../api/audit-event.ts';
import type { KubeObject } from '../api/meta.ts';
import { ApiClient } from '../bus/client.ts';
import { NatsBus } from '../bus/nats-bus.ts';
import { silentLogger } from '../bus/types.ts';
import { loadAdmissionConfig } from '../runtime/admission-config.ts';
import { clusterIdentities, ensureCredentials, lockedConfig } from '../runtime/bus-auth.ts';
import { startControlPlane, type ControlPlane } from '../runtime/control-plane.ts';
import { startNatsServer, type NatsServer } from '../runtime/nats-server.ts';
import { waitFor } from './helpers/wait.ts';

const home = mkdtempSync(join(tmpdir(), 'kubus-psa-exempt-'));
const configFile = join(home, 'admission.yaml');
const auditLog = join(home, 'audit.log');
writeFileSync(
  configFile,
  `apiVersion: apiserver.config.k8s.io/v1
kind: AdmissionConfiguration
plugins:
- name: PodSecurity
  configuration:
    apiVersion: pod-security.admission.config.k8s.io/v1
    kind: PodSecurityConfiguration
    defaults: { enforce: baseline, enforce-version: v1.30 }
    exemptions:
      usernames: [ci-bot]
      runtimeClasses: [kata]
      namespaces: [exempt-ns]
- name: NamespaceLifecycle
  configuration: {}
`,
);
let nats: NatsServer;
let cp: ControlPlane;
const buses: NatsBus[] = [];

test.before(async () => {
  nats = await startNatsServer({ config: lockedConfig(clusterIdentities([]), [], home) });
  cp = await startControlPlane({ nats: nats.url, actors: ['apiserver'], log: silentLogger, clusterLogs: false, credentials: ensureCredentials('apiserver', home), apiserver: loadAdmissionConfig(configFile), audit: { auditLog } });
});
test.after.always(async () => {
  for (const b of buses) await b.close();
  await cp?.stop();
  await nats?.stop('SIGKILL');
  rmSync(home, { recursive: true, force: true });
});

async function client(identity: string): Promise<ApiClient> {
  const bus = await NatsBus.connect({ servers: nats.url, name: `test/${identity}`, log: silentLogger, credentials: ensureCredentials(identity, home) });
  buses.push(bus);
  return new ApiClient(bus);
}

const privileged = (name: string, namespace: string, runtimeClassName?: string) =>
  ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace }, spec: { ...(runtimeClassName ? { runtimeClassName } : {}), containers: [{ name: 'c', image: 'busybox', securityContext: { privileged: true } }] } }) as unknown as KubeObject;

test.serial('podsecurity exemptions - exempt namespaces, users and runtime classes are not evaluated; the rest still are', async (t) => {
  const admin = await client('admin');
  for (const ns of ['locked-ns', 'exempt-ns']) {
    await admin.create('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, labels: { 'pod-security.kubernetes.io/enforce': 'restricted' } } } as never);
    await admin.create('serviceaccounts', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: ns } } as never, { namespace: ns });
  }
  // The level is the label's, the version the configured default's (no enforce-version label).
  const refused = /violates PodSecurity "restricted:v1.30": .*privileged \(container "c" must not set securityContext.privileged=true\)/;
  // Not exempt: the cluster admin too is refused, as upstream (exemptions are by name, not by rights).
  await t.throwsAsync(admin.create('pods', privileged('p1', 'locked-ns'), { namespace: 'locked-ns' }), { message: refused });
  // An exempt namespace.
  t.is((await admin.create('pods', privileged('p2', 'exempt-ns'), { namespace: 'exempt-ns' })).metadata.name, 'p2');
  // An exempt runtime class.
  t.is((await admin.create('pods', privileged('p3', 'locked-ns', 'kata'), { namespace: 'locked-ns' })).metadata.name, 'p3');
  await t.throwsAsync(admin.create('pods', privileged('p4', 'locked-ns', 'runc'), { namespace: 'locked-ns' }), { message: refused });
  // An exempt user (the gateway passes on its caller): ci-bot is exempt, another admin is not.
  const gateway = await client('gateway');
  const masters = ['system:masters', 'system:authenticated'];
  t.is((await gateway.as({ username: 'ci-bot', groups: masters }).create('pods', privileged('p5', 'locked-ns'), { namespace: 'locked-ns' })).metadata.name, 'p5');
  await t.throwsAsync(gateway.as({ username: 'someone', groups: masters }).create('pods', privileged('p6', 'locked-ns'), { namespace: 'locked-ns' }), { message: refused });
  // The audit events say why, as upstream's annotation (creates in the order made: p2, p3, p5 were exempt).
  const exempt = await waitFor(() => {
    const es = readFileSync(auditLog, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as AuditEvent);
    const pods = es.filter((e) => e.stage === 'ResponseComplete' && e.objectRef?.resource === 'pods' && e.verb === 'create');
    return pods.length === 6 ? pods.map((e) => e.annotations?.['pod-security.kubernetes.io/exempt'] ?? '-') : undefined;
  }, 'the six pod creates’ audit events');
  t.deepEqual(exempt, ['-', 'namespace', 'runtimeClass', '-', 'user', '-']);
});

test.serial('podsecurity defaults - a namespace without a mode\'s label gets the configured default level and version; a label still wins', async (t) => {
  const admin = await client('admin');
  for (const [ns, labels] of [['plain-ns', undefined], ['open-ns', { 'pod-security.kubernetes.io/enforce': 'privileged' }]] as const) {
    await admin.create('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, labels } } as never);
    await admin.create('serviceaccounts', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: ns } } as never, { namespace: ns });
  }
  await t.throwsAsync(admin.create('pods', privileged('d1', 'plain-ns'), { namespace: 'plain-ns' }), { message: /violates PodSecurity "baseline:v1.30": privileged/ });
  const plain = { ...privileged('d2', 'plain-ns'), spec: { containers: [{ name: 'c', image: 'busybox' }] } } as unknown as KubeObject;
  t.is((await admin.create('pods', plain, { namespace: 'plain-ns' })).metadata.name, 'd2');
  t.is((await admin.create('pods', privileged('d3', 'open-ns'), { namespace: 'open-ns' })).metadata.name, 'd3');
  t.is((await admin.create('pods', privileged('d4', 'exempt-ns'), { namespace: 'exempt-ns' })).metadata.name, 'd4', 'an exemption still passes');
});

test('podsecurity defaults - checked (the error names the field); other plugins are not read, and a warning says so', (t) => {
  const warnings: string[] = [];
  t.deepEqual(loadAdmissionConfig(configFile, (m) => warnings.push(m)).podSecurity?.defaults, { enforce: 'baseline', 'enforce-version': 'v1.30' });
  t.deepEqual(warnings, [`admission configuration ${configFile}: plugins "NamespaceLifecycle": not read (kubus takes only PodSecurity's configuration)`]);
  const bad = join(home, 'bad-defaults.yaml');
  const doc = (defaults: string) => `kind: AdmissionConfiguration\nplugins:\n- name: PodSecurity\n  configuration:\n    kind: PodSecurityConfiguration\n    defaults: ${defaults}\n`;
  writeFileSync(bad, doc('{ enforce: strict }'));
  t.throws(() => loadAdmissionConfig(bad), { message: `admission configuration ${bad}: plugins[PodSecurity].configuration.defaults.enforce: "strict": want privileged, baseline, restricted` });
  writeFileSync(bad, doc('{ audit-version: "1.30" }'));
  t.throws(() => loadAdmissionConfig(bad), { message: /plugins\[PodSecurity\]\.configuration\.defaults\.audit-version: "1\.30": want "latest" or "v1\.x"/ });
  writeFileSync(bad, doc('{ block: restricted }'));
  t.throws(() => loadAdmissionConfig(bad), { message: /plugins\[PodSecurity\]\.configuration\.defaults\.block: unknown field/ });
});

test('podsecurity exemptions - a configuration kubus cannot take names the file and the field', (t) => {
  const bad = join(home, 'bad.yaml');
  writeFileSync(bad, 'apiVersion: apiserver.config.k8s.io/v1\nkind: AdmissionConfiguration\nplugins:\n- name: PodSecurity\n  configuration:\n    kind: PodSecurityConfiguration\n    exemptions: { namespaces: kube-system }\n');
  t.throws(() => loadAdmissionConfig(bad), { message: `admission configuration ${bad}: plugins[PodSecurity].configuration.exemptions.namespaces: want a list of strings` });
  writeFileSync(bad, 'kind: Policy\n');
  t.throws(() => loadAdmissionConfig(bad), { message: /kind: want AdmissionConfiguration/ });
  t.deepEqual(loadAdmissionConfig(configFile).podSecurity?.exemptions, { usernames: ['ci-bot'], runtimeClasses: ['kata'], namespaces: ['exempt-ns'] });
});
