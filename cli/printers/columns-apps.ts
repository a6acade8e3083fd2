// Table printers of apps/v1 and batch/v1 kinds, column for column as printers.go (kubectl 1.32).
import { humanDuration, since, timeOf } from './duration.ts';
import { formatLabels, int, rec, recs, str, type Obj } from './loose.ts';
import { formatSelector, selectorString } from './selector.ts';
import type { KindPrinter } from './types.ts';

const meta = (o: unknown): Obj => rec(rec(o).metadata);
const nameOf = (o: unknown): string => str(meta(o).name);
const ageOf = (o: unknown, now: number): string => since(meta(o).creationTimestamp, now);
const spec = (o: unknown): Obj => rec(rec(o).spec);
const status = (o: unknown): Obj => rec(rec(o).status);
const podSpec = (o: unknown): Obj => rec(rec(spec(o).template).spec);

/** Returns the CONTAINERS and IMAGES cells of a pod template (layoutContainerCells). */
export function containerCells(o: unknown): [string, string] {
  const cs = recs(podSpec(o).containers);
  return [cs.map((c) => str(c.name)).join(','), cs.map((c) => str(c.image)).join(',')];
}

const wideCols = [
  { name: 'Containers', wide: true },
  { name: 'Images', wide: true },
  { name: 'Selector', wide: true },
];

const replicasets: KindPrinter = {
  columns: [{ name: 'Name' }, { name: 'Desired' }, { name: 'Current' }, { name: 'Ready' }, { name: 'Age' }, ...wideCols],
  cells: (o, { now, wide }) => {
    const base = [nameOf(o), String(int(spec(o).replicas)), String(int(status(o).replicas)), String(int(status(o).readyReplicas)), ageOf(o, now)];
    return wide ? [...base, ...containerCells(o), formatSelector(spec(o).selector)] : base;
  },
};

const deployments: KindPrinter = {
  columns: [{ name: 'Name' }, { name: 'Ready' }, { name: 'Up-to-date' }, { name: 'Available' }, { name: 'Age' }, ...wideCols],
  cells: (o, { now, wide }) => {
    const st = status(o);
    const base = [nameOf(o), `${int(st.readyReplicas)}/${int(spec(o).replicas)}`, String(int(st.updatedReplicas)), String(int(st.availableReplicas)), ageOf(o, now)];
    return wide ? [...base, ...containerCells(o), selectorString(spec(o).selector)] : base;
  },
};

const daemonsets: KindPrinter = {
  columns: [
    { name: 'Name' },
    { name: 'Desired' },
    { name: 'Current' },
    { name: 'Ready' },
    { name: 'Up-to-date' },
    { name: 'Available' },
    { name: 'Node Selector' },
    { name: 'Age' },
    ...wideCols,
  ],
  cells: (o, { now, wide }) => {
    const st = status(o);
    const nums = [st.desiredNumberScheduled, st.currentNumberScheduled, st.numberReady, st.updatedNumberScheduled, st.numberAvailable].map((v) => String(int(v)));
    const base = [nameOf(o), ...nums, formatLabels(podSpec(o).nodeSelector), ageOf(o, now)];
    return wide ? [...base, ...containerCells(o), formatSelector(spec(o).selector)] : base;
  },
};

const statefulsets: KindPrinter = {
  columns: [{ name: 'Name' }, { name: 'Ready' }, { name: 'Age' }, { name: 'Containers', wide: true }, { name: 'Images', wide: true }],
  cells: (o, { now, wide }) => {
    const base = [nameOf(o), `${int(status(o).readyReplicas)}/${int(spec(o).replicas)}`, ageOf(o, now)];
    return wide ? [...base, ...containerCells(o)] : base;
  },
};

// hasJobCondition: the first condition of the type decides.
const jobCondition = (o: unknown, type: string): boolean => recs(status(o).conditions).find((c) => c.type === type)?.status === 'True';

/** Returns a job's STATUS cell: Complete, Failed, Terminating, Suspended, FailureTarget or Running. */
export function jobStatus(o: unknown): string {
  if (jobCondition(o, 'Complete')) return 'Complete';
  if (jobCondition(o, 'Failed')) return 'Failed';
  if (meta(o).deletionTimestamp != null) return 'Terminating';
  if (jobCondition(o, 'Suspended')) return 'Suspended';
  if (jobCondition(o, 'FailureTarget')) return 'FailureTarget';
  return 'Running';
}

const jobs: KindPrinter = {
  columns: [{ name: 'Name' }, { name: 'Status' }, { name: 'Completions' }, { name: 'Duration' }, { name: 'Age' }, ...wideCols],
  cells: (o, { now, wide }) => {
    const sp = spec(o);
    const st = status(o);
    const succeeded = int(st.succeeded);
    let completions: string;
    if (sp.completions != null) completions = `${succeeded}/${int(sp.completions)}`;
    else completions = int(sp.parallelism) > 1 ? `${succeeded}/1 of ${int(sp.parallelism)}` : `${succeeded}/1`;
    const start = timeOf(st.startTime);
    const end = timeOf(st.completionTime);
    const duration = start === undefined ? '' : humanDuration((end ?? now) - start);
    const base = [nameOf(o), jobStatus(o), completions, duration, ageOf(o, now)];
    return wide ? [...base, ...containerCells(o), formatSelector(sp.selector)] : base;
  },
};

/** Returns a controller reference as kubectl names it: "daemonset.apps/fluentd", "<none>" when uncontrolled. */
export function controllerName(o: unknown): string {
  const ref = recs(meta(o).ownerReferences).find((r) => r.controller === true);
  if (!ref) return '<none>';
  const apiVersion = str(ref.apiVersion);
  const group = apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
  const kind = str(ref.kind);
  if (!kind && !group) return str(ref.name);
  return `${(group ? `${kind}.${group}` : kind).toLowerCase()}/${str(ref.name)}`;
}

const controllerrevisions: KindPrinter = {
  columns: [{ name: 'Name' }, { name: 'Controller' }, { name: 'Revision' }, { name: 'Age' }],
  cells: (o, { now }) => [nameOf(o), controllerName(o), String(int(rec(o).revision)), ageOf(o, now)],
};

/** Table printers of the apps and batch kinds, by plural resource name. */
export const appsPrinters: Record<string, KindPrinter> = { replicasets, deployments, daemonsets, statefulsets, jobs, controllerrevisions };
