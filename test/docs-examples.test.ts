// The docs-examples checker (bench/docs-examples.ts) on a few manifests of our own: the real kubectl applies
// each file with a server-side dry run to an in-process gateway, and each file gets its verdict.
import test from 'ava';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkDir, classify, formatReport, startDocsCluster } from '../bench/docs-examples.ts';
import { KUBECTL } from './helpers/proc.ts';

const files: Record<string, string> = {
  // Namespaced in a namespace nobody created: the checker creates it first, as the docs' steps do.
  'app/configmap.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: game\n  namespace: docs-demo\ndata:\n  lives: "3"\n',
  // A custom resource: no CRD in a fresh v1.32 cluster either.
  'app/crontab.yaml': 'apiVersion: stable.example.com/v1\nkind: CronTab\nmetadata:\n  name: my-cron\nspec:\n  cronSpec: "* * * * */5"\n',
  'admin/kubelet-config.yaml': 'apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nmaxPods: 50\n',
  'pods/bad-name.yaml': 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: Bad_Name\nspec:\n  containers:\n  - name: c\n    image: nginx\n',
  'notes.txt': 'not a manifest',
};

test('docs examples - each file applied with kubectl gets its verdict, and the report sums them up', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'kubus-docs-test-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  const cluster = await startDocsCluster(KUBECTL);
  t.teardown(() => cluster.stop());
  const results = await checkDir(cluster, dir, 2);
  const by = Object.fromEntries(results.map((r) => [r.file, r]));
  t.deepEqual(results.map((r) => r.file), ['admin/kubelet-config.yaml', 'app/configmap.yaml', 'app/crontab.yaml', 'pods/bad-name.yaml']);
  t.is(by['app/configmap.yaml'].verdict, 'accepted', by['app/configmap.yaml'].error);
  t.is((await cluster.client.get('namespaces', 'docs-demo')).metadata.name, 'docs-demo');
  await t.throwsAsync(cluster.client.get('configmaps', 'game', { namespace: 'docs-demo' }), { message: /not found/ }, 'a dry run stores nothing');
  t.is(by['app/crontab.yaml'].verdict, 'rejected by upstream too');
  t.regex(by['app/crontab.yaml'].error, /no matches for kind "CronTab" in version "stable\.example\.com\/v1"/);
  t.regex(by['app/crontab.yaml'].reason, /needs a CRD/);
  t.is(by['admin/kubelet-config.yaml'].verdict, 'not an API object');
  t.is(by['pods/bad-name.yaml'].verdict, 'rejected by kubus');
  t.regex(by['pods/bad-name.yaml'].error, /^The Pod "Bad_Name" is invalid: metadata\.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain/);
  const report = formatReport(results);
  t.regex(report, /^files: 4; kubus accepts 1 \(25\.0 %\)\nnot an API object 1; rejected by upstream too 1; rejected by kubus 1\na v1\.32 cluster accepts 2 files; kubus accepts 1 of them \(50\.0 %\)$/m);
});

test('docs examples - a kind v1.32 serves but kubus does not is kubus\'s gap; one in an unserved version is not', (t) => {
  const gap = classify('x.yaml', [{ apiVersion: 'storage.k8s.io/v1', kind: 'CSIDriver' }], 1,
    'error: resource mapping not found for name: "d" namespace: "" from "x.yaml": no matches for kind "CSIDriver" in version "storage.k8s.io/v1"\nensure CRDs are installed first\n');
  t.is(gap.verdict, 'rejected by kubus');
  t.is(gap.reason, 'no matches for kind CSIDriver in storage.k8s.io/v1');
  const old = classify('y.yaml', [{ apiVersion: 'extensions/v1beta1', kind: 'Ingress' }], 1,
    'error: resource mapping not found for name: "i" namespace: "" from "y.yaml": no matches for kind "Ingress" in version "extensions/v1beta1"\nensure CRDs are installed first\n');
  t.is(old.verdict, 'rejected by upstream too');
  t.regex(old.reason, /extensions\/v1beta1 is not served by v1\.32/);
  const unnamed = classify('z.yaml', [{ apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingWebhookConfiguration' }], 1,
    'error: error when retrieving current configuration of:\nResource: "admissionregistration.k8s.io/v1, Resource=validatingwebhookconfigurations"\nName: "", Namespace: ""\nfrom server for: "z.yaml": resource name may not be empty\n');
  t.is(unnamed.verdict, 'rejected by upstream too');
  t.regex(unnamed.error, /resource name may not be empty$/);
  const tab = classify('t.yaml', [{ apiVersion: 'batch/v1', kind: 'Job' }], 1, 'error: error parsing t.yaml: error converting YAML to JSON: yaml: line 24: found a tab character that violates indentation\n');
  t.is(tab.verdict, 'rejected by upstream too');
});

test('docs examples - a docs file v1.32 refuses for its content is flagged when kubus accepts it', (t) => {
  const pod = [{ apiVersion: 'v1', kind: 'Pod' }];
  const lenient = classify('examples/pods/security/seccomp/fields.yaml', pod, 0, '');
  t.is(lenient.verdict, 'accepted, but upstream refuses it');
  t.regex(lenient.reason, /ephemeralContainers: Forbidden: cannot be set on create/);
  t.is(classify('examples/pods/other.yaml', pod, 0, '').verdict, 'accepted');
  t.is(classify('pods/security/seccomp/fields.yaml', pod, 1, 'The Pod "pod" is invalid: spec.ephemeralContainers: Forbidden: cannot be set on create\n').verdict, 'rejected by upstream too');
});
