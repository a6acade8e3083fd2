// Table columns of apps/v1 and batch/v1 kinds, column for column as printers.go (v1.32).
import { humanDuration, timeOf } from './age.ts';
import { AGE, ageOf, col, meta, NAME, nameOf, wideCol } from './column.ts';
import { formatLabels, int, rec, recs, str, type Obj } from './loose.ts';
import { formatSelector, selectorString } from './selector.ts';
import type { KindColumns } from './types.ts';

const spec = (o: unknown): Obj => rec(rec(o).spec);
const status = (o: unknown): Obj => rec(rec(o).status);
const podSpec = (o: unknown): Obj => rec(rec(spec(o).template).spec);

/** Returns the CONTAINERS and IMAGES cells of a pod template (layoutContainerCells). */
export function containerCells(o: unknown): [string, string] {
  const cs = recs(podSpec(o).containers);
  return [cs.map((c) => str(c.name)).join(','), cs.map((c) => str(c.image)).join(',')];
}

const SELECTOR_DOC = 'A label query over pods that should match the replica count.';
const CONTAINERS = wideCol('Containers', 'string', 'Names of each container in the template.');
const IMAGES = wideCol('Images', 'string', 'Images referenced by each container in the template.');
const wideCols = [CONTAINERS, IMAGES, wideCol('Selector', 'string', SELECTOR_DOC)];

const replicasets: KindColumns = {
  columns: [
    NAME,
    col('Desired', 'integer', 'Replicas is the number of desired pods.'),
    col('Current', 'integer', 'Replicas is the most recently observed number of non-terminating pods.'),
    col('Ready', 'integer', 'The number of non-terminating pods targeted by this ReplicaSet with a Ready Condition.'),
    AGE,
    ...wideCols,
  ],
  cells: (o, { now }) => [
    nameOf(o),
    int(spec(o).replicas),
    int(status(o).replicas),
    int(status(o).readyReplicas),
    ageOf(o, now),
    ...containerCells(o),
    formatSelector(spec(o).selector),
  ],
};

const deployments: KindColumns = {
  columns: [
    NAME,
    col('Ready', 'string', 'Number of the pod with ready state'),
    col('Up-to-date', 'string', 'Total number of non-terminated pods targeted by this deployment that have the desired template spec.'),
    col('Available', 'string', 'Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.'),
    AGE,
    ...wideCols,
  ],
  cells: (o, { now }) => {
    const st = status(o);
    const ready = `${int(st.readyReplicas)}/${int(spec(o).replicas)}`;
    return [nameOf(o), ready, int(st.updatedReplicas), int(st.availableReplicas), ageOf(o, now), ...containerCells(o), selectorString(spec(o).selector)];
  },
};

const daemonsets: KindColumns = {
  columns: [
    NAME,
    col('Desired', 'integer', 'The total number of nodes that should be running the daemon pod (including nodes correctly running the daemon pod).'),
    col('Current', 'integer', 'The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod.'),
    col('Ready', 'integer', 'The number of nodes that should be running the daemon pod and have one or more of the daemon pod running with a Ready Condition.'),
    col('Up-to-date', 'integer', 'The total number of nodes that are running updated daemon pod'),
    col('Available', 'integer', 'The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available (ready for at least spec.minReadySeconds)'),
    col('Node Selector', 'string', "NodeSelector is a selector which must be true for the pod to fit on a node. Selector which must match a node's labels for the pod to be scheduled on that node."),
    AGE,
    ...wideCols,
  ],
  cells: (o, { now }) => {
    const st = status(o);
    const nums = [st.desiredNumberScheduled, st.currentNumberScheduled, st.numberReady, st.updatedNumberScheduled, st.numberAvailable].map(int);
    return [nameOf(o), ...nums, formatLabels(podSpec(o).nodeSelector), ageOf(o, now), ...containerCells(o), formatSelector(spec(o).selector)];
  },
};

const statefulsets: KindColumns = {
  columns: [NAME, col('Ready', 'string', 'Number of the pod with ready state'), AGE, CONTAINERS, IMAGES],
  cells: (o, { now }) => [nameOf(o), `${int(status(o).readyReplicas)}/${int(spec(o).replicas)}`, ageOf(o, now), ...containerCells(o)],
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

const jobs: KindColumns = {
  columns: [
    NAME,
    col('Status', 'string', 'Status of the job.'),
    col('Completions', 'string', 'The number of pods which reached phase Succeeded.'),
    col('Duration', 'string', 'Time required to complete the job.'),
    AGE,
    CONTAINERS,
    IMAGES,
    wideCol('Selector', 'string', 'A label query over pods that should match the pod count.'),
  ],
  cells: (o, { now }) => {
    const sp = spec(o);
    const st = status(o);
    const succeeded = int(st.succeeded);
    let completions: string;
    if (sp.completions != null) completions = `${succeeded}/${int(sp.completions)}`;
    else completions = int(sp.parallelism) > 1 ? `${succeeded}/1 of ${int(sp.parallelism)}` : `${succeeded}/1`;
    const start = timeOf(st.startTime);
    const end = timeOf(st.completionTime);
    const duration = start === undefined ? '' : humanDuration((end ?? now) - start);
    return [nameOf(o), jobStatus(o), completions, duration, ageOf(o, now), ...containerCells(o), formatSelector(sp.selector)];
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

const controllerrevisions: KindColumns = {
  columns: [NAME, col('Controller', 'string', 'Controller of the object'), col('Revision', 'string', 'Revision indicates the revision of the state represented by Data.'), AGE],
  cells: (o, { now }) => [nameOf(o), controllerName(o), int(rec(o).revision), ageOf(o, now)],
};

/** Table columns of the apps and batch kinds, by plural resource name. */
export const appsColumns: Record<string, KindColumns> = { replicasets, deployments, daemonsets, statefulsets, jobs, controllerrevisions };
