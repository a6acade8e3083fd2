// PodDisruptionBudget (policy/v1): validation as upstream, the bad-input Status, columns and describe.
import test from 'ava';
import { columnsFor } from '../api/table/columns.ts';
import { describe } from '../cli/printers/describe.ts';
import { startApi, statusOf } from './helpers/api.ts';

const pdb = (spec: Record<string, unknown>, name = 'web-pdb') => ({
  apiVersion: 'policy/v1',
  kind: 'PodDisruptionBudget',
  metadata: { name, namespace: 'default' },
  spec: { selector: { matchLabels: { app: 'web' } }, ...spec },
});

test('pdb - both minAvailable and maxUnavailable: 422 with upstream wording, nothing stored', async (t) => {
  const { client } = await startApi(t);
  const err = await statusOf(client.create('poddisruptionbudgets', pdb({ minAvailable: 2, maxUnavailable: '50%' })));
  t.is(err.status.code, 422);
  t.is(err.status.reason, 'Invalid');
  const cause = err.status.details?.causes?.[0];
  t.is(cause?.field, 'spec');
  t.is(
    cause?.message,
    'Invalid value: policy.PodDisruptionBudgetSpec{MinAvailable:(*intstr.IntOrString)(0xc000a10000), MaxUnavailable:(*intstr.IntOrString)(0xc000a10020), ' +
      'Selector:(*v1.LabelSelector)(0xc000a10040), UnhealthyPodEvictionPolicy:(*policy.UnhealthyPodEvictionPolicyType)(nil)}: minAvailable and maxUnavailable cannot be both set',
  );
  t.regex(err.status.message, /^PodDisruptionBudget\.policy "web-pdb" is invalid: spec: Invalid value: .*cannot be both set$/);
  t.is((await client.list('poddisruptionbudgets', { namespace: 'default' })).items.length, 0);
});

test('pdb - int-or-percent and unhealthyPodEvictionPolicy checks', async (t) => {
  const { client } = await startApi(t);
  const neg = await statusOf(client.create('poddisruptionbudgets', pdb({ minAvailable: -1 })));
  t.deepEqual(neg.status.details?.causes?.map((c) => [c.field, c.message]), [['spec.minAvailable', 'Invalid value: -1: must be greater than or equal to 0']]);
  const over = await statusOf(client.create('poddisruptionbudgets', pdb({ maxUnavailable: '150%' })));
  t.is(over.status.details?.causes?.[0]?.message, 'Invalid value: intstr.IntOrString{Type:1, IntVal:0, StrVal:"150%"}: must not be greater than 100%');
  const policy = await statusOf(client.create('poddisruptionbudgets', pdb({ minAvailable: 1, unhealthyPodEvictionPolicy: 'Sometimes' })));
  t.is(policy.status.details?.causes?.[0]?.field, 'spec.unhealthyPodEvictionPolicy');
  t.is(policy.status.details?.causes?.[0]?.message, 'Unsupported value: "Sometimes": supported values: "AlwaysAllow", "IfHealthyBudget"');
  const ok = await client.create('poddisruptionbudgets', pdb({ minAvailable: '50%', unhealthyPodEvictionPolicy: 'AlwaysAllow' }));
  t.is(ok.metadata.generation, 1);
  t.deepEqual(ok.status, {});
  const spec = { ...(ok.spec as object), minAvailable: undefined, maxUnavailable: 1 };
  const updated = await client.update('poddisruptionbudgets', { ...ok, spec });
  t.is(updated.metadata.generation, 2, 'the spec is mutable and bumps the generation');
  const negative = await statusOf(client.updateStatus('poddisruptionbudgets', { ...updated, status: { disruptionsAllowed: -1 } }));
  t.deepEqual(negative.status.details?.causes?.map((c) => [c.field, c.message]), [['status.disruptionsAllowed', 'Invalid value: -1: must be greater than or equal to 0']]);
});

test('pdb - kubectl columns and describe', (t) => {
  const o = {
    ...pdb({ minAvailable: 2 }),
    metadata: { name: 'web-pdb', namespace: 'default', creationTimestamp: '2026-01-01T00:00:00Z' },
    status: { disruptionsAllowed: 1, currentHealthy: 3, desiredHealthy: 2, expectedPods: 3 },
  };
  const cols = columnsFor('poddisruptionbudgets', 'policy');
  t.deepEqual(cols.columns.map((c) => c.name), ['Name', 'Min Available', 'Max Unavailable', 'Allowed Disruptions', 'Age']);
  const now = Date.parse('2026-01-01T00:05:00Z');
  t.deepEqual(cols.cells(o, { now } as never), ['web-pdb', '2', 'N/A', 1, '5m']);
  t.is(
    describe('pdb', o, [], now),
    'Name:           web-pdb\nNamespace:      default\nMin available:  2\nSelector:       app=web\nStatus:\n    Allowed disruptions:  1\n    Current:              3\n    Desired:              2\n    Total:                3\nEvents:                   <none>\n',
  );
});
