// EtcdFeed against a scripted etcd that behaves as etcd ≤ 3.4.23 / 3.5.7 do (etcd#15220): a requested
// progress is answered at once, out of band, while a watch from the past still waits for its catch-up.
// A sync (wantsProgress) must not be told the replica has revision N before N's events came. Its count-only
// ranges ignore min_mod_revision, as real etcd's do (etcd#18267); then one case on a real etcd.
import test from 'ava';
import { EventEmitter } from 'node:events';
import type { IRangeRequest, IWatchRequest, IWatchResponse } from 'etcd3';
import { EtcdFeed } from '../actors/apiserver/store/etcd-feed.ts';
import { EtcdMembers } from '../actors/apiserver/store/etcd-members.ts';
import { ETCD_INSTALL_HINT, hasEtcd, startEtcd } from './helpers/etcd.ts';
import { waitFor } from './helpers/wait.ts';

interface Script {
  /** etcd's revision when the watch is created (the header of `created`). */
  createdAt: number;
  /** The catch-up's events (revisions), sent this long after the creation. */
  catchUp?: { revisions: number[]; afterMs: number };
  /** Keys alive in the range at a revision (whatever min_mod_revision says: etcd's count ignores it). */
  count(revision: number): number;
  /** The newest mod revision of the keys alive in the range at a revision (0: none). */
  newestMod(revision: number): number;
}

/** One scripted member: a watch stream answering as etcd 3.4.23 does, count-only ranges, and the newest key by mod revision. */
function scriptedEtcd(script: Script) {
  const timers: NodeJS.Timeout[] = [];
  const stream = Object.assign(new EventEmitter(), {
    write(req: IWatchRequest) {
      const send = (res: Partial<IWatchResponse>) => setImmediate(() => stream.emit('data', res));
      if (req.create_request) {
        send({ created: true, watch_id: '0', header: { revision: String(script.createdAt) } as IWatchResponse['header'] });
        const c = script.catchUp;
        if (c) {
          const events = c.revisions.map((r) => ({ type: 'Put', kv: { key: Buffer.from(`/k${r}`), value: Buffer.from('1'), mod_revision: String(r) } }));
          timers.push(setTimeout(() => send({ watch_id: '0', header: { revision: String(script.createdAt) } as IWatchResponse['header'], events } as Partial<IWatchResponse>), c.afterMs));
        }
      }
      // Out of band: etcd's current revision at once, whatever the watch has been sent.
      if (req.progress_request) send({ watch_id: '-1', header: { revision: String(script.createdAt) } as IWatchResponse['header'] });
    },
    cancel() {},
  });
  const client = {
    watchClient: { watch: async () => stream },
    kv: {
      range: async (r: IRangeRequest) => {
        if (r.count_only) return { count: String(script.count(Number(r.revision))), kvs: [] };
        if (!(r.sort_target === 'Mod' && r.sort_order === 'Descend' && Number(r.limit) === 1)) throw new Error(`scripted etcd: unexpected range ${JSON.stringify(r)}`);
        const mod = script.newestMod(Number(r.revision));
        return { count: String(script.count(Number(r.revision))), kvs: mod ? [{ key: Buffer.from(`/k${mod}`), mod_revision: String(mod) }] : [] };
      },
    },
  };
  const member = { client, endpoint: 'scripted', doubtful: false, ok() {}, failed() {} };
  const members = {
    members: [member],
    pick: () => member,
    call: (fn: (c: typeof client, deadline: number) => Promise<unknown>) => fn(client, Date.now() + 5000),
  } as unknown as EtcdMembers;
  return { members, stop: () => timers.forEach(clearTimeout) };
}

/** A feed following from revision 11 (the replica at 10), with a sync waiting; what it reports, in order. */
function follow(t: import('ava').ExecutionContext, script: Script) {
  const etcd = scriptedEtcd(script);
  let seen = 10;
  const log: string[] = [];
  const feed = new EtcdFeed(etcd.members, { key: Buffer.from('/'), range_end: Buffer.from('0') }, () => seen + 1, () => seen < script.createdAt, {
    onEvents: (res) => {
      for (const e of res.events) seen = Math.max(seen, Number(e.kv.mod_revision));
      log.push(`events to ${seen}`);
    },
    onProgress: (r) => {
      if (r > seen) log.push(`progress ${r}`);
      seen = Math.max(seen, r);
    },
    onCompacted: () => log.push('compacted'),
    onWarn: (m) => t.log(m),
  });
  t.teardown(() => (feed.close(), etcd.stop()));
  feed.start();
  return { log, seen: () => seen };
}

test('a watch from the past: progress answered before its catch-up came (1.5 s late) is not trusted; the events come first', async (t) => {
  // The replica at 10; etcd at 12 when the watch is created: /k12 was put at 12 (alive, modified since 11).
  const f = follow(t, { createdAt: 12, catchUp: { revisions: [12], afterMs: 1500 }, count: (rev) => (rev >= 12 ? 1 : 0), newestMod: (rev) => (rev >= 12 ? 12 : 0) });
  await waitFor(() => f.seen() >= 12, 'the replica at 12', 10_000);
  t.deepEqual(f.log, ['events to 12']);
});

test('a watch from the past with nothing to catch up on: the keys of the range prove it, progress is trusted without waiting', async (t) => {
  // Revisions 11 and 12 were writes outside the range: the same 3 keys alive, the newest modified at 5.
  const started = Date.now();
  const f = follow(t, { createdAt: 12, count: () => 3, newestMod: () => 5 });
  await waitFor(() => f.seen() >= 12, 'the replica at 12', 10_000);
  t.deepEqual(f.log, ['progress 12']);
  t.log(`progress trusted after ${Date.now() - started} ms`);
});

test('a watch from the past whose window had only a delete: counts differ, progress waits for the event', async (t) => {
  // A key alive at 10 was deleted at 12: 4 keys then, 3 now, none modified since 11.
  const f = follow(t, { createdAt: 12, catchUp: { revisions: [12], afterMs: 1200 }, count: (rev) => (rev >= 12 ? 3 : 4), newestMod: () => 5 });
  await waitFor(() => f.seen() >= 12, 'the replica at 12', 10_000);
  t.deepEqual(f.log, ['events to 12']);
});

const etcdTest = hasEtcd() ? test : test.skip;
if (!hasEtcd()) console.warn(ETCD_INSTALL_HINT);

etcdTest('real etcd: a watch from the past on /a/ while writes went only to /b/: progress is proven within seconds (count ignores min_mod_revision, etcd#18267)', async (t) => {
  const etcd = await startEtcd(t);
  const revision = () => Number((JSON.parse(etcd.etcdctl('get', '/x', '-w', 'json')) as { header: { revision: number } }).header.revision);
  etcd.etcdctl('put', '/a/1', '1');
  etcd.etcdctl('put', '/a/2', '2');
  etcd.etcdctl('del', '/a/2');
  let seen = revision();
  for (let i = 0; i < 3; i++) etcd.etcdctl('put', `/b/${i}`, '1');
  const target = revision();
  const members = new EtcdMembers(etcd.endpoints);
  t.teardown(() => members.close());
  const events: number[] = [];
  const feed = new EtcdFeed(members, { key: Buffer.from('/a/'), range_end: Buffer.from('/a0') }, () => seen + 1, () => seen < target, {
    onEvents: (res) => events.push(...res.events.map((e) => Number(e.kv.mod_revision))),
    onProgress: (r) => (seen = Math.max(seen, r)),
    onCompacted: () => t.fail('compacted'),
    onWarn: (m) => t.log(m),
  });
  t.teardown(() => feed.close());
  const started = Date.now();
  feed.start();
  // etcd's own progress_notify would come only after 10 minutes.
  await waitFor(() => seen >= target, `the replica at ${target}`, 5000);
  t.log(`progress to ${target} proven after ${Date.now() - started} ms`);
  t.deepEqual(events, []);
});
