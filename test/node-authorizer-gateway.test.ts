// The abuse cases of issue 15 over HTTPS: kubectl with a kubelet's client certificate (CN
// system:node:n1, O system:nodes, as `kubus kubeconfig --user system:node:n1 --group system:nodes`
// issues it) reads its own pod's secret, is refused another node's pod's secret and the deletion of
// another node's pod with upstream's texts, and deletes its own pod.
import test from 'ava';
import type { KubeObject } from '../api/meta.ts';
import { secureGateway } from './helpers/secure-gateway.ts';

const obj = (kind: string, name: string, more: Record<string, unknown> = {}) => ({ apiVersion: 'v1', kind, metadata: { name, namespace: 'default' }, ...more }) as KubeObject;
const podOn = (name: string, node: string, secret: string) =>
  obj('Pod', name, { spec: { nodeName: node, containers: [{ name: 'c', image: 'x' }], volumes: [{ name: 's', secret: { secretName: secret } }] } });

test('node authz gateway - kubectl as node n1: its pod\'s secret yes, n2\'s pod\'s secret and pod no (upstream texts), its own pod deleted', async (t) => {
  const g = await secureGateway(t);
  const admin = g.env.client;
  for (const n of ['n1', 'n2']) await admin.create('nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: n } } as KubeObject);
  for (const s of ['s1', 's2']) await admin.create('secrets', obj('Secret', s, { data: { k: Buffer.from(s).toString('base64') } }));
  await admin.create('pods', podOn('p1', 'n1', 's1'));
  await admin.create('pods', podOn('p2', 'n2', 's2'));
  const n1 = g.kubeconfig('system:node:n1', ['system:nodes']);
  const own = await g.kubectl(n1, ['get', 'secret', 's1', '-o', 'jsonpath={.data.k}']);
  t.is(own.code, 0, own.stderr);
  t.is(Buffer.from(own.stdout, 'base64').toString(), 's1');
  const other = await g.kubectl(n1, ['get', 'secret', 's2']);
  t.is(other.code, 1);
  t.is(other.stderr.trim(), 'Error from server (Forbidden): secrets "s2" is forbidden: User "system:node:n1" cannot get resource "secrets" in API group "" in the namespace "default": no relationship found between node \'n1\' and this object');
  const del = await g.kubectl(n1, ['delete', 'pod', 'p2', '--wait=false']);
  t.is(del.code, 1);
  t.is(del.stderr.trim(), 'Error from server (Forbidden): pods "p2" is forbidden: node "n1" can only delete pods with spec.nodeName set to itself');
  const list = await g.kubectl(n1, ['get', 'pods']);
  t.is(list.code, 1);
  t.regex(list.stderr, /can only list\/watch pods with spec.nodeName field selector/);
  t.regex((await g.kubectl(n1, ['get', 'pods', '--field-selector', 'spec.nodeName=n1', '-o', 'name'])).stdout, /^pod\/p1$/m);
  const mine = await g.kubectl(n1, ['delete', 'pod', 'p1', '--wait=false']);
  t.is(mine.code, 0, mine.stderr);
  t.truthy((await admin.get('pods', 'p1', { namespace: 'default' })).metadata.deletionTimestamp, 'its own pod is being deleted');
  t.falsy((await admin.get('pods', 'p2', { namespace: 'default' })).metadata.deletionTimestamp, 'n2\'s pod is untouched');
});
