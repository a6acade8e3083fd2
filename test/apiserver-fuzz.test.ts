// The API server never crashes on input: random and malformed requests all get an answer
// (an object or a Status), and the store stays consistent.
import test from 'ava';
import fc from 'fast-check';
import { allResources } from '../api/resources.ts';
import { isStatus, type Status } from '../api/status.ts';
import { API_VERBS, apiSubject } from '../bus/subjects.ts';
import { startApi } from './helpers/api.ts';

const plurals = allResources().map((r) => r.plural);
const CODES = new Set([400, 403, 404, 405, 409, 410, 422, 500, 503, 504]);

const name = fc.oneof(fc.constantFrom('a', 'b', 'web', 'x-1'), fc.string({ maxLength: 12 }), fc.constant(''));
const namespace = fc.oneof(fc.constantFrom('default', 'kube-system', 'nope'), fc.string({ maxLength: 8 }), fc.anything());
const labels = fc.dictionary(fc.string({ maxLength: 10 }), fc.oneof(fc.string({ maxLength: 10 }), fc.integer()));
const metadata = fc.record(
  { name, namespace, labels, generateName: name, resourceVersion: fc.oneof(fc.constant('1'), fc.string()), finalizers: fc.array(fc.string({ maxLength: 8 }), { maxLength: 2 }) },
  { requiredKeys: [] },
);
const resource = fc.oneof({ weight: 9, arbitrary: fc.constantFrom(...plurals) }, { weight: 1, arbitrary: fc.string({ maxLength: 8 }) });
const body = fc.oneof(
  fc.record({ apiVersion: fc.constantFrom('v1', 'apps/v1', 'batch/v1', 'x'), kind: fc.constantFrom('Pod', 'ConfigMap', 'Deployment', 'Namespace', 'Service', 'Job', 'Nope'), metadata, spec: fc.anything(), status: fc.anything(), data: fc.anything() }, { requiredKeys: ['metadata'] }),
  fc.anything(),
);
const request = fc.record(
  {
    namespace,
    name,
    body,
    patch: fc.oneof(fc.anything(), fc.array(fc.record({ op: fc.constantFrom('add', 'remove', 'replace', 'test', 'bogus'), path: fc.string(), value: fc.anything() }))),
    patchType: fc.oneof(fc.constantFrom('merge', 'json', 'strategic'), fc.string()),
    list: fc.record({ labelSelector: fc.oneof(fc.string(), fc.constantFrom('app=web', 'a in (x', '!b', 'x notin (y)')), fieldSelector: fc.oneof(fc.string(), fc.constant('spec.nodeName=n1')), limit: fc.oneof(fc.integer({ min: -5, max: 20 }), fc.anything()), continue: fc.string() }, { requiredKeys: [] }),
    delete: fc.record({ gracePeriodSeconds: fc.oneof(fc.integer({ min: -3, max: 60 }), fc.anything()), propagationPolicy: fc.oneof(fc.constantFrom('Background', 'Foreground', 'Orphan'), fc.string()) }, { requiredKeys: [] }),
    watch: fc.record({ conn: fc.string({ maxLength: 6 }), id: fc.string({ maxLength: 4 }), resourceVersion: fc.oneof(fc.constant('1'), fc.string()), labelSelector: fc.string() }, { requiredKeys: [] }),
  },
  { requiredKeys: [] },
);
// Mostly-valid requests, so the fuzz reaches the deep paths (writes, conflicts, finalizers, binding).
const small = fc.constantFrom('a', 'b', 'c');
const plausibleBody = (kind: string) =>
  fc.record({
    apiVersion: fc.constant('v1'),
    kind: fc.constant(kind),
    metadata: fc.record(
      { name: small, namespace: fc.constant('default'), labels: fc.dictionary(fc.constantFrom('app', 'tier'), fc.constantFrom('web', 'db', 'Bad Value!')), resourceVersion: fc.option(fc.constantFrom('1', '5', '12'), { freq: 5, nil: undefined }), finalizers: fc.option(fc.constant(['example.com/x']), { freq: 3, nil: undefined }) },
      { requiredKeys: ['name', 'namespace', 'resourceVersion', 'finalizers'] },
    ),
    ...(kind === 'Pod' ? { spec: fc.record({ containers: fc.constant([{ name: 'c', image: 'nginx' }]), nodeName: fc.constantFrom('n1', 'n2') }, { requiredKeys: ['containers'] }) } : {}),
    ...(kind === 'ConfigMap' ? { data: fc.dictionary(fc.constantFrom('k', 'v'), fc.string({ maxLength: 5 })) } : {}),
  });
const plausible = fc.oneof(...(['pods', 'configmaps'] as const).map((resource) =>
  fc.record({
    resource: fc.constant(resource),
    verb: fc.oneof({ weight: 5, arbitrary: fc.constantFrom('create', 'create', 'update', 'patch', 'delete', 'get', 'bind', 'update-status') }, { weight: 1, arbitrary: fc.constantFrom(...API_VERBS) }),
    data: fc.record(
      {
        namespace: fc.constant('default'),
        name: small,
        body: resource === 'pods' ? fc.oneof({ weight: 4, arbitrary: plausibleBody('Pod') }, { weight: 1, arbitrary: fc.constant({ metadata: {}, target: { name: 'n1' } }) }) : plausibleBody('ConfigMap'),
        patch: fc.oneof(fc.record({ metadata: fc.record({ labels: fc.dictionary(fc.constantFrom('app'), fc.constantFrom('x', 'y')), finalizers: fc.constant(null) }, { requiredKeys: [] }) }), fc.constant([{ op: 'add', path: '/metadata/labels', value: { z: '1' } }])),
        patchType: fc.constantFrom('merge', 'json'),
        delete: fc.record({ gracePeriodSeconds: fc.constantFrom(0, 30), propagationPolicy: fc.constantFrom('Background', 'Orphan') }, { requiredKeys: [] }),
      },
      { requiredKeys: ['namespace', 'name'] },
    ),
  }),
));

const random = fc.record({
  resource,
  verb: fc.oneof({ weight: 9, arbitrary: fc.constantFrom(...API_VERBS) }, { weight: 1, arbitrary: fc.string({ maxLength: 6 }) }),
  data: fc.oneof({ weight: 9, arbitrary: request }, { weight: 1, arbitrary: fc.anything() }),
});
const message = fc.oneof({ weight: 6, arbitrary: plausible }, { weight: 4, arbitrary: random });

test('apiserver fuzz - every random or malformed request gets an object or a Status, and the store stays consistent', async (t) => {
  const { client, store, host } = await startApi(t);
  const bus = client.bus;
  let answered = 0;
  const codes = new Map<number, number>();
  await fc.assert(
    fc.asyncProperty(fc.array(message, { minLength: 1, maxLength: 25 }), async (msgs) => {
      for (const m of msgs) {
        const subject = /^[A-Za-z0-9-]+$/.test(m.resource) && /^[A-Za-z0-9-]+$/.test(m.verb) ? apiSubject(m.resource, m.verb as 'get') : apiSubject('pods', 'get');
        const reply = (await bus.request(subject, m.data, { timeoutMs: 2000 })).data;
        answered++;
        const c = isStatus(reply) ? (reply as Status).code : 200;
        codes.set(c, (codes.get(c) ?? 0) + 1);
        if (isStatus(reply) && (reply as Status).status === 'Failure') {
          if (!CODES.has((reply as Status).code)) return false;
          if (typeof (reply as Status).message !== 'string' || !(reply as Status).reason) return false;
        } else if (typeof reply !== 'object' || reply === null) return false;
      }
      return true;
    }),
    { numRuns: 150, seed: 42 },
  );
  t.true(answered > 100);
  t.log(Object.fromEntries(codes));
  t.false(codes.has(500), 'no internal errors');
  for (const c of [200, 400, 404, 409, 422]) t.true((codes.get(c) ?? 0) > 0, `some ${c} answers (the fuzz reaches that path)`);
  t.is(host.get('apiserver')!.restarts, 0, 'the API server never crashed');

  // Consistency: every stored object reads back whole, with a valid resourceVersion at or below the store revision.
  for (const r of allResources().filter((x) => !x.createOnly)) {
    const list = await client.list(r.plural);
    for (const o of list.items) {
      t.truthy(o.metadata.name && o.metadata.uid, `${r.plural} item has name and uid`);
      t.true(Number(o.metadata.resourceVersion) <= store.revision);
      const again = await client.get(r.plural, o.metadata.name!, { namespace: o.metadata.namespace });
      t.deepEqual(again, o);
    }
  }
  // It still serves normal requests.
  const ok = await client.create('configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'after-fuzz', namespace: 'default' } });
  t.is(ok.metadata.name, 'after-fuzz');
});

test('apiserver fuzz - undecodable request bytes are dropped and the server carries on', async (t) => {
  const { client, host } = await startApi(t);
  await fc.assert(
    fc.asyncProperty(fc.uint8Array({ minLength: 0, maxLength: 64 }), async (bytes) => {
      client.bus.publishRaw(apiSubject('pods', 'create'), bytes.length ? Uint8Array.from([0xc1, ...bytes]) : bytes);
      const r = await client.list('namespaces');
      return r.items.length >= 4;
    }),
    { numRuns: 50, seed: 7 },
  );
  t.is(host.get('apiserver')!.restarts, 0);
});
