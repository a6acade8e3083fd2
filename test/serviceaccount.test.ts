// The service account controller: a `default` ServiceAccount in every namespace, re-created
// when deleted, none in a terminating namespace; on the virtual clock.
import test from 'ava';
import { StatusError } from '../api/status.ts';
import { serviceAccountController } from '../actors/controllers/serviceaccount/serviceaccount.controller.ts';
import { VirtualClock } from '../bus/clock.ts';
import { startApi } from './helpers/api.ts';

async function cluster(t: Parameters<typeof startApi>[0]) {
  const clock = new VirtualClock(Date.UTC(2026, 10, 23, 10, 0, 0));
  const env = await startApi(t, { clock });
  const run = async <R>(p: Promise<R>): Promise<R> => {
    let done = false;
    void p.then(() => (done = true), () => (done = true));
    await clock.runUntil(() => done, clock.now() + 10_000);
    return p;
  };
  env.process('controller-manager').start(serviceAccountController, 'controller/serviceaccount', undefined);
  await clock.advance(1_000);
  const has = (ns: string) => run(env.client.get('serviceaccounts', 'default', { namespace: ns }).then(() => true, (e: StatusError) => (e.code === 404 ? false : Promise.reject(e))));
  return { clock, api: env.client, run, has };
}

test('serviceaccount - every namespace has a default ServiceAccount, including new ones', async (t) => {
  const c = await cluster(t);
  for (const ns of ['default', 'kube-system', 'kube-public', 'kube-node-lease']) t.true(await c.has(ns), ns);
  await c.run(c.api.create('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team' } }));
  await c.clock.advance(1_000);
  t.true(await c.has('team'));
});

test('serviceaccount - a deleted default ServiceAccount comes back', async (t) => {
  const c = await cluster(t);
  const before = await c.run(c.api.get('serviceaccounts', 'default', { namespace: 'default' }));
  await c.run(c.api.delete('serviceaccounts', 'default', { namespace: 'default' }));
  await c.clock.advance(1_000);
  const after = await c.run(c.api.get('serviceaccounts', 'default', { namespace: 'default' }));
  t.not(after.metadata.uid, before.metadata.uid, 're-created');
});

test('serviceaccount - none is created in a terminating namespace', async (t) => {
  const c = await cluster(t);
  await c.run(c.api.create('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'going' } }));
  await c.clock.advance(1_000);
  await c.run(c.api.delete('namespaces', 'going'));
  await c.run(c.api.delete('serviceaccounts', 'default', { namespace: 'going' }));
  await c.clock.advance(5_000);
  t.false(await c.has('going'));
});
