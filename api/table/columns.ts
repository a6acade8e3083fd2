// One table of columns per resource: the home both `kubus get` and the gateway's Table output read.
import { AGE_DATE, ageOf, NAME, nameOf } from './column.ts';
import { appsColumns } from './columns-apps.ts';
import { batchColumns } from './columns-batch.ts';
import { configColumns } from './columns-config.ts';
import { coreColumns } from './columns-core.ts';
import { customColumns } from './columns-custom.ts';
import { policyColumns } from './columns-policy.ts';
import { coreWorkloadColumns } from './columns-core-workloads.ts';
import { storageColumns } from './columns-storage.ts';
import { discoveryColumns } from './columns-discovery.ts';
import { schedulingColumns } from './columns-scheduling.ts';
import { quotaColumns } from './columns-quota.ts';
import { networkingColumns } from './columns-networking.ts';
import { rbacColumns } from './columns-rbac.ts';
import type { PrinterColumn } from '../resource.ts';
import type { KindColumns } from './types.ts';

/** The columns of kinds without their own (and of custom resources): Name and Age. */
export const DEFAULT_COLUMNS: KindColumns = {
  columns: [NAME, AGE_DATE],
  cells: (o, { now }) => [nameOf(o), ageOf(o, now)],
};

const GROUPS: Record<string, string> = {
  leases: 'coordination.k8s.io',
  endpointslices: 'discovery.k8s.io',
  replicasets: 'apps',
  deployments: 'apps',
  daemonsets: 'apps',
  statefulsets: 'apps',
  controllerrevisions: 'apps',
  jobs: 'batch',
  cronjobs: 'batch',
  poddisruptionbudgets: 'policy',
  storageclasses: 'storage.k8s.io',
  priorityclasses: 'scheduling.k8s.io',
  ingresses: 'networking.k8s.io',
  ingressclasses: 'networking.k8s.io',
  networkpolicies: 'networking.k8s.io',
  horizontalpodautoscalers: 'autoscaling',
  roles: 'rbac.authorization.k8s.io',
  clusterroles: 'rbac.authorization.k8s.io',
  rolebindings: 'rbac.authorization.k8s.io',
  clusterrolebindings: 'rbac.authorization.k8s.io',
  runtimeclasses: 'node.k8s.io',
  validatingwebhookconfigurations: 'admissionregistration.k8s.io',
  mutatingwebhookconfigurations: 'admissionregistration.k8s.io',
  validatingadmissionpolicies: 'admissionregistration.k8s.io',
  validatingadmissionpolicybindings: 'admissionregistration.k8s.io',
  flowschemas: 'flowcontrol.apiserver.k8s.io',
  prioritylevelconfigurations: 'flowcontrol.apiserver.k8s.io',
};

const COLUMNS: Record<string, KindColumns> = { ...coreColumns, ...configColumns, ...appsColumns, ...batchColumns, ...policyColumns, ...coreWorkloadColumns, ...storageColumns, ...discoveryColumns, ...schedulingColumns, ...quotaColumns, ...networkingColumns, ...rbacColumns };

/** Returns the columns of a resource by plural name; given a group, only that group's resource matches; else Name and Age. */
export function columnsFor(resource: string, group?: string): KindColumns {
  if (!Object.hasOwn(COLUMNS, resource)) return DEFAULT_COLUMNS;
  if (group !== undefined && group !== (GROUPS[resource] ?? '')) return DEFAULT_COLUMNS;
  return COLUMNS[resource];
}

/** Returns the columns of a ResourceDef-like resource: a custom resource's printer columns when it has any, else by plural and group. */
export function columnsOf(r: { plural: string; group?: string; printerColumns?: readonly PrinterColumn[] }): KindColumns {
  return r.printerColumns?.length ? customColumns(r.printerColumns) : columnsFor(r.plural, r.group);
}
