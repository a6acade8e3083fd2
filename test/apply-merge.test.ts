// Server-side apply as pure functions: merge with ownership, pruning, conflicts, force, and Update entries (api/apply/).
import test from 'ava';
import fc from 'fast-check';
import { isDeepStrictEqual } from 'node:util';
import { decodeOwners, encodeOwners, mergeApplied, recordApply, recordUpdate, type Owners, type Writer } from '../api/apply/index.ts';
import { StatusError } from '../api/status.ts';

type Obj = Record<string, any>;
const w = (manager: string, time = '2026-01-01T00:00:00Z'): Writer => ({ manager, apiVersion: 'apps/v1', time });
const config = (extra: Obj = {}, containers: Obj[] = [{ name: 'nginx', image: 'nginx:1.27' }]): Obj => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web' },
  spec: { replicas: 2, template: { spec: { containers } }, ...extra },
});

/** Applies and returns the object and its managedFields, as the API server would store them. */
function apply(owners: Owners, live: Obj | undefined, cfg: Obj, manager = 'mgr', force = false, time?: string) {
  const r = recordApply(owners, live, cfg, 'Deployment', w(manager, time), force);
  return { obj: r.object as Obj, owners: r.owners, entries: encodeOwners(r.owners) };
}

test('apply merge - an apply to nothing creates the configuration and owns exactly its fields', (t) => {
  const { obj, entries } = apply(new Map(), undefined, config());
  t.deepEqual(obj, config());
  t.is(entries.length, 1);
  t.like(entries[0], { manager: 'mgr', operation: 'Apply', apiVersion: 'apps/v1', time: '2026-01-01T00:00:00Z', fieldsType: 'FieldsV1' });
  t.deepEqual(entries[0]!.fieldsV1, {
    'f:spec': { 'f:replicas': {}, 'f:template': { 'f:spec': { 'f:containers': { 'k:{"name":"nginx"}': { '.': {}, 'f:image': {}, 'f:name': {} } } } } },
  });
});

test('apply merge - re-applying the same configuration changes nothing, not even the time', (t) => {
  const first = apply(new Map(), undefined, config());
  const again = apply(first.owners, first.obj, config(), 'mgr', false, '2026-02-02T00:00:00Z');
  t.deepEqual(again.obj, first.obj);
  t.deepEqual(again.entries, first.entries);
});

test('apply merge - a field the applier stops applying goes, unless another manager owns it', (t) => {
  const first = apply(new Map(), undefined, config({ paused: true, minReadySeconds: 5 }));
  // Another manager updates minReadySeconds (same value counts only once changed: set it to 6).
  const changed = { ...first.obj, spec: { ...first.obj.spec, minReadySeconds: 6 } };
  const owners = recordUpdate(first.owners, first.obj, changed, 'Deployment', { ...w('editor'), apiVersion: 'apps/v1' });
  const { obj } = apply(owners, changed, config(), 'mgr', true);
  t.false('paused' in obj.spec);
  t.is(obj.spec.minReadySeconds, 6);
});

test('apply merge - lists merge by key: items others keep stay, the applier\'s dropped item goes', (t) => {
  const first = apply(new Map(), undefined, config({}, [{ name: 'a', image: 'a:1' }, { name: 'b', image: 'b:1' }]));
  const withSidecar = structuredClone(first.obj);
  withSidecar.spec.template.spec.containers.push({ name: 'c', image: 'c:1' });
  const owners = recordUpdate(first.owners, first.obj, withSidecar, 'Deployment', w('injector'));
  const { obj } = apply(owners, withSidecar, config({}, [{ name: 'b', image: 'b:2' }]));
  t.deepEqual(obj.spec.template.spec.containers, [{ name: 'b', image: 'b:2' }, { name: 'c', image: 'c:1' }]);
});

test('apply merge - changing a field another manager owns is upstream\'s 409; the same value is shared, no conflict', (t) => {
  const first = apply(new Map(), undefined, config());
  const scaled = { ...first.obj, spec: { ...first.obj.spec, replicas: 5 } };
  const owners = recordUpdate(first.owners, first.obj, scaled, 'Deployment', w('kubectl-scale'));
  const e = t.throws(() => apply(owners, scaled, config()), { instanceOf: StatusError })!;
  t.is(e.code, 409);
  t.is(e.reason, 'Conflict');
  t.is(e.message, 'Apply failed with 1 conflict: conflict with "kubectl-scale" using apps/v1: .spec.replicas');
  t.deepEqual(e.status.details, { causes: [{ reason: 'FieldManagerConflict', message: 'conflict with "kubectl-scale" using apps/v1', field: '.spec.replicas' }] });
  // Applying the live value: both own it.
  const shared = apply(owners, scaled, config({ replicas: 5 }));
  t.is(shared.obj.spec.replicas, 5);
  t.true(shared.entries.every((x) => JSON.stringify(x.fieldsV1).includes('f:replicas')));
});

test('apply merge - force takes the fields: the other manager loses them', (t) => {
  const first = apply(new Map(), undefined, config());
  const scaled = { ...first.obj, spec: { ...first.obj.spec, replicas: 5, paused: true } };
  const owners = recordUpdate(first.owners, first.obj, scaled, 'Deployment', w('kubectl-scale'));
  const { obj, entries } = apply(owners, scaled, config(), 'mgr', true);
  t.is(obj.spec.replicas, 2);
  const scale = entries.find((x) => x.manager === 'kubectl-scale')!;
  t.deepEqual(scale.fieldsV1, { 'f:spec': { 'f:paused': {} } });
});

test('apply merge - several conflicts list each path under its manager, managers sorted', (t) => {
  const first = apply(new Map(), undefined, config({ paused: false }));
  const edited = { ...first.obj, spec: { ...first.obj.spec, replicas: 5, paused: true } };
  const owners = recordUpdate(first.owners, first.obj, edited, 'Deployment', w('b-editor'));
  const relabelled = structuredClone(edited);
  relabelled.spec.template.spec.containers[0].image = 'nginx:9';
  const more = recordUpdate(owners, edited, relabelled, 'Deployment', w('a-editor'));
  const e = t.throws(() => apply(more, relabelled, config({ paused: false })), { instanceOf: StatusError })!;
  t.is(
    e.message,
    'Apply failed with 3 conflicts: conflicts with "a-editor" using apps/v1:\n- .spec.template.spec.containers[name="nginx"].image\nconflicts with "b-editor" using apps/v1:\n- .spec.paused\n- .spec.replicas',
  );
  t.is(e.status.details!.causes!.length, 3);
});

test('apply merge - an object nobody owned is owned by before-first-apply, so applying over it can conflict', (t) => {
  const live = config({ replicas: 3 });
  const e = t.throws(() => apply(new Map(), live, config()), { instanceOf: StatusError })!;
  t.is(e.message, 'Apply failed with 1 conflict: conflict with "before-first-apply" using apps/v1: .spec.replicas');
});

test('apply merge - Update entries: the writer owns what it changed, others lose it, a no-op records nothing', (t) => {
  const a = config();
  const created = recordUpdate(new Map(), undefined, a, 'Deployment', w('creator'));
  t.is(encodeOwners(created).length, 1);
  const b = { ...a, spec: { ...a.spec, replicas: 4 } };
  const owners = recordUpdate(created, a, b, 'Deployment', w('scaler', '2026-03-03T00:00:00Z'));
  const entries = encodeOwners(owners);
  t.deepEqual(entries.find((x) => x.manager === 'scaler')!.fieldsV1, { 'f:spec': { 'f:replicas': {} } });
  t.false(JSON.stringify(entries.find((x) => x.manager === 'creator')!.fieldsV1).includes('replicas'));
  t.deepEqual(encodeOwners(recordUpdate(owners, b, b, 'Deployment', w('idle'))), entries);
  // Entries read back (the same manager and operation merge into one).
  t.is(decodeOwners([...entries, { ...entries[0]!, fieldsV1: { 'f:spec': { 'f:paused': {} } } }]).size, 2);
});

test('apply merge - sets merge as unions and null removes a field', (t) => {
  const live = { metadata: { finalizers: ['a'] }, spec: { paused: true, replicas: 1 } };
  const out = mergeApplied(live, { metadata: { finalizers: ['b', 'a'] }, spec: { paused: null } }, 'Deployment');
  t.deepEqual(out, { metadata: { finalizers: ['a', 'b'] }, spec: { replicas: 1 } });
  t.deepEqual(live.spec, { paused: true, replicas: 1 });
});

test('apply merge - a __proto__ key is data: merged, compared and owned without touching prototypes', (t) => {
  const cfg = JSON.parse('{"metadata":{"labels":{"__proto__":{"polluted":"yes"}}},"spec":{"replicas":1}}');
  const { obj, entries } = apply(new Map(), { spec: { replicas: 1 } }, cfg, 'mgr', true);
  t.is(({} as Record<string, unknown>).polluted, undefined);
  t.true(Object.hasOwn(obj.metadata.labels, '__proto__'));
  t.deepEqual(entries.find((e) => e.manager === 'mgr')!.fieldsV1, { 'f:metadata': { 'f:labels': { 'f:__proto__': { 'f:polluted': {} } } }, 'f:spec': { 'f:replicas': {} } });
});

test('apply merge - random configurations over random live objects: a result or a Status, never a crash; re-applying is a no-op', (t) => {
  const scalar = fc.oneof(fc.string({ maxLength: 3 }), fc.integer({ min: 0, max: 3 }), fc.boolean(), fc.constant(null));
  const container = fc.record({ name: fc.constantFrom('a', 'b', 'c'), image: fc.option(fc.string({ maxLength: 2 }), { nil: undefined }), ports: fc.option(fc.array(fc.record({ containerPort: fc.integer({ min: 1, max: 3 }) }), { maxLength: 2 }), { nil: undefined }) }, { requiredKeys: [] });
  const value: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
    v: fc.oneof({ depthSize: 'small' }, scalar, fc.array(tie('v'), { maxLength: 2 }), fc.dictionary(fc.constantFrom('x', 'y', '__proto__'), tie('v'), { maxKeys: 2 })),
  })).v;
  const obj = fc.record({
    metadata: fc.record({ labels: fc.dictionary(fc.constantFrom('a', 'b'), fc.string({ maxLength: 2 }), { maxKeys: 2 }), finalizers: fc.array(fc.constantFrom('f', 'g'), { maxLength: 2 }) }, { requiredKeys: [] }),
    spec: fc.record({ replicas: scalar, template: fc.record({ spec: fc.record({ containers: fc.array(container, { maxLength: 3 }) }) }), extra: value }, { requiredKeys: [] }),
  }, { requiredKeys: [] });
  fc.assert(
    fc.property(obj, obj, fc.boolean(), (live, cfg, force) => {
      let first;
      try {
        first = recordApply(new Map(), live, cfg, 'Deployment', w('m'), force);
      } catch (err) {
        if (!(err instanceof StatusError)) throw err;
        return;
      }
      const again = recordApply(first.owners, first.object, cfg, 'Deployment', w('m', '2027-01-01T00:00:00Z'), false);
      return isDeepStrictEqual(again.object, first.object) && isDeepStrictEqual(encodeOwners(again.owners), encodeOwners(first.owners));
    }),
    { numRuns: 300 },
  );
  t.pass();
});

test('apply merge - more than 10 Update managers: the oldest merge into "ancient-changes", as upstream caps them', (t) => {
  let owners: Owners = new Map();
  let obj: Obj = { metadata: { labels: {} } };
  for (let i = 0; i < 12; i++) {
    const next = structuredClone(obj);
    next.metadata.labels[`l${i}`] = 'x';
    owners = recordUpdate(owners, obj, next, 'Deployment', w(`m${String(i).padStart(2, '0')}`, `2026-01-01T00:00:${String(i).padStart(2, '0')}Z`));
    obj = next;
  }
  const entries = encodeOwners(owners);
  t.is(entries.length, 10);
  const ancient = entries.find((e) => e.manager === 'ancient-changes')!;
  t.deepEqual(ancient.fieldsV1, { 'f:metadata': { 'f:labels': { 'f:l0': {}, 'f:l1': {}, 'f:l2': {} } } });
  t.false(entries.some((e) => ['m00', 'm01', 'm02'].includes(e.manager)));
});
