// Shared informers: one per resource and filter, the unfiltered ones found without a key string.
import test from 'ava';
import type { ApiClient } from '../bus/client.ts';
import { SharedInformers } from '../bus/informer-factory.ts';

/** A client whose lists never answer (the informers here are only handed out, never synced), counting them. */
function idleClient(): { client: ApiClient; lists: string[] } {
  const lists: string[] = [];
  const client = { list: (resource: string) => (lists.push(resource), new Promise(() => {})) } as unknown as ApiClient;
  return { client, lists };
}

test('informer factory - an unfiltered informer is one per resource, however its (empty) filter is spelled', (t) => {
  const { client, lists } = idleClient();
  const f = new SharedInformers(client);
  const pods = f.get('pods');
  t.is(f.get('pods', {}), pods);
  t.is(f.get('pods', { namespace: '', labelSelector: '', fieldSelector: '' }), pods);
  t.is(f.get('pods', { namespace: undefined }), pods);
  t.not(f.get('nodes'), pods as never);
  t.deepEqual(lists, ['pods', 'nodes']);
  f.stopAll();
});

test('informer factory - a filtered informer is its own, and the same for the same filter', (t) => {
  const { client, lists } = idleClient();
  const f = new SharedInformers(client);
  const all = f.get('pods');
  const ns = f.get('pods', { namespace: 'a' });
  t.not(ns, all);
  t.is(f.get('pods', { namespace: 'a' }), ns);
  const sel = f.get('pods', { namespace: 'a', labelSelector: 'x=y' });
  t.not(sel, ns);
  t.not(f.get('pods', { fieldSelector: 'spec.nodeName=n1' }), all);
  t.is(f.get('pods'), all);
  t.is(lists.length, 4);
  f.stopAll();
});

test('informer factory - after stopAll, a resource asked for again gets a new informer', (t) => {
  const { client, lists } = idleClient();
  const f = new SharedInformers(client);
  const first = f.get('pods');
  f.stopAll();
  const second = f.get('pods');
  t.not(second, first);
  t.is(f.get('pods', {}), second);
  t.deepEqual(lists, ['pods', 'pods']);
  f.stopAll();
});
