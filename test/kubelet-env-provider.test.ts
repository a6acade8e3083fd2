// The kubelet's EnvProvider keeps the Service variables between container starts, and makes them
// again when a Service comes, changes or goes.
import test from 'ava';
import type { Pod } from '../api/kinds/pod.ts';
import type { Service } from '../api/kinds/service.ts';
import type { ApiClient } from '../bus/client.ts';
import type { Informer } from '../bus/informer.ts';
import { EnvProvider } from '../actors/kubelet/env-provider.ts';
import { containerEnv } from '../actors/kubelet/env.ts';

const svc = (name: string, ns: string, ip: string, port: number): Service => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: ns }, spec: { clusterIP: ip, ports: [{ port }] } }) as Service;
const pod = (ns: string, enableServiceLinks?: boolean): Pod => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: ns, uid: 'u' }, spec: { containers: [{ name: 'c', image: 'i' }], ...(enableServiceLinks === undefined ? {} : { enableServiceLinks }) } }) as Pod;

test('kubelet env provider - Service variables follow the Service list: kept while it is the same, made again when a Service comes, changes or goes', async (t) => {
  let services = [svc('kubernetes', 'default', '10.0.0.1', 443), svc('web', 'a', '10.0.0.9', 80)];
  const informer = { list: () => [...services], waitForSync: async () => {} } as unknown as Informer<Service>;
  const env = new EnvProvider({ client: {} as ApiClient, services: () => informer, hostIPs: ['1.1.1.1'], allocatable: {} });
  const vars = async (p: Pod) => (await env.resolve(p, 'c', [])).env;
  t.like(await vars(pod('a')), { KUBERNETES_SERVICE_HOST: '10.0.0.1', WEB_SERVICE_HOST: '10.0.0.9', WEB_SERVICE_PORT: '80' });
  t.false('WEB_SERVICE_HOST' in (await vars(pod('b'))), 'another namespace');
  t.false('WEB_SERVICE_HOST' in (await vars(pod('a', false))), 'enableServiceLinks false: the master service only');
  t.is((await vars(pod('a', false))).KUBERNETES_SERVICE_HOST, '10.0.0.1');
  services = [services[0], svc('web', 'a', '10.0.0.10', 8080)];
  t.like(await vars(pod('a')), { WEB_SERVICE_HOST: '10.0.0.10', WEB_SERVICE_PORT: '8080' }, 'a changed Service');
  services = [...services, svc('db', 'a', '10.0.0.11', 5432)];
  t.is((await vars(pod('a'))).DB_SERVICE_HOST, '10.0.0.11', 'a new Service');
  services = [services[0], services[2]];
  const gone = await vars(pod('a'));
  t.false('WEB_SERVICE_HOST' in gone, 'a deleted Service');
  t.is(gone.DB_SERVICE_PORT, '5432');
});

test('kubelet env provider - a container with no env of its own gets the Service variables as containerEnv makes them, shared, with $(VAR) expanded', async (t) => {
  const services = [svc('kubernetes', 'default', '10.0.0.1', 443), svc('web', 'a', '10.0.0.9', 80)];
  const informer = { list: () => [...services], waitForSync: async () => {} } as unknown as Informer<Service>;
  const provider = new EnvProvider({ client: {} as ApiClient, services: () => informer, hostIPs: ['1.1.1.1'], allocatable: {} });
  const spec = (c: Record<string, unknown>): Pod => ({ ...pod('a'), spec: { containers: [{ name: 'c', image: 'i', ...c }] } }) as Pod;
  const bare = await provider.resolve(spec({ command: ['run', '$(WEB_SERVICE_HOST)'], args: ['--port=$(WEB_SERVICE_PORT)', '$(NOPE)'] }), 'c', []);
  const slow = containerEnv(pod('a'), { name: 'c', image: 'i' }, { configMaps: new Map(), secrets: new Map(), services, hostIPs: [], podIPs: [] });
  t.deepEqual(Object.entries(bare.env), slow.env.map((e) => [e.name, e.value]), 'the same variables in the same order');
  t.deepEqual(bare.command, ['run', '10.0.0.9']);
  t.deepEqual(bare.args, ['--port=80', '$(NOPE)']);
  t.deepEqual(bare.events, []);
  const again = await provider.resolve(spec({}), 'c', []);
  t.is(again.env, bare.env, 'one object for every such container of the namespace');
  t.true(Object.isFrozen(again.env));
  t.is(again.command, undefined);
  const own = await provider.resolve(spec({ env: [{ name: 'X', value: '$(WEB_SERVICE_PORT)' }] }), 'c', []);
  t.is(own.env.X, '80', 'a container with env of its own still goes through containerEnv');
  t.not(own.env, bare.env);
});
