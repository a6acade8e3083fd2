// `npm run bench -- api --audit`: the cost of the audit log on API create at concurrency 1: an API
// server without audit against ones auditing every request at Metadata and at RequestResponse level
// into a real file (the buffered writer of runtime/audit-log.ts), A/B/C interleaved in rounds in each
// run so load changes hit all alike; medians of the runs' p50s.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { apiserverActor } from '../actors/apiserver/apiserver.actor.ts';
import { MemoryStore } from '../actors/apiserver/store/index.ts';
import { Auditor } from '../api/audit-event.ts';
import { checkPolicy, type AuditLevel } from '../api/audit-policy.ts';
import { realClock } from '../bus/clock.ts';
import { ApiClient } from '../bus/client.ts';
import { NatsBus } from '../bus/nats-bus.ts';
import { cryptoRng } from '../bus/random.ts';
import { silentLogger, type Bus } from '../bus/types.ts';
import { AuditLogWriter } from '../runtime/audit-log.ts';
import { serving } from '../runtime/control-plane.ts';
import { Host } from '../runtime/host.ts';
import { startNatsServer } from '../runtime/nats-server.ts';
import { benchPod, measure } from './latency.ts';
import { median, report, type Figure } from './report.ts';

const MODES = ['off', 'Metadata', 'RequestResponse'] as const;
type Mode = (typeof MODES)[number];

/** A nats-server, an API server on it (auditing at `mode` into a file in `dir`) and a client. */
async function side(mode: Mode, dir: string) {
  const nats = await startNatsServer();
  const buses: Bus[] = [];
  const connect = async (name: string) => {
    const b = await NatsBus.connect({ servers: nats.url, name, credentials: null });
    buses.push(b);
    return b;
  };
  const writer = mode === 'off' ? undefined : new AuditLogWriter(join(dir, `${mode}.log`));
  const rng = cryptoRng();
  const policy = () => checkPolicy({ apiVersion: 'audit.k8s.io/v1', kind: 'Policy', rules: [{ level: mode as AuditLevel }] });
  const audit = writer && new Auditor(policy(), writer, () => realClock.now(), () => rng.uuid());
  const serverBus = await connect('control-plane');
  const host = new Host({ bus: serverBus, clock: realClock, rng, log: silentLogger });
  await serving(host.start(apiserverActor, 'apiserver', { store: new MemoryStore(), audit }));
  await serverBus.flush();
  const client = new ApiClient(await connect('client'));
  return {
    client,
    writer,
    async stop() {
      await host.stopAll();
      for (const b of buses) await b.close();
      await nats.stop();
      await writer?.close();
    },
  };
}

/** Measures the three modes in interleaved rounds per run; prints p50/p99 and the ratios to no audit. */
export async function auditBench(runs: number, ops: number, log: (m: string) => void): Promise<boolean> {
  const dir = mkdtempSync(join(tmpdir(), 'kubus-bench-audit-'));
  const p50: Record<Mode, number[]> = { off: [], Metadata: [], RequestResponse: [] };
  const p99: Record<Mode, number[]> = { off: [], Metadata: [], RequestResponse: [] };
  let bytes = 0;
  try {
    for (let run = 1; run <= runs; run++) {
      log(`run ${run}: API create without audit, at Metadata and at RequestResponse, in rounds ...`);
      const sides = { off: await side('off', dir), Metadata: await side('Metadata', dir), RequestResponse: await side('RequestResponse', dir) };
      try {
        for (const m of MODES) await measure(300, 1, (i) => sides[m].client.create('pods', benchPod(`warm-${run}-${i}`)));
        const rounds = 4;
        const per = Math.ceil(ops / rounds);
        const runP50: Record<Mode, number[]> = { off: [], Metadata: [], RequestResponse: [] };
        const runP99: Record<Mode, number[]> = { off: [], Metadata: [], RequestResponse: [] };
        for (let r = 0; r < rounds; r++) {
          // The order rotates each round.
          const order = [...MODES.slice(r % 3), ...MODES.slice(0, r % 3)];
          for (const m of order) {
            const l = await measure(per, 1, (i) => sides[m].client.create('pods', benchPod(`r${run}-${r}-${i}`)));
            runP50[m].push(l.p50);
            runP99[m].push(l.p99);
          }
        }
        for (const m of MODES) {
          p50[m].push(median(runP50[m]));
          p99[m].push(median(runP99[m]));
        }
      } finally {
        for (const m of MODES) await sides[m].stop();
      }
      bytes = statSync(join(dir, 'RequestResponse.log')).size;
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const off = median(p50.off);
  const figures: Figure[] = MODES.flatMap((m): Figure[] => [
    { name: `API create p50 (c=1), audit ${m}`, value: median(p50[m]), unit: 'ms', higherIsBetter: false, anchor: m === 'off' ? 'no --audit-log' : `${(median(p50[m]) / off).toFixed(2)}x of no audit` },
    { name: `API create p99 (c=1), audit ${m}`, value: median(p99[m]), unit: 'ms', higherIsBetter: false },
  ]);
  figures.push({ name: 'audit log size per create at RequestResponse (last run)', value: Math.round(bytes / (ops + 300)), unit: 'bytes', higherIsBetter: false, anchor: 'two events per request' });
  return report(`API create with audit (memory store, open bus; medians of ${runs} runs, ${ops} creates per mode per run, interleaved in 4 rounds)`, figures);
}
