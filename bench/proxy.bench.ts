// kube-proxy's data path (issue 11): short TCP connections (connect, read one line, close) from a
// client netns, through a ClusterIP programmed by the planner with `nft -f`, against the same
// connections straight to the endpoint's IP (and before any table existed). Prints p50s and the ratio.
// Needs root (network namespaces); touches nothing in the host's root namespace.
//   npm run bench -- proxy [--connections 1000] [--rounds 5] [--services 100]
import hdr from 'hdr-histogram-js';
import type { EndpointSlice } from '../api/kinds/endpointslice.ts';
import type { Service } from '../api/kinds/service.ts';
import { runNft } from '../actors/proxy/nft.ts';
import { servicePorts } from '../actors/proxy/proxy.ports.ts';
import { planRules } from '../actors/proxy/proxy.rules.ts';
import { startNetnsLab } from '../test/helpers/netns.ts';
import { arg, median, report } from './report.ts';

const connections = arg('connections', 1000);
const rounds = arg('rounds', 5);
const fillers = arg('services', 100);

const svc = (name: string, clusterIP: string): Service => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace: 'bench' },
  spec: { clusterIP, ports: [{ name: 'http', port: 80 }] },
});
const eps = (name: string, ip: string, port: number): EndpointSlice => ({
  apiVersion: 'discovery.k8s.io/v1',
  kind: 'EndpointSlice',
  metadata: { name: `${name}-1`, namespace: 'bench', labels: { 'kubernetes.io/service-name': name } },
  addressType: 'IPv4',
  endpoints: [{ addresses: [ip], conditions: { ready: true } }],
  ports: [{ name: 'http', port, protocol: 'TCP' }],
});

/** Returns p50 and p99 (ms) of connection times. */
function percentiles(times: number[]) {
  const h = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3 });
  for (const ms of times) h.recordValue(Math.max(1, Math.round(ms * 1000)));
  const r = { p50: h.getValueAtPercentile(50) / 1000, p99: h.getValueAtPercentile(99) / 1000 };
  h.destroy();
  return r;
}

const lab = await startNetnsLab('bench', 1);
try {
  const endpoint = lab.endpointIPs[0]!;
  const clusterIP = '10.96.0.10';
  // Other Services (with endpoints elsewhere) fill the maps, as in a cluster: a verdict-map lookup should not care.
  const services = [svc('web', clusterIP), ...Array.from({ length: fillers }, (_, i) => svc(`filler-${i}`, `10.96.${1 + (i >> 8)}.${i & 255}`))];
  const endpoints = [eps('web', endpoint, lab.port), ...Array.from({ length: fillers }, (_, i) => eps(`filler-${i}`, `10.244.${(i + 1) >> 8}.${(i + 1) & 255}`, 8080))];
  const script = planRules({ table: 'kubus-proxy-bench', ports: servicePorts(services, endpoints), nodeIPs: [lab.clientIP], clusterCIDR: '10.244.0.0/16' });
  // Baseline: the same connections before any table exists (no nat hooks, no conntrack lookups for NAT).
  await lab.times(endpoint, lab.port, 200);
  const bare: number[] = [];
  for (let r = 0; r < rounds; r++) bare.push(percentiles(await lab.times(endpoint, lab.port, connections)).p50);
  const t0 = performance.now();
  await runNft(script, { netns: lab.client });
  const applyMs = performance.now() - t0;

  await lab.times(endpoint, lab.port, 200); // warm up both paths
  await lab.times(clusterIP, 80, 200);
  const direct: number[] = [];
  const viaService: number[] = [];
  for (let r = 0; r < rounds; r++) {
    // Alternate the two runs, so drift on a shared machine hits both.
    const d = percentiles(await lab.times(endpoint, lab.port, connections));
    const s = percentiles(await lab.times(clusterIP, 80, connections));
    console.log(`round ${r + 1}: direct p50 ${d.p50.toFixed(3)} ms p99 ${d.p99.toFixed(3)} ms; ClusterIP p50 ${s.p50.toFixed(3)} ms p99 ${s.p99.toFixed(3)} ms`);
    direct.push(d.p50);
    viaService.push(s.p50);
  }
  const dp50 = median(direct);
  const sp50 = median(viaService);
  report(`kube-proxy nftables: ${connections} short TCP connections × ${rounds} rounds, ${fillers + 1} Services in the table (applied in ${applyMs.toFixed(0)} ms)`, [
    { name: 'endpoint IP before the table existed, p50', value: median(bare), unit: 'ms', higherIsBetter: false },
    { name: 'straight to the endpoint IP, p50', value: dp50, unit: 'ms', higherIsBetter: false },
    { name: 'through the ClusterIP, p50', value: sp50, unit: 'ms', higherIsBetter: false },
    { name: 'ClusterIP p50 / endpoint p50', value: sp50 / dp50, unit: 'x', higherIsBetter: false, anchor: 'issue 11: ratio of the p50s (DNAT + conntrack on the first packet only)' },
  ]);
} finally {
  await lab.stop();
}
