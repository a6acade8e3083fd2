// The real kubectl with ResourceQuotas and LimitRanges over the gateway: its own describers print what
// kubus's describe prints, a quota-breaking pod gets upstream's 403 text, and limit range defaults apply.
import test from 'ava';
import { stringify } from 'yaml';
import { resourceQuotaController } from '../actors/controllers/resourcequota/resourcequota.controller.ts';
import type { ResourceQuota } from '../api/kinds/resourcequota.ts';
import type { KubeObject } from '../api/meta.ts';
import { describe as describeObj } from '../cli/printers/describe.ts';
import { pod } from './helpers/api.ts';
import { startGateway } from './helpers/gateway.ts';
import { waitFor } from './helpers/wait.ts';

const quota = { apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'q', namespace: 'default' }, spec: { hard: { pods: '1', 'requests.cpu': '1', 'limits.memory': '1Gi' }, scopes: ['NotTerminating'] } };
const limits = {
  apiVersion: 'v1', kind: 'LimitRange', metadata: { name: 'limits', namespace: 'default' },
  spec: { limits: [{ type: 'Container', max: { cpu: '1' }, default: { cpu: '500m', memory: '256Mi' }, defaultRequest: { cpu: '250m' } }, { type: 'Pod', max: { memory: '1Gi' } }] },
};

test('gateway quota kubectl - describe quota and limitrange as kubectl prints them; a pod over the quota is refused with upstream\'s text', async (t) => {
  const g = await startGateway(t);
  g.process('controller-manager').start(resourceQuotaController, 'controller/resourcequota', undefined);
  const applied = await g.kubectl(['apply', '-f', '-'], `${stringify(limits)}---\n${stringify(quota)}`);
  t.is(applied.code, 0, applied.stderr);
  t.is(applied.stdout, 'limitrange/limits created\nresourcequota/q created\n');
  await waitFor(async () => (await g.client.get<ResourceQuota>('resourcequotas', 'q', { namespace: 'default' })).status?.used, 'quota status');

  const created = await g.kubectl(['create', '-f', '-'], stringify(pod('p1')));
  t.is(created.code, 0, created.stderr);
  const p1 = await g.client.get<KubeObject>('pods', 'p1', { namespace: 'default' });
  t.deepEqual((p1.spec as { containers: Array<{ resources: unknown }> }).containers[0].resources, { limits: { cpu: '500m', memory: '256Mi' }, requests: { cpu: '250m', memory: '256Mi' } });

  const refused = await g.kubectl(['create', '-f', '-'], stringify(pod('p2')));
  t.is(refused.code, 1);
  t.is(refused.stderr, 'Error from server (Forbidden): error when creating "STDIN": pods "p2" is forbidden: exceeded quota: q, requested: pods=1, used: pods=1, limited: pods=1\n');
  t.is((await g.client.list('pods', { namespace: 'default' })).items.length, 1, 'nothing stored');

  const q = await waitFor(async () => {
    const cur = await g.client.get<ResourceQuota>('resourcequotas', 'q', { namespace: 'default' });
    return cur.status?.used?.pods === '1' ? cur : undefined;
  }, 'p1 counted');
  const dq = await g.kubectl(['describe', 'quota', 'q']);
  t.is(dq.code, 0, dq.stderr);
  t.is(dq.stdout, describeObj('resourcequotas', q, [], Date.now()));
  const dl = await g.kubectl(['describe', 'limitrange', 'limits']);
  t.is(dl.code, 0, dl.stderr);
  // kubectl walks each item's resources in Go map order (random): the same lines, in any order within an item.
  const lines = (text: string) => text.split('\n').sort();
  t.deepEqual(lines(dl.stdout), lines(describeObj('limitranges', await g.client.get('limitranges', 'limits', { namespace: 'default' }), [], Date.now())));
  const get = await g.kubectl(['get', 'quota']);
  t.regex(get.stdout, /^NAME\s+AGE\s+REQUEST\s+LIMIT\nq\s+\S+\s+pods: 1\/1, requests\.cpu: 250m\/1\s+limits\.memory: 256Mi\/1Gi\n$/);
});
