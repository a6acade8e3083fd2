// API server failover: three API server replicas serve at once on one shared store (simulated: a
// shared in-memory backend; real: `--store jetstream` on the scenario's nats-server). A steady
// writer creates a ConfigMap per second; each replica in turn is killed -9 while it runs: writes
// are acknowledged again within the stated failover time, the Deployment scales up (every watch
// that was on the dead replica resumed on another) and the runner's caches equal a fresh list; the
// replica restarts and catches up. At the end the others are killed, so the first restarted replica alone serves the
// final list: every acknowledged write must be there.
import type { KubeObject } from '../api/meta.ts';
import type { ScenarioApi } from './api.types.ts';
import { cacheMatchesApi, CreatedObjects } from './consistency.ts';
import { scenario } from './dsl.ts';
import { deployment } from './objects.ts';

const web = 'app=web';
/** The failover budget (DESIGN §8): kill -9 of the serving API server to the first acknowledged write. */
const FAILOVER_BUDGET_MS = 5_000;
const SETTLED = ['pods', 'deployments', 'replicasets', 'nodes'];
const configMap = (name: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default' }, data: { written: name } });

/** The steady writer: one ConfigMap per call, a fresh name each time; remembers what was acknowledged. */
class Writer {
  readonly created = new CreatedObjects();
  readonly acked: string[] = [];
  readonly failed: string[] = [];
  private next = 0;

  constructor(private readonly s: ScenarioApi) {}

  /** Creates one ConfigMap; true when the API acknowledged it. A failed write may or may not have been applied: it is not counted. */
  async write(): Promise<boolean> {
    const name = `w-${String(this.next++).padStart(4, '0')}`;
    try {
      const obj = await this.s.api.create<KubeObject>('configmaps', configMap(name) as KubeObject, { namespace: 'default' });
      this.created.add([obj]);
      this.acked.push(name);
      return true;
    } catch (err) {
      this.failed.push(`${name}: ${(err as Error).message}`);
      return false;
    }
  }

  /** Writes once a second (cluster time) for `n` seconds. */
  async steady(n: number): Promise<void> {
    for (let i = 0; i < n; i++) {
      await this.write();
      await this.s.advance('1s');
    }
  }
}

export default scenario(
  'api server failover',
  {
    nodes: 3,
    replicas: { apiserver: 3 },
    tags: ['faults', 'control-plane', 'store'],
    description: 'three API servers on one shared store, each killed -9 in turn under a steady writer: writes resume within 5 s, nothing acknowledged is lost',
  },
  async (s) => {
    const w = new Writer(s);
    // Real mode: the time to first ack is wall-clock time (process death, NATS noticing, a new request).
    const since = (t0: number) => (s.mode === 'real' ? s.realElapsed() - t0 : s.now() - t0);
    const clockNow = () => (s.mode === 'real' ? s.realElapsed() : s.now());
    const replicas = s.replicas('apiserver');
    // A watch on the dead replica resumes once its heartbeats are overdue: wall-clock periods in real
    // mode (unscaled), so the deadline allows 40 s of wall clock there on top of a cluster minute.
    const resumeWithin = `${60 + (s.mode === 'real' ? 40 * s.timeScale : 0)}s`;

    s.step('deploy a workload and start writing');
    w.created.add(await s.apply(deployment('web', 4)));
    await s.until('4 web pods Running', () => s.pods({ labels: web }).running().count() === 4, { within: '1m' });
    await w.steady(5);
    await s.expect('every write so far was acknowledged', () => w.failed.length === 0 || { ok: false, seen: w.failed.slice(0, 3).join('; ') });

    for (const target of replicas) {
      s.step(`kill -9 ${target} under the writer`);
      await s.crash(target as `apiserver-${number}`);
      const killedAt = clockNow();
      await s.until(`a write is acknowledged again after ${target} died`, () => w.write(), { within: '1m', every: '250ms' });
      const took = since(killedAt);
      s.metric(`${target} killed: first acknowledged write after (${s.mode === 'real' ? 'wall clock' : 'cluster time'})`, took / 1000, 's');
      await s.expect(`writes resumed within the failover budget (${FAILOVER_BUDGET_MS / 1000} s)`, () => took <= FAILOVER_BUDGET_MS || { ok: false, seen: `after ${took / 1000} s` });
      // Every watch that was on the dead replica (controllers', scheduler's, kubelets', the runner's) must resume elsewhere to see this through.
      await s.scale('deployment', 'web', 5);
      const scaledAt = clockNow();
      await s.until('the scale-up converges: 5 web pods Running', () => s.pods({ labels: web }).running().count() === 5, { within: resumeWithin });
      s.metric(`${target} killed: scale-up converged after (${s.mode === 'real' ? 'wall clock' : 'cluster time'})`, since(scaledAt) / 1000, 's');
      await s.until('the runner\'s watches resumed on another replica: its caches equal a fresh list', cacheMatchesApi(s, SETTLED), { within: resumeWithin });
      await w.steady(3);

      s.step(`restart ${target}`);
      await s.restart(target as `apiserver-${number}`);
      await s.scale('deployment', 'web', 4);
      await w.steady(3);
      await s.until('the scale-down converges: 4 web pods, all Running', () => s.pods({ labels: web }).count() === 4 && s.pods({ labels: web }).running().count() === 4, { within: '1m' });
    }

    s.step(`only ${replicas[0]} (restarted, caught up) serves`);
    for (const other of replicas.slice(1)) await s.crash(other as `apiserver-${number}`);
    await s.expect(`every acknowledged write is still there (${w.acked.length} ConfigMaps, the Deployment)`, w.created.allPresent(s));
    await s.expect('the list holds every acknowledged write, each with its content', async () => {
      const items = (await s.api.list<KubeObject & { data?: { written?: string } }>('configmaps', { namespace: 'default' })).items;
      const have = new Map(items.map((o) => [o.metadata.name!, o.data?.written]));
      const lost = w.acked.filter((n) => have.get(n) !== n);
      return lost.length === 0 ? { ok: true, seen: `${w.acked.length} acknowledged, ${w.failed.length} failed, ${items.length} listed` } : { ok: false, seen: `lost or changed: ${lost.slice(0, 5).join(', ')}` };
    });
    await s.until('a write is acknowledged by it', () => w.write(), { within: '30s', every: '250ms' });
    await s.until('the Deployment\'s 4 pods are Running', () => s.pods({ labels: web }).running().count() === 4, { within: '1m' });
    await s.until('the runner\'s caches equal a fresh list', cacheMatchesApi(s, SETTLED), { within: '1m' });
    s.metric('writes acknowledged', w.acked.length, 'writes');
    s.metric('writes failed (not acknowledged)', w.failed.length, 'writes');
    for (const other of replicas.slice(1)) await s.restart(other as `apiserver-${number}`);
  },
);
