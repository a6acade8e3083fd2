// Tracing a whole simulated cluster (MemoryBroker tap, virtual clock): two runs with the same seed
// give byte-identical trace files in every format.
import test, { type ExecutionContext } from 'ava';
import { TraceRecorder } from '../actors/tracer/recorder.ts';
import { render } from '../actors/tracer/render/index.ts';
import type { TraceFormat } from '../actors/tracer/types.ts';
import type { KubeObject } from '../api/meta.ts';
import { pod } from './helpers/api.ts';
import { isReady, startSimCluster } from './helpers/cluster.ts';

const FORMATS: TraceFormat[] = ['text', 'mermaid', 'chrome', 'otlp'];

/** Runs the same steps on a fresh simulated cluster and returns every format of its trace, and of web-1's. */
async function tracedRun(t: ExecutionContext, seed: number): Promise<Record<string, string>> {
  const c = await startSimCluster(t, { nodes: 3, seed });
  const rec = new TraceRecorder({ now: () => c.clock.now() });
  c.broker.tap = rec;
  c.host.inspect(rec.inspect);
  for (const h of c.nodes.values()) h.inspect(rec.inspect);
  for (const name of ['web-1', 'web-2', 'db']) await c.run(c.client.create('pods', pod(name, {}, { app: name })));
  const running = async () => (await c.list('pods')).filter((p) => (p.status as { phase?: string })?.phase === 'Running' && isReady(p)).length === 3;
  await c.until(running, 60_000, 'three pods Running');
  await c.run(c.client.delete<KubeObject>('pods', 'db', { namespace: 'default' }));
  await c.clock.advance(35_000); // lease renewals, heartbeats, the deletion's grace period
  const out: Record<string, string> = {};
  for (const f of FORMATS) {
    out[`all.${f}`] = render(rec.trace({}), f);
    out[`web-1.${f}`] = render(rec.trace({ object: 'pod/default/web-1', exact: true }), f);
  }
  return out;
}

test('trace sim - two simulated runs with the same seed give byte-identical trace files', async (t) => {
  const a = await tracedRun(t, 42);
  const b = await tracedRun(t, 42);
  t.deepEqual(Object.keys(b), Object.keys(a));
  for (const k of Object.keys(a)) t.true(a[k] === b[k], `${k} differs between runs with the same seed`);
  // Not vacuous: the files hold the run.
  t.regex(a['web-1.mermaid'], /->>apiserver: create pods pod\/default\/web-1/);
  t.regex(a['web-1.mermaid'], /bind pods pod\/default\/web-1 \(to node-\d\)/);
  t.regex(a['web-1.mermaid'], /update-status pods pod\/default\/web-1 \(Running Ready\)/);
  t.regex(a['web-1.text'], /kubelet\/node-\d: pod\/default\/web-1 Running/);
  t.regex(a['all.mermaid'], /elided: (heartbeats, )?leases/);
  t.true(a['all.chrome'].length > 10_000);
  const c = await tracedRun(t, 43);
  t.not(c['all.text'], a['all.text'], 'another seed gives other ids');
});
