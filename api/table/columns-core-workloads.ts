// Table columns of the core/v1 workload kinds: ReplicationControllers and PodTemplates (printers.go v1.32).
import { containerCells } from './columns-apps.ts';
import { AGE, ageOf, col, NAME, nameOf, wideCol } from './column.ts';
import { formatLabels, int, rec } from './loose.ts';
import type { KindColumns } from './types.ts';

const replicationcontrollers: KindColumns = {
  columns: [
    NAME,
    col('Desired', 'integer', 'Replicas is the number of desired replicas. This is a pointer to distinguish between explicit zero and unspecified. Defaults to 1. More info: https://kubernetes.io/docs/concepts/workloads/controllers/replicationcontroller#what-is-a-replicationcontroller'),
    col('Current', 'integer', 'Replicas is the most recently observed number of replicas. More info: https://kubernetes.io/docs/concepts/workloads/controllers/replicationcontroller#what-is-a-replicationcontroller'),
    col('Ready', 'integer', 'The number of ready replicas for this replication controller.'),
    AGE,
    wideCol('Containers', 'string', 'Names of each container in the template.'),
    wideCol('Images', 'string', 'Images referenced by each container in the template.'),
    wideCol('Selector', 'string', 'Selector is a label query over pods that should match the Replicas count. If Selector is empty, it is defaulted to the labels present on the Pod template. Label keys and values that must match in order to be controlled by this replication controller, if empty defaulted to labels on Pod template. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors'),
  ],
  cells: (o, { now }) => {
    const spec = rec(rec(o).spec);
    const st = rec(rec(o).status);
    return [nameOf(o), int(spec.replicas), int(st.replicas), int(st.readyReplicas), ageOf(o, now), ...containerCells(o), formatLabels(spec.selector)];
  },
};

const podtemplates: KindColumns = {
  columns: [
    NAME,
    col('Containers', 'string', 'Names of each container in the template.'),
    col('Images', 'string', 'Images referenced by each container in the template.'),
    col('Pod Labels', 'string', 'The labels for the pod template.'),
  ],
  // containerCells reads spec.template: a PodTemplate's template sits at the top.
  cells: (o) => [nameOf(o), ...containerCells({ spec: { template: rec(o).template } }), formatLabels(rec(rec(rec(o).template).metadata).labels)],
};

/** Table columns of the core workload kinds, by plural resource name. */
export const coreWorkloadColumns: Record<string, KindColumns> = { replicationcontrollers, podtemplates };
