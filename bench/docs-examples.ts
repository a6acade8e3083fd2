// Applies a directory of manifests (e.g. kubernetes/website's content/en/examples) to a kubus gateway
// with the real kubectl, one file at a time as `kubectl apply --dry-run=server -f FILE` would, and
// sorts each file into accepted, "not an API object", "rejected by upstream too" or rejected by kubus.
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { apiserverActor } from '../actors/apiserver/apiserver.actor.ts';
import { MemoryStore } from '../actors/apiserver/store/index.ts';
import { gatewayActor } from '../actors/gateway/gateway.actor.ts';
import { StatusError } from '../api/status.ts';
import { realClock } from '../bus/clock.ts';
import { ApiClient } from '../bus/client.ts';
import { MemoryBroker } from '../bus/memory-bus.ts';
import { seededRng } from '../bus/random.ts';
import { silentLogger } from '../bus/types.ts';
import { serving } from '../runtime/control-plane.ts';
import { Host } from '../runtime/host.ts';
import { writeKubeconfig } from '../runtime/kubeconfig.ts';

/**
 * API groups of configuration files read by a component (kubeadm, kubelet, kube-apiserver flags,
 * scheduler, kube-proxy, admission plugins' config): no kube-apiserver serves them.
 */
const CONFIG_GROUPS = new Set([
  'kubeadm.k8s.io',
  'kubelet.config.k8s.io',
  'apiserver.config.k8s.io',
  'apiserver.k8s.io',
  'audit.k8s.io',
  'kubescheduler.config.k8s.io',
  'kubeproxy.config.k8s.io',
  'kubecontrollermanager.config.k8s.io',
  'pod-security.admission.config.k8s.io',
  'eventratelimit.admission.k8s.io',
  'imagepolicy.k8s.io',
  'client.authentication.k8s.io',
  'credentialprovider.kubelet.k8s.io',
  'tracing.config.k8s.io',
  'cri-client.config.k8s.io',
  // kind's cluster configuration (kind.x-k8s.io), read by the kind tool.
  'kind.x-k8s.io',
]);

/** Group/versions a v1.32 kube-apiserver serves with its default flags and feature gates. */
const UPSTREAM_SERVED = new Set([
  'v1',
  'admissionregistration.k8s.io/v1',
  'apiextensions.k8s.io/v1',
  'apiregistration.k8s.io/v1',
  'apps/v1',
  'authentication.k8s.io/v1',
  'authorization.k8s.io/v1',
  'autoscaling/v1',
  'autoscaling/v2',
  'batch/v1',
  'certificates.k8s.io/v1',
  'coordination.k8s.io/v1',
  'discovery.k8s.io/v1',
  'events.k8s.io/v1',
  'flowcontrol.apiserver.k8s.io/v1',
  'networking.k8s.io/v1',
  'node.k8s.io/v1',
  'policy/v1',
  'rbac.authorization.k8s.io/v1',
  'scheduling.k8s.io/v1',
  'storage.k8s.io/v1',
]);

/** Groups built into kube-apiserver (any version); a kind in another group needs a CRD or an aggregated API. */
const BUILTIN_GROUPS = new Set([...UPSTREAM_SERVED].map(groupOf).concat(['extensions', 'resource.k8s.io', 'internal.apiserver.k8s.io', 'storagemigration.k8s.io', 'networking.k8s.io', 'certificates.k8s.io']));

/** Errors a v1.32 cluster gives too, for reasons outside the file (another docs step creates what it needs). */
const UPSTREAM_TOO: Array<[RegExp, string]> = [
  [/no PriorityClass with name .* was found/, 'needs a PriorityClass that another docs step creates'],
  [/resource name may not be empty/, 'an object without metadata.name: kubectl refuses it before any request'],
  [/error converting YAML to JSON/, 'kubectl cannot parse the YAML: no request reaches any server'],
  [/^error: unable to decode /, 'kubectl cannot decode the object (e.g. annotations given as a list): no request reaches any server'],
];

/**
 * Files of kubernetes/website's examples that a v1.32 cluster refuses for their content, as read in the
 * upstream sources (a placeholder where bytes belong, names upstream's validation refuses).
 */
const DOCS_REFUSED_UPSTREAM: Record<string, string> = {
  'secret/tls-auth-secret.yaml': 'placeholders in data are not base64: upstream fails to decode the Secret (400 BadRequest)',
  'access/manifest-admission-control/validating-webhook.yaml': 'caBundle "<base64-encoded-CA-bundle>" is not base64: upstream fails to decode it (400 BadRequest)',
  'application/job/job-tmpl.yaml': 'a template: the name "process-item-$ITEM" is no RFC 1123 subdomain until the docs\' sed replaces $ITEM',
  'pods/emptydir-volume-mode.yaml': 'emptyDir.mode is no field of v1.32: strict decoding error: unknown field "spec.volumes[0].emptyDir.mode"',
  'pods/inject/envars-file-container.yaml': 'valueFrom.fileKeyRef is no field of v1.32: strict decoding error: unknown field "spec.containers[0].env[0].valueFrom.fileKeyRef"',
  'pods/storage/projected-podcertificate.yaml': 'podCertificate projections came in v1.34: strict decoding error: unknown field "spec.volumes[0].projected.sources[0].podCertificate"',
  'pods/restart-policy/restart-all-containers.yaml': 'restartPolicyRules is no field of v1.32: strict decoding error: unknown field "spec.initContainers[1].restartPolicyRules"',
  'pods/pod-with-node-affinity.yaml': 'requiredDuringSchedulingIgnoredDuringExecution is written as a list: upstream cannot decode it into a NodeSelector (400 BadRequest)',
  'pods/pod-with-numeric-toleration.yaml': 'toleration operator Gt needs TaintTolerationComparisonOperators (v1.35 alpha): v1.32 supports only Equal and Exists',
  'pods/security/seccomp/fields.yaml': 'spec.ephemeralContainers: Forbidden: cannot be set on create (ValidatePodCreate)',
  'service/networking/dual-stack-ipv6-lb-svc.yaml': 'spec.ipFamily was removed in v1.20: strict decoding error: unknown field "spec.ipFamily"',
  'storage/test-crd.yaml': 'caBundle is not base64, conversionReviewVersions sits outside webhook, and the names are not lower case: upstream refuses it too',
};

function groupOf(apiVersion: string): string {
  const i = apiVersion.indexOf('/');
  return i < 0 ? '' : apiVersion.slice(0, i);
}

export type Verdict = 'accepted' | 'accepted, but upstream refuses it' | 'not an API object' | 'rejected by upstream too' | 'rejected by kubus';

export interface FileResult {
  file: string;
  verdict: Verdict;
  /** The first error line kubectl printed (empty when accepted). */
  error: string;
  /** Why it is rejected, for grouping: a kind and apiVersion, or the error with names taken out. */
  reason: string;
}

interface Doc {
  apiVersion?: string;
  kind?: string;
  namespace?: string;
}

/** Returns the objects of a file as far as the npm yaml parser reads it (kubectl may read more: it decides). */
function docsOf(text: string): Doc[] {
  try {
    return parseAllDocuments(text)
      .map((d) => d.toJSON() as unknown)
      .filter((o): o is Record<string, any> => !!o && typeof o === 'object' && !Array.isArray(o))
      .map((o) => ({ apiVersion: typeof o.apiVersion === 'string' ? o.apiVersion : undefined, kind: typeof o.kind === 'string' ? o.kind : undefined, namespace: o.metadata?.namespace }));
  } catch {
    return [];
  }
}

/** Why a kind in `apiVersion` is not served: a config file, an API upstream does not serve by default, or kubus's gap. */
function unservedVerdict(apiVersion: string): [Verdict, string] {
  const group = groupOf(apiVersion);
  if (CONFIG_GROUPS.has(group)) return ['not an API object', `a component's configuration file (${group}), served by no kube-apiserver`];
  if (UPSTREAM_SERVED.has(apiVersion)) return ['rejected by kubus', ''];
  if (BUILTIN_GROUPS.has(group)) return ['rejected by upstream too', `${apiVersion} is not served by v1.32 with default feature gates`];
  return ['rejected by upstream too', `${group} is no built-in group: it needs a CRD or an aggregated API`];
}

/** Takes names and numbers out of an error line so that like errors group together. */
function normalise(line: string): string {
  return line
    .replace(/^Error from server \((\w+)\): (error when (creating|retrieving current configuration of|applying patch)[^:]*: )?/, '$1: ')
    .replace(/"[^"]*"/g, '"…"')
    .replace(/\[\d+\]/g, '[i]')
    .slice(0, 160);
}

/** Sorts one kubectl run (exit code and stderr) of one file into a verdict. */
export function classify(file: string, docs: Doc[], code: number, stderr: string): FileResult {
  const kinds = docs.filter((d) => d.kind && d.apiVersion);
  if (kinds.length && kinds.every((d) => CONFIG_GROUPS.has(groupOf(d.apiVersion!))))
    return { file, verdict: 'not an API object', error: firstError(stderr), reason: `a component's configuration file (${[...new Set(kinds.map((d) => `${d.kind} ${d.apiVersion}`))].join(', ')})` };
  const known = Object.entries(DOCS_REFUSED_UPSTREAM).find(([suffix]) => file === suffix || file.endsWith(`/${suffix}`));
  if (code === 0) return known ? { file, verdict: 'accepted, but upstream refuses it', error: '', reason: known[1] } : { file, verdict: 'accepted', error: '', reason: '' };
  const error = firstError(stderr);
  if (!kinds.length && !/no matches for kind/.test(stderr)) return { file, verdict: 'not an API object', error, reason: 'no object with apiVersion and kind' };
  const verdicts = errorsOf(stderr).map((line): [Verdict, string] => {
    const nm = /no matches for kind "([^"]+)" in version "([^"]+)"/.exec(line);
    if (nm) {
      const [verdict, why] = unservedVerdict(nm[2]);
      return [verdict, verdict === 'rejected by kubus' ? `no matches for kind ${nm[1]} in ${nm[2]}` : `${nm[1]} ${nm[2]}: ${why}`];
    }
    const known = UPSTREAM_TOO.find(([re]) => re.test(line));
    if (known) return ['rejected by upstream too', known[1]];
    return ['rejected by kubus', normalise(line)];
  });
  if (known) return { file, verdict: 'rejected by upstream too', error, reason: known[1] };
  const ours = verdicts.find(([v]) => v === 'rejected by kubus') ?? verdicts.find(([v]) => v === 'rejected by upstream too');
  const [verdict, reason] = ours ?? ['rejected by kubus', normalise(error)];
  return { file, verdict, error, reason };
}

/** Returns kubectl's errors, each joined into one line (an error may span lines: "... of:\nResource: ..."). */
function errorsOf(stderr: string): string[] {
  const errors: string[] = [];
  for (const line of stderr.split('\n').map((l) => l.trim()).filter(Boolean)) {
    if (/^(error|Error from server)/.test(line) || !errors.length) errors.push(line);
    else errors[errors.length - 1] += ` ${line}`;
  }
  return errors;
}

function firstError(stderr: string): string {
  return errorsOf(stderr)[0] ?? '';
}

/** Returns the .yaml/.yml/.json files under `dir`, sorted, as paths relative to it. */
export function manifestFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.(ya?ml|json)$/.test(e.name)) out.push(relative(dir, p));
    }
  };
  walk(dir);
  return out;
}

export interface DocsCluster {
  url: string;
  client: ApiClient;
  /** Runs kubectl against the cluster (own kubeconfig and --cache-dir); never rejects. */
  kubectl(args: string[]): Promise<{ code: number; stdout: string; stderr: string }>;
  stop(): Promise<void>;
}

/** Starts an API server and the HTTP gateway in this process on a MemoryBus, and a kubectl pointed at it. */
export async function startDocsCluster(kubectlPath = process.env.KUBECTL ?? 'kubectl'): Promise<DocsCluster> {
  const broker = new MemoryBroker({ clock: realClock, rng: seededRng(1), log: silentLogger });
  const host = new Host({ bus: broker.connect('control-plane'), clock: realClock, rng: seededRng(2), log: silentLogger });
  await serving(host.start(apiserverActor, 'apiserver', { store: new MemoryStore() }));
  const gw = host.start(gatewayActor, 'gateway', { address: '127.0.0.1:0' });
  await gw.waitFor((s) => s.matches('listening') || s.status === 'done');
  const url = (gw.snapshot()?.context as { url?: string }).url;
  if (!url) throw new Error('the gateway did not listen');
  const clientBus = broker.connect('docs-examples');
  const dir = mkdtempSync(join(tmpdir(), 'kubus-docs-examples-'));
  const base = ['--kubeconfig', writeKubeconfig(url, join(dir, 'kubeconfig')), '--cache-dir', join(dir, 'cache')];
  const kubectl = (args: string[]) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
      execFile(kubectlPath, [...base, ...args], { env: { PATH: process.env.PATH, HOME: dir }, timeout: 60_000 }, (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      ),
    );
  return {
    url,
    client: new ApiClient(clientBus),
    kubectl,
    async stop() {
      await host.stopAll();
      await clientBus.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Applies one file with a server-side dry run after creating the namespaces it names; returns its verdict. */
export async function checkFile(cluster: DocsCluster, dir: string, file: string): Promise<FileResult> {
  const docs = docsOf(readFileSync(join(dir, file), 'utf8'));
  for (const ns of new Set(docs.map((d) => d.namespace).filter((n): n is string => typeof n === 'string' && n !== ''))) {
    await cluster.client.create('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }).catch((err) => {
      if (!(err instanceof StatusError && err.code === 409)) throw err;
    });
  }
  const r = await cluster.kubectl(['apply', '--dry-run=server', '-f', join(dir, file)]);
  return classify(file, docs, r.code, r.stderr.replaceAll(`${dir.replace(/\/$/, '')}/`, ''));
}

/** Checks every manifest under `dir`, `concurrency` kubectl runs at a time; results in file order. */
export async function checkDir(cluster: DocsCluster, dir: string, concurrency = 4, onResult?: (r: FileResult) => void): Promise<FileResult[]> {
  const files = manifestFiles(dir);
  // One discovery first, so that the parallel runs find kubectl's cache filled.
  await cluster.kubectl(['api-resources']);
  const results: FileResult[] = new Array(files.length);
  let next = 0;
  const worker = async () => {
    while (next < files.length) {
      const i = next++;
      results[i] = await checkFile(cluster, dir, files[i]);
      onResult?.(results[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
  return results;
}

/** Returns the report: one line per file, the totals, the acceptance, and the rejected files grouped by reason. */
export function formatReport(results: FileResult[]): string {
  const out: string[] = [];
  const width = Math.max(0, ...results.map((r) => r.file.length));
  for (const r of results) out.push(`${r.verdict.padEnd(33)} ${r.file.padEnd(width)}${r.error ? `  ${r.error}` : ''}`);
  const count = (v: Verdict) => results.filter((r) => r.verdict === v).length;
  const accepted = count('accepted');
  const notApi = count('not an API object');
  const upstream = count('rejected by upstream too');
  const ours = count('rejected by kubus');
  const lenient = count('accepted, but upstream refuses it');
  const pct = (n: number, d: number) => (d ? `${((100 * n) / d).toFixed(1)} %` : '-');
  out.push('', `files: ${results.length}; kubus accepts ${accepted + lenient} (${pct(accepted + lenient, results.length)})${lenient ? `, ${lenient} of them refused by upstream` : ''}`);
  out.push(`not an API object ${notApi}; rejected by upstream too ${upstream}; rejected by kubus ${ours}`);
  out.push(`a v1.32 cluster accepts ${accepted + ours} files; kubus accepts ${accepted} of them (${pct(accepted, accepted + ours)})`);
  for (const v of ['rejected by kubus', 'accepted, but upstream refuses it', 'rejected by upstream too', 'not an API object'] as const) {
    const groups = new Map<string, string[]>();
    for (const r of results.filter((x) => x.verdict === v)) groups.set(r.reason, [...(groups.get(r.reason) ?? []), r.file]);
    if (!groups.size) continue;
    out.push('', `${v}, by reason:`);
    for (const [reason, files] of [...groups].sort((a, b) => b[1].length - a[1].length)) {
      out.push(`  ${files.length}  ${reason}`);
      for (const f of files) out.push(`       ${f}`);
    }
  }
  return out.join('\n');
}
