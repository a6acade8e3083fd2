// The web dashboard's static files at /ui: the page and its modules from the top-level ui/ folder, and
// the front-end libraries straight from node_modules under versioned URLs (/ui/vendor/<pkg>@<version>/...),
// bound to their bare names by an import map written into index.html: no build step, no CDN, works offline.
// The files are public (they hold no data); the page sends the user's bearer token on each API call, and
// /ui/api/... is not served here (the dashboard's data feeds, authenticated as any API request).
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { dirname, extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serveUiWatch, type Inner } from './ui-watch.ts';

const HERE = dirname(fileURLToPath(import.meta.url));
// From source (actors/gateway/) or from the CLI's bundle (.cache/): the repository root holds ui/index.html.
const ROOT = [join(HERE, '..', '..'), join(HERE, '..')].find((d) => existsSync(join(d, 'ui', 'index.html'))) ?? join(HERE, '..', '..');
/** Where the dashboard's own files live. */
export const UI_DIR = join(ROOT, 'ui');
const MODULES = join(ROOT, 'node_modules');

/** The front-end packages the page may load, and the import-map entries each gives: bare name → file in the package. */
export const VENDOR: Record<string, Record<string, string>> = {
  preact: { preact: 'dist/preact.module.js', 'preact/hooks': 'hooks/dist/hooks.module.js' },
  htm: { htm: 'dist/htm.module.js', 'htm/preact': 'preact/index.module.js' },
  yaml: { yaml: 'browser/dist/index.js' },
  mermaid: { mermaid: 'dist/mermaid.esm.min.mjs' },
};

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
  '.map': 'application/json',
  '.woff2': 'font/woff2',
};

/** True for the paths this module serves: /ui and everything under it but /ui/api/. */
export const isUiPath = (path: string) => path === '/ui' || (path.startsWith('/ui/') && !path.startsWith('/ui/api/'));

/** Returns a package's installed version (the cache key of its URLs). */
const versions = new Map<string, string>();
function versionOf(pkg: string): string {
  let v = versions.get(pkg);
  if (!v) versions.set(pkg, (v = (JSON.parse(readFileSync(join(MODULES, pkg, 'package.json'), 'utf8')) as { version: string }).version));
  return v;
}

/** Returns the import map that binds the vendor packages' bare names to their versioned URLs. */
export function importMap(): { imports: Record<string, string> } {
  const imports: Record<string, string> = {};
  for (const [pkg, entries] of Object.entries(VENDOR))
    for (const [name, file] of Object.entries(entries)) imports[name] = `/ui/vendor/${pkg}@${versionOf(pkg)}/${file}`;
  return { imports };
}

interface Asset {
  body: Buffer;
  type: string;
  etag: string;
  modified: Date;
  /** Versioned URLs never change; the page's own files are revalidated on each load. */
  immutable: boolean;
}

/** Returns `file` if it lies under `dir` and is a readable file, else undefined (no `..` escapes). */
function fileUnder(dir: string, rel: string): string | undefined {
  const file = normalize(join(dir, rel));
  if (!file.startsWith(dir + sep)) return undefined;
  try {
    return statSync(file).isFile() ? file : undefined;
  } catch {
    return undefined;
  }
}

/** Assets read, by file: re-read only when the file's mtime or size (or the import map, for index.html) changes. */
const assets = new Map<string, { stamp: string; asset: Asset }>();
/** Bytes of cached bodies at most (mermaid's chunks are large): past it the cache starts over. */
const MAX_CACHED_BYTES = 128 * 1024 * 1024;
let cachedBytes = 0;

/** Returns `file` as an asset (`render` turns its bytes into the body), from the cache while the file is unchanged. */
function assetOf(file: string, immutable: boolean, render?: (bytes: Buffer) => Buffer, extra = ''): Asset {
  const st = statSync(file);
  const stamp = `${st.mtimeMs}|${st.size}|${immutable}|${extra}`;
  const hit = assets.get(file);
  if (hit?.stamp === stamp) return hit.asset;
  const raw = readFileSync(file);
  const body = render ? render(raw) : raw;
  const asset: Asset = { body, type: TYPES[extname(file)] ?? 'application/octet-stream', etag: `"${createHash('sha1').update(body).digest('base64url').slice(0, 22)}"`, modified: st.mtime, immutable };
  if (hit) cachedBytes -= hit.asset.body.length;
  if (cachedBytes + body.length > MAX_CACHED_BYTES) {
    assets.clear();
    cachedBytes = 0;
  }
  assets.set(file, { stamp, asset });
  cachedBytes += body.length;
  return asset;
}

/** Returns the asset a /ui path names, or undefined (not found). */
export function uiAsset(path: string): Asset | undefined {
  if (path === '/ui/' || path === '/ui/index.html') {
    const file = join(UI_DIR, 'index.html');
    const map = `<script type="importmap">${JSON.stringify(importMap())}</script>`;
    return assetOf(file, false, (bytes) => Buffer.from(bytes.toString('utf8').replace('<!-- importmap -->', map)), map);
  }
  const vendor = /^\/ui\/vendor\/((?:@[^/@]+\/)?[^/@]+)@([^/]+)\/(.+)$/.exec(path);
  if (vendor) {
    const [, pkg, version, rel] = vendor;
    if (!VENDOR[pkg] || version !== versionOf(pkg) || !/\.(m?js|css|map)$/.test(rel)) return undefined;
    const file = fileUnder(join(MODULES, pkg), rel);
    return file ? assetOf(file, true) : undefined;
  }
  const rel = decodeURIComponent(path.slice('/ui/'.length));
  const file = rel.startsWith('vendor/') ? undefined : fileUnder(UI_DIR, rel);
  return file ? assetOf(file, false) : undefined;
}

const notFound = (res: ServerResponse, path: string) => {
  const status = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', reason: 'NotFound', code: 404, message: `the dashboard has no file ${path}: open /ui/` };
  res.writeHead(404, { 'Content-Type': 'application/json' }).end(JSON.stringify(status));
};

/** Serves a /ui path: 301 from /ui to /ui/, /ui/watch (ui-watch.ts, each watch through `inner`), the file with ETag, Last-Modified and Cache-Control (304 when unchanged), else 404. */
export function serveUi(req: IncomingMessage, res: ServerResponse, url: URL, inner: Inner): void {
  const path = url.pathname;
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain' }).end('the dashboard is read with GET\n');
    return;
  }
  if (path === '/ui/watch') return serveUiWatch(req, res, url.searchParams, inner);
  if (path === '/ui') {
    res.writeHead(301, { Location: '/ui/' }).end();
    return;
  }
  let asset: Asset | undefined;
  try {
    asset = uiAsset(path);
  } catch {
    asset = undefined; // a malformed escape (`%zz`) names no file
  }
  if (!asset) return notFound(res, path);
  const headers = {
    'Content-Type': asset.type,
    ETag: asset.etag,
    'Last-Modified': asset.modified.toUTCString(),
    'Cache-Control': asset.immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
    'X-Content-Type-Options': 'nosniff',
  };
  const since = req.headers['if-modified-since'];
  const fresh = req.headers['if-none-match'] ? req.headers['if-none-match'] === asset.etag : since !== undefined && Date.parse(since) >= Math.floor(asset.modified.getTime() / 1000) * 1000;
  if (fresh) {
    res.writeHead(304, headers).end();
    return;
  }
  res.writeHead(200, { ...headers, 'Content-Length': asset.body.length });
  res.end(req.method === 'HEAD' ? undefined : asset.body);
}
