// `--metrics-port` on real processes over a real nats-server: `kubus control-plane` serves the API
// server's, scheduler's and controller manager's metrics in one exposition on loopback; `kubus node
// --count 2` serves both kubelets', told apart by their node label.
import test from 'ava';
import { ApiClient } from '../bus/client.ts';
import { NatsBus } from '../bus/nats-bus.ts';
import { natsServer } from './helpers/nats.ts';
import { startKubus } from './helpers/proc.ts';
import { parseExposition, valueOf } from './helpers/prom-text.ts';
import { waitFor } from './helpers/wait.ts';

const get = async (url: string) => {
  const r = await fetch(url);
  return { code: r.status, type: r.headers.get('content-type'), text: await r.text() };
};

test('prom metrics port - control-plane and node processes serve their components\' metrics on loopback', async (t) => {
  const nats = await natsServer(t);
  const cp = startKubus(t, ['--nats', nats.url, 'control-plane', '--actors', 'apiserver,scheduler,controller-manager', '--leader-elect', 'false', '--metrics-port', '0', '--log-level', 'warn']);
  const nodes = startKubus(t, ['--nats', nats.url, 'node', '--name', 'pm', '--count', '2', '--metrics-port', '0', '--log-level', 'warn']);
  const cpUrl = (await cp.waitFor(/Prometheus metrics at (http:\/\/127\.0\.0\.1:\d+\/metrics)/, 60_000))[1];
  const nodeUrl = (await nodes.waitFor(/Prometheus metrics at (http:\/\/127\.0\.0\.1:\d+\/metrics)/, 60_000))[1];
  const bus = await NatsBus.connect({ servers: nats.url, name: 'test' });
  t.teardown(() => bus.close());
  const client = new ApiClient(bus);
  await waitFor(async () => (await client.list('nodes').catch(() => ({ items: [] }))).items.length === 2, 'two nodes registered', 60_000, 200);

  const cpMetrics = await get(cpUrl);
  t.is(cpMetrics.code, 200);
  t.regex(cpMetrics.type ?? '', /^text\/plain; version=0\.0\.4/);
  const s = parseExposition(cpMetrics.text).samples;
  t.true(valueOf(s, 'apiserver_request_total', { resource: 'nodes', verb: 'POST', code: '201' }) >= 2, 'the nodes registered through this API server');
  t.true(s.some((x) => x.name === 'scheduler_pending_pods'));
  t.true(s.some((x) => x.name === 'workqueue_depth' && x.labels.name === 'replicaset'));
  t.is(s.filter((x) => x.name === 'process_cpu_seconds_total').length, 1, 'one process, one process_cpu_seconds_total');

  const n = parseExposition((await get(nodeUrl)).text).samples;
  t.is(valueOf(n, 'kubelet_node_name', { node: 'pm-0' }), 1);
  t.is(valueOf(n, 'kubelet_node_name', { node: 'pm-1' }), 1);
  t.is(n.filter((x) => x.name === 'kubelet_running_pods').length, 2, 'one kubelet_running_pods per node label');
  t.is((await get(nodeUrl.replace(/\/metrics$/, '/other'))).code, 404);
});
