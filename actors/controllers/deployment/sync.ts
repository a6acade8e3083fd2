// The Deployment controller's writes during one sync (upstream sync.go): scaling ReplicaSets with
// their Events, cleaning up old revisions, and writing the status. Each write's result replaces
// the stale copy, so later steps of the same sync build on it (no self-inflicted conflicts).
import type { Deployment, DeploymentStatus } from '../../../api/kinds/deployment.ts';
import type { Pod } from '../../../api/kinds/pod.ts';
import type { ReplicaSet } from '../../../api/kinds/replicaset.ts';
import { isNotFound } from '../../../api/status.ts';
import type { ControllerContext } from '../../lib/controller.ts';
import { replicasAnnotationsNeedUpdate, setReplicasAnnotationsFor } from './annotations.ts';
import { REVISION } from './constants.ts';
import { byRevision, findOldReplicaSets, hasRevisionHistoryLimit, maxSurge, replicas } from './deployment.util.ts';
import { calculateStatus, progressCheckIn, rolloutStatus, sameStatus } from './progress.ts';
import type { ScalePlan } from './scale.ts';

/** One sync of one Deployment: its current copy, its ReplicaSets and pods, and the writes made so far. */
export class DeploymentSync {
  /** When to look at the Deployment again (progress deadline), in ms; set by syncRolloutStatus. */
  checkInMs: number | undefined;

  constructor(
    readonly ctx: ControllerContext,
    public d: Deployment,
    /** The ReplicaSets the Deployment controls (after claiming); updated as writes return. */
    public rsList: ReplicaSet[],
    /** Pods by the uid of the ReplicaSet that controls them. */
    readonly podMap: ReadonlyMap<string, readonly Pod[]>,
    readonly now: number,
  ) {}

  get client() {
    return this.ctx.deps.client;
  }

  /** Replaces the copy of a ReplicaSet after a write (or adds a created one); returns it. */
  remember(rs: ReplicaSet): ReplicaSet {
    const i = this.rsList.findIndex((x) => x.metadata.uid === rs.metadata.uid);
    if (i >= 0) this.rsList[i] = rs;
    else this.rsList.push(rs);
    return rs;
  }

  /** Returns the latest copy of a ReplicaSet (steps may refer to one written earlier in this sync). */
  latest(rs: ReplicaSet): ReplicaSet {
    return this.rsList.find((x) => x.metadata.uid === rs.metadata.uid) ?? rs;
  }

  /** Writes the Deployment's status; the result becomes the current copy. */
  async writeStatus(status: DeploymentStatus): Promise<void> {
    this.d = await this.client.updateStatus<Deployment>('deployments', { ...this.d, status });
  }

  /** Sets the Deployment's revision annotation (a metadata patch: our status writes keep metadata as it is). */
  async setRevision(revision: string): Promise<void> {
    if (this.d.metadata.annotations?.[REVISION] === revision) return;
    this.d = await this.client.patch<Deployment>('deployments', this.d.metadata.name!, { metadata: { annotations: { [REVISION]: revision } } }, { namespace: this.d.metadata.namespace });
  }

  /** Scales a ReplicaSet and refreshes its replicas annotations; records ScalingReplicaSet when the size changed (scaleReplicaSet). */
  async scaleReplicaSet(rs: ReplicaSet, to: number, operation: string): Promise<boolean> {
    rs = this.latest(rs);
    const sizeChanged = replicas(rs) !== to;
    if (!sizeChanged && !replicasAnnotationsNeedUpdate(rs, replicas(this.d), replicas(this.d) + maxSurge(this.d))) return false;
    const from = replicas(rs);
    const copy = structuredClone(rs);
    copy.spec.replicas = to;
    setReplicasAnnotationsFor(copy, this.d);
    const written = this.remember(await this.client.update<ReplicaSet>('replicasets', copy));
    if (sizeChanged) this.ctx.events.record(this.d, 'Normal', 'ScalingReplicaSet', `Scaled ${operation} replica set ${written.metadata.name} to ${to} from ${from}`);
    return sizeChanged;
  }

  /** Scales a ReplicaSet unless it already has that size (scaleReplicaSetAndRecordEvent); returns whether it scaled. */
  async scaleAndRecord(rs: ReplicaSet, to: number): Promise<boolean> {
    rs = this.latest(rs);
    if (replicas(rs) === to) return false;
    return this.scaleReplicaSet(rs, to, replicas(rs) < to ? 'up' : 'down');
  }

  /** Applies a scaling plan in order. */
  async applyScale(plan: ScalePlan): Promise<void> {
    for (const s of plan.steps) {
      if (plan.kind === 'record') await this.scaleAndRecord(s.rs, s.to);
      else await this.scaleReplicaSet(s.rs, s.to, plan.operation);
    }
  }

  /** Deletes the oldest fully scaled-down ReplicaSets beyond revisionHistoryLimit (cleanupDeployment). */
  async cleanupDeployment(oldRSs: readonly ReplicaSet[]): Promise<void> {
    if (!hasRevisionHistoryLimit(this.d)) return;
    const cleanable = oldRSs.map((rs) => this.latest(rs)).filter((rs) => !rs.metadata.deletionTimestamp);
    const diff = cleanable.length - this.d.spec.revisionHistoryLimit!;
    if (diff <= 0) return;
    cleanable.sort(byRevision);
    for (const rs of cleanable.slice(0, diff)) {
      // Only a ReplicaSet with no pods, no desired pods, and whose controller has seen that.
      if ((rs.status?.replicas ?? 0) !== 0 || replicas(rs) !== 0 || (rs.metadata.generation ?? 0) > (rs.status?.observedGeneration ?? 0)) continue;
      try {
        await this.client.delete('replicasets', rs.metadata.name!, { namespace: rs.metadata.namespace });
        this.rsList = this.rsList.filter((x) => x.metadata.uid !== rs.metadata.uid);
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
  }

  /** Writes the status the ReplicaSets add up to, when it changed (syncDeploymentStatus). */
  async syncDeploymentStatus(allRSs: ReadonlyArray<ReplicaSet | undefined>, newRS: ReplicaSet | undefined): Promise<void> {
    const status = calculateStatus(allRSs.map((rs) => rs && this.latest(rs)), newRS && this.latest(newRS), this.d, this.now);
    if (!sameStatus(this.d.status, status)) await this.writeStatus(status);
  }

  /** Writes the status with the Progressing condition brought up to date, and notes when to check the deadline (syncRolloutStatus). */
  async syncRolloutStatus(allRSs: ReadonlyArray<ReplicaSet | undefined>, newRS: ReplicaSet | undefined): Promise<void> {
    const status = rolloutStatus(allRSs.map((rs) => rs && this.latest(rs)), newRS && this.latest(newRS), this.d, this.now);
    if (sameStatus(this.d.status, status)) this.checkInMs = progressCheckIn(this.d, status, this.now);
    else await this.writeStatus(status);
  }

  /** Returns the old ReplicaSets (all but the one whose template is the Deployment's). */
  oldReplicaSets(): ReplicaSet[] {
    return findOldReplicaSets(this.d, this.rsList);
  }
}
