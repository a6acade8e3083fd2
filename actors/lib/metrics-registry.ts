// Prometheus registries (prom-client), one per component in this process, as upstream's components
// each keep their own: the API server, the scheduler, the controller manager, each kubelet. Metrics
// are defined once per registry and updated in place; nothing here runs on a timer, so a simulation
// is undisturbed, and the process's own `process_*`/`nodejs_*` metrics start at the first scrape.
import { AggregatorRegistry, collectDefaultMetrics, Registry, type MetricObjectWithValues, type MetricValue } from 'prom-client';
import { internalError } from '../../api/status.ts';
import type { Bus, Logger } from '../../bus/types.ts';

/** A component of this process: its kind (apiserver, scheduler, controller-manager, kubelet) and, for several of a kind, its instance. */
export interface ComponentId {
  component: string;
  /** The label that tells instances of a kind apart in the process's merged exposition, e.g. { node: 'n1' }. */
  instance?: Record<string, string>;
}

interface Entry {
  id: ComponentId;
  registry: Registry;
  /** The metric sets defined on the registry, by name (each defined once). */
  parts: Map<string, unknown>;
}

const entries = new Map<string, Entry>();
let processRegistry: Registry | undefined;

const keyOf = (id: ComponentId) => (id.instance ? `${id.component}{${Object.entries(id.instance).map(([k, v]) => `${k}=${v}`).join(',')}}` : id.component);

/** Returns the registry of a component of this process, made at first use. */
export function componentRegistry(id: ComponentId): Registry {
  return entryOf(id).registry;
}

function entryOf(id: ComponentId): Entry {
  const key = keyOf(id);
  let e = entries.get(key);
  if (!e) entries.set(key, (e = { id, registry: new Registry(), parts: new Map() }));
  return e;
}

/** Returns a set of metrics defined on a component's registry: built by `build` once, the same object after. */
export function metricsOf<M>(id: ComponentId, part: string, build: (registry: Registry) => M): M {
  const e = entryOf(id);
  if (!e.parts.has(part)) e.parts.set(part, build(e.registry));
  return e.parts.get(part) as M;
}

/**
 * Returns a function that returns the seconds since this call, on the monotonic clock: for metrics
 * only (request durations, as prom-client's own startTimer), never read by an actor's behaviour.
 */
export function stopwatch(): () => number {
  const start = performance.now();
  return () => (performance.now() - start) / 1000;
}

/** The content type of the Prometheus text exposition (format 0.0.4). */
export const EXPOSITION_TYPE = Registry.PROMETHEUS_CONTENT_TYPE;

/** Returns the process's `process_*` and `nodejs_*` metrics, collected from the first call on. */
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

/** Returns the text exposition of one component: its metrics (with its registry's default labels) and the process's. */
export async function exposition(id: ComponentId): Promise<string> {
  return joined(await componentRegistry(id).metrics(), await processMetrics().metrics());
}

const joined = (a: string, b: string) => (a && !a.endsWith('\n') ? `${a}\n${b}` : a + b);

/** Labels every value of a registry's metrics with its instance label (kubelets of one process stay apart). */
function labelled(json: MetricObjectWithValues<MetricValue<string>>[], instance?: Record<string, string>) {
  if (!instance) return json;
  return json.map((m) => ({ ...m, values: m.values.map((v) => ({ ...v, labels: { ...v.labels, ...instance } })) }));
}

/**
 * Returns the text exposition of every component of this process and the process's own metrics
 * (`--metrics-port`): components of one kind are told apart by their instance label; metrics with
 * equal names and labels in several components (two API servers in one process) are summed.
 */
export async function processExposition(): Promise<string> {
  const all = [...entries.values()];
  const jsons = await Promise.all(all.map(async (e) => labelled(await e.registry.getMetricsAsJSON(), e.id.instance)));
  // The process's own text after: AggregatorRegistry drops process_start_time_seconds (it cannot be summed).
  return joined(await AggregatorRegistry.aggregate(jsons).metrics(), await processMetrics().metrics());
}

/** Answers scrape requests on `subject` with a component's exposition (a string) until the returned function is called. */
export function serveScrapes(bus: Bus, subject: string, id: ComponentId, log: Logger, queue?: string): () => void {
  const sub = bus.subscribe(
    subject,
    (msg) => {
      exposition(id).then(
        (text) => bus.respond(msg, text),
        (err: unknown) => {
          log.warn({ err: (err as Error)?.message, subject }, 'metrics scrape failed');
          bus.respond(msg, internalError(`metrics: ${(err as Error)?.message}`).status);
        },
      );
    },
    queue ? { queue } : undefined,
  );
  return () => sub.unsubscribe();
}

const shared = new Map<Bus, Map<string, { users: number; stop: () => void }>>();

/**
 * Answers scrapes on `subject` while any of its users runs (the controllers of one process share
 * the controller manager's); returns the user's release function.
 */
export function shareScrapes(bus: Bus, subject: string, id: ComponentId, log: Logger): () => void {
  const subs = shared.get(bus) ?? new Map<string, { users: number; stop: () => void }>();
  shared.set(bus, subs);
  const s = subs.get(subject) ?? { users: 0, stop: serveScrapes(bus, subject, id, log) };
  subs.set(subject, s);
  s.users++;
  let released = false;
  return () => {
    if (released) return;
    released = true;
    if (--s.users > 0) return;
    s.stop();
    subs.delete(subject);
    if (subs.size === 0) shared.delete(bus);
  };
}
