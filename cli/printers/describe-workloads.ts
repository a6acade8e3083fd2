// `kubectl describe` of Deployments, ReplicaSets, DaemonSets, StatefulSets and Jobs.
import { describePodTemplate } from './describe-containers.ts';
import { controlledBy, describeEvents, DescribeWriter, printAnnotations, printLabels, printObjectMeta } from './describe-writer.ts';
import { humanDuration, rfc1123z, timeOf } from './duration.ts';
import { arr, formatLabels, int, rec, recs, str, type Obj } from '../../api/table/loose.ts';
import { formatSelector, selectorString } from '../../api/table/selector.ts';

/** Extra objects workload describers show: pods (for Pods Status counts) and replica sets (a deployment's old and new). */
export interface WorkloadContext {
  pods?: readonly unknown[];
  replicaSets?: readonly unknown[];
}

const meta = (o: unknown): Obj => rec(rec(o).metadata);
const uid = (o: unknown): string => str(meta(o).uid);
const controllerUID = (o: unknown): string => str(recs(meta(o).ownerReferences).find((r) => r.controller === true)?.uid);
const intOrString = (v: unknown): string => (typeof v === 'number' ? String(Math.trunc(v)) : str(v));

// getPodStatusForController: phases of the pods this object controls.
function podsStatus(owner: unknown, pods: readonly unknown[] = []): string {
  const counts = { Running: 0, Pending: 0, Succeeded: 0, Failed: 0 } as Record<string, number>;
  for (const p of pods) {
    if (!uid(owner) || controllerUID(p) !== uid(owner)) continue;
    const phase = str(rec(rec(p).status).phase);
    if (phase in counts) counts[phase]++;
  }
  return `${counts.Running} Running / ${counts.Pending} Waiting / ${counts.Succeeded} Succeeded / ${counts.Failed} Failed`;
}

function conditionsTable(w: DescribeWriter, conds: Obj[]): void {
  if (conds.length === 0) return;
  w.write(0, 'Conditions:\n  Type\tStatus\tReason\n');
  w.write(1, '----\t------\t------\n');
  for (const c of conds) w.write(1, `${str(c.type)} \t${str(c.status)}\t${str(c.reason)}\n`);
}

// A template compared without the pod-template-hash label (EqualIgnoreHash), keys in a stable order.
function templateKey(t: unknown): string {
  const tm = rec(t);
  const labels = { ...rec(rec(tm.metadata).labels) };
  delete labels['pod-template-hash'];
  const norm = (v: unknown): unknown =>
    Array.isArray(v) ? v.map(norm) : v && typeof v === 'object' ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, norm((v as Obj)[k])])) : v;
  return JSON.stringify(norm({ ...tm, metadata: { ...rec(tm.metadata), labels } }));
}

const rsLine = (rs: unknown): string => `${str(meta(rs).name)} (${int(rec(rec(rs).status).replicas)}/${int(rec(rec(rs).spec).replicas)} replicas created)`;

/** Returns `kubectl describe deployment` output. */
export function describeDeployment(d: unknown, events: readonly unknown[], now: number, ctx: WorkloadContext = {}): string {
  const m = meta(d);
  const spec = rec(rec(d).spec);
  const st = rec(rec(d).status);
  const w = new DescribeWriter();
  w.write(0, `Name:\t${str(m.name)}\n`);
  w.write(0, `Namespace:\t${str(m.namespace)}\n`);
  w.write(0, `CreationTimestamp:\t${rfc1123z(m.creationTimestamp)}\n`);
  printLabels(w, 'Labels', m.labels);
  printAnnotations(w, 'Annotations', m.annotations);
  w.write(0, `Selector:\t${selectorString(spec.selector)}\n`);
  const nums = [spec.replicas, st.updatedReplicas, st.replicas, st.availableReplicas, st.unavailableReplicas].map(int);
  w.write(0, `Replicas:\t${nums[0]} desired | ${nums[1]} updated | ${nums[2]} total | ${nums[3]} available | ${nums[4]} unavailable\n`);
  const strategy = rec(spec.strategy);
  w.write(0, `StrategyType:\t${str(strategy.type)}\n`);
  w.write(0, `MinReadySeconds:\t${int(spec.minReadySeconds)}\n`);
  if (strategy.rollingUpdate != null) {
    const ru = rec(strategy.rollingUpdate);
    const show = (v: unknown) => (v == null ? '<nil>' : intOrString(v));
    w.write(0, `RollingUpdateStrategy:\t${show(ru.maxUnavailable)} max unavailable, ${show(ru.maxSurge)} max surge\n`);
  }
  describePodTemplate(w, spec.template);
  conditionsTable(w, recs(st.conditions));
  const owned = [...(ctx.replicaSets ?? [])].filter((rs) => uid(d) !== '' && controllerUID(rs) === uid(d));
  // FindNewReplicaSet: the oldest owned set whose template matches the deployment's; the others are old.
  owned.sort((a, b) => (timeOf(meta(a).creationTimestamp) ?? 0) - (timeOf(meta(b).creationTimestamp) ?? 0));
  const key = templateKey(spec.template);
  const newRS = owned.find((rs) => templateKey(rec(rec(rs).spec).template) === key);
  const oldRSs = owned.filter((rs) => rs !== newRS);
  if (owned.length > 0) {
    w.write(0, `OldReplicaSets:\t${oldRSs.map(rsLine).join(', ') || '<none>'}\n`);
    w.write(0, `NewReplicaSet:\t${newRS ? rsLine(newRS) : '<none>'}\n`);
  }
  describeEvents(w, events, now);
  return w.toString();
}

/** Returns `kubectl describe replicaset` output. */
export function describeReplicaSet(rs: unknown, events: readonly unknown[], now: number, ctx: WorkloadContext = {}): string {
  const m = meta(rs);
  const spec = rec(rec(rs).spec);
  const w = new DescribeWriter();
  w.write(0, `Name:\t${str(m.name)}\n`);
  w.write(0, `Namespace:\t${str(m.namespace)}\n`);
  w.write(0, `Selector:\t${formatSelector(spec.selector)}\n`);
  printLabels(w, 'Labels', m.labels);
  printAnnotations(w, 'Annotations', m.annotations);
  const controller = controlledBy(rs);
  if (controller) w.write(0, `Controlled By:\t${controller}\n`);
  w.write(0, `Replicas:\t${int(rec(rec(rs).status).replicas)} current / ${int(spec.replicas)} desired\n`);
  w.write(0, `Pods Status:\t${podsStatus(rs, ctx.pods)}\n`);
  describePodTemplate(w, spec.template);
  conditionsTable(w, recs(rec(rec(rs).status).conditions));
  describeEvents(w, events, now);
  return w.toString();
}

/** Returns `kubectl describe replicationcontroller` output (as a ReplicaSet's, with the selector as a label map). */
export function describeReplicationController(rc: unknown, events: readonly unknown[], now: number, ctx: WorkloadContext = {}): string {
  const m = meta(rc);
  const spec = rec(rec(rc).spec);
  const w = new DescribeWriter();
  w.write(0, `Name:\t${str(m.name)}\n`);
  w.write(0, `Namespace:\t${str(m.namespace)}\n`);
  w.write(0, `Selector:\t${formatLabels(spec.selector)}\n`);
  printLabels(w, 'Labels', m.labels);
  printAnnotations(w, 'Annotations', m.annotations);
  w.write(0, `Replicas:\t${int(rec(rec(rc).status).replicas)} current / ${int(spec.replicas)} desired\n`);
  w.write(0, `Pods Status:\t${podsStatus(rc, ctx.pods)}\n`);
  describePodTemplate(w, spec.template);
  conditionsTable(w, recs(rec(rec(rc).status).conditions));
  describeEvents(w, events, now);
  return w.toString();
}

/** Returns `kubectl describe podtemplate` output. */
export function describePodTemplateObject(pt: unknown, events: readonly unknown[], now: number): string {
  const m = meta(pt);
  const w = new DescribeWriter();
  printObjectMeta(w, m);
  w.write(0, '\n');
  describePodTemplate(w, rec(pt).template);
  describeEvents(w, events, now);
  return w.toString();
}

/** Returns `kubectl describe daemonset` output. */
export function describeDaemonSet(ds: unknown, events: readonly unknown[], now: number, ctx: WorkloadContext = {}): string {
  const m = meta(ds);
  const spec = rec(rec(ds).spec);
  const st = rec(rec(ds).status);
  const w = new DescribeWriter();
  w.write(0, `Name:\t${str(m.name)}\n`);
  w.write(0, `Namespace:\t${str(m.namespace)}\n`);
  w.write(0, `Selector:\t${selectorString(spec.selector)}\n`);
  w.write(0, `Node-Selector:\t${formatLabels(rec(rec(spec.template).spec).nodeSelector)}\n`);
  printLabels(w, 'Labels', m.labels);
  printAnnotations(w, 'Annotations', m.annotations);
  w.write(0, `Desired Number of Nodes Scheduled: ${int(st.desiredNumberScheduled)}\n`);
  w.write(0, `Current Number of Nodes Scheduled: ${int(st.currentNumberScheduled)}\n`);
  w.write(0, `Number of Nodes Scheduled with Up-to-date Pods: ${int(st.updatedNumberScheduled)}\n`);
  w.write(0, `Number of Nodes Scheduled with Available Pods: ${int(st.numberAvailable)}\n`);
  w.write(0, `Number of Nodes Misscheduled: ${int(st.numberMisscheduled)}\n`);
  w.write(0, `Pods Status:\t${podsStatus(ds, ctx.pods)}\n`);
  describePodTemplate(w, spec.template);
  describeEvents(w, events, now);
  return w.toString();
}

/** Returns `kubectl describe statefulset` output. */
export function describeStatefulSet(ss: unknown, events: readonly unknown[], now: number, ctx: WorkloadContext = {}): string {
  const m = meta(ss);
  const spec = rec(rec(ss).spec);
  const w = new DescribeWriter();
  w.write(0, `Name:\t${str(m.name)}\n`);
  w.write(0, `Namespace:\t${str(m.namespace)}\n`);
  w.write(0, `CreationTimestamp:\t${rfc1123z(m.creationTimestamp)}\n`);
  w.write(0, `Selector:\t${selectorString(spec.selector)}\n`);
  printLabels(w, 'Labels', m.labels);
  printAnnotations(w, 'Annotations', m.annotations);
  w.write(0, `Replicas:\t${int(spec.replicas)} desired | ${int(rec(rec(ss).status).replicas)} total\n`);
  const strategy = rec(spec.updateStrategy);
  w.write(0, `Update Strategy:\t${str(strategy.type)}\n`);
  const ru = rec(strategy.rollingUpdate);
  if (ru.partition != null) {
    w.write(1, `Partition:\t${int(ru.partition)}\n`);
    if (ru.maxUnavailable != null) w.write(1, `MaxUnavailable:\t${intOrString(ru.maxUnavailable)}\n`);
  }
  w.write(0, `Pods Status:\t${podsStatus(ss, ctx.pods)}\n`);
  describePodTemplate(w, spec.template);
  w.write(0, recs(spec.volumeClaimTemplates).length === 0 ? 'Volume Claims:\t<none>\n' : 'Volume Claims:\n');
  for (const pvc of recs(spec.volumeClaimTemplates)) {
    const pm = rec(pvc.metadata);
    const ps = rec(pvc.spec);
    w.write(1, `Name:\t${str(pm.name)}\n`);
    w.write(1, `StorageClass:\t${str(ps.storageClassName)}\n`);
    printLabels(w, 'Labels', pm.labels, '  ');
    printLabels(w, 'Annotations', pm.annotations, '  ');
    const storage = rec(rec(ps.resources).requests).storage;
    w.write(1, `Capacity:\t${storage != null ? str(storage) : '<default>'}\n`);
    w.write(1, `Access Modes:\t[${arr(ps.accessModes).map(str).join(' ')}]\n`);
  }
  describeEvents(w, events, now);
  return w.toString();
}

/** Returns `kubectl describe job` output. */
export function describeJob(job: unknown, events: readonly unknown[], now: number): string {
  const m = meta(job);
  const spec = rec(rec(job).spec);
  const st = rec(rec(job).status);
  const w = new DescribeWriter();
  w.write(0, `Name:\t${str(m.name)}\n`);
  w.write(0, `Namespace:\t${str(m.namespace)}\n`);
  w.write(0, `Selector:\t${selectorString(spec.selector)}\n`);
  printLabels(w, 'Labels', m.labels);
  printAnnotations(w, 'Annotations', m.annotations);
  const controller = controlledBy(job);
  if (controller) w.write(0, `Controlled By:\t${controller}\n`);
  if (spec.parallelism != null) w.write(0, `Parallelism:\t${int(spec.parallelism)}\n`);
  w.write(0, spec.completions != null ? `Completions:\t${int(spec.completions)}\n` : 'Completions:\t<unset>\n');
  if (spec.completionMode != null) w.write(0, `Completion Mode:\t${str(spec.completionMode)}\n`);
  if (spec.suspend != null) w.write(0, `Suspend:\t${spec.suspend === true}\n`);
  if (spec.backoffLimit != null) w.write(0, `Backoff Limit:\t${int(spec.backoffLimit)}\n`);
  if (spec.ttlSecondsAfterFinished != null) w.write(0, `TTL Seconds After Finished:\t${int(spec.ttlSecondsAfterFinished)}\n`);
  const start = timeOf(st.startTime);
  const end = timeOf(st.completionTime);
  if (st.startTime != null) w.write(0, `Start Time:\t${rfc1123z(st.startTime)}\n`);
  if (st.completionTime != null) w.write(0, `Completed At:\t${rfc1123z(st.completionTime)}\n`);
  if (start !== undefined && end !== undefined) w.write(0, `Duration:\t${humanDuration(end - start)}\n`);
  if (spec.activeDeadlineSeconds != null) w.write(0, `Active Deadline Seconds:\t${int(spec.activeDeadlineSeconds)}s\n`);
  const ready = st.ready != null ? ` (${int(st.ready)} Ready)` : '';
  w.write(0, `Pods Statuses:\t${int(st.active)} Active${ready} / ${int(st.succeeded)} Succeeded / ${int(st.failed)} Failed\n`);
  describePodTemplate(w, spec.template);
  describeEvents(w, events, now);
  return w.toString();
}
