// Server-side apply and managedFields in the API server, over the MemoryBus on a virtual clock.
import test from 'ava';
import type { KubeObject } from '../api/meta.ts';
import type { ApiRequest } from '../api/protocol.ts';
import { StatusError } from '../api/status.ts';
import { VirtualClock } from '../bus/clock.ts';
import { startApi } from './helpers/api.ts';

type Entry = { manager: string; operation: string; apiVersion: string; time: string; fieldsType: string; fieldsV1: Record<string, unknown>; subresource?: string };
const entries = (o: KubeObject) => (o.metadata as { managedFields?: Entry[] }).managedFields ?? [];

const deployment = (replicas = 2, image = 'nginx:1.27') => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'default' },
  spec: {
    replicas,
    selector: { matchLabels: { app: 'web' } },
    template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'nginx', image }] } },
  },
});

async function env(t: Parameters<typeof startApi>[0]) {
  const clock = new VirtualClock(Date.parse('2026-05-01T10:00:00Z'));
  const { client } = await startApi(t, { clock });
  const call = (verb: 'patch' | 'patch-status' | 'create' | 'update', req: ApiRequest) => {
    const p = client.call<KubeObject>('deployments', verb, { namespace: 'default', name: 'web', ...req });
    let done = false;
    const q = p.finally(() => (done = true));
    q.catch(() => undefined);
    return clock.runUntil(() => done, clock.now() + 5_000).then(() => q);
  };
  const apply = (patch: unknown, fieldManager: string | undefined = 'mgr', extra: Partial<ApiRequest> = {}) => call('patch', { patch, patchType: 'apply', fieldManager, ...extra });
  const failure = async (p: Promise<unknown>) => {
    try {
      await p;
    } catch (err) {
      if (err instanceof StatusError) return err;
      throw err;
    }
    throw new Error('expected a Status error');
  };
  return { clock, client, call, apply, failure };
}

test('apiserver apply - an apply creates the object with one Apply entry at the server clock; re-applying writes nothing', async (t) => {
  const { apply } = await env(t);
  const created = await apply(deployment());
  t.is(created.metadata.generation, 1);
  t.deepEqual(
    entries(created).map(({ manager, operation, apiVersion, time, fieldsType }) => ({ manager, operation, apiVersion, time, fieldsType })),
    [{ manager: 'mgr', operation: 'Apply', apiVersion: 'apps/v1', time: '2026-05-01T10:00:00Z', fieldsType: 'FieldsV1' }],
  );
  t.deepEqual(entries(created)[0]!.fieldsV1, {
    'f:spec': {
      'f:replicas': {},
      'f:selector': { 'f:matchLabels': { 'f:app': {} } },
      'f:template': { 'f:metadata': { 'f:labels': { 'f:app': {} } }, 'f:spec': { 'f:containers': { 'k:{"name":"nginx"}': { '.': {}, 'f:image': {}, 'f:name': {} } } } },
    },
  });
  const again = await apply(deployment());
  t.is(again.metadata.resourceVersion, created.metadata.resourceVersion);
});

test('apiserver apply - create, update and patch record Update entries for their fieldManager; status writes name the subresource', async (t) => {
  const { call } = await env(t);
  const created = await call('create', { body: deployment() as KubeObject, name: undefined, fieldManager: 'creator' });
  t.like(entries(created), [{ manager: 'creator', operation: 'Update', apiVersion: 'apps/v1' }]);
  // Defaults the server set belong to the creator too, as upstream.
  t.true(JSON.stringify(entries(created)[0]!.fieldsV1).includes('f:progressDeadlineSeconds'));
  const patched = await call('patch', { patch: { spec: { replicas: 5 } }, patchType: 'merge', fieldManager: 'scaler' });
  const scaler = entries(patched).find((e) => e.manager === 'scaler')!;
  t.deepEqual(scaler.fieldsV1, { 'f:spec': { 'f:replicas': {} } });
  t.false(JSON.stringify(entries(patched).find((e) => e.manager === 'creator')!.fieldsV1).includes('f:replicas'));
  const status = await call('patch-status', { patch: { status: { observedGeneration: 9 } }, patchType: 'merge', fieldManager: 'ctl' });
  t.like(entries(status).find((e) => e.manager === 'ctl'), { operation: 'Update', subresource: 'status', fieldsV1: { 'f:status': { 'f:observedGeneration': {} } } });
  // A write without a fieldManager (kubus's own controllers) keeps the entries as they are.
  const quiet = await call('patch', { patch: { metadata: { labels: { x: 'y' } } }, patchType: 'merge' });
  t.deepEqual(entries(quiet), entries(status));
});

test('apiserver apply - changing a field another manager owns is a 409 with upstream message and causes; force takes it', async (t) => {
  const { apply, call, failure } = await env(t);
  await apply(deployment(), 'kubectl');
  await call('patch', { patch: { spec: { replicas: 5 } }, patchType: 'merge', fieldManager: 'kubectl-scale' });
  const e = await failure(apply(deployment(2, 'nginx:1.28'), 'kubectl'));
  t.is(e.code, 409);
  t.is(e.reason, 'Conflict');
  t.is(e.message, 'Apply failed with 1 conflict: conflict with "kubectl-scale" using apps/v1: .spec.replicas');
  t.deepEqual(e.status.details, { causes: [{ reason: 'FieldManagerConflict', message: 'conflict with "kubectl-scale" using apps/v1', field: '.spec.replicas' }] });
  const forced = await apply(deployment(2, 'nginx:1.28'), 'kubectl', { force: true });
  t.is((forced.spec as { replicas: number }).replicas, 2);
  t.false(entries(forced).some((x) => x.manager === 'kubectl-scale'));
});

test('apiserver apply - a field the applier drops is removed; the same value another manager set is shared', async (t) => {
  const { apply } = await env(t);
  const withPause = { ...deployment(), spec: { ...deployment().spec, paused: true } };
  await apply(withPause, 'a');
  await apply(withPause, 'b');
  const dropped = await apply(deployment(), 'a');
  t.is((dropped.spec as { paused?: boolean }).paused, true, 'b still applies it');
  const gone = await apply(deployment(), 'b');
  t.is((gone.spec as { paused?: boolean }).paused, undefined);
});

test('apiserver apply - bad options and configurations are upstream Statuses', async (t) => {
  const { apply, call, failure } = await env(t);
  const missing = await failure(apply(deployment(), ''));
  t.is(missing.code, 422);
  t.is(missing.message, 'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch');
  t.deepEqual(missing.status.details, { group: 'meta.k8s.io', kind: 'PatchOptions', causes: [{ reason: 'FieldValueRequired', message: 'Required value: is required for apply patch', field: 'fieldManager' }] });
  const force = await failure(call('patch', { patch: {}, patchType: 'merge', force: true }));
  t.is(force.message, 'PatchOptions.meta.k8s.io "" is invalid: force: Forbidden: may not be specified for non-apply patch');
  const long = await failure(call('create', { body: deployment() as KubeObject, name: undefined, fieldManager: 'x'.repeat(129) }));
  t.is(long.message, 'CreateOptions.meta.k8s.io "" is invalid: fieldManager: Too long: may not be more than 128 bytes');
  const withManaged = await failure(apply({ ...deployment(), metadata: { name: 'web', managedFields: [] } }));
  t.is(withManaged.code, 400);
  t.is(withManaged.message, 'metadata.managedFields must be nil');
  const keyless = await failure(apply({ ...deployment(), spec: { template: { spec: { containers: [{ image: 'x' }] } } } }));
  t.is(keyless.code, 400);
  const otherName = await failure(apply({ ...deployment(), metadata: { name: 'other' } }));
  t.is(otherName.message, 'the name of the object (other) does not match the name on the URL (web)');
  const statusOfNothing = await failure(call('patch-status', { patch: { status: {} }, patchType: 'apply', fieldManager: 'x' }));
  t.is(statusOfNothing.code, 404);
  const otherNamespace = await failure(apply({ ...deployment(), metadata: { name: 'web', namespace: 'elsewhere' } }));
  t.is(otherNamespace.code, 400);
  await apply(deployment());
  const badEntries = await failure(call('patch', { patch: { metadata: { managedFields: [{ manager: 'm', operation: 'Bogus' }] } }, patchType: 'merge' }));
  t.is(badEntries.code, 400);
  t.regex(badEntries.message, /^metadata\.managedFields: entry 0: operation must be Apply or Update$/);
});

test('apiserver apply - status apply owns status fields only, under the status subresource; dry run stores nothing', async (t) => {
  const { apply, call } = await env(t);
  const dry = await apply(deployment(), 'mgr', { dryRun: true });
  t.is(entries(dry).length, 1);
  t.is((await call('patch', { patch: deployment(), patchType: 'apply', fieldManager: 'mgr' })).metadata.generation, 1);
  const st = await call('patch-status', { patch: { apiVersion: 'apps/v1', kind: 'Deployment', spec: { replicas: 9 }, status: { replicas: 1 } }, patchType: 'apply', fieldManager: 'ctl' });
  t.is((st.spec as { replicas: number }).replicas, 2);
  t.is((st.status as { replicas: number }).replicas, 1);
  t.like(entries(st).find((e) => e.manager === 'ctl'), { operation: 'Apply', subresource: 'status', fieldsV1: { 'f:status': { 'f:replicas': {} } } });
});
