// The controllers' service accounts (upstream's --use-service-account-credentials): which users the
// controller manager's bus identity may name, and that every controller has an account with a role.
import test from 'ava';
import type { ApiRequest } from '../api/protocol.ts';
import { StatusError } from '../api/status.ts';
import { controllerClusterRoleBindings, controllerClusterRoles, CONTROLLER_ACCOUNTS } from '../actors/apiserver/authz/controller-roles.ts';
import { defaultClusterRoleBindings, defaultClusterRoles } from '../actors/apiserver/authz/default-roles.ts';
import { establish } from '../actors/apiserver/identity.ts';
import { asControllerAccount, CONTROLLER_SERVICE_ACCOUNTS, controllerUser } from '../actors/controllers/shared/service-account-credentials.ts';
import type { ActorDefinition, ActorDeps } from '../actors/lib/actor.ts';
import { ApiClient } from '../bus/client.ts';
import { MemoryBroker } from '../bus/memory-bus.ts';
import { controllers } from '../runtime/controller-manager.ts';

const RS = 'system:serviceaccount:kube-system:replicaset-controller';
const get: ApiRequest = { namespace: 'default', name: 'x' };
const refusal = (fn: () => unknown) => {
  const err = t0(fn);
  if (!(err instanceof StatusError)) throw new Error(`expected a Status error, got ${String(err)}`);
  return err;
};
function t0(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  return undefined;
}

test('controller accounts - the controller manager acts as its own user, no longer system:masters', (t) => {
  t.deepEqual(establish(get, 'controller-manager').user, { username: 'system:kube-controller-manager' });
});

test('controller accounts - the controller manager may name a controller\'s account; the groups are the server\'s, never the claimed ones', (t) => {
  const user = establish({ ...get, user: { username: RS, groups: ['system:masters'] } }, 'controller-manager').user;
  t.deepEqual(user, { username: RS, groups: ['system:serviceaccounts', 'system:serviceaccounts:kube-system', 'system:authenticated'] });
});

test('controller accounts - any other user the controller manager names is upstream\'s impersonation 403', (t) => {
  for (const username of ['kubus-admin', 'system:serviceaccount:default:replicaset-controller', 'system:serviceaccount:kube-system:default', 'system:serviceaccount:kube-system:']) {
    const err = refusal(() => establish({ ...get, user: { username } }, 'controller-manager'));
    t.is(err.code, 403, username);
    t.regex(err.message, /User "system:kube-controller-manager" cannot impersonate resource "users"/);
  }
});

test('controller accounts - no other identity may name a controller\'s account', (t) => {
  for (const token of ['node_n1', 'scheduler', 'tracer']) t.is(refusal(() => establish({ ...get, user: { username: RS } }, token)).code, 403, token);
});

test('controller accounts - every controller acts as an account that has a system:controller: role bound to it', (t) => {
  const names = controllers().map(([n]) => n);
  t.deepEqual(names.filter((n) => !CONTROLLER_SERVICE_ACCOUNTS[n]), [], 'controllers without an account');
  t.deepEqual([...new Set(Object.values(CONTROLLER_SERVICE_ACCOUNTS))].filter((a) => !CONTROLLER_ACCOUNTS.includes(a)), [], 'accounts without a role');
  const roles = new Set(defaultClusterRoles().map((r) => r.metadata.name));
  const bindings = defaultClusterRoleBindings();
  for (const account of CONTROLLER_ACCOUNTS) {
    const name = `system:controller:${account}`;
    t.true(roles.has(name), name);
    t.like(bindings.find((b) => b.metadata.name === name), { roleRef: { kind: 'ClusterRole', name }, subjects: [{ kind: 'ServiceAccount', name: account, namespace: 'kube-system' }] });
    t.is(controllerUser(account).username, `system:serviceaccount:kube-system:${account}`);
  }
  t.is(controllerClusterRoles().length, controllerClusterRoleBindings().length);
});

test('controller accounts - a wrapped controller\'s logic and bindings get a client acting as its account', (t) => {
  const users: Array<string | undefined> = [];
  const def: ActorDefinition<void> = {
    kind: 'probe',
    logic: (deps) => (users.push(deps.client.user?.username), undefined as never),
    bindings: (deps) => (users.push(deps.client.user?.username), []),
  };
  const client = new ApiClient(new MemoryBroker().connect('cm'));
  const deps = { client } as ActorDeps;
  const wrapped = asControllerAccount('replicaset', def);
  wrapped.logic(deps);
  wrapped.bindings!(deps);
  t.deepEqual(users, [RS, RS]);
  t.is(client.user, undefined, 'the process\'s own client (its informers) is left as it is');
  t.throws(() => asControllerAccount('no-such-controller', def), { name: 'NoControllerAccountError' });
  t.is(controllers({ useServiceAccountCredentials: true }).length, controllers().length);
});
