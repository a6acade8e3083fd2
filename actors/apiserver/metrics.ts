// The API server's Prometheus metrics, with kube-apiserver's names and labels: every request it
// serves over the bus (the gateway's, the CLI's, the components') is one `apiserver_request_total`,
// timed in `apiserver_request_duration_seconds`; in-flight requests by kind; stored objects per
// resource, counted at scrape time.
import { Counter, Gauge } from 'prom-client';
import type { ApiRequest } from '../../api/protocol.ts';
import { allResources, resourceFor } from '../../api/resources.ts';
import { isStatus } from '../../api/status.ts';
import { parseApiSubject } from '../../bus/subjects.ts';
import type { BusMessage } from '../../bus/types.ts';
import { LeanHistogram } from '../lib/lean-histogram.ts';
import { componentRegistry, metricsOf, stopwatch, type ComponentId } from '../lib/metrics-registry.ts';
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
/** Upstream's buckets of apiserver_request_duration_seconds (etcd_request_duration_seconds uses them too). */
export const DURATION_BUCKETS = [0.005, 0.025, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1, 1.25, 1.5, 2, 3, 4, 5, 6, 8, 10, 15, 20, 30, 45, 60];
const LABELS = ['verb', 'dry_run', 'group', 'version', 'resource', 'subresource', 'scope', 'component'] as const;

type Labels = Record<(typeof LABELS)[number], string>;

/** A request's labels without code, with the key of its series, and its counts by code (entries of Tally.counts). */
interface Series {
  key: string;
  labels: Labels;
  /** Whether a success is a 201 (a POST that creates). */
  created: boolean;
  codes: Map<string, { labels: Labels & { code: string }; n: number }>;
}

/** What a request subject gives its series: the labels it parses to, and its series by dry run and scope (found once). */
interface Subject {
  v?: (typeof VERB_LABELS)[string];
  group: string;
  version: string;
  resource: string;
  /** By dry run (0, 1) × 3 + scope (cluster, namespace, resource). */
  series: Array<Series | undefined>;
}

const SCOPES = ['cluster', 'namespace', 'resource'] as const;

/** Request counts by series and code, and requests in flight by kind: plain numbers, read by prom-client at scrape time. */
interface Tally {
  counts: Map<string, { labels: Labels & { code: string }; n: number }>;
  inflight: { readOnly: number; mutating: number };
  store?: Store;
  /** Each subject's labels (parsed once) and each series' labels object (made once, the duration histogram's key). */
  subjects: Map<string, Subject>;
  series: Map<string, Series>;
}

/**
 * The metrics of one API server (its registry: ComponentId { component: 'apiserver', instance: { server } }).
 * A request costs a few map lookups and one histogram observation: counts and in-flight requests are
 * kept as plain numbers that prom-client reads when scraped.
 */
export class ApiServerMetrics {
  private readonly tally: Tally;
  private readonly duration: LeanHistogram;

  constructor(id: ComponentId, store: Store) {
    // Every sample carries the replica (`server`): the gateway's /metrics reaches any one replica, and
    // without it Prometheus would see one series whose counters reset as replicas alternate.
    if (id.instance) componentRegistry(id).setDefaultLabels(id.instance);
    const m = metricsOf(id, 'apiserver', (registers) => {
      const tally: Tally = { counts: new Map(), inflight: { readOnly: 0, mutating: 0 }, subjects: new Map(), series: new Map() };
      return {
        tally,
        requests: new Counter({
          name: 'apiserver_request_total',
          help: 'Counter of apiserver requests broken out for each verb, dry run value, group, version, resource, scope, component, and HTTP response code.',
          labelNames: [...LABELS, 'code'],
          registers: [registers],
          collect() {
            this.reset();
            for (const c of tally.counts.values()) this.inc(c.labels, c.n);
          },
        }),
        duration: new LeanHistogram('apiserver_request_duration_seconds', 'Response latency distribution in seconds for each verb, dry run value, group, version, resource, subresource, scope and component.', DURATION_BUCKETS, [registers]),
        inflight: new Gauge({
          name: 'apiserver_current_inflight_requests',
          help: 'Maximal number of currently used inflight request limit of this apiserver per request kind in last second.',
          labelNames: ['request_kind'],
          registers: [registers],
          collect() {
            for (const request_kind of ['readOnly', 'mutating'] as const) this.set({ request_kind }, tally.inflight[request_kind]);
          },
        }),
        // Counted when scraped, in the store of the API server that runs now (a restarted one's).
        objects: new Gauge({
          name: 'apiserver_storage_objects',
          help: 'Number of stored objects at the time of last check split by kind.',
          labelNames: ['resource'],
          registers: [registers],
          collect() {
            this.reset();
            for (const def of tally.store ? allResources() : []) {
              const n = tally.store!.range(resourcePrefix(def)).kvs.length;
              if (n > 0) this.set({ resource: def.group ? `${def.plural}.${def.group}` : def.plural }, n);
            }
          },
        }),
      };
    });
    m.tally.store = store;
    this.tally = m.tally;
    this.duration = m.duration;
  }

  /** Counts and times one request: `serve` answers it and resolves with the reply. */
  async track(msg: BusMessage, serve: () => Promise<unknown>): Promise<void> {
    const series = this.seriesOf(msg);
    const kind = READ_ONLY.has(series.labels.verb) ? 'readOnly' : 'mutating';
    const elapsed = stopwatch();
    this.tally.inflight[kind]++;
    try {
      const reply = await serve();
      const code = isStatus(reply) && reply.status === 'Failure' ? String(reply.code) : series.created ? '201' : '200';
      const c = series.codes.get(code);
      if (c) c.n++;
      else {
        const entry = { labels: { ...series.labels, code }, n: 1 };
        series.codes.set(code, entry);
        this.tally.counts.set(`${series.key}|${code}`, entry);
      }
    } finally {
      this.tally.inflight[kind]--;
      this.duration.observe(series.labels, elapsed());
    }
  }

  /** Returns the series of a request on an API subject: its labels as kube-apiserver's request info has them. */
  private seriesOf(msg: BusMessage): Series {
    const { subjects } = this.tally;
    let sub = subjects.get(msg.subject);
    if (!sub) {
      const route = parseApiSubject(msg.subject);
      const def = route && resourceFor(route.resource);
      sub = { v: VERB_LABELS[route?.verb ?? ''], group: def?.group ?? '', version: def?.version ?? '', resource: def ? route!.resource : '', series: [] };
      // Subjects carry the sender's identity on a locked bus: a bounded cache, started again when full.
      if (subjects.size >= 10_000) subjects.clear();
      subjects.set(msg.subject, sub);
    }
    const req = (typeof msg.data === 'object' && msg.data !== null ? msg.data : {}) as ApiRequest;
    const dry = req.dryRun === true ? 1 : 0;
    const scoped = typeof req.name === 'string' && req.name !== '' ? 2 : typeof req.namespace === 'string' && req.namespace !== '' ? 1 : 0;
    const known = sub.series[dry * 3 + scoped];
    if (known) return known;
    const dryRun = dry ? 'All' : '';
    const scope = SCOPES[scoped];
    const verb = sub.v?.verb ?? 'other';
    const key = `${verb}|${sub.v?.subresource ?? ''}|${sub.group}|${sub.version}|${sub.resource}|${dryRun}|${scope}`;
    let series = this.tally.series.get(key);
    if (!series) {
      const labels: Labels = { verb, dry_run: dryRun, group: sub.group, version: sub.version, resource: sub.resource, subresource: sub.v?.subresource ?? '', scope, component: 'apiserver' };
      this.tally.series.set(key, (series = { key, labels, created: !!sub.v?.created, codes: new Map() }));
    }
    sub.series[dry * 3 + scoped] = series;
    return series;
  }
}
