// The real kubectl's generators against the gateway: most send their object as protobuf (the
// `k8s\0` envelope), which api/protobuf decodes (kubectl 1.32's run and expose send JSON); what is
// sent decodes to exactly what the same command's `--dry-run=client -o json` prints, and what is
// stored holds all of it (server-set fields and defaults come on top).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { decodeProtobufObject } from '../api/protobuf/decode.ts';
import { startGateway, type GatewayEnv } from './helpers/gateway.ts';

/** Returns the request body kubectl -v=9 logged as a hex dump (how it logs a protobuf body), or undefined. */
function loggedBytes(stderr: string): Buffer | undefined {
  const dump = /"Request Body" body=<\n((?:\t[0-9a-f]{8} [^\n]*\n)+)/.exec(stderr)?.[1];
  if (!dump) return undefined;
  const hex = dump.split('\n').flatMap((line) => line.slice(10).split('|')[0].trim().split(/\s+/).filter(Boolean));
  return Buffer.from(hex.join(''), 'hex');
}

/** Returns where `actual` lacks or differs from what `expected` holds (a null or an empty object in `expected` asks for nothing). */
function missing(expected: unknown, actual: unknown, path = ''): string[] {
  if (expected === null || (typeof expected === 'object' && !Array.isArray(expected) && Object.keys(expected).length === 0)) return [];
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual) || actual.length !== expected.length) return [`${path}: ${JSON.stringify(actual)} is not ${JSON.stringify(expected)}`];
    return expected.flatMap((e, i) => missing(e, actual[i], `${path}[${i}]`));
  }
  if (typeof expected === 'object') {
    if (typeof actual !== 'object' || actual === null) return [`${path}: missing`];
    return Object.entries(expected).flatMap(([k, v]) => missing(v, (actual as Record<string, unknown>)[k], `${path}.${k}`));
  }
  return expected === actual ? [] : [`${path}: ${JSON.stringify(actual)} is not ${JSON.stringify(expected)}`];
}

/** Runs a generator for real and checks the stored object against its client-side dry run. */
async function generated(t: Parameters<typeof startGateway>[0], g: GatewayEnv, args: string[], resource: string, name: string, namespace?: string, sends = 'protobuf') {
  const dry = await g.kubectl([...args, '--dry-run=client', '-o', 'json']);
  t.is(dry.code, 0, dry.stderr);
  const expected = JSON.parse(dry.stdout) as Record<string, unknown>;
  // -v=9 logs the request body whole (at -v=8 kubectl cuts it at 1 KiB).
  const made = await g.kubectl([...args, '-v=9']);
  t.is(made.code, 0, `${args.join(' ')}: ${made.stderr.split('\n').filter((l) => !l.includes(']')).join('\n') || made.stderr.slice(-2000)}`);
  t.is(/curl -v -XPOST [^\n]*-H "Content-Type: application\/([\w.+-]+)"/.exec(made.stderr)?.[1], sends === 'protobuf' ? 'vnd.kubernetes.protobuf' : sends, `${args.join(' ')} sends ${sends}`);
  // The body kubectl sent decodes to exactly what its dry run prints.
  if (sends === 'protobuf') t.deepEqual(decodeProtobufObject(loggedBytes(made.stderr) ?? Buffer.alloc(0)), expected, args.join(' '));
  const stored = await g.client.get<any>(resource, name, namespace ? { namespace } : {});
  t.deepEqual(missing(expected, stored), [], args.join(' '));
  return stored;
}

test('gateway kubectl protobuf - create configmap (literals, a file), secret generic and docker-registry, namespace, serviceaccount: the body decodes to the dry run and is stored', async (t) => {
  const g = await startGateway(t);
  const cm = await generated(t, g, ['create', 'configmap', 'c', '--from-literal=a=1', '--from-literal=b=two'], 'configmaps', 'c', 'default');
  t.deepEqual(cm.data, { a: '1', b: 'two' });
  const secret = await generated(t, g, ['create', 'secret', 'generic', 's', '--from-literal=k=v'], 'secrets', 's', 'default');
  t.deepEqual(secret.data, { k: Buffer.from('v').toString('base64') });
  t.is(secret.type, 'Opaque');
  const file = join(g.dir, 'settings.conf');
  writeFileSync(file, 'x = 1\n');
  t.deepEqual((await generated(t, g, ['create', 'configmap', 'f', `--from-file=${file}`], 'configmaps', 'f', 'default')).data, { 'settings.conf': 'x = 1\n' });
  const reg = await generated(t, g, ['create', 'secret', 'docker-registry', 'reg', '--docker-server=r.example', '--docker-username=u', '--docker-password=p'], 'secrets', 'reg', 'default');
  t.is(reg.type, 'kubernetes.io/dockerconfigjson');
  await generated(t, g, ['create', 'namespace', 'n'], 'namespaces', 'n');
  await generated(t, g, ['create', 'serviceaccount', 'sa'], 'serviceaccounts', 'sa', 'default');
});

test('gateway kubectl protobuf - create deployment, service clusterip|nodeport|externalname, job (protobuf); run and expose (JSON): what the dry run prints is stored', async (t) => {
  const g = await startGateway(t);
  const d = await generated(t, g, ['create', 'deployment', 'web', '--image=nginx:1.27', '--replicas=2'], 'deployments', 'web', 'default');
  t.like(d, { spec: { replicas: 2, selector: { matchLabels: { app: 'web' } }, template: { spec: { containers: [{ name: 'nginx', image: 'nginx:1.27' }] } } } });
  const svc = await generated(t, g, ['create', 'service', 'clusterip', 'svc', '--tcp=80:8080'], 'services', 'svc', 'default');
  t.like(svc, { spec: { type: 'ClusterIP', ports: [{ name: '80-8080', port: 80, targetPort: 8080, protocol: 'TCP' }] } });
  await generated(t, g, ['create', 'deployment', 'api', '--image=app:1', '--port=8080'], 'deployments', 'api', 'default');
  await generated(t, g, ['create', 'service', 'nodeport', 'np', '--tcp=5678:8080', '--node-port=30080'], 'services', 'np', 'default');
  await generated(t, g, ['create', 'service', 'externalname', 'ext', '--external-name=example.com'], 'services', 'ext', 'default');
  const job = await generated(t, g, ['create', 'job', 'j', '--image=busybox'], 'jobs', 'j', 'default');
  t.like(job, { spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'j', image: 'busybox' }] } } } });
  const pod = await generated(t, g, ['run', 'p', '--image=nginx', '--labels=a=b', '--env=X=1', '--port=80'], 'pods', 'p', 'default', 'json');
  t.like(pod, { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'p', image: 'nginx', env: [{ name: 'X', value: '1' }], ports: [{ containerPort: 80 }] }] } });
  const exposed = await generated(t, g, ['expose', 'deployment', 'web', '--port=80'], 'services', 'web', 'default', 'json');
  t.like(exposed, { spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 80, protocol: 'TCP' }] } });
});

test('gateway kubectl protobuf - create cronjob: the body decodes to the dry run and is stored; a bad schedule is refused as upstream; get cj columns', async (t) => {
  const g = await startGateway(t);
  const cj = await generated(t, g, ['create', 'cronjob', 'nightly', '--image=busybox', '--schedule=0 3 * * *'], 'cronjobs', 'nightly', 'default');
  t.like(cj.spec, { schedule: '0 3 * * *', concurrencyPolicy: 'Allow', suspend: false, successfulJobsHistoryLimit: 3, failedJobsHistoryLimit: 1 });
  const bad = await g.kubectl(['create', 'cronjob', 'bad', '--image=busybox', '--schedule=0 3 * *']);
  t.is(bad.stderr, 'error: failed to create cronjob: CronJob.batch "bad" is invalid: spec.schedule: Invalid value: "0 3 * *": expected exactly 5 fields, found 4: [0 3 * *]\n');
  const get = await g.kubectl(['get', 'cj']);
  const rows = get.stdout.trimEnd().split('\n').map((l) => l.split(/ {2,}/));
  t.deepEqual(rows[0], ['NAME', 'SCHEDULE', 'TIMEZONE', 'SUSPEND', 'ACTIVE', 'LAST SCHEDULE', 'AGE']);
  t.deepEqual(rows[1].slice(0, 6), ['nightly', '0 3 * * *', '<none>', 'False', '0', '<none>']);
});

test('gateway kubectl protobuf - create quota: the body decodes to the dry run and is stored; a bad resource name is refused as upstream', async (t) => {
  const g = await startGateway(t);
  const q = await generated(t, g, ['create', 'quota', 'q', '--hard=pods=2,requests.cpu=1,count/deployments.apps=3', '--scopes=NotTerminating'], 'resourcequotas', 'q', 'default');
  t.deepEqual(q.spec, { hard: { pods: '2', 'requests.cpu': '1', 'count/deployments.apps': '3' }, scopes: ['NotTerminating'] });
  const bad = await g.kubectl(['create', 'quota', 'bad', '--hard=foo=1']);
  t.is(bad.stderr, 'error: failed to create quota: ResourceQuota "bad" is invalid: spec.hard[foo]: Invalid value: "foo": must be a standard resource for quota\n');
});
