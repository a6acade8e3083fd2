// Prometheus metrics over HTTP, at upstream's paths: `/metrics` is the API server's (the gateway is
// kube-apiserver's HTTP side; any one API server replica answers over the bus), authorized as the
// non-resource URL `get /metrics` (system:monitoring); `/api/v1/nodes/<node>/proxy/metrics` is the
// kubelet's, authorized as `get nodes/proxy`, as upstream's API server proxies it to the kubelet.
import type { ServerResponse } from 'node:http';
import { isStatus, StatusError } from '../../api/status.ts';
import type { ApiClient } from '../../bus/client.ts';
import { NoRespondersError, RequestTimeoutError } from '../../bus/errors.ts';
import { nodeProm, promSubject } from '../../bus/subjects.ts';
import { EXPOSITION_TYPE } from '../lib/metrics-registry.ts';
import { requireAccess, requirePathAccess } from './access.ts';
import { methodNotAllowed } from './http.ts';
import { askKubelet } from './node-proxy.ts';

const NODE_METRICS = /^\/api\/v1\/nodes\/([^/]+)\/proxy\/metrics$/;

/** Returns true for the metrics paths this module serves. */
export const isPromPath = (path: string) => path === '/metrics' || NODE_METRICS.test(path);

/** Answers a metrics path with the component's text exposition; a Status is thrown for a refusal or a component that does not answer. */
export async function servePromRoute(gateway: ApiClient, caller: ApiClient, path: string, method: string, res: ServerResponse): Promise<void> {
  if (method !== 'GET' && method !== 'HEAD') throw methodNotAllowed(method);
  const node = NODE_METRICS.exec(path)?.[1];
  let text: string;
  if (node === undefined) {
    await requirePathAccess(gateway, caller, path, method);
    text = await scrapeApiServer(gateway);
  } else {
    const name = decodeNode(node);
    if (caller.user) await requireAccess(caller, { verb: 'get', resource: 'nodes', group: '', subresource: 'proxy', name });
    text = await askKubelet<string>(gateway, name, nodeProm(name), {});
  }
  if (typeof text !== 'string') throw new StatusError(500, 'InternalError', 'the component answered its metrics scrape with something other than text');
  res.writeHead(200, { 'Content-Type': EXPOSITION_TYPE, 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'no-cache, private' });
  res.end(method === 'HEAD' ? undefined : text);
}

/** Returns the node name of the path, percent-decoded; 400 for a malformed escape. */
function decodeNode(seg: string): string {
  try {
    return decodeURIComponent(seg);
  } catch {
    throw new StatusError(400, 'BadRequest', `invalid escape in the request path: ${JSON.stringify(seg)}`);
  }
}

/** Returns the exposition of one API server replica; 503 when none answers. */
async function scrapeApiServer(gateway: ApiClient): Promise<string> {
  try {
    const reply = (await gateway.bus.request<unknown>(promSubject('apiserver'), {}, { timeoutMs: 10_000 })).data;
    if (isStatus(reply) && reply.status === 'Failure') throw StatusError.from(reply);
    return reply as string;
  } catch (err) {
    if (err instanceof NoRespondersError || err instanceof RequestTimeoutError)
      throw new StatusError(503, 'ServiceUnavailable', 'no API server answered the metrics scrape; is the control plane running?');
    throw err;
  }
}
