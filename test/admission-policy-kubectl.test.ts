// The real kubectl against the gateway with a ValidatingAdmissionPolicy: the upstream documentation's example
// denied as upstream prints it, Warn as kubectl's "Warning:" lines, and the kinds' columns.
import test from 'ava';
import { stringify } from 'yaml';
import { startGateway } from './helpers/gateway.ts';

const policy = {
  apiVersion: 'admissionregistration.k8s.io/v1',
  kind: 'ValidatingAdmissionPolicy',
  metadata: { name: 'demo-policy.example.com' },
  spec: {
    failurePolicy: 'Fail',
    matchConstraints: { resourceRules: [{ apiGroups: ['apps'], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['deployments'] }] },
    validations: [{ expression: 'object.spec.replicas <= 5' }],
  },
};
const binding = (actions: string[]) => ({
  apiVersion: 'admissionregistration.k8s.io/v1',
  kind: 'ValidatingAdmissionPolicyBinding',
  metadata: { name: 'demo-binding-test.example.com' },
  spec: { policyName: 'demo-policy.example.com', validationActions: actions },
});

test('admission policy kubectl - Deny and Warn as upstream prints them; get shows the policy columns', async (t) => {
  const g = await startGateway(t);
  const applied = await g.kubectl(['apply', '--validate=false', '-f', '-'], `${stringify(policy)}---\n${stringify(binding(['Deny']))}`);
  t.is(applied.code, 0, applied.stderr);
  t.is(applied.stdout, 'validatingadmissionpolicy.admissionregistration.k8s.io/demo-policy.example.com created\nvalidatingadmissionpolicybinding.admissionregistration.k8s.io/demo-binding-test.example.com created\n');
  const denied = await g.kubectl(['create', 'deployment', 'nginx', '--image=nginx', '--replicas=7']);
  t.is(denied.code, 1);
  t.is(denied.stderr, `error: failed to create deployment: deployments.apps "nginx" is forbidden: ValidatingAdmissionPolicy 'demo-policy.example.com' with binding 'demo-binding-test.example.com' denied request: failed expression: object.spec.replicas <= 5\n`);
  // kubectl apply prints the documentation's text: a 422 with one cause and no field.
  const nginx = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'nginx' }, spec: { replicas: 7, selector: { matchLabels: { app: 'nginx' } }, template: { metadata: { labels: { app: 'nginx' } }, spec: { containers: [{ name: 'nginx', image: 'nginx' }] } } } };
  const applied7 = await g.kubectl(['apply', '--validate=false', '-f', '-'], stringify(nginx));
  t.is(applied7.code, 1);
  t.is(applied7.stderr, `The deployments "nginx" is invalid: : ValidatingAdmissionPolicy 'demo-policy.example.com' with binding 'demo-binding-test.example.com' denied request: failed expression: object.spec.replicas <= 5\n`);
  t.is((await g.kubectl(['create', 'deployment', 'nginx', '--image=nginx', '--replicas=2'])).code, 0);

  t.is((await g.kubectl(['delete', 'validatingadmissionpolicybinding', 'demo-binding-test.example.com'])).code, 0);
  t.is((await g.kubectl(['apply', '--validate=false', '-f', '-'], stringify(binding(['Warn', 'Audit'])))).code, 0);
  // The scale subresource is not "deployments": as upstream, the policy does not see it.
  const scaled = await g.kubectl(['scale', 'deployment', 'nginx', '--replicas=9']);
  t.is(scaled.code, 0, scaled.stderr);
  t.is(scaled.stderr, '');
  const warned = await g.kubectl(['set', 'image', 'deployment/nginx', 'nginx=nginx:1.28']);
  t.is(warned.code, 0, warned.stderr);
  t.is(warned.stderr, "Warning: Validation failed for ValidatingAdmissionPolicy 'demo-policy.example.com' with binding 'demo-binding-test.example.com': failed expression: object.spec.replicas <= 5\n");

  const vap = await g.kubectl(['get', 'validatingadmissionpolicies']);
  t.regex(vap.stdout, /^NAME\s+VALIDATIONS\s+PARAMKIND\s+AGE\ndemo-policy\.example\.com\s+1\s+<unset>\s+\d+s\n$/);
  const vapb = await g.kubectl(['get', 'validatingadmissionpolicybindings']);
  t.regex(vapb.stdout, /^NAME\s+POLICYNAME\s+PARAMREF\s+AGE\ndemo-binding-test\.example\.com\s+demo-policy\.example\.com\s+<unset>\s+\d+s\n$/);
});
