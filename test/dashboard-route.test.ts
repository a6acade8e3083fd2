// The dashboard's files and its multiplexed watch on an in-process gateway (no browser): caching headers
// (ETag, Last-Modified, immutable vendor URLs, 304), 404 for what is not there (no path escapes), and
// /ui/watch: bad input is a 400 Status saying why, each watch's events come tagged with its stream, a
// watch the gateway refuses comes back as that stream's Status.
import test from 'ava';
import { importMap, uiAsset } from '../actors/gateway/ui-route.ts';
import { startGateway, watchLines } from './helpers/gateway.ts';
import { waitFor } from './helpers/wait.ts';

test('dashboard route - files with ETag/Last-Modified, 304, immutable vendor URLs from the import map, 404s', async (t) => {
  const g = await startGateway(t);
  const moved = await fetch(`${g.url}/ui`, { redirect: 'manual' });
  t.is(moved.status, 301);
  t.is(moved.headers.get('location'), '/ui/');
  const page = await fetch(`${g.url}/ui/`);
  t.is(page.status, 200);
  const html = await page.text();
  const map = importMap();
  t.true(html.includes(`<script type="importmap">${JSON.stringify(map)}</script>`), 'the import map is in the page');
  t.is(page.headers.get('cache-control'), 'no-cache');
  const app = await fetch(`${g.url}/ui/app.js`);
  t.is(app.headers.get('content-type'), 'text/javascript; charset=utf-8');
  const etag = app.headers.get('etag')!;
  t.regex(etag, /^"[\w-]+"$/);
  t.truthy(app.headers.get('last-modified'));
  t.is((await fetch(`${g.url}/ui/app.js`, { headers: { 'If-None-Match': etag } })).status, 304);
  t.is((await fetch(`${g.url}/ui/app.js`, { headers: { 'If-Modified-Since': app.headers.get('last-modified')! } })).status, 304);
  for (const url of Object.values(map.imports)) {
    const r = await fetch(`${g.url}${url}`);
    t.is(r.status, 200, url);
    t.is(r.headers.get('cache-control'), 'public, max-age=31536000, immutable', url);
    await r.arrayBuffer();
  }
  const preact = map.imports.preact;
  for (const path of ['/ui/nope.js', '/ui/%2e%2e/package.json', '/ui/..%2fpackage.json', preact.replace(/@[\d.]+\//, '@0.0.1/'), '/ui/vendor/pino@1/x.js', preact.replace(/[^/]+$/, '../package.json'), '/ui/%zz']) {
    const r = await fetch(`${g.url}${path}`);
    t.is(r.status, 404, path);
    t.is(((await r.json()) as { reason: string }).reason, 'NotFound', path);
  }
  t.is((await fetch(`${g.url}/ui/app.js`, { method: 'POST' })).status, 405);
});

test('dashboard route - a file unchanged on disk is read and hashed once (cached by path, mtime and size)', (t) => {
  for (const path of ['/ui/', '/ui/app.js', ...Object.values(importMap().imports).slice(0, 1)]) {
    const first = uiAsset(path);
    t.truthy(first, path);
    t.is(uiAsset(path), first, `${path}: the same asset, not re-read`);
  }
});

test('dashboard route - /ui/watch: 400 for bad input, events tagged by stream, a refused watch as its Status', async (t) => {
  const g = await startGateway(t);
  for (const [query, why] of [
    ['', /give one or more watch paths/],
    ['?w=/api/v1/pods', /is not a watch path/],
    ['?w=https://example.com/api/v1/pods?watch=1', /is not a watch path/],
    [`?${Array.from({ length: 33 }, () => 'w=/api/v1/pods%3Fwatch%3D1').join('&')}`, /at most 32 watches/],
    // Paths the gateway would normalise to another route (a nested /ui/watch, a feed, any GET route).
    [`?w=${encodeURIComponent('/api/../ui/watch?watch=1&w=/api/v1/pods?watch=1')}`, /is not a watch path/],
    [`?w=${encodeURIComponent('/api/%2e%2e/ui/api/bus?watch=1')}`, /is not a watch path/],
    [`?w=${encodeURIComponent('/api/v1/../../metrics?watch=1')}`, /is not a watch path/],
    [`?w=${encodeURIComponent('/api/v1/..%2f..%2fui/api/bus?watch=1')}`, /is not a watch path/],
    [`?w=${encodeURIComponent('/api\\..\\ui\\api\\bus?watch=1')}`, /is not a watch path/],
    [`?w=${encodeURIComponent('/apis/x/ui/api/bus?watch=1')}`, /is not a watch path/],
    [`?w=${encodeURIComponent('/api/v1/pods?watch=1&watch=0')}`, /is not a watch path/],
  ] as const) {
    const r = await fetch(`${g.url}/ui/watch${query}`);
    t.is(r.status, 400, query);
    const s = (await r.json()) as { reason: string; message: string };
    t.is(s.reason, 'BadRequest');
    t.regex(s.message, why);
  }
  const w = (p: string) => `w=${encodeURIComponent(p)}`;
  const mux = watchLines(t, g.url, `/ui/watch?${w('/api/v1/namespaces/default/configmaps?watch=1')}&${w('/api/v1/nosuchthings?watch=1')}&${w('/api/v1/namespaces?watch=1&fieldSelector=metadata.name%3Ddefault')}`);
  await waitFor(() => mux.lines.some((l) => l.stream === 1 && l.error), 'the refused stream', 10_000);
  t.is(mux.code(), 200);
  t.like(mux.lines.find((l) => l.stream === 1), { error: { kind: 'Status', code: 404, reason: 'NotFound' } });
  await waitFor(() => mux.lines.some((l) => l.stream === 2 && l.event?.type === 'ADDED'), 'the default namespace (synthetic ADDED)', 10_000);
  const made = await g.kubectl(['create', 'configmap', 'dash-cm', '--from-literal=a=b']);
  t.is(made.code, 0, made.stderr);
  const added = await waitFor(() => mux.lines.find((l) => l.stream === 0 && l.event?.object?.metadata?.name === 'dash-cm'), 'the configmap on stream 0', 10_000);
  t.is(added.event.type, 'ADDED');
  t.false(mux.lines.some((l) => l.stream === 2 && l.event?.object?.metadata?.name === 'dash-cm'), 'each stream carries its own watch');
  mux.stop();
  await t.notThrowsAsync(waitFor(async () => (await g.kubectl(['get', 'configmap', 'dash-cm'])).code === 0, 'the gateway still answers', 10_000));
});
