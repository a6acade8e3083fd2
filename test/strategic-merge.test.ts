// Strategic merge patch (api/patch/) against upstream's documented cases: the kubectl-patch task page
// ("Update API Objects in Place Using kubectl patch") and the strategic-merge-patch design doc
// (kubernetes/community, contributors/devel/sig-api-machinery/strategic-merge-patch.md).
import test from 'ava';
import fc from 'fast-check';
import mergePatch from 'json-merge-patch';
import type { KubeObject } from '../api/meta.ts';
import { fieldOf, openApiExtensions, strategicMergePatch, typeNamed, type PatchTypeDef } from '../api/patch/index.ts';
import { StatusError } from '../api/status.ts';
import { workload } from './api-fixtures.ts';
import { startApi } from './helpers/api.ts';

type J = Record<string, unknown>;
const c = (name: string, image = `${name}:1`, more: J = {}) => ({ name, image, ...more });
const podSpec = (spec: J): J => ({ kind: 'Pod', metadata: { name: 'p' }, spec });
const deploySpec = (spec: J): J => ({ kind: 'Deployment', metadata: { name: 'd' }, spec });
const tmpl = (spec: J): J => deploySpec({ template: { spec } });

interface Case {
  kind: string | PatchTypeDef;
  original: J;
  patch: J;
  want: J;
}

const applies = test.macro({
  exec(t, { kind, original, patch, want }: Case) {
    const before = structuredClone(original);
    t.deepEqual(strategicMergePatch(original, patch, kind), want);
    t.deepEqual(original, before, 'the original is left as it was');
  },
  title: (name) => `strategic merge - ${name ?? ''}`,
});

// From the kubectl patch task page.
test('containers of a Deployment template merge by name; the new one comes first (docs: patch-file-containers)', applies, {
  kind: 'Deployment',
  original: tmpl({ containers: [c('patch-demo-ctr', 'nginx')] }),
  patch: { spec: { template: { spec: { containers: [c('patch-demo-ctr-2', 'redis')] } } } },
  want: tmpl({ containers: [c('patch-demo-ctr-2', 'redis'), c('patch-demo-ctr', 'nginx')] }),
});
test('tolerations have no patch strategy: replaced (docs: patch-file-tolerations)', applies, {
  kind: 'Deployment',
  original: tmpl({ containers: [c('a')], tolerations: [{ effect: 'NoSchedule', key: 'dedicated', value: 'test-team' }] }),
  patch: { spec: { template: { spec: { tolerations: [{ effect: 'NoSchedule', key: 'disktype', value: 'ssd' }] } } } },
  want: tmpl({ containers: [c('a')], tolerations: [{ effect: 'NoSchedule', key: 'disktype', value: 'ssd' }] }),
});
const rolling = { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } };
test('a plain strategic patch of strategy keeps rollingUpdate (docs: patch-file-no-retainkeys)', applies, {
  kind: 'Deployment',
  original: deploySpec({ strategy: rolling }),
  patch: { spec: { strategy: { type: 'Recreate' } } },
  want: deploySpec({ strategy: { type: 'Recreate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } } }),
});
test('$retainKeys on strategy clears rollingUpdate (docs: patch-file-retainkeys)', applies, {
  kind: 'Deployment',
  original: deploySpec({ strategy: rolling }),
  patch: { spec: { strategy: { $retainKeys: ['type'], type: 'Recreate' } } },
  want: deploySpec({ strategy: { type: 'Recreate' } }),
});

// From the design doc.
test('$patch: delete removes the list element with that merge key', applies, {
  kind: 'Pod',
  original: podSpec({ containers: [c('nginx', 'nginx-0.9'), c('log-tailer')] }),
  patch: { spec: { containers: [c('nginx', 'nginx-1.0'), { $patch: 'delete', name: 'log-tailer' }] } },
  want: podSpec({ containers: [c('nginx', 'nginx-1.0')] }),
});
test('$patch: replace in a list makes the patch the whole list', applies, {
  kind: 'Pod',
  original: podSpec({ containers: [c('a'), c('b', 'b:1', { env: [{ name: 'X', value: '1' }] })] }),
  patch: { spec: { containers: [c('nginx', 'nginx-1.0'), { $patch: 'replace' }] } },
  want: podSpec({ containers: [c('nginx', 'nginx-1.0')] }),
});
test('$patch: replace on a map takes the map literally', applies, {
  kind: 'Pod',
  original: podSpec({ containers: [c('a')], nodeName: 'n1', restartPolicy: 'Always' }),
  patch: { spec: { $patch: 'replace', containers: [c('nginx', 'nginx-1.0')] } },
  want: podSpec({ containers: [c('nginx', 'nginx-1.0')] }),
});
test('$patch: delete on a map empties it; null removes the key', applies, {
  kind: 'Deployment',
  original: deploySpec({ strategy: rolling, paused: true }),
  patch: { spec: { strategy: { rollingUpdate: { $patch: 'delete' } }, paused: null } },
  want: deploySpec({ strategy: { type: 'RollingUpdate', rollingUpdate: {} } }),
});
test('$deleteFromPrimitiveList/finalizers deletes those values from the set', applies, {
  kind: 'ConfigMap',
  original: { metadata: { name: 'x', finalizers: ['a', 'b', 'c'] } },
  patch: { metadata: { '$deleteFromPrimitiveList/finalizers': ['b', 'c'] } },
  want: { metadata: { name: 'x', finalizers: ['a'] } },
});
test('$setElementOrder/finalizers reorders a primitive list', applies, {
  kind: 'ConfigMap',
  original: { metadata: { finalizers: ['a', 'b', 'c'] } },
  patch: { metadata: { '$setElementOrder/finalizers': ['b', 'c', 'a'] } },
  want: { metadata: { finalizers: ['b', 'c', 'a'] } },
});
test('$setElementOrder/containers reorders by merge key, and orders a merged patch', applies, {
  kind: 'Pod',
  original: podSpec({ containers: [c('a'), c('b'), c('c')] }),
  patch: { spec: { '$setElementOrder/containers': [{ name: 'b' }, { name: 'd' }, { name: 'c' }, { name: 'a' }], containers: [c('d'), c('a', 'a:2')] } },
  want: podSpec({ containers: [c('b'), c('d'), c('c'), c('a', 'a:2')] }),
});
test('$retainKeys clears the fields of a union not listed (the design doc union)', applies, {
  kind: { union: { retainKeys: true } },
  original: { union: { foo: 'a', other: 'b' } },
  patch: { union: { $retainKeys: ['another', 'bar'], another: 'd', bar: 'c' } },
  want: { union: { another: 'd', bar: 'c' } },
});

// The table of strategies, kind by kind.
test('finalizers merge as a set: the new value first, then the live ones in live order', applies, {
  kind: 'Pod',
  original: { metadata: { finalizers: ['a', 'b'] } },
  patch: { metadata: { finalizers: ['c', 'b'] } },
  want: { metadata: { finalizers: ['c', 'a', 'b'] } },
});
test('env by name, ports by containerPort, volumeMounts by mountPath inside a merged container', applies, {
  kind: 'Pod',
  original: podSpec({
    containers: [c('app', 'app:1', { env: [{ name: 'A', value: '1' }], ports: [{ containerPort: 80, name: 'http' }], volumeMounts: [{ name: 'v', mountPath: '/a' }] })],
  }),
  patch: {
    spec: {
      containers: [
        { name: 'app', env: [{ name: 'A', value: '2' }, { name: 'B', value: '3' }], ports: [{ containerPort: 80, protocol: 'TCP' }], volumeMounts: [{ name: 'w', mountPath: '/b' }] },
      ],
    },
  },
  want: podSpec({
    containers: [
      c('app', 'app:1', {
        env: [{ name: 'A', value: '2' }, { name: 'B', value: '3' }],
        ports: [{ containerPort: 80, name: 'http', protocol: 'TCP' }],
        volumeMounts: [{ name: 'w', mountPath: '/b' }, { name: 'v', mountPath: '/a' }],
      }),
    ],
  }),
});
test('volumes merge by name and honour $retainKeys (patchStrategy merge,retainKeys)', applies, {
  kind: 'Pod',
  original: podSpec({ volumes: [{ name: 'v', emptyDir: {} }, { name: 'w', emptyDir: {} }] }),
  patch: { spec: { volumes: [{ name: 'v', $retainKeys: ['name', 'hostPath'], hostPath: { path: '/x' } }] } },
  want: podSpec({ volumes: [{ name: 'v', hostPath: { path: '/x' } }, { name: 'w', emptyDir: {} }] }),
});
test('ownerReferences merge by uid; imagePullSecrets by name', applies, {
  kind: 'ReplicaSet',
  original: { metadata: { ownerReferences: [{ uid: 'u1', name: 'a' }] }, spec: { template: { spec: { imagePullSecrets: [{ name: 's1' }] } } } },
  patch: { metadata: { ownerReferences: [{ uid: 'u2', name: 'b' }] }, spec: { template: { spec: { imagePullSecrets: [{ name: 's2' }] } } } },
  want: {
    metadata: { ownerReferences: [{ uid: 'u2', name: 'b' }, { uid: 'u1', name: 'a' }] },
    spec: { template: { spec: { imagePullSecrets: [{ name: 's2' }, { name: 's1' }] } } },
  },
});
test('Node: conditions and addresses merge by type; taints (no strategy upstream) are replaced', applies, {
  kind: 'Node',
  original: { spec: { taints: [{ key: 'a', effect: 'NoSchedule' }] }, status: { conditions: [{ type: 'Ready', status: 'True' }], addresses: [{ type: 'InternalIP', address: '10.0.0.1' }] } },
  patch: { spec: { taints: [{ key: 'b', effect: 'NoSchedule' }] }, status: { conditions: [{ type: 'Ready', status: 'False' }], addresses: [{ type: 'Hostname', address: 'n1' }] } },
  want: {
    spec: { taints: [{ key: 'b', effect: 'NoSchedule' }] },
    status: { conditions: [{ type: 'Ready', status: 'False' }], addresses: [{ type: 'Hostname', address: 'n1' }, { type: 'InternalIP', address: '10.0.0.1' }] },
  },
});
test('Service ports merge by port', applies, {
  kind: 'Service',
  original: { spec: { ports: [{ port: 80, targetPort: 8080 }] } },
  patch: { spec: { ports: [{ port: 80, name: 'http' }, { port: 443 }] } },
  want: { spec: { ports: [{ port: 80, targetPort: 8080, name: 'http' }, { port: 443 }] } },
});
test('Endpoints subsets (no strategy) are replaced; so is every list of an unknown kind', applies, {
  kind: 'Endpoints',
  original: { subsets: [{ addresses: [{ ip: '10.0.0.1' }] }], other: { list: [1, 2] } },
  patch: { subsets: [{ addresses: [{ ip: '10.0.0.2' }] }], other: { list: [3] } },
  want: { subsets: [{ addresses: [{ ip: '10.0.0.2' }] }], other: { list: [3] } },
});

const fails = test.macro({
  exec(t, kind: string, original: J, patch: unknown, code: number, message: string | RegExp) {
    const err = t.throws(() => strategicMergePatch(original, patch, kind), { instanceOf: StatusError });
    t.is(err?.code, code);
    if (typeof message === 'string') t.is(err?.message, message);
    else t.regex(err?.message ?? '', message);
  },
  title: (name) => `strategic merge - ${name ?? ''}`,
});

test('a field outside $retainKeys is 400 (upstream: invalid patch format of retainKeys)', fails, 'Deployment', deploySpec({ strategy: rolling }),
  { spec: { strategy: { $retainKeys: ['type'], type: 'Recreate', rollingUpdate: { maxSurge: 1 } } } }, 400, 'invalid patch format of retainKeys');
test('$retainKeys that is not a list is 400', fails, 'Deployment', deploySpec({}), { spec: { strategy: { $retainKeys: 'type' } } }, 400, 'invalid patch format of retainKeys');
test('an unknown $patch on a map names it', fails, 'Pod', podSpec({}), { spec: { $patch: 'shred' } }, 500, 'unknown patch type: shred in map: map[$patch:shred]');
test('$patch: merge in a list is refused', fails, 'Pod', podSpec({ containers: [c('a')] }), { spec: { containers: [{ $patch: 'merge' }] } }, 500,
  'merging lists cannot yet be specified in the patch');
test('an element without its merge key names the key', fails, 'Pod', podSpec({ containers: [c('a')] }), { spec: { containers: [{ image: 'x' }] } }, 500,
  'map: map[image:x] does not contain declared merge key: name');
test('a $setElementOrder that is not a list names what it got', fails, 'Pod', podSpec({}), { metadata: { '$setElementOrder/finalizers': 'a' } }, 500,
  'expected a slice, but received a string');
test('lists of lists are 422', fails, 'Pod', { metadata: { finalizers: [['a']] } }, { metadata: { finalizers: [['b']] } }, 422, 'lists of lists are not supported');
test('a $setElementOrder list that contradicts the patch order is refused', fails, 'Pod', podSpec({ containers: [c('a'), c('b')] }),
  { spec: { '$setElementOrder/containers': [{ name: 'a' }, { name: 'b' }], containers: [c('b'), c('a')] } }, 500, /doesn't match \$setElementOrder list/);
test('a patch that is not an object is 400', fails, 'Pod', podSpec({}), ['x'], 400, 'invalid JSON document');

// Through the API server: the bus client's patch with type 'strategic'.
test('strategic merge - a strategic patch adds a container to a Deployment template; a merge patch replaces the list', async (t) => {
  const { client } = await startApi(t);
  await client.create('deployments', workload('Deployment'));
  const containers = (d: KubeObject) => (d as KubeObject & { spec: { template: { spec: { containers: Array<{ name: string; image: string }> } } } }).spec.template.spec.containers;
  const sidecar = { spec: { template: { spec: { containers: [{ name: 'sidecar', image: 'busybox:1.36' }] } } } };

  const strategic = await client.patch('deployments', 'web', sidecar, { namespace: 'default', type: 'strategic' });
  t.deepEqual(containers(strategic).map((x) => x.name), ['sidecar', 'app']);
  t.is(strategic.metadata.generation, 2, 'a changed spec is a new generation');
  const stored = await client.get('deployments', 'web', { namespace: 'default' });
  t.deepEqual(containers(stored).map((x) => x.name), ['sidecar', 'app']);

  const merged = await client.patch('deployments', 'web', { spec: { template: { spec: { containers: [{ name: 'other', image: 'nginx:1.25' }] } } } }, { namespace: 'default', type: 'merge' });
  t.deepEqual(containers(merged).map((x) => x.name), ['other']);

  const err = await t.throwsAsync(client.patch('deployments', 'web', { spec: { strategy: { $retainKeys: ['type'], rollingUpdate: {} } } }, { namespace: 'default', type: 'strategic' }), {
    instanceOf: StatusError,
  });
  t.is(err?.code, 400);
  t.is(err?.message, 'invalid patch format of retainKeys');
});

test('strategic merge - a "__proto__" key is data like any other key', (t) => {
  const patch = JSON.parse('{"metadata":{"labels":{"__proto__":{"polluted":"yes"}}}}') as J;
  const out = strategicMergePatch({ metadata: { labels: { a: '1' } } }, patch, 'Pod') as { metadata: { labels: Record<string, unknown> } };
  t.true(Object.hasOwn(out.metadata.labels, '__proto__'));
  t.is(Object.getPrototypeOf(out.metadata.labels), Object.prototype);
  t.is(({} as { polluted?: string }).polluted, undefined);
});

test('strategic merge - the table gives upstream\'s OpenAPI extensions for a field', (t) => {
  const ext = (type: string, field: string) => openApiExtensions(fieldOf(typeNamed(type), field).tags);
  t.deepEqual(ext('PodSpec', 'containers'), { 'x-kubernetes-patch-strategy': 'merge', 'x-kubernetes-patch-merge-key': 'name' });
  t.deepEqual(ext('PodSpec', 'volumes'), { 'x-kubernetes-patch-strategy': 'merge,retainKeys', 'x-kubernetes-patch-merge-key': 'name' });
  t.deepEqual(ext('DeploymentSpec', 'strategy'), { 'x-kubernetes-patch-strategy': 'retainKeys' });
  t.deepEqual(ext('ObjectMeta', 'finalizers'), { 'x-kubernetes-patch-strategy': 'merge' });
  t.deepEqual(ext('PodSpec', 'tolerations'), {});
});

// Nulls stay out of lists (upstream's typed decoding drops them there; RFC 7386 keeps them).
const noNullsInLists = (v: unknown, inList = false): unknown => {
  if (Array.isArray(v)) return v.map((x) => noNullsInLists(x, true));
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, noNullsInLists(x, inList)]));
  return v === null && inList ? 0 : v;
};
const plainJson = fc
  .object({ key: fc.string({ maxLength: 4 }).filter((k) => !k.startsWith('$') && k !== '__proto__'), values: [fc.string({ maxLength: 3 }), fc.integer(), fc.boolean(), fc.constant(null)], maxDepth: 3 })
  .map((o) => noNullsInLists(o) as J);

test('strategic merge - with no tags and no directives it is a JSON merge patch (RFC 7386)', (t) => {
  fc.assert(
    fc.property(plainJson, plainJson, (original, patch) => {
      const clean = noNullsInLists(JSON.parse(JSON.stringify(original)), true) as J;
      t.deepEqual(strategicMergePatch(clean, patch, 'NoSuchKind'), mergePatch.apply(structuredClone(clean), patch));
    }),
    { numRuns: 300, seed: 7 },
  );
});
