// FileStore durability: reopen, kill -9, torn and corrupt logs, snapshots, the lock file, group commit.
import test from 'ava';
import type { ExecutionContext } from 'ava';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { appendFile, chmod, mkdir, readdir, readFile, stat, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { CompactedError } from '../actors/apiserver/store/store.ts';
import { FileStore } from '../actors/apiserver/store/file-store.ts';
import type { FileStoreOptions } from '../actors/apiserver/store/file-store.ts';
import { StoreClosedError, StoreCorruptError, StoreLockedError } from '../actors/apiserver/store/errors.ts';
import { scan } from '../actors/apiserver/store/wal.ts';
import { GroupCommit } from '../actors/apiserver/store/group-commit.ts';
import { collect, tempDir } from './fixtures/store-helpers.ts';

const WRITER = fileURLToPath(new URL('./fixtures/store-writer.ts', import.meta.url));

/** Opens dir (closed at teardown) with warnings collected. */
async function open(t: ExecutionContext, dir: string, opts: FileStoreOptions = {}) {
  const warnings: string[] = [];
  const store = await FileStore.open(dir, { onWarn: (m) => warnings.push(m), ...opts });
  t.teardown(() => store.close());
  return { store, warnings };
}

/** Writes keys /k/0 ... /k/(n-1), one record each. */
async function fill(store: FileStore, n: number, from = 0) {
  for (let i = from; i < from + n; i++) await store.txn({ op: 'create', key: `/k/${i}`, value: { i } });
}

/** Returns the path of the only log segment in dir and its record offsets. */
async function segment(dir: string) {
  const names = (await readdir(dir)).filter((n) => n.endsWith('.log'));
  if (names.length !== 1) throw new Error(`expected one segment, found ${names.join(', ')}`);
  const path = join(dir, names[0]);
  const buf = await readFile(path);
  return { path, size: buf.length, offsets: scan(buf).offsets };
}

test('store - reopen keeps keys, versions and history, and revisions continue', async (t) => {
  const dir = await tempDir(t);
  const a = await FileStore.open(dir);
  await fill(a, 3);
  await a.txn({ op: 'update', key: '/k/1', value: { i: 'one' } });
  await a.txn({ op: 'delete', key: '/k/2' });
  await a.close();
  const { store: b, warnings } = await open(t, dir);
  t.deepEqual(warnings, []);
  t.is(b.revision, 5);
  t.is(b.compactedRevision, 0);
  t.deepEqual(b.get('/k/1'), { key: '/k/1', value: { i: 'one' }, createRevision: 2, modRevision: 4, version: 2 });
  t.is(b.get('/k/2'), undefined);
  t.deepEqual(b.range('/k/', { revision: 3 }).kvs.map((kv) => kv.key), ['/k/0', '/k/1', '/k/2']);
  const w = collect(b, '/k/', 0);
  t.like(await b.txn({ op: 'create', key: '/k/2', value: {} }), { revision: 6, kv: { version: 1, createRevision: 6 } });
  t.deepEqual((await w.until(6)).map((e) => `${e.type}@${e.revision}`), ['put@1', 'put@2', 'put@3', 'put@4', 'delete@5', 'put@6']);
});

test('store - kill -9 mid-flight loses no acknowledged write, twice over', async (t) => {
  const dir = await tempDir(t);
  for (const round of ['a', 'b']) {
    const child = spawn(process.execPath, ['--import', 'tsx', WRITER, dir, '64', round], { stdio: ['ignore', 'pipe', 'pipe'] });
    t.teardown(() => void child.kill('SIGKILL'));
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const acks = new Map<string, { create?: number; update?: number }>();
    let ready = -1;
    const enough = new Promise<void>((resolve, reject) => {
      child.on('exit', (code) => reject(new Error(`writer exited early (${code}): ${stderr}`)));
      createInterface({ input: child.stdout }).on('line', (line) => {
        const [kind, key, rev] = line.split(' ');
        if (kind === 'ready') ready = Number(rev);
        else if (kind === 'create' || kind === 'update') {
          acks.set(key, { ...acks.get(key), [kind]: Number(rev) });
          if (acks.size === 3000) resolve();
        }
      });
    });
    await enough;
    const locked = await t.throwsAsync(FileStore.open(dir), { instanceOf: StoreLockedError });
    t.is(locked?.pid, child.pid ?? -1);
    child.kill('SIGKILL');
    await once(child, 'close'); // every line the child wrote has been read
    t.is(child.signalCode, 'SIGKILL');

    const { store, warnings } = await open(t, dir);
    t.true(warnings.every((w) => /stale lock|torn|leftover/.test(w)), warnings.join('\n'));
    let top = 0;
    for (const [key, ack] of acks) {
      const kv = store.get(key);
      if (!kv) return t.fail(`acknowledged ${key} is missing`);
      if (ack.update !== undefined) t.true(kv.modRevision === ack.update && kv.version === 2, key);
      else t.true(kv.modRevision === ack.create || (kv.version === 2 && kv.modRevision > ack.create!), key);
      t.deepEqual((kv.value as { key: string }).key, key);
      top = Math.max(top, ack.update ?? ack.create!);
    }
    t.true(store.revision >= top);
    t.true(ready <= top, 'the round started from the recovered revision');
    const next = store.revision + 1;
    t.like(await store.txn({ op: 'create', key: `/after/${round}`, value: {} }), { ok: true, revision: next });
    await store.close();
  }
});

test('store - a torn tail record is truncated with a warning and writes go on', async (t) => {
  const dir = await tempDir(t);
  const a = await FileStore.open(dir);
  await fill(a, 50);
  await a.close();
  const seg = await segment(dir);
  await truncate(seg.path, seg.size - 3);
  const { store, warnings } = await open(t, dir);
  t.is(store.revision, 49);
  t.is(store.get('/k/49'), undefined);
  t.is(warnings.length, 1);
  t.regex(warnings[0], /torn record at offset \d+.*truncating/);
  t.is((await segment(dir)).size, seg.offsets[49]);
  t.like(await store.txn({ op: 'create', key: '/k/49', value: {} }), { revision: 50 });
  await store.close();
  const { store: again, warnings: none } = await open(t, dir);
  t.deepEqual([again.revision, none], [50, []]);
});

test('store - garbage after the last record is dropped with a warning', async (t) => {
  const dir = await tempDir(t);
  const a = await FileStore.open(dir);
  await fill(a, 20);
  await a.close();
  const seg = await segment(dir);
  await appendFile(seg.path, Buffer.from([0x13, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7]));
  const { store, warnings } = await open(t, dir);
  t.is(store.revision, 20);
  t.is(warnings.length, 1);
  t.is((await segment(dir)).size, seg.size);
});

test('store - a corrupt checksum mid-log stops recovery at that record', async (t) => {
  const dir = await tempDir(t);
  const a = await FileStore.open(dir);
  await fill(a, 40);
  await a.close();
  const seg = await segment(dir);
  const buf = await readFile(seg.path);
  buf[seg.offsets[25] + 12] ^= 0xff; // a payload byte of the record of revision 26
  await writeFile(seg.path, buf);
  const { store, warnings } = await open(t, dir);
  t.is(store.revision, 25);
  t.deepEqual(store.range('/k/').kvs.length, 25);
  t.regex(warnings.join('\n'), /checksum mismatch in record at offset \d+/);
});

test('store - snapshot plus log replay restores the state; covered segments are deleted', async (t) => {
  const dir = await tempDir(t);
  const a = await FileStore.open(dir, { snapshotEveryRecords: 1_000_000 });
  await fill(a, 60);
  await a.txn({ op: 'delete', key: '/k/3' });
  t.is(await a.snapshot(), 61);
  await fill(a, 10, 100);
  await a.txn({ op: 'update', key: '/k/5', value: { i: 'five' } });
  const before = a.range('');
  await a.close();
  const files = (await readdir(dir)).sort();
  t.deepEqual(files, ['snap-0000000000000061.snap', 'wal-0000000000000062.log']);
  const { store, warnings } = await open(t, dir);
  t.deepEqual(warnings, []);
  t.deepEqual(store.range(''), before);
  t.is(store.compactedRevision, 61);
  const w = collect(store, '/k/', 61);
  t.deepEqual((await w.until(11)).map((e) => e.revision), [62, 63, 64, 65, 66, 67, 68, 69, 70, 71, 72]);
  t.throws(() => store.watch('/k/', 60, () => {}), { instanceOf: CompactedError });
});

test('store - the data dir is owner-only (0700) and its files 0600; an older store dir is made 0700 on open', async (t) => {
  const dir = join(await tempDir(t), 'data');
  const a = await FileStore.open(dir, { snapshotEveryRecords: 1_000_000 });
  await fill(a, 3);
  await a.snapshot();
  await a.txn({ op: 'create', key: '/k/x', value: {} });
  const mode = async (p: string) => (await stat(p)).mode & 0o777;
  t.is(await mode(dir), 0o700);
  const files = await readdir(dir);
  t.true(files.some((f) => f.endsWith('.snap')) && files.some((f) => f.endsWith('.log')) && files.includes('LOCK'));
  for (const f of files) t.is(await mode(join(dir, f)), 0o600, f);
  await a.close();
  await chmod(dir, 0o755);
  await open(t, dir);
  t.is(await mode(dir), 0o700);
  const other = join(dir, '..', 'not-a-store');
  await mkdir(other, { mode: 0o755 });
  await chmod(other, 0o755);
  await open(t, other);
  t.is(await mode(other), 0o755, 'a directory without a store in it is left as it was');
});

test('store - automatic snapshots keep the log short', async (t) => {
  const dir = await tempDir(t);
  const { store } = await open(t, dir, { snapshotEveryRecords: 100 });
  await Promise.all(Array.from({ length: 10 }, (_, w) => fill(store, 100, w * 1000)));
  await store.close();
  t.true(store.stats.snapshots >= 5, `only ${store.stats.snapshots} snapshots`);
  const files = await readdir(dir);
  t.is(files.filter((f) => f.endsWith('.snap')).length, 1);
  t.true(files.filter((f) => f.endsWith('.log')).length <= 2);
  const { store: again } = await open(t, dir);
  t.deepEqual([again.revision, again.range('/k/').kvs.length], [1000, 1000]);
});

test('store - compaction is logged and survives reopen', async (t) => {
  const dir = await tempDir(t);
  const a = await FileStore.open(dir);
  await fill(a, 10);
  a.compact(7);
  await a.close();
  const { store } = await open(t, dir);
  t.is(store.compactedRevision, 7);
  t.throws(() => store.range('/k/', { revision: 6 }), { instanceOf: CompactedError });
  t.is(store.range('/k/', { revision: 7 }).kvs.length, 7);
});

test('store - a second open of a locked data dir fails naming the pid', async (t) => {
  const dir = await tempDir(t);
  await open(t, dir);
  const err = await t.throwsAsync(FileStore.open(dir), { instanceOf: StoreLockedError });
  t.is(err?.pid, process.pid);
  t.regex(err?.message ?? '', new RegExp(`locked by pid ${process.pid}`));
});

test('store - a stale lock left by a dead process is taken over', async (t) => {
  const dir = await tempDir(t);
  const child = spawn(process.execPath, ['-e', '']);
  await once(child, 'exit');
  await writeFile(join(dir, 'LOCK'), `${child.pid}\n`);
  const { warnings } = await open(t, dir);
  t.regex(warnings.join('\n'), new RegExp(`stale lock .* pid ${child.pid}`));
});

test('store - an invalid snapshot whose log is gone refuses to open', async (t) => {
  const dir = await tempDir(t);
  const a = await FileStore.open(dir);
  await fill(a, 30);
  await a.snapshot();
  await fill(a, 5, 100);
  await a.close();
  const snap = join(dir, 'snap-0000000000000030.snap');
  await truncate(snap, 100);
  const err = await t.throwsAsync(FileStore.open(dir, { onWarn: () => {} }), { instanceOf: StoreCorruptError });
  t.regex(err?.message ?? '', /data is missing/);
  const lockGone = !(await readdir(dir)).includes('LOCK');
  t.true(lockGone, 'a failed open releases the lock');
});

test('store - group commit batches concurrent writes into few fsyncs', async (t) => {
  const { store } = await open(t, await tempDir(t));
  await Promise.all(Array.from({ length: 256 }, (_, i) => store.txn({ op: 'create', key: `/g/${i}`, value: { i } })));
  t.is(store.stats.records, 256);
  t.true(store.stats.syncs <= 4, `${store.stats.syncs} fsyncs for 256 writes`);
});

test('store - watchers hear a write only after it is fsynced', async (t) => {
  const { store } = await open(t, await tempDir(t));
  const seen: boolean[] = [];
  store.watch('/', 0, (ev) => seen.push(store.stats.records >= ev.revision));
  const w = collect(store, '/', 0);
  await Promise.all(Array.from({ length: 50 }, (_, i) => store.txn({ op: 'create', key: `/w/${i}`, value: i })));
  await w.until(50);
  t.is(seen.length, 50);
  t.true(seen.every(Boolean));
});

test('store - writes after close are rejected', async (t) => {
  const dir = await tempDir(t);
  const a = await FileStore.open(dir);
  const pending = a.txn({ op: 'create', key: '/a', value: 1 });
  await a.close();
  t.like(await pending, { ok: true, revision: 1 });
  await t.throwsAsync(a.txn({ op: 'create', key: '/b', value: 1 }), { instanceOf: StoreClosedError });
});

test('store - group commit orders barriers between batches and fails every waiter on a write error', async (t) => {
  const log: string[] = [];
  let fail = false;
  const gc = new GroupCommit({
    write: async (frames, n) => {
      if (fail) throw new Error('disk gone');
      log.push(`write ${n}`);
    },
    durable: (rev) => log.push(`durable ${rev}`),
  });
  const p = new TextEncoder().encode('x');
  const first = [gc.add(p, 1), gc.add(p, 2)];
  const barrier = gc.barrier(async () => void log.push('barrier'));
  const later = gc.add(p, 3);
  await Promise.all([...first, barrier, later]);
  t.deepEqual(log, ['write 2', 'durable 2', 'barrier', 'write 1', 'durable 3']);
  fail = true;
  const doomed = [gc.add(p, 4), gc.add(p, 5)];
  for (const d of doomed) await t.throwsAsync(d, { message: 'disk gone' });
  await t.throwsAsync(gc.add(p, 6), { message: 'disk gone' });
});
