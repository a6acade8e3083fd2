// List with resourceVersion and resourceVersionMatch: upstream's table of Exact, NotOlderThan, legacy limit and continue.
import test from 'ava';
import type { KubeObject } from '../api/meta.ts';
import { StatusError } from '../api/status.ts';
import type { ApiClient } from '../bus/client.ts';
import { startApi } from './helpers/api.ts';
import { startGateway } from './helpers/gateway.ts';

const cm = (name: string): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default' } });

const statusOf = async (p: Promise<unknown>) => {
  try {
    await p;
  } catch (err) {
    if (err instanceof StatusError) return err;
    throw err;
  }
  throw new Error('expected a Status error, got success');
};

/** Creates cm-0..cm-2, then cm-3 and cm-4 and deletes cm-0; returns the revision between the two steps. */
async function history(client: ApiClient): Promise<string> {
  for (const n of ['cm-0', 'cm-1', 'cm-2']) await client.create('configmaps', cm(n));
  const before = (await client.list('configmaps', { namespace: 'default' })).metadata.resourceVersion;
  await client.create('configmaps', cm('cm-3'));
  await client.create('configmaps', cm('cm-4'));
  await client.delete('configmaps', 'cm-0', { namespace: 'default' });
  return before;
}

const names = (l: { items: KubeObject[] }) => l.items.map((o) => o.metadata.name);

test('list rv - Exact lists the collection as it was at that revision', async (t) => {
  const { client } = await startApi(t);
  const rv = await history(client);
  const l = await client.call<{ items: KubeObject[]; metadata: { resourceVersion: string } }>('configmaps', 'list', {
    namespace: 'default',
    list: { resourceVersion: rv, resourceVersionMatch: 'Exact' },
  });
  t.deepEqual(names(l), ['cm-0', 'cm-1', 'cm-2']);
  t.is(l.metadata.resourceVersion, rv);
});

test('list rv - NotOlderThan and a bare resourceVersion list the latest state', async (t) => {
  const { client } = await startApi(t);
  const rv = await history(client);
  for (const list of [{ resourceVersion: rv, resourceVersionMatch: 'NotOlderThan' as const }, { resourceVersion: rv }, { resourceVersion: '0' }]) {
    const l = await client.call<{ items: KubeObject[]; metadata: { resourceVersion: string } }>('configmaps', 'list', { namespace: 'default', list });
    t.deepEqual(names(l), ['cm-1', 'cm-2', 'cm-3', 'cm-4'], JSON.stringify(list));
    t.true(Number(l.metadata.resourceVersion) > Number(rv));
  }
});

test('list rv - legacy: a resourceVersion with a limit reads at exactly that revision, and continue keeps it', async (t) => {
  const { client } = await startApi(t);
  const rv = await history(client);
  const p1 = await client.list('configmaps', { namespace: 'default', resourceVersion: rv, limit: 2 });
  t.deepEqual(names(p1), ['cm-0', 'cm-1']);
  t.is(p1.metadata.resourceVersion, rv);
  const p2 = await client.list('configmaps', { namespace: 'default', limit: 2, continue: p1.metadata.continue });
  t.deepEqual(names(p2), ['cm-2']);
  // The joined list of the client (pages of 500) keeps "not older than" for a bare resourceVersion.
  t.deepEqual(names(await client.list('configmaps', { namespace: 'default', resourceVersion: rv })), ['cm-1', 'cm-2', 'cm-3', 'cm-4']);
});

test('list rv - Exact at a compacted revision is 410 Expired; newer than the store is 504', async (t) => {
  const { client, store } = await startApi(t);
  const rv = await history(client);
  store.compact(store.revision);
  const e = await statusOf(client.call('configmaps', 'list', { namespace: 'default', list: { resourceVersion: rv, resourceVersionMatch: 'Exact' } }));
  t.is(e.code, 410);
  t.is(e.reason, 'Expired');
  t.is(e.message, 'The resourceVersion for the provided list is too old.');
  t.is((await statusOf(client.call('configmaps', 'list', { namespace: 'default', list: { resourceVersion: rv, limit: 1 } }))).code, 410);
  const far = String(store.revision + 100);
  t.is((await statusOf(client.call('configmaps', 'list', { namespace: 'default', list: { resourceVersion: far, resourceVersionMatch: 'Exact' } }))).code, 504);
});

const INVALID: Array<[string, Record<string, unknown>, string]> = [
  ['match without rv', { resourceVersionMatch: 'Exact' }, 'resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided'],
  ['Exact at 0', { resourceVersion: '0', resourceVersionMatch: 'Exact' }, 'resourceVersionMatch: Forbidden: resourceVersionMatch "exact" is forbidden for resourceVersion "0"'],
  ['match with continue', { resourceVersion: '5', resourceVersionMatch: 'NotOlderThan', continue: 'x' }, 'resourceVersionMatch is forbidden when continue is provided'],
  ['unknown match', { resourceVersion: '5', resourceVersionMatch: 'Newest' }, 'resourceVersionMatch: Unsupported value: "Newest": supported values: "Exact", "NotOlderThan", ""'],
];

for (const [name, list, message] of INVALID) {
  test(`list rv - ${name} is 422 Invalid ListOptions`, async (t) => {
    const { client } = await startApi(t);
    const e = await statusOf(client.call('configmaps', 'list', { namespace: 'default', list }));
    t.is(e.code, 422);
    t.is(e.reason, 'Invalid');
    t.true(e.message.startsWith('ListOptions.meta.k8s.io "" is invalid: '), e.message);
    t.true(e.message.includes(message), e.message);
    t.is(e.status.details?.causes?.[0].field, 'resourceVersionMatch');
  });
}

test('list rv - a non-zero resourceVersion with continue is 400', async (t) => {
  const { client } = await startApi(t);
  await history(client);
  const p1 = await client.list('configmaps', { namespace: 'default', limit: 1 });
  const e = await statusOf(client.call('configmaps', 'list', { namespace: 'default', list: { limit: 1, continue: p1.metadata.continue, resourceVersion: '3' } }));
  t.is(e.code, 400);
  t.is(e.message, 'specifying resource version is not allowed when using continue');
});

test('list rv - the gateway passes resourceVersionMatch: Exact over HTTP, and a bad match is a 422 Status', async (t) => {
  const g = await startGateway(t);
  const rv = await history(g.client);
  const base = `${g.url}/api/v1/namespaces/default/configmaps`;
  const r = await fetch(`${base}?resourceVersion=${rv}&resourceVersionMatch=Exact`);
  t.is(r.status, 200);
  const l = (await r.json()) as { items: KubeObject[]; metadata: { resourceVersion: string } };
  t.deepEqual(names(l), ['cm-0', 'cm-1', 'cm-2']);
  t.is(l.metadata.resourceVersion, rv);
  const bad = await fetch(`${base}?resourceVersionMatch=NotOlderThan`);
  t.is(bad.status, 422);
  const s = (await bad.json()) as { kind: string; reason: string; message: string; details: { causes: Array<{ field: string }> } };
  t.is(s.kind, 'Status');
  t.regex(s.message, /resourceVersionMatch is forbidden unless resourceVersion is provided/);
  t.is(s.details.causes[0].field, 'resourceVersionMatch');
});
