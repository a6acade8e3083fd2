// The machine's image-archive cache: one build per key however many processes ask at once, a lock
// left by a dead process taken over, nothing kept from a failed build, and the preload's archives.
import test from 'ava';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BUSYBOX_BIN, buildBusyboxImage, busyboxImageKey, cachedBusyboxImage } from '../runtime/images/busybox-image.ts';
import { builderSources, cacheKey, cachedArchive, LOCK_STALE_MS } from '../runtime/images/image-cache.ts';

function tmp(t: { teardown(f: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'kubus-image-cache-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('image cache - the key follows every part and every file content', (t) => {
  const dir = tmp(t);
  const f = join(dir, 'f');
  writeFileSync(f, 'one');
  const a = cacheKey(['x', 'y'], [f]);
  t.is(cacheKey(['x', 'y'], [f]), a);
  t.not(cacheKey(['x', 'z'], [f]), a);
  writeFileSync(f, 'two');
  t.not(cacheKey(['x', 'y'], [f]), a);
});

test('image cache - eight callers asking at once: one builds, all get the same whole archive', async (t) => {
  // In one process (the lock is a file, the same for callers in other processes): the build is slow
  // enough (300 ms) for the others to find the lock held.
  const dir = tmp(t);
  let builds = 0;
  const build = async (out: string) => {
    builds++;
    await new Promise((r) => setTimeout(r, 300));
    writeFileSync(out, 'archive bytes');
  };
  const paths = await Promise.all(Array.from({ length: 8 }, () => cachedArchive('thing', 'k1', build, { dir })));
  t.deepEqual([...new Set(paths)], [join(dir, 'thing-k1.tar')]);
  t.is(readFileSync(join(dir, 'thing-k1.tar'), 'utf8'), 'archive bytes');
  t.is(builds, 1, 'built once');
  t.deepEqual(readdirSync(dir), ['thing-k1.tar'], 'no lock or temporary file left');
});

test('image cache - a lock left by a dead process is taken over; a failed build keeps nothing', async (t) => {
  const dir = tmp(t);
  const dead = await new Promise<number>((resolve) => {
    const c = execFile(process.execPath, ['-e', '']);
    c.once('exit', () => resolve(c.pid!));
  });
  writeFileSync(join(dir, 'thing-k2.tar.lock'), String(dead));
  await t.throwsAsync(cachedArchive('thing', 'k2', () => {
    throw new Error('build failed');
  }, { dir }), { message: 'build failed' });
  t.deepEqual(readdirSync(dir), [], 'neither archive, lock nor temporary file');
  writeFileSync(join(dir, 'thing-k2.tar.lock'), String(dead));
  const path = await cachedArchive('thing', 'k2', (out) => writeFileSync(out, 'ok'), { dir });
  t.is(readFileSync(path, 'utf8'), 'ok');
  let called = false;
  t.is(await cachedArchive('thing', 'k2', () => (called = true), { dir }), path);
  t.false(called, 'a cached archive is not built again');
});

test('image cache - the cached busybox archive is the same bytes as a fresh build, under the key of this busybox', async (t) => {
  if (!existsSync(BUSYBOX_BIN)) return t.pass('busybox-static is not installed');
  const cache = tmp(t);
  const saved = process.env.XDG_CACHE_HOME;
  process.env.XDG_CACHE_HOME = cache;
  t.teardown(() => (saved === undefined ? delete process.env.XDG_CACHE_HOME : (process.env.XDG_CACHE_HOME = saved)));
  const path = await cachedBusyboxImage('busybox');
  t.is(path, join(cache, 'kubus', 'images', `busybox-${busyboxImageKey('busybox', ['docker.io/library/busybox:latest', 'docker.io/library/busybox:1.35'])}.tar`));
  const fresh = join(cache, 'fresh.tar');
  buildBusyboxImage(fresh);
  t.true(readFileSync(path).equals(readFileSync(fresh)));
  t.not(busyboxImageKey('pause', ['registry.k8s.io/pause:3.9']), busyboxImageKey('busybox', ['registry.k8s.io/pause:3.9']));
});

test('image cache - the builders\' sources are part of the keys: an edited builder makes a new archive', (t) => {
  const here = builderSources().map((f) => f.replace(/^.*[\\/]runtime[\\/]images[\\/]/, ''));
  t.true(here.includes('oci-archive.ts') && here.includes('busybox-image.ts') && here.includes('image-cache.ts'), here.join(' '));
  const root = tmp(t);
  mkdirSync(join(root, 'runtime', 'images'), { recursive: true });
  writeFileSync(join(root, 'runtime', 'images', 'oci-archive.ts'), 'one');
  const a = cacheKey(['pause'], builderSources(root));
  writeFileSync(join(root, 'runtime', 'images', 'oci-archive.ts'), 'two');
  t.not(cacheKey(['pause'], builderSources(root)), a);
});

test('image cache - two builds of one archive in one process write different temporary files', async (t) => {
  const dir = tmp(t);
  const outs: string[] = [];
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  const holder = cachedArchive('thing', 'k3', async (out) => {
    outs.push(out);
    await held;
    writeFileSync(out, 'holder');
  }, { dir });
  // The lock is ours and alive; with no wait left the second builds aside meanwhile.
  await cachedArchive('thing', 'k3', (out) => {
    outs.push(out);
    writeFileSync(out, 'aside');
  }, { dir, waitMs: 0 });
  release();
  await holder;
  t.is(outs.length, 2);
  t.not(outs[0], outs[1]);
  t.deepEqual(readdirSync(dir), ['thing-k3.tar']);
});

test('image cache - a lock older than LOCK_STALE_MS is taken over though its pid is alive (a reused pid)', async (t) => {
  const dir = tmp(t);
  const lock = join(dir, 'thing-k4.tar.lock');
  writeFileSync(lock, String(process.pid));
  const old = (Date.now() - LOCK_STALE_MS - 60_000) / 1000;
  utimesSync(lock, old, old);
  const path = await cachedArchive('thing', 'k4', (out) => writeFileSync(out, 'ok'), { dir, waitMs: 1000 });
  t.is(readFileSync(path, 'utf8'), 'ok');
  // Taken over: built under the lock, which is then removed (waiting out waitMs would build aside and leave it).
  t.deepEqual(readdirSync(dir), ['thing-k4.tar']);
});
