// `kubectl describe` of persistent volumes, claims and storage classes (upstream
// PersistentVolumeDescriber, PersistentVolumeClaimDescriber, StorageClassDescriber).
import { accessModesString, ANN_DEFAULT_CLASS } from '../../api/kinds/storage.ts';
import { quantity } from '../../api/table/columns-storage.ts';
import { arr, formatLabels, rec, recs, str, type Obj } from '../../api/table/loose.ts';
import { since } from './duration.ts';
import { describeEvents, DescribeWriter, printAnnotations, printLabels } from './describe-writer.ts';

const meta = (o: unknown): Obj => rec(rec(o).metadata);
const modes = (v: unknown) => accessModesString(arr(v).map((m) => str(m)));

function writeStatus(w: DescribeWriter, o: unknown, now: number): void {
  const del = meta(o).deletionTimestamp;
  w.write(0, del ? `Status:\tTerminating (lasts ${since(del, now)})\n` : `Status:\t${str(rec(rec(o).status).phase)}\n`);
}

const finalizers = (o: unknown) => `Finalizers:\t[${arr(meta(o).finalizers).map((f) => str(f)).join(' ')}]\n`;

/** Prints a volume's node affinity as printVolumeNodeAffinity: "Required Terms:" then each term's expressions. */
function printNodeAffinity(w: DescribeWriter, na: unknown): void {
  w.write(0, 'Node Affinity:\t');
  const req = rec(na).required;
  if (!req) return w.line('<none>');
  w.line('');
  const terms = recs(rec(req).nodeSelectorTerms);
  w.write(1, 'Required Terms:\t');
  if (terms.length === 0) return w.line('<none>');
  w.line('');
  terms.forEach((t, i) => {
    w.write(2, `Term ${i}:\t`);
    const exprs = recs(t.matchExpressions);
    if (exprs.length === 0) return w.line('<none>');
    exprs.forEach((e, j) => {
      if (j !== 0) w.write(2, '\t');
      const values = arr(e.values).map((v) => str(v));
      const expr = `${str(e.key)} ${str(e.operator).toLowerCase()}`;
      w.write(0, `${values.length ? `${expr} [${values.join(', ')}]` : expr}\n`);
    });
  });
}

function printSource(w: DescribeWriter, spec: Obj): void {
  w.write(0, 'Source:\n');
  if (spec.hostPath) {
    const hp = rec(spec.hostPath);
    w.write(2, `Type:\tHostPath (bare host directory volume)\n    Path:\t${str(hp.path)}\n    HostPathType:\t${str(hp.type) || '<none>'}\n`);
  } else if (spec.local) {
    w.write(2, `Type:\tLocalVolume (a persistent volume backed by local storage on a node)\n    Path:\t${str(rec(spec.local).path)}\n`);
  } else if (spec.nfs) {
    const n = rec(spec.nfs);
    w.write(2, `Type:\tNFS (an NFS mount that lasts the lifetime of a pod)\n    Server:\t${str(n.server)}\n    Path:\t${str(n.path)}\n    ReadOnly:\t${n.readOnly === true}\n`);
  } else if (spec.csi) {
    const c = rec(spec.csi);
    w.write(2, `Type:\tCSI (a Container Storage Interface (CSI) volume source)\n    Driver:\t${str(c.driver)}\n    VolumeHandle:\t${str(c.volumeHandle)}\n`);
  }
}

/** Returns the description of a persistent volume. */
export function describePersistentVolume(pv: unknown, events: readonly unknown[], now: number): string {
  const spec = rec(rec(pv).spec);
  const w = new DescribeWriter();
  w.write(0, `Name:\t${str(meta(pv).name)}\n`);
  printLabels(w, 'Labels', meta(pv).labels);
  printAnnotations(w, 'Annotations', meta(pv).annotations);
  w.write(0, finalizers(pv));
  w.write(0, `StorageClass:\t${str(spec.storageClassName)}\n`);
  writeStatus(w, pv, now);
  const ref = rec(spec.claimRef);
  w.write(0, `Claim:\t${spec.claimRef ? `${str(ref.namespace)}/${str(ref.name)}` : ''}\n`);
  w.write(0, `Reclaim Policy:\t${str(spec.persistentVolumeReclaimPolicy)}\n`);
  w.write(0, `Access Modes:\t${modes(spec.accessModes)}\n`);
  if (spec.volumeMode) w.write(0, `VolumeMode:\t${str(spec.volumeMode)}\n`);
  w.write(0, `Capacity:\t${quantity(rec(spec.capacity).storage)}\n`);
  printNodeAffinity(w, spec.nodeAffinity);
  w.write(0, `Message:\t${str(rec(rec(pv).status).message)}\n`);
  printSource(w, spec);
  describeEvents(w, events, now);
  return w.toString();
}

/** Returns the names of the pods that mount a claim (upstream getPodsForPVC). */
function podsUsing(pvc: unknown, pods: readonly unknown[]): string[] {
  const name = str(meta(pvc).name);
  const ns = str(meta(pvc).namespace);
  return pods
    .filter((p) => str(meta(p).namespace) === ns && recs(rec(rec(p).spec).volumes).some((v) => str(rec(v.persistentVolumeClaim).claimName) === name))
    .map((p) => str(meta(p).name));
}

/** Returns the description of a claim; ctx.pods (of its namespace) gives "Used By". */
export function describePersistentVolumeClaim(pvc: unknown, events: readonly unknown[], now: number, ctx: { pods?: readonly unknown[] } = {}): string {
  const spec = rec(rec(pvc).spec);
  const status = rec(rec(pvc).status);
  const w = new DescribeWriter();
  w.write(0, `Name:\t${str(meta(pvc).name)}\n`);
  w.write(0, `Namespace:\t${str(meta(pvc).namespace)}\n`);
  w.write(0, `StorageClass:\t${str(spec.storageClassName)}\n`);
  writeStatus(w, pvc, now);
  w.write(0, `Volume:\t${str(spec.volumeName)}\n`);
  printLabels(w, 'Labels', meta(pvc).labels);
  printAnnotations(w, 'Annotations', meta(pvc).annotations);
  w.write(0, finalizers(pvc));
  const bound = str(spec.volumeName) !== '';
  w.write(0, `Capacity:\t${bound ? quantity(rec(status.capacity).storage) : ''}\n`);
  w.write(0, `Access Modes:\t${bound ? modes(status.accessModes) : ''}\n`);
  if (spec.volumeMode) w.write(0, `VolumeMode:\t${str(spec.volumeMode)}\n`);
  const users = podsUsing(pvc, ctx.pods ?? []);
  w.write(0, 'Used By:\t');
  if (users.length === 0) w.line('<none>');
  else users.forEach((n, i) => w.write(0, `${i ? '\t' : ''}${n}\n`));
  describeEvents(w, events, now);
  return w.toString();
}

const boolPtr = (v: unknown) => (v === true ? 'True' : v === false ? 'False' : '<unset>');

/** Returns the description of a storage class. */
export function describeStorageClass(sc: unknown, events: readonly unknown[], now: number): string {
  const o = rec(sc);
  const w = new DescribeWriter();
  w.write(0, `Name:\t${str(meta(sc).name)}\n`);
  w.write(0, `IsDefaultClass:\t${rec(meta(sc).annotations)[ANN_DEFAULT_CLASS] === 'true' ? 'Yes' : 'No'}\n`);
  w.write(0, `Annotations:\t${formatLabels(meta(sc).annotations)}\n`);
  w.write(0, `Provisioner:\t${str(o.provisioner)}\n`);
  w.write(0, `Parameters:\t${formatLabels(o.parameters)}\n`);
  w.write(0, `AllowVolumeExpansion:\t${boolPtr(o.allowVolumeExpansion)}\n`);
  const mo = arr(o.mountOptions).map((m) => str(m));
  w.write(0, `MountOptions:${mo.length ? '\n' + mo.map((m) => `  ${m}\n`).join('') : '\t<none>\n'}`);
  if (o.reclaimPolicy) w.write(0, `ReclaimPolicy:\t${str(o.reclaimPolicy)}\n`);
  if (o.volumeBindingMode) w.write(0, `VolumeBindingMode:\t${str(o.volumeBindingMode)}\n`);
  describeEvents(w, events, now);
  return w.toString();
}
