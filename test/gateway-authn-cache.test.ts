// The gateway's token verdict cache: concurrent requests with one token share one review, and a flood
// of unknown tokens evicts the oldest verdicts only, never a recent good one.
import test from 'ava';
import type { IncomingMessage } from 'node:http';
import { gatewayAuthenticator, TOKEN_CACHE_MAX } from '../actors/gateway/authn.ts';
import type { ApiClient } from '../bus/client.ts';
import type { Clock } from '../bus/clock.ts';

const clock: Clock = { now: () => 0, setTimeout: () => undefined, clearTimeout: () => {} };
const req = (token: string) => ({ socket: {}, headers: { authorization: `Bearer ${token}` } }) as unknown as IncomingMessage;

/** Returns an authenticator whose reviews accept only `good`, and the tokens it reviewed. */
function setup() {
  const reviewed: string[] = [];
  const client = {
    call: async (_r: string, _v: string, { body }: { body: { spec: { token: string } } }) => {
      reviewed.push(body.spec.token);
      await Promise.resolve();
      return { status: body.spec.token === 'good' ? { authenticated: true, user: { username: 'jane' } } : { authenticated: false } };
    },
  } as unknown as ApiClient;
  return { authenticate: gatewayAuthenticator(client, clock), reviewed };
}

test('gateway authn cache - concurrent requests with one token share one review', async (t) => {
  const { authenticate, reviewed } = setup();
  const users = await Promise.all([1, 2, 3].map(() => authenticate(req('good'))));
  t.deepEqual(users.map((u) => u.username), ['jane', 'jane', 'jane']);
  t.deepEqual(reviewed, ['good']);
  t.deepEqual(users[0]!.groups, ['system:authenticated']);
});

test('gateway authn cache - a flood of bad tokens evicts the oldest verdicts, not the recent good one', async (t) => {
  const { authenticate, reviewed } = setup();
  await authenticate(req('first-bad')).catch(() => {});
  await authenticate(req('second-bad')).catch(() => {});
  await authenticate(req('good'));
  for (let i = 0; i < TOKEN_CACHE_MAX - 1; i++) await t.throwsAsync(authenticate(req(`bad-${i}`)), { message: 'Unauthorized' });
  const n = reviewed.length;
  t.is((await authenticate(req('good'))).username, 'jane');
  t.is(reviewed.length, n, 'the good verdict is still cached (the cache is over its bound by two)');
  await authenticate(req('first-bad')).catch(() => {});
  t.is(reviewed.length, n + 1, 'the oldest verdict was evicted');
});
