// CronJob controller benchmark: the controller's CPU (share of one core) with --cronjobs CronJobs
// on 1-minute schedules. The controller runs alone in a child process (this file with --child) on
// NATS; the API server and a stand-in for the Job controller (each new Job is marked Complete 5 s
// after it appears, so the history limit deletes one Job per CronJob per minute) run in this
// process. After --warmup minutes (history full: create, complete, delete every minute), the
// child's CPU is read from /proc over --windows one-minute windows; the figure is their median.
// There is no upstream figure for it: the anchor is DESIGN §8's per-component budget, the 10 % of
// a core that heartbeats may take at 5,000 nodes.
// Run: npm run bench -- cronjob [--cronjobs 1000] [--warmup 4] [--windows 3]
import { spawn } from 'node:child_process';
import { apiserverActor } from '../actors/apiserver/apiserver.actor.ts';
import { MemoryStore } from '../actors/apiserver/store/index.ts';
import { cronJobController } from '../actors/controllers/cronjob/cronjob.controller.ts';
import type { Job } from '../api/kinds/job.ts';
import type { KubeObject } from '../api/meta.ts';
import { rfc3339 } from '../api/names.ts';
import { realClock } from '../bus/clock.ts';
import { ApiClient } from '../bus/client.ts';
import { NatsBus } from '../bus/nats-bus.ts';
import { cryptoRng } from '../bus/random.ts';
import { silentLogger } from '../bus/types.ts';
import { serving } from '../runtime/control-plane.ts';
import { Host } from '../runtime/host.ts';
import { startNatsServer } from '../runtime/nats-server.ts';
import { usage } from './real-nodes.ts';
import { arg, median, report } from './report.ts';

const CRONJOBS = Number(arg('cronjobs', '1000'));
const WARMUP_MIN = Number(arg('warmup', '4'));
const WINDOWS = Number(arg('windows', '3'));
const log = (m: string) => console.log(`[cronjob bench] ${m}`);
const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Returns CPU seconds (user + system) a process has used, from /proc. */
const procCpu = (pid: number): number => usage(pid).cpuMs / 1000;

if (process.argv.includes('--child')) {
  // The controller alone, on its own NATS connection.
  const bus = await NatsBus.connect({ servers: arg('nats', ''), name: 'cronjob-controller' });
  const host = new Host({ bus, clock: realClock, rng: cryptoRng(), log: silentLogger });
  host.start(cronJobController, 'controller/cronjob', undefined);
  process.on('SIGTERM', () => void host.stopAll().then(() => bus.close()).finally(() => process.exit(0)));
} else {
  const cronJob = (i: number): KubeObject => ({
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name: `cj-${i}`, namespace: 'default' },
    spec: { schedule: '* * * * *', jobTemplate: { spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } } } } },
  });
  const nats = await startNatsServer();
  const bus = await NatsBus.connect({ servers: nats.url, name: 'control-plane' });
  const host = new Host({ bus, clock: realClock, rng: cryptoRng(), log: silentLogger });
  await serving(host.start(apiserverActor, 'apiserver', { store: new MemoryStore() }));
  const client = new ApiClient(bus, { timeoutMs: 60_000 });
  // The Job controller's part: each new Job completes 5 s later.
  let completed = 0;
  const finish = async (job: Job) => {
    const now = rfc3339(Date.now());
    const status = { startTime: job.metadata.creationTimestamp, completionTime: now, succeeded: 1, conditions: [{ type: 'Complete', status: 'True', lastTransitionTime: now }] };
    try {
      await client.updateStatus('jobs', { ...job, status } as KubeObject);
      completed++;
    } catch (err) {
      log(`could not complete ${job.metadata.name}: ${(err as Error).message}`);
    }
  };
  const w = await client.watch('jobs', { namespace: 'default' }, {
    event: (ev) => ev.type === 'ADDED' && void setTimeout(() => void finish(ev.object as Job), 5_000),
    end: (reason) => reason !== 'stopped' && log(`jobs watch ended: ${reason}`),
  });
  for (let i = 0; i < CRONJOBS; i += 100) await Promise.all(Array.from({ length: Math.min(100, CRONJOBS - i) }, (_, k) => client.create('cronjobs', cronJob(i + k))));
  log(`${CRONJOBS} CronJobs ("* * * * *") created; starting the controller`);
  const child = spawn(process.execPath, ['--import', 'tsx', import.meta.filename, '--child', '--nats', nats.url], { stdio: 'inherit' });
  try {
    log(`warm-up: ${WARMUP_MIN} minute(s)`);
    await wait(WARMUP_MIN * 60_000);
    const shares: number[] = [];
    const self: number[] = [];
    for (let i = 0; i < WINDOWS; i++) {
      const [c0, s0, j0, t0] = [procCpu(child.pid!), procCpu(process.pid), completed, performance.now()];
      await wait(60_000);
      const secs = (performance.now() - t0) / 1000;
      shares.push(((procCpu(child.pid!) - c0) / secs) * 100);
      self.push(((procCpu(process.pid) - s0) / secs) * 100);
      log(`  window ${i + 1}/${WINDOWS}: controller ${shares[i].toFixed(1)}% of a core; API server + NATS client + Job stand-in ${self[i].toFixed(1)}%; ${completed - j0} Jobs completed`);
    }
    const jobs = (await client.list('jobs', { namespace: 'default' })).items.length;
    log(`Jobs stored at the end: ${jobs} (history limit 3 per CronJob, plus the running ones)`);
    report(`CronJob controller cost, ${CRONJOBS.toLocaleString('en-US')} CronJobs on 1-minute schedules (median of ${WINDOWS} one-minute windows)`, [
      { name: 'controller CPU', value: median(shares), unit: '% core', budget: 10, higherIsBetter: false, anchor: 'no upstream figure; DESIGN §8 per-component budget: heartbeats ≤ 10% of a core at 5,000 nodes' },
      { name: '  API server process (context)', value: median(self), unit: '% core', higherIsBetter: false, anchor: 'API server, NATS client, the Job stand-in' },
    ]);
  } finally {
    child.kill('SIGTERM');
    w.stop();
    await host.stopAll();
    await bus.close();
    await nats.stop();
  }
  process.exit(0);
}
