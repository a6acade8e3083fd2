// The Kubernetes CEL libraries in kubus's admission CEL environment (api/cel.ts): upstream's examples from
// k8s.io/apiserver/pkg/cel/library (ip_test.go, cidr_test.go), and one ValidatingAdmissionPolicy using cidr() end to end.
import test from 'ava';
import type { KubeObject } from '../api/meta.ts';
import { compileCel } from '../api/cel.ts';
import { startApi, statusOf } from './helpers/api.ts';

const run = (expression: string, activation: Record<string, unknown> = {}) => compileCel(expression)(activation);

test('cel ip - ip(), isIP, family, string and the address checks follow Go netip', (t) => {
  t.is(run('ip("192.168.0.1").family()'), 4n);
  t.is(run('ip("2001:db8::68").family()'), 6n);
  t.is(run('string(ip("2001:DB8:0:0:0::68"))'), '2001:db8::68');
  t.is(run('string(ip("1:0:0:2:0:0:0:3"))'), '1:0:0:2::3');
  t.true(run('ip("127.0.0.1") == ip("127.0.0.1")') as boolean);
  t.false(run('ip("127.0.0.1") == ip("127.0.0.2")') as boolean);
  t.true(run('isIP("::1")') as boolean);
  t.false(run('isIP("192.168.0.1.0")') as boolean);
  t.false(run('isIP("::ffff:192.168.0.1")') as boolean);
  t.true(run('ip.isCanonical("2001:db8::68")') as boolean);
  t.false(run('ip.isCanonical("2001:DB8::68")') as boolean);
  t.true(run('ip("0.0.0.0").isUnspecified() && ip("::").isUnspecified()') as boolean);
  t.true(run('ip("127.0.0.1").isLoopback() && ip("::1").isLoopback()') as boolean);
  t.true(run('ip("224.0.0.1").isLinkLocalMulticast() && ip("ff02::1").isLinkLocalMulticast()') as boolean);
  t.false(run('ip("224.0.1.1").isLinkLocalMulticast()') as boolean);
  t.true(run('ip("169.254.169.254").isLinkLocalUnicast() && ip("fe80::1").isLinkLocalUnicast()') as boolean);
  t.true(run('ip("192.168.0.1").isGlobalUnicast() && ip("2001:db8::68").isGlobalUnicast()') as boolean);
  t.false(run('ip("255.255.255.255").isGlobalUnicast() || ip("ff00::1").isGlobalUnicast() || ip("127.0.0.1").isGlobalUnicast()') as boolean);
});

test('cel ip - bad addresses fail at run time with upstream error texts', (t) => {
  t.throws(() => run('ip("192.168.0.1.0")'), {
    message: 'IP Address "192.168.0.1.0" parse error during conversion from string: ParseAddr("192.168.0.1.0"): IPv4 address too long',
  });
  t.throws(() => run('ip("fe80::1%en0")'), { message: 'IP address "fe80::1%en0" with zone value is not allowed' });
  t.throws(() => run('ip("::ffff:1.2.3.4")'), { message: 'IPv4-mapped IPv6 address "::ffff:1.2.3.4" is not allowed' });
  t.throws(() => compileCel('ip(1)'), { message: /found no matching overload for 'ip\(int\)'/ });
});

test('cel cidr - cidr(), containsIP, containsCIDR, ip, masked, prefixLength and string', (t) => {
  t.true(run('cidr("192.168.0.0/24").containsIP(ip("192.168.0.1"))') as boolean);
  t.false(run('cidr("192.168.0.0/24").containsIP("192.168.1.1")') as boolean);
  t.false(run('cidr("192.168.0.0/24").containsIP("::1")') as boolean);
  t.true(run('cidr("2001:db8::/32").containsIP("2001:db8::68")') as boolean);
  t.true(run('cidr("192.168.0.0/24").containsCIDR("192.168.0.0/25")') as boolean);
  t.true(run('cidr("192.168.0.0/24").containsCIDR(cidr("192.168.0.128/25"))') as boolean);
  t.false(run('cidr("192.168.0.0/24").containsCIDR("192.168.0.0/23")') as boolean);
  t.true(run('cidr("192.168.0.0/24").ip() == ip("192.168.0.0")') as boolean);
  t.is(run('string(cidr("192.168.0.1/24").masked())'), '192.168.0.0/24');
  t.is(run('string(cidr("192.168.0.1/24"))'), '192.168.0.1/24');
  t.is(run('cidr("2001:db8::/32").prefixLength()'), 32n);
  t.true(run('isCIDR("10.0.0.0/8")') as boolean);
  t.false(run('isCIDR("10.0.0.0/33")') as boolean);
  t.throws(() => run('cidr("192.168.0.0/")'), {
    message:
      'network address parse error during conversion from string: network address parse error during conversion from string: netip.ParsePrefix("192.168.0.0/"): bad bits after slash: ""',
  });
});

test('cel cidr - the documented policy expression compiles and decides', (t) => {
  const expression = 'object.spec.cidrs.all(newCIDR, variables.allowed.exists(allowedCIDR, cidr(allowedCIDR).containsCIDR(newCIDR)))';
  const p = compileCel(expression);
  const variables = { allowed: ['10.0.0.0/8', '192.168.0.0/16'] };
  t.true(p({ object: { spec: { cidrs: ['10.1.0.0/16', '192.168.3.0/24'] } }, variables }) as boolean);
  t.false(p({ object: { spec: { cidrs: ['10.1.0.0/16', '172.16.0.0/12'] } }, variables }) as boolean);
});

test('cel cidr - a ValidatingAdmissionPolicy using cidr() denies a Deployment whose annotated ranges leave the allowed ones', async (t) => {
  const { client } = await startApi(t);
  const rules = { resourceRules: [{ apiGroups: ['apps'], apiVersions: ['v1'], operations: ['CREATE'], resources: ['deployments'] }] };
  await client.create('validatingadmissionpolicies', {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingAdmissionPolicy',
    metadata: { name: 'ranges' },
    spec: {
      matchConstraints: rules,
      variables: [{ name: 'allowed', expression: "['10.0.0.0/8']" }],
      validations: [
        {
          expression: "object.metadata.annotations['ranges'].split(',').all(c, variables.allowed.exists(a, cidr(a).containsCIDR(c)))",
          message: 'ranges outside 10.0.0.0/8',
        },
      ],
    },
  } as KubeObject);
  await client.create('validatingadmissionpolicybindings', {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingAdmissionPolicyBinding',
    metadata: { name: 'ranges-binding' },
    spec: { policyName: 'ranges', validationActions: ['Deny'] },
  } as KubeObject);
  const deployment = (name: string, ranges: string): KubeObject => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'default', annotations: { ranges } },
    spec: { replicas: 1, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } },
  });
  t.truthy(await client.create('deployments', deployment('inside', '10.1.0.0/16,10.2.3.0/24')));
  const e = await statusOf(client.create('deployments', deployment('outside', '10.1.0.0/16,172.16.0.0/12')));
  t.is(e.status.code, 422);
  t.is(e.status.message, "deployments.apps \"outside\" is forbidden: ValidatingAdmissionPolicy 'ranges' with binding 'ranges-binding' denied request: ranges outside 10.0.0.0/8");
  await t.throwsAsync(client.get('deployments', 'outside', { namespace: 'default' }), { message: /not found/ });
});

test('cel quantity - quantity(), isQuantity, integer and float views, sign, arithmetic and comparison as upstream', (t) => {
  t.true(run('isQuantity("20")') as boolean);
  t.true(run('isQuantity("200M")') as boolean);
  t.false(run('isQuantity("20Mi ")') as boolean);
  t.false(run('isQuantity("")') as boolean);
  t.true(run('quantity("50M").isInteger()') as boolean);
  t.false(run('quantity("50m").isInteger()') as boolean);
  t.is(run('quantity("50M").asInteger()'), 50_000_000n);
  t.is(run('quantity("50.703k").asApproximateFloat()'), 50703);
  t.is(run('quantity("50M").sign()'), 1n);
  t.is(run('quantity("-50M").sign()'), -1n);
  t.is(run('quantity("0").sign()'), 0n);
  t.true(run('quantity("50k").add(quantity("20")) == quantity("50.02k")') as boolean);
  t.true(run('quantity("50k").add(20) == quantity("50020")') as boolean);
  t.true(run('quantity("50k").sub(quantity("20")) == quantity("49980")') as boolean);
  t.true(run('quantity("50k").sub(20) == quantity("49980")') as boolean);
  t.is(run('quantity("200M").compareTo(quantity("0.2G"))'), 0n);
  t.is(run('quantity("50M").compareTo(quantity("50Mi"))'), -1n);
  t.true(run('quantity("50Mi").isGreaterThan(quantity("50M"))') as boolean);
  t.true(run('quantity("50M").isLessThan(quantity("50Mi"))') as boolean);
  t.false(run('quantity("50k").isGreaterThan(quantity("50M"))') as boolean);
  t.throws(() => run('quantity("50m").asInteger()'));
  t.throws(() => run('quantity("bad")'));
});
