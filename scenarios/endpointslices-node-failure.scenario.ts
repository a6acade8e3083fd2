// A Service's EndpointSlices follow its pods through a node failure: every Running pod is a ready
// endpoint; when node-1 dies its pods turn not ready (the node lifecycle controller marks them),
// then are evicted: they stay, terminating and not ready, as upstream keeps the endpoints of pods
// that cannot finish terminating; their replacements on the other nodes become ready endpoints. Every cluster has the
// `kubernetes` Service and a `default` ServiceAccount in every namespace.
import type { EndpointSlice } from '../api/kinds/endpointslice.ts';
import { scenario } from './dsl.ts';
import { deployment, tolerateNodeLoss } from './objects.ts';

export default scenario(
  'EndpointSlices through a node failure',
  { nodes: 3, timeScale: 20, tags: ['services', 'endpointslices', 'faults'], description: '6 web pods behind a Service; node-1 dies; the slices drop its endpoints and list the replacements' },
  async (s) => {
    /** Returns the web Service's endpoints from its slices: `node ready|not-ready` per endpoint. */
    const webSlices = () => s.list<EndpointSlice>('endpointslices', { namespace: 'default', labels: 'kubernetes.io/service-name=web' }).items();
    const endpoints = () =>
      webSlices().flatMap((sl) => (sl.endpoints ?? []).map((e) => ({ node: e.nodeName ?? '', ready: e.conditions?.ready === true, terminating: e.conditions?.terminating === true })));
    s.step('what every cluster has');
    await s.until('the kubernetes Service at 10.96.0.1', async () => (await s.api.get('services', 'kubernetes', { namespace: 'default' })).spec?.['clusterIP' as never] === '10.96.0.1');
    await s.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team' } });
    await s.until('a default ServiceAccount in the new namespace', async () => !!(await s.api.get('serviceaccounts', 'default', { namespace: 'team' }).catch(() => undefined)), { within: '30s' });

    s.step('6 web pods behind a Service');
    await s.apply(deployment('web', 6, { tolerations: tolerateNodeLoss(s.seconds(60)) }));
    await s.apply({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'default' }, spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] } });
    await s.until('6 web pods Running', () => s.pods({ labels: 'app=web' }).running().count() === 6, { within: '1m' });
    await s.until('the slices list 6 ready endpoints', () => endpoints().filter((e) => e.ready).length === 6, { within: '30s' });
    await s.expect('one slice holds them all (at most 100 per slice)', () => webSlices().length === 1);

    s.step('kill node-1');
    const victim = 'node-1';
    const lost = s.pods({ labels: 'app=web', node: victim }).count();
    await s.expect('node-1 runs some web pods', () => lost > 0);
    await s.killNode(victim);
    await s.until("node-1's endpoints are not ready", () => endpoints().filter((e) => e.node === victim && e.ready).length === 0, { within: '2m' });
    await s.until("6 ready endpoints again on the other nodes; node-1's evicted ones terminating, not ready", () => {
      const eps = endpoints();
      const gone = eps.filter((e) => e.node === victim);
      return eps.filter((e) => e.ready && e.node !== victim).length === 6 && gone.length === lost && gone.every((e) => e.terminating && !e.ready);
    }, { within: '5m' });
  },
);
