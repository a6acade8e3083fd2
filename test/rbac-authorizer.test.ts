// The RBAC authorizer's rule matching (upstream's RuleAllows) and the request attributes and denial
// texts the API server derives from a bus request.
import test from 'ava';
import type { PolicyRule } from '../api/kinds/rbac.ts';
import { resourceFor } from '../api/resources.ts';
import { ruleAllows, type Attributes } from '../actors/apiserver/authz/attributes.ts';
import { attributesOf } from '../actors/apiserver/authz/enforce.ts';
import { authenticated, forbiddenError } from '../api/authorization.ts';

const jane = { username: 'jane' };
const res = (verb: string, resource: string, extra: Partial<Attributes> = {}): Attributes => ({ user: jane, verb, apiGroup: '', resource, namespace: 'default', name: '', ...extra });
const url = (verb: string, path: string): Attributes => ({ user: jane, verb, path });
const r = (verbs: string[], resources: string[], more: Partial<PolicyRule> = {}): PolicyRule => ({ verbs, apiGroups: [''], resources, ...more });

test('rbac rules - verbs, groups and resources match exactly or by *', (t) => {
  t.true(ruleAllows(res('get', 'pods'), r(['get'], ['pods'])));
  t.false(ruleAllows(res('list', 'pods'), r(['get'], ['pods'])));
  t.true(ruleAllows(res('delete', 'pods'), r(['*'], ['pods'])));
  t.true(ruleAllows(res('get', 'secrets'), r(['get'], ['*'])));
  t.false(ruleAllows(res('get', 'deployments', { apiGroup: 'apps' }), r(['get'], ['deployments'])), 'another group');
  t.true(ruleAllows(res('get', 'deployments', { apiGroup: 'apps' }), r(['get'], ['deployments'], { apiGroups: ['*'] })));
  t.false(ruleAllows(res('get', 'pods'), { verbs: ['get'], resources: ['pods'] }), 'a rule without apiGroups matches no group');
});

test('rbac rules - subresources: pods does not cover pods/log; */scale covers any scale, never the resource', (t) => {
  t.false(ruleAllows(res('get', 'pods', { subresource: 'log' }), r(['get'], ['pods'])));
  t.true(ruleAllows(res('get', 'pods', { subresource: 'log' }), r(['get'], ['pods/log'])));
  t.false(ruleAllows(res('get', 'pods'), r(['get'], ['pods/log'])));
  const scale = r(['update'], ['*/scale'], { apiGroups: ['*'] });
  t.true(ruleAllows(res('update', 'deployments', { apiGroup: 'apps', subresource: 'scale' }), scale));
  t.false(ruleAllows(res('update', 'deployments', { apiGroup: 'apps' }), scale));
  t.false(ruleAllows(res('update', 'deployments', { apiGroup: 'apps', subresource: 'status' }), scale));
  t.true(ruleAllows(res('update', 'pods', { subresource: 'status' }), r(['update'], ['*'])), '* covers subresources too');
});

test('rbac rules - resourceNames restrict named requests; a list or create (no name) is not covered', (t) => {
  const named = r(['get', 'list', 'update'], ['configmaps'], { resourceNames: ['app'] });
  t.true(ruleAllows(res('get', 'configmaps', { name: 'app' }), named));
  t.false(ruleAllows(res('get', 'configmaps', { name: 'other' }), named));
  t.false(ruleAllows(res('list', 'configmaps'), named));
});

test('rbac rules - non-resource URLs: exact, a prefix ending in *, and *; never for resource requests', (t) => {
  const u = (urls: string[]): PolicyRule => ({ verbs: ['get'], nonResourceURLs: urls });
  t.true(ruleAllows(url('get', '/healthz'), u(['/healthz'])));
  t.false(ruleAllows(url('get', '/healthz/etcd'), u(['/healthz'])));
  t.true(ruleAllows(url('get', '/apis/apps/v1'), u(['/apis/*'])));
  t.true(ruleAllows(url('get', '/apis'), u(['/apis*'])));
  t.true(ruleAllows(url('get', '/anything'), u(['*'])));
  t.false(ruleAllows(url('post', '/healthz'), u(['/healthz'])));
  t.false(ruleAllows(res('get', 'pods'), u(['*'])), 'a URL rule grants no resources');
  t.false(ruleAllows(url('get', '/api'), r(['get'], ['*'], { apiGroups: ['*'] })), 'a resource rule grants no URLs');
});

test('rbac attributes - bus verbs become upstream verbs and subresources; a name selector names the object', (t) => {
  const pods = resourceFor('pods')!;
  const a = (verb: string, req: object) => attributesOf(jane, verb, pods, { namespace: 'ns', ...req });
  t.like(a('update-status', { name: 'p' }), { verb: 'update', resource: 'pods', subresource: 'status', name: 'p', namespace: 'ns' });
  t.like(a('patch-status', { name: 'p' }), { verb: 'patch', subresource: 'status' });
  t.like(a('bind', { name: 'p' }), { verb: 'create', subresource: 'binding' });
  t.like(a('evict', { name: 'p' }), { verb: 'create', subresource: 'eviction' });
  t.like(a('watch', { watch: { fieldSelector: 'metadata.name=p', conn: 'c', id: '1' } }), { verb: 'watch', name: 'p' });
  t.like(a('list', { list: { fieldSelector: 'spec.nodeName=n1' } }), { verb: 'list', name: '' });
  const scaled = attributesOf(jane, 'update', resourceFor('deployments')!, { namespace: 'ns', name: 'd', subresource: 'scale' });
  t.like(scaled, { apiGroup: 'apps', resource: 'deployments' });
  t.is(scaled.subresource, undefined, 'a whole-object write that names `scale` is authorized as the write it is');
  t.like(attributesOf(jane, 'create', pods, { body: { metadata: { namespace: 'from-body' } } as never }), { namespace: 'from-body' });
  t.like(attributesOf(jane, 'list', resourceFor('nodes')!, { namespace: 'ignored' }), { namespace: '' });
  t.deepEqual(a('get', { name: 'p' }).user.groups, ['system:authenticated'], 'a user on a request is authenticated');
});

test('rbac denials - upstream texts: namespaced, cluster scope, named, subresource, non-resource path, and a reason', (t) => {
  const msg = (a: Attributes, reason = '') => forbiddenError(a, reason).message;
  t.is(msg(res('list', 'pods')), 'pods is forbidden: User "jane" cannot list resource "pods" in API group "" in the namespace "default"');
  t.is(msg(res('list', 'nodes', { namespace: '' })), 'nodes is forbidden: User "jane" cannot list resource "nodes" in API group "" at the cluster scope');
  t.is(msg(res('get', 'deployments', { apiGroup: 'apps', name: 'web' })), 'deployments.apps "web" is forbidden: User "jane" cannot get resource "deployments" in API group "apps" in the namespace "default"');
  t.is(msg(res('get', 'pods', { subresource: 'log', name: 'p' })), 'pods "p" is forbidden: User "jane" cannot get resource "pods/log" in API group "" in the namespace "default"');
  t.is(msg(url('get', '/metrics')), 'forbidden: User "jane" cannot get path "/metrics"');
  t.is(msg(res('get', 'pods'), 'RBAC: role.rbac.authorization.k8s.io "gone" not found'),
    'pods is forbidden: User "jane" cannot get resource "pods" in API group "" in the namespace "default": RBAC: role.rbac.authorization.k8s.io "gone" not found');
  const err = forbiddenError(res('get', 'deployments', { apiGroup: 'apps', name: 'web' }), '');
  t.is(err.code, 403);
  t.deepEqual(err.status.details, { name: 'web', group: 'apps', kind: 'deployments' });
});

test('rbac users - every user is in system:authenticated but the anonymous one, which is in system:unauthenticated', (t) => {
  t.deepEqual(authenticated({ username: 'jane', groups: ['dev'] }).groups, ['dev', 'system:authenticated']);
  t.deepEqual(authenticated({ username: 'system:anonymous' }).groups, ['system:unauthenticated']);
  t.deepEqual(authenticated({ username: 'system:anonymous', groups: ['system:unauthenticated'] }).groups, ['system:unauthenticated']);
});
