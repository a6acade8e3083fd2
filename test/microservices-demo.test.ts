// A public app, unchanged: Google's microservices-demo (examples/microservices-demo.yaml) applied with
// the real kubectl to a kubus cluster in this process (gateway, scheduler, controllers, two sim nodes,
// real clock); every Deployment rolls out and every Service gets a ClusterIP and Endpoints.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { parseAllDocuments } from 'yaml';
import { kubeletActor } from '../actors/kubelet/kubelet.actor.ts';
import { schedulerActor } from '../actors/scheduler/scheduler.actor.ts';
import { startControllerManager } from '../runtime/controller-manager.ts';
import { KUBECTL, startGateway, type GatewayEnv } from './helpers/gateway.ts';
import { waitFor } from './helpers/wait.ts';

const MANIFEST = join(import.meta.dirname, '..', 'examples', 'microservices-demo.yaml');

/** The manifest's objects as [kind, name]. */
const objects = parseAllDocuments(readFileSync(MANIFEST, 'utf8'))
  .map((d) => d.toJS() as { kind?: string; metadata?: { name: string } } | null)
  .filter((o) => o?.kind)
  .map((o) => [o!.kind!, o!.metadata!.name] as const);
const names = (kind: string) => objects.filter(([k]) => k === kind).map(([, n]) => n);

/** Runs kubectl with a timeout of its own (rollouts wait on probes' initial delays, up to 20 s here). */
const kubectl = (g: GatewayEnv, args: string[], timeoutMs: number) =>
  new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    const base = ['--kubeconfig', g.kubeconfig, '--cache-dir', join(g.dir, 'cache')];
    execFile(KUBECTL, [...base, ...args], { env: { PATH: process.env.PATH, HOME: g.dir }, timeout: timeoutMs }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });

test('microservices demo - kubectl apply of Online Boutique: every Deployment rolls out, every Service gets a ClusterIP and Endpoints', async (t) => {
  t.timeout(110_000);
  const g = await startGateway(t);
  const cp = g.process('control-plane');
  cp.start(schedulerActor, 'scheduler', undefined);
  startControllerManager(cp);
  for (const n of ['n1', 'n2']) g.process(`node/${n}`).start(kubeletActor, `kubelet/${n}`, { nodeName: n });
  await waitFor(async () => (await g.client.list('nodes')).items.length === 2, 'nodes registered');

  const applied = await kubectl(g, ['apply', '-f', MANIFEST], 30_000);
  t.is(applied.code, 0, applied.stderr);
  t.is(applied.stderr, '');
  const deployments = names('Deployment');
  const services = names('Service');
  t.is(deployments.length, 12);
  t.is(services.length, 12);
  for (const d of deployments) t.true(applied.stdout.includes(`deployment.apps/${d} created\n`), applied.stdout);
  for (const s of services) t.true(applied.stdout.includes(`service/${s} created\n`), applied.stdout);

  // All roll out at once: waiting on each in turn costs no more than the slowest.
  for (const d of deployments) {
    const r = await kubectl(g, ['rollout', 'status', `deployment/${d}`, '--timeout=80s'], 85_000);
    t.is(r.code, 0, `${d}: ${r.stderr}`);
    t.regex(r.stdout, new RegExp(`deployment "${d}" successfully rolled out\\n$`));
  }

  const svc = JSON.parse((await kubectl(g, ['get', 'services', '-o', 'json'], 20_000)).stdout) as { items: Array<{ metadata: { name: string }; spec: { clusterIP?: string } }> };
  for (const s of services) t.regex(svc.items.find((i) => i.metadata.name === s)?.spec.clusterIP ?? '', /^\d+\.\d+\.\d+\.\d+$/, s);
  // Endpoints follow pod readiness: wait until each Service lists a ready address on its target port.
  for (const s of services) {
    const ep = await waitFor(async () => {
      const r = await kubectl(g, ['get', 'endpoints', s, '-o', 'json'], 20_000);
      const e = r.code === 0 ? (JSON.parse(r.stdout) as { subsets?: Array<{ addresses?: Array<{ ip: string }>; ports?: Array<{ port: number }> }> }) : undefined;
      return e?.subsets?.[0]?.addresses?.length ? e : undefined;
    }, `endpoints of ${s}`, 20_000, 200);
    t.regex(ep.subsets![0].addresses![0].ip, /^\d+\.\d+\.\d+\.\d+$/, s);
  }
  const frontend = await g.client.get<any>('endpoints', 'frontend-external', { namespace: 'default' });
  t.is(frontend.subsets[0].ports[0].port, 8080);
  // Applying it again changes nothing: kubectl's three-way merge finds no difference.
  const again = await kubectl(g, ['apply', '-f', MANIFEST], 30_000);
  t.is(again.code, 0, again.stderr);
  t.deepEqual(again.stdout.trim().split('\n').filter((l) => !l.endsWith(' unchanged')), []);
});
