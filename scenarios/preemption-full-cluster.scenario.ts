// High-priority pods on a cluster full of low-priority ones: the scheduler preempts as upstream
// (nominatedNodeName, DisruptionTarget on the victims, graceful deletion, Preempted events) and
// the figure the issue asks for: cluster time from a high-priority pod's creation to its binding.
import { scenario } from './dsl.ts';
import { deployment, pod } from './objects.ts';
import type { KubeObject } from '../api/meta.ts';
import type { Pod } from '../api/kinds/pod.ts';

const priorityClass = (name: string, value: number, extra: Record<string, unknown> = {}): KubeObject =>
  ({ apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name }, value, ...extra }) as KubeObject;

const CRITICAL = ['critical-0', 'critical-1'];

const pdb = {
  apiVersion: 'policy/v1',
  kind: 'PodDisruptionBudget',
  metadata: { name: 'guarded', namespace: 'default' },
  spec: { minAvailable: 3, selector: { matchLabels: { app: 'guarded' } } },
} as KubeObject;

export default scenario(
  'preemption on a full cluster',
  {
    nodes: [{ count: 3, capacity: { cpu: '4', memory: '16Gi', pods: '110' } }],
    tags: ['scheduling', 'priority'],
    description: 'six 2-cpu low-priority pods (three under a PDB) fill three 4-cpu nodes; two 2-cpu high-priority pods preempt one unguarded pod each and run',
  },
  async (s) => {
    const scheduled = (name: string) => s.get<Pod>('pod', name)?.status?.conditions?.find((c) => c.type === 'PodScheduled');
    const disrupted = new Set<string>();
    const boundAt = new Map<string, number>();
    const nominated = new Map<string, string>();
    let victimsGoneAt = NaN;
    s.on<Pod>('pods', {
      update: (_, p) => {
        const name = p.metadata.name!;
        if (p.status?.conditions?.some((c) => c.type === 'DisruptionTarget' && c.reason === 'PreemptionByScheduler')) disrupted.add(name);
        if (p.spec.nodeName && !boundAt.has(name)) boundAt.set(name, s.now());
        if (p.status?.nominatedNodeName && !nominated.has(name)) nominated.set(name, p.status.nominatedNodeName);
      },
      delete: (p) => {
        if (disrupted.has(p.metadata.name!)) victimsGoneAt = s.now();
      },
    });

    s.step('priority classes and a full cluster of low-priority pods, half of them under a PDB');
    await s.apply([priorityClass('batch-low', 100), priorityClass('critical', 1_000_000), priorityClass('critical-never', 1_000_000, { preemptionPolicy: 'Never' })]);
    const low = { requests: { cpu: '2' }, spec: { priorityClassName: 'batch-low' } };
    await s.apply([deployment('batch', 3, low), deployment('guarded', 3, low), pdb]);
    await s.until('6 low-priority pods Running', () => s.pods({ labels: 'app in (batch,guarded)' }).running().count() === 6, { within: '2m' });
    await s.expect('the admission gave them priority 100', () => s.pods({ labels: 'app in (batch,guarded)' }).items().every((p) => p.spec.priority === 100));
    await s.until('the PDB allows no disruption', async () => {
      const b = await s.api.get<KubeObject & { status?: { disruptionsAllowed?: number; currentHealthy?: number } }>('poddisruptionbudgets', 'guarded', { namespace: 'default' });
      return { ok: b.status?.currentHealthy === 3 && b.status.disruptionsAllowed === 0, seen: JSON.stringify(b.status ?? {}) };
    }, { within: '1m' });

    s.step('a high-priority pod that may not preempt waits');
    await s.apply(pod('patient', { requests: { cpu: '2' }, spec: { priorityClassName: 'critical-never' } }));
    await s.until('patient is Unschedulable', () => scheduled('patient')?.reason === 'Unschedulable', { within: '30s' });
    await s.expect('its message says preemptionPolicy=Never', () => ({
      ok: scheduled('patient')?.message === '0/3 nodes are available: 3 Insufficient cpu. preemption: not eligible due to preemptionPolicy=Never.',
      seen: scheduled('patient')?.message,
    }));
    await s.delete('pod', 'patient');

    s.step('two high-priority pods preempt one low-priority pod each');
    const created = s.now();
    await s.apply(CRITICAL.map((n) => pod(n, { requests: { cpu: '2' }, spec: { priorityClassName: 'critical' } })));
    await s.until('both nominated to a node (status.nominatedNodeName)', () => CRITICAL.every((n) => nominated.has(n)), { within: '30s' });
    await s.expect('while unbound, with no post-filter part in the message', () => CRITICAL.every((n) => !s.get<Pod>('pod', n)?.spec.nodeName && scheduled(n)?.message === '0/3 nodes are available: 3 Insufficient cpu.'));
    await s.until('both Running on their nominated node', () => ({
      ok: CRITICAL.every((n) => s.get<Pod>('pod', n)?.status?.phase === 'Running' && s.get<Pod>('pod', n)?.spec.nodeName === nominated.get(n)),
      seen: CRITICAL.map((n) => `${n}: ${s.get<Pod>('pod', n)?.spec.nodeName ?? 'unbound'}/${nominated.get(n)}`).join(', '),
    }), { within: '2m' });
    for (const n of CRITICAL) s.metric(`${n}: created → bound (cluster)`, (boundAt.get(n) ?? NaN) - created, 'ms');
    s.metric('created → last victim gone (cluster)', victimsGoneAt - created, 'ms');
    await s.expect('on two different nodes', () => new Set(CRITICAL.map((n) => s.get<Pod>('pod', n)?.spec.nodeName)).size === 2);
    await s.expect('exactly two victims, each with DisruptionTarget=PreemptionByScheduler', () => ({ ok: disrupted.size === 2, seen: [...disrupted].join(',') }));
    await s.expect('both from the unguarded deployment: the PDB is respected', () => ({ ok: [...disrupted].every((n) => n.startsWith('batch-')), seen: [...disrupted].join(',') }));
    await s.expect('the 3 guarded pods still Running', () => s.pods({ labels: 'app=guarded' }).running().count() === 3);
    await s.eventually('a Preempted event per victim, naming the preemptor and node', () => {
      const evs = s.events({ reason: 'Preempted' }).items();
      const uids = new Set(CRITICAL.map((n) => s.get<Pod>('pod', n)?.metadata.uid));
      const ok = evs.length === 2 && evs.every((e) => [...uids].some((u) => e.message?.startsWith(`Preempted by pod ${u} on node `)));
      return { ok, seen: evs.map((e) => e.message).join(' | ') };
    });

    s.step('the victims come back but find no room');
    await s.until('1 batch pod Running, 2 Pending', () => s.pods({ labels: 'app=batch' }).running().count() === 1 && s.pods({ labels: 'app=batch' }).pending().count() === 2, { within: '1m' });
    const pendingMsg = () => s.pods({ labels: 'app=batch' }).pending().items().map((p) => p.status?.conditions?.find((c) => c.type === 'PodScheduled')?.message);
    await s.eventually('they may not preempt their peers or the critical pods', () => ({
      ok: pendingMsg().every((m) => m === '0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.'),
      seen: pendingMsg().join(' | '),
    }));
  },
);
