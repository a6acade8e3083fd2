// Bad input over HTTP: every answer is a success or a Status with upstream's code (never a 500,
// never a hang), a failing request changes nothing stored, and the gateway keeps serving.
import test from 'ava';
import fc from 'fast-check';
import { request } from 'node:http';
import type { KubeObject } from '../api/meta.ts';
import { MAX_BODY_DEPTH } from '../actors/gateway/limits.ts';
import { pod } from './helpers/api.ts';
import { startGateway, type GatewayEnv } from './helpers/gateway.ts';

/**
 * The codes bad input may get; as upstream, also 403 (the built-in namespaces may not be deleted)
 * and 504 (a list at a resourceVersion the store has not reached: "Too large resource version").
 */
const FAILURE_CODES = new Set([400, 403, 404, 405, 406, 409, 410, 413, 415, 422, 504]);
const DEADLINE_MS = 5_000;

interface Answer {
  code: number;
  type: string | null;
  text: string;
}

/** Sends one request with a deadline; a 200 stream (a watch) is cut once its headers came. */
async function send(g: GatewayEnv, method: string, path: string, type: string, body: Uint8Array | undefined, accept = ''): Promise<Answer> {
  if (process.env.FUZZ_TRACE) console.error('REQ', method, path, type, body ? new TextDecoder().decode(body).slice(0, 150) : '');
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(new Error(`no answer in ${DEADLINE_MS} ms: ${method} ${path}`)), DEADLINE_MS);
  try {
    const headers = { ...(type ? { 'Content-Type': type } : {}), ...(accept ? { Accept: accept } : {}) };
    const r = await fetch(g.url + path, { method, body, headers, signal: ac.signal });
    if (r.status === 200 && r.headers.get('transfer-encoding') === 'chunked') {
      await r.body?.cancel();
      return { code: r.status, type: r.headers.get('content-type'), text: '' };
    }
    return { code: r.status, type: r.headers.get('content-type'), text: await r.text() };
  } finally {
    clearTimeout(timer);
  }
}

/** Returns why an answer is wrong, or undefined when it is a success or a proper Status. */
function problem(a: Answer): string | undefined {
  if (a.code < 400) return undefined;
  if (!FAILURE_CODES.has(a.code)) return `code ${a.code}: ${a.text.slice(0, 300)}`;
  let s: { kind?: string; status?: string; code?: number; reason?: string; message?: string };
  try {
    s = JSON.parse(a.text);
  } catch {
    return `code ${a.code} with a body that is not JSON: ${a.text.slice(0, 200)}`;
  }
  if (s.kind !== 'Status' || s.status !== 'Failure' || s.code !== a.code || !s.reason || !s.message) return `not a Status for ${a.code}: ${a.text.slice(0, 300)}`;
  return undefined;
}

async function seed(g: GatewayEnv): Promise<void> {
  await g.client.create('pods', pod('p'));
  await g.client.create('configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'default' }, data: { a: '1' } } as KubeObject);
  await g.client.create('deployments', {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd', namespace: 'default' },
    spec: { replicas: 1, selector: { matchLabels: { app: 'd' } }, template: { metadata: { labels: { app: 'd' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } },
  } as KubeObject);
}

async function stillServing(t: import('ava').ExecutionContext, g: GatewayEnv): Promise<void> {
  t.is((await send(g, 'GET', '/healthz', '', undefined)).code, 200);
  const list = await send(g, 'GET', '/api/v1/namespaces/default/configmaps', '', undefined);
  t.is(list.code, 200);
  t.is(JSON.parse(list.text).kind, 'ConfigMapList');
}

/** Deep bodies are named in the arbitrary (so a counterexample stays readable) and built here. */
const DEEP: Record<string, () => string> = {
  DEEP_ARRAY: () => '['.repeat(20_000) + ']'.repeat(20_000),
  DEEP_OBJECT: () => '{"a":'.repeat(5_000) + '1' + '}'.repeat(5_000),
  DEEP_OBJECT_AT_LIMIT: () => '{"metadata":{"labels":' + '{"a":'.repeat(MAX_BODY_DEPTH - 3) + '1' + '}'.repeat(MAX_BODY_DEPTH - 3) + '}}',
};
const bytes = (s: string) => new TextEncoder().encode(DEEP[s]?.() ?? s);

const segment = fc.constantFrom('api', 'apis', 'v1', 'apps', 'batch', 'namespaces', 'default', 'nope', 'pods', 'configmaps', 'deployments', 'nodes', 'p', 'c', 'd', 'status', 'scale', 'binding', 'log', '%zz', '..', '%2F', 'x.y', '');
const prefix = fc.constantFrom('/', '/api/v1/', '/api/v1/namespaces/default/', '/apis/apps/v1/namespaces/default/', '/apis/apps/v1/');
const known = fc.constantFrom(
  '/api/v1/namespaces/default/pods', '/api/v1/namespaces/default/pods/p', '/api/v1/namespaces/default/pods/p/status', '/api/v1/namespaces/default/pods/p/binding',
  '/api/v1/namespaces/default/configmaps', '/api/v1/namespaces/default/configmaps/c', '/api/v1/namespaces/nope/configmaps', '/api/v1/pods',
  '/apis/apps/v1/namespaces/default/deployments', '/apis/apps/v1/namespaces/default/deployments/d', '/apis/apps/v1/namespaces/default/deployments/d/scale',
  '/apis/apps/v1/namespaces/default/deployments/d/status', '/api/v1/nodes', '/api/v1/namespaces', '/api/v1/namespaces/default', '/api/v1/namespaces/default/status',
);
// Mostly paths that name something, so the fuzz reaches the verbs and the store.
const path = fc.oneof(
  { weight: 3, arbitrary: known },
  { weight: 1, arbitrary: fc.tuple(prefix, fc.array(segment, { maxLength: 5 })).map(([p, s]) => p + s.join('/')) },
);
const queryPart = fc.constantFrom(
  'dryRun=All', 'dryRun=Some', 'watch=true', 'watch=1&timeoutSeconds=1', 'resourceVersion=abc', 'resourceVersion=1', 'resourceVersion=999999999',
  'timeoutSeconds=abc', 'limit=-1', 'limit=abc', 'limit=1', 'continue=garbage', 'labelSelector=a%20in%20(x', 'labelSelector=!!', 'fieldSelector=nope',
  'gracePeriodSeconds=abc', 'gracePeriodSeconds=-1', 'propagationPolicy=Sideways', 'orphanDependents=maybe', 'sendInitialEvents=true', 'fieldManager=x',
);
const query = fc.array(queryPart, { maxLength: 3 }).map((q) => (q.length ? `?${q.join('&')}` : ''));
const contentType = fc.constantFrom(
  'application/json', 'application/yaml', 'application/merge-patch+json', 'application/strategic-merge-patch+json', 'application/json-patch+json',
  'application/vnd.kubernetes.protobuf', 'text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=utf-8', '',
);
const obj = (kind: string, apiVersion: string, name: string, extra: object) => JSON.stringify({ apiVersion, kind, metadata: { name }, ...extra });
const body = fc.oneof(
  fc.constantFrom(
    obj('Pod', 'v1', 'p', { spec: { containers: [{ name: 'c', image: 'busybox' }] } }),
    obj('Pod', 'v1', 'p', { spec: { containers: [] } }),
    obj('ConfigMap', 'v1', 'c', { data: { a: 2 } }),
    obj('ConfigMap', 'v1', 'c', { data: { a: '2' }, metadata: { name: 'c', resourceVersion: '1' } }),
    obj('Deployment', 'apps/v1', 'd', { spec: { replicas: -1 } }),
    obj('Scale', 'autoscaling/v1', 'd', { spec: { replicas: 'many' } }),
    '[{"op":"test","path":"/data/a","value":"no"}]',
    '[{"op":"remove","path":"/nope/deeper"}]',
    '[{"op":"bogus","path":"/x"}]',
    '{"spec":{"containers":[{"$patch":"bogus"}]}}',
    '{"metadata":{"name":"other"}}',
    '{"metadata":"x"}',
    '{"apiVersion":"v1","kind":"DeleteOptions","propagationPolicy":"Sideways"}',
    '{"apiVersion":"v1","kind":"DeleteOptions","gracePeriodSeconds":"x","preconditions":"y"}',
    '{"kind":', 'null', '[]', '"x"', '42', 'a: [b', ': :', '\u0000\u0001', '',
    'DEEP_ARRAY', 'DEEP_OBJECT', 'DEEP_OBJECT_AT_LIMIT',
  ),
  fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
  fc.string({ maxLength: 200 }),
);
const method = fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS');
const accept = fc.constantFrom(
  '', 'application/json', '*/*', 'application/json;as=Table;v=v1;g=meta.k8s.io', 'application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io',
  'application/json;as=Nope;v=v9;g=x', 'application/vnd.kubernetes.protobuf', 'application/yaml', 'text/html',
);

test('gateway fuzz - random methods, paths, content types and bodies: Status or success, nothing written on failure', async (t) => {
  const g = await startGateway(t);
  await seed(g);
  const seen = new Set<number>();
  await fc.assert(
    fc.asyncProperty(method, path, query, contentType, body, accept, async (m, p, q, type, text, acc) => {
      const before = g.store.revision;
      const a = await send(g, m, p + q, type, m === 'GET' ? undefined : bytes(text), acc);
      seen.add(a.code);
      const why = problem(a);
      if (why) throw new Error(`${m} ${p + q} (${type}, Accept ${acc}): ${why}`);
      if (a.code >= 400 && g.store.revision !== before) throw new Error(`${m} ${p + q} failed with ${a.code} but wrote (revision ${before} → ${g.store.revision})`);
    }),
    { numRuns: 800, seed: Number(process.env.FUZZ_SEED ?? 8), includeErrorInReport: true },
  );
  t.log('codes seen:', [...seen].sort().join(' '));
  t.true([...seen].some((c) => c >= 400), 'the fuzz reached failures');
  t.true([...seen].some((c) => c < 300), 'and successes');
  await stillServing(t, g);
});

test('gateway - the bad inputs of the issue: upstream code and Status, nothing stored changed, still serving', async (t) => {
  const g = await startGateway(t);
  await seed(g);
  const cases: Array<[string, string, string, string, number[]]> = [
    ['malformed body', 'POST', '/api/v1/namespaces/default/configmaps', '{"kind":', [400]],
    ['wrong content type', 'POST', '/api/v1/namespaces/default/configmaps', 'text/plain', [415]],
    ['protobuf body', 'PUT', '/api/v1/namespaces/default/configmaps/c', 'application/vnd.kubernetes.protobuf', [415]],
    ['patch that does not apply', 'PATCH', '/api/v1/namespaces/default/configmaps/c', '[{"op":"test","path":"/data/a","value":"no"}]', [422]],
    ['patch of a missing path', 'PATCH', '/api/v1/namespaces/default/configmaps/c', '[{"op":"remove","path":"/nope/deeper"}]', [400, 422]],
    ['unknown resource', 'GET', '/api/v1/namespaces/default/widgets', '', [404]],
    ['a path starting with //', 'GET', '//%2F', '', [404]],
    ['a malformed escape in the path', 'GET', '/api/v1/namespaces/%zz/pods', '', [400]],
    ['watch from a malformed resourceVersion', 'GET', '/api/v1/namespaces/default/pods?watch=true&resourceVersion=abc', '', [400]],
  ];
  for (const [what, m, p, bodyOrType, codes] of cases) {
    const before = g.store.revision;
    const isType = bodyOrType.includes('/') && !bodyOrType.startsWith('[');
    const type = isType ? bodyOrType : m === 'PATCH' ? 'application/json-patch+json' : 'application/json';
    const a = await send(g, m, p, type, m === 'GET' ? undefined : bytes(isType ? '{}' : bodyOrType));
    t.true(codes.includes(a.code), `${what}: ${a.code} ${a.text}`);
    t.is(problem(a), undefined, what);
    t.is(g.store.revision, before, `${what}: nothing written`);
  }
  // Nesting and aliases: refused before they reach the parser (a deep flow YAML could abort the process) or anything recursive.
  let bomb = 'a0: &a0 ["x","x","x","x","x","x","x","x","x","x"]\n';
  for (let i = 1; i < 10; i++) bomb += `a${i}: &a${i} [${Array(10).fill(`*a${i - 1}`).join(',')}]\n`;
  let block = '';
  for (let i = 0; i < 1500; i++) block += `${' '.repeat(i)}a:\n`;
  for (const [what, type, text] of [
    ['deep JSON', 'application/json', 'DEEP_OBJECT'],
    ['deep flow YAML', 'application/yaml', 'DEEP_OBJECT'],
    ['deep JSON array', 'application/merge-patch+json', 'DEEP_ARRAY'],
    ['deep block YAML', 'application/yaml', `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n${block.replace(/^/gm, '  ')}`],
    ['YAML alias bomb (10^10 nodes)', 'application/yaml', bomb],
  ]) {
    const before = g.store.revision;
    const m = type.includes('patch') ? 'PATCH' : 'PUT';
    const a = await send(g, m, '/api/v1/namespaces/default/configmaps/c', type, bytes(text));
    t.is(a.code, 400, `${what}: ${a.text.slice(0, 200)}`);
    t.is(problem(a), undefined, what);
    t.is(g.store.revision, before, `${what}: nothing written`);
  }
  // Up to the limit a body is read: this patch nests MAX_BODY_DEPTH - 1 levels and reaches validation.
  const deepest = await send(g, 'PATCH', '/api/v1/namespaces/default/configmaps/c', 'application/merge-patch+json', bytes('DEEP_OBJECT_AT_LIMIT'));
  t.not(deepest.code, 400, deepest.text.slice(0, 200));
  t.is(problem(deepest), undefined);
  // Oversized: more than upstream's 3 MiB is 413 before any of it is decoded.
  const big = bytes(JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'big' }, data: { a: 'x'.repeat(3 * 1024 * 1024 + 10) } }));
  const before = g.store.revision;
  const a = await send(g, 'POST', '/api/v1/namespaces/default/configmaps', 'application/json', big);
  t.is(a.code, 413, a.text.slice(0, 200));
  t.is(problem(a), undefined);
  t.is(g.store.revision, before);
  // The same without a Content-Length (chunked): cut off once past the limit, not read to the end.
  const chunked = await sendChunked(g, '/api/v1/namespaces/default/configmaps', 5 * 1024 * 1024);
  t.is(chunked.code, 413, chunked.text.slice(0, 200));
  t.is(problem(chunked), undefined);
  t.is(g.store.revision, before);
  await stillServing(t, g);
});

/** POSTs `size` bytes as a chunked body (no Content-Length); resolves with the answer. */
function sendChunked(g: GatewayEnv, path: string, size: number): Promise<Answer> {
  const u = new URL(g.url + path);
  return new Promise((resolve, reject) => {
    const headers = { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' };
    const req = request({ host: u.hostname, port: u.port, path: u.pathname, method: 'POST', headers, timeout: DEADLINE_MS }, (r) => {
      let text = '';
      r.on('data', (c: Buffer) => (text += c.toString()));
      r.on('end', () => resolve({ code: r.statusCode!, type: r.headers['content-type'] ?? null, text }));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer in ${DEADLINE_MS} ms`)));
    req.on('error', reject);
    const chunk = Buffer.alloc(64 * 1024, 'x');
    let sent = 0;
    const pump = (): void => {
      while (sent < size) {
        sent += chunk.length;
        if (!req.write(chunk)) {
          req.once('drain', pump);
          return;
        }
      }
      req.end();
    };
    pump();
  });
}
