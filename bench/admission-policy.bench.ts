// ValidatingAdmissionPolicy benchmark: the CPU cost the API server adds to one write for its policies, with
// none bound, bindings for other resources, and matching bindings with CEL validations and params.
// Part of the API request budget (DESIGN §8: p50 ≤ 0.5 ms).
// Run: npm run bench -- admission-policy [--runs N] [--calls N] [--policies N]
import { PolicyCache, admitPolicies } from '../actors/apiserver/admission-policy.ts';
import type { ServerContext } from '../actors/apiserver/context.ts';
import type { AdmissionAttributes } from '../actors/apiserver/policy-match.ts';
import { MemoryStore } from '../actors/apiserver/store/index.ts';
import type { KubeObject } from '../api/meta.ts';
import { resourceFor } from '../api/resources.ts';
import { silentLogger } from '../bus/types.ts';
import { arg, median, report } from './report.ts';

const RUNS = arg('runs', 5);
const N = arg('calls', 5_000);
const POLICIES = arg('policies', 10);

const deploymentDef = resourceFor('deployments')!;
const deployment: KubeObject = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'default', labels: { app: 'web' } },
  spec: { replicas: 3, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx:1.27' }] } } },
};
const attrs: AdmissionAttributes = { def: deploymentDef, operation: 'CREATE', subresource: '', name: 'web', namespace: 'default', object: deployment, oldObject: null, dryRun: false };

/** Returns a context on a fresh store holding the namespace, a params ConfigMap and `n` policies with bindings for `resource`. */
async function contextWith(n: number, resource: string, params: boolean): Promise<ServerContext> {
  const store = new MemoryStore();
  const put = (key: string, value: unknown) => store.txn({ op: 'create', key, value: value as KubeObject });
  await put('/registry/namespaces/default', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default', labels: { env: 'prod' } } });
  await put('/registry/configmaps/default/limits', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'limits', namespace: 'default' }, data: { max: '5' } });
  const group = resource === 'deployments' ? 'apps' : '';
  for (let i = 0; i < n; i++) {
    const name = `p${i}`;
    await put(`/registry/validatingadmissionpolicies/${name}`, {
      metadata: { name },
      spec: {
        failurePolicy: 'Fail',
        ...(params ? { paramKind: { apiVersion: 'v1', kind: 'ConfigMap' } } : {}),
        matchConstraints: { namespaceSelector: {}, objectSelector: {}, resourceRules: [{ apiGroups: [group], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: [resource], scope: '*' }] },
        validations: [{ expression: params ? 'object.spec.replicas <= int(params.data.max)' : 'object.spec.replicas <= 5' }, { expression: 'object.spec.template.spec.containers.all(c, c.image.contains(":"))' }],
      },
    });
    await put(`/registry/validatingadmissionpolicybindings/${name}`, { metadata: { name }, spec: { policyName: name, validationActions: ['Deny'], ...(params ? { paramRef: { name: 'limits', parameterNotFoundAction: 'Deny' } } : {}) } });
  }
  return { store, log: silentLogger, policies: new PolicyCache(), warnings: [] } as unknown as ServerContext;
}

/** Returns µs per admission of the deployment create (after a warm-up that also compiles the policies). */
function microsPer(ctx: ServerContext): number {
  for (let i = 0; i < 500; i++) admitPolicies(ctx, attrs);
  const start = performance.now();
  for (let i = 0; i < N; i++) admitPolicies(ctx, attrs);
  return ((performance.now() - start) * 1000) / N;
}

const cases: Array<[string, ServerContext]> = [
  ['no bindings', await contextWith(0, 'deployments', false)],
  [`${POLICIES} bindings for configmaps (not matching)`, await contextWith(POLICIES, 'configmaps', false)],
  [`${POLICIES} matching bindings, 2 validations each`, await contextWith(POLICIES, 'deployments', false)],
  [`${POLICIES} matching bindings with a ConfigMap param`, await contextWith(POLICIES, 'deployments', true)],
];
const figures = cases.map(([name, ctx]) => ({
  name: `admit a Deployment create: ${name}`,
  value: median(Array.from({ length: RUNS }, () => microsPer(ctx))),
  unit: 'µs',
  higherIsBetter: false,
  anchor: 'a share of the API p50 budget of 0.5 ms',
}));
report(`ValidatingAdmissionPolicy admission (medians of ${RUNS} runs of ${N.toLocaleString('en-US')} calls)`, figures);
