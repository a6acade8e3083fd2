// The API server's Prometheus metrics, with kube-apiserver's names and labels: every request it
// serves over the bus (the gateway's, the CLI's, the components') is one `apiserver_request_total`,
// timed in `apiserver_request_duration_seconds`; in-flight requests by kind; stored objects per
// resource, counted at scrape time.
import { Counter, Gauge, Histogram } from 'prom-client';
import type { ApiRequest } from '../../api/protocol.ts';
import { allResources, resourceFor } from '../../api/resources.ts';
import { isStatus } from '../../api/status.ts';
import { parseApiSubject } from '../../bus/subjects.ts';
import type { BusMessage } from '../../bus/types.ts';
import { metricsOf, type ComponentId } from '../lib/metrics-registry.ts';
import { resourcePrefix } from './keys.ts';
import type { Store } from './store/store.ts';

/** A bus verb as kube-apiserver names the request: its HTTP-ish verb, the subresource it writes, and the code of a success. */
const VERB_LABELS: Record<string, { verb: string; subresource?: string; created?: boolean }> = {
  get: { verb: 'GET' },
  list: { verb: 'LIST' },
  watch: { verb: 'WATCH' },
  create: { verb: 'POST', created: true },
  update: { verb: 'PUT' },
  'update-status': { verb: 'PUT', subresource: 'status' },
  patch: { verb: 'PATCH' },
  'patch-status': { verb: 'PATCH', subresource: 'status' },
  delete: { verb: 'DELETE' },
  bind: { verb: 'POST', subresource: 'binding', created: true },
  evict: { verb: 'POST', subresource: 'eviction', created: true },
  token: { verb: 'POST', subresource: 'token', created: true },
};
const READ_ONLY = new Set(['GET', 'LIST', 'WATCH']);
/** Upstream's buckets of apiserver_request_duration_seconds. */
const DURATION_BUCKETS = [0.005, 0.025, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1, 1.25, 1.5, 2, 3, 4, 5, 6, 8, 10, 15, 20, 30, 45, 60];
const LABELS = ['verb', 'dry_run', 'group', 'version', 'resource', 'subresource', 'scope', 'component'] as const;

type Labels = Record<(typeof LABELS)[number], string>;

/** The metrics of one API server (its registry: ComponentId { component: 'apiserver', instance: { server } }). */
export class ApiServerMetrics {
  private readonly requests: Counter<(typeof LABELS)[number] | 'code'>;
  private readonly duration: Histogram<(typeof LABELS)[number]>;
  private readonly inflight: Gauge<'request_kind'>;

  constructor(id: ComponentId, store: Store) {
    const m = metricsOf(id, 'apiserver', (registers) => {
      const source: { store?: Store } = {};
      return {
        source,
        requests: new Counter({ name: 'apiserver_request_total', help: 'Counter of apiserver requests broken out for each verb, dry run value, group, version, resource, scope, component, and HTTP response code.', labelNames: [...LABELS, 'code'], registers: [registers] }),
        duration: new Histogram({ name: 'apiserver_request_duration_seconds', help: 'Response latency distribution in seconds for each verb, dry run value, group, version, resource, subresource, scope and component.', labelNames: [...LABELS], buckets: DURATION_BUCKETS, registers: [registers] }),
        inflight: new Gauge({ name: 'apiserver_current_inflight_requests', help: 'Maximal number of currently used inflight request limit of this apiserver per request kind in last second.', labelNames: ['request_kind'], registers: [registers] }),
        // Counted when scraped, in the store of the API server that runs now (a restarted one's).
        objects: new Gauge({
          name: 'apiserver_storage_objects',
          help: 'Number of stored objects at the time of last check split by kind.',
          labelNames: ['resource'],
          registers: [registers],
          collect() {
            this.reset();
            for (const def of source.store ? allResources() : []) {
              const n = source.store!.range(resourcePrefix(def)).kvs.length;
              if (n > 0) this.set({ resource: def.group ? `${def.plural}.${def.group}` : def.plural }, n);
            }
          },
        }),
      };
    });
    m.source.store = store;
    this.requests = m.requests;
    this.duration = m.duration;
    this.inflight = m.inflight;
  }

  /** Counts and times one request: `serve` answers it and resolves with the reply. */
  async track(msg: BusMessage, serve: () => Promise<unknown>): Promise<void> {
    const labels = labelsOf(msg);
    const kind = READ_ONLY.has(labels.verb) ? 'readOnly' : 'mutating';
    const end = this.duration.startTimer(labels);
    this.inflight.inc({ request_kind: kind });
    try {
      const reply = await serve();
      const code = isStatus(reply) && reply.status === 'Failure' ? reply.code : VERB_LABELS[parseApiSubject(msg.subject)?.verb ?? '']?.created ? 201 : 200;
      this.requests.inc({ ...labels, code: String(code) });
    } finally {
      end();
      this.inflight.dec({ request_kind: kind });
    }
  }
}

/** Returns the labels of a request on an API subject, as kube-apiserver's request info has them. */
function labelsOf(msg: BusMessage): Labels {
  const route = parseApiSubject(msg.subject);
  const v = VERB_LABELS[route?.verb ?? ''];
  const def = route && resourceFor(route.resource);
  const req = (typeof msg.data === 'object' && msg.data !== null ? msg.data : {}) as ApiRequest;
  const name = typeof req.name === 'string' && req.name !== '';
  const namespace = typeof req.namespace === 'string' && req.namespace !== '';
  return {
    verb: v?.verb ?? 'other',
    dry_run: req.dryRun === true ? 'All' : '',
    group: def?.group ?? '',
    version: def?.version ?? '',
    resource: def ? route!.resource : '',
    subresource: v?.subresource ?? '',
    scope: name ? 'resource' : namespace ? 'namespace' : 'cluster',
    component: 'apiserver',
  };
}
