// The kubelet's token manager and projected serviceAccountToken files: tokens requested bound to the
// pod, cached, requested again past 80% of their lifetime, kept while a refresh fails.
import test from 'ava';
import type { Pod } from '../api/kinds/pod.ts';
import { rfc3339 } from '../api/names.ts';
import { needsRefresh, TokenManager } from '../actors/kubelet/volumes/token-manager.ts';
import { planVolume, tokenSources, VolumeSetupError } from '../actors/kubelet/volumes/volume-plan.ts';
import { apiAccessVolume } from '../actors/apiserver/admission-serviceaccount.ts';
import { VirtualClock } from '../bus/clock.ts';
import type { ApiClient } from '../bus/client.ts';
import { silentLogger } from '../bus/types.ts';

const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'ns', uid: 'u1' }, spec: { serviceAccountName: 'robot', containers: [{ name: 'c', image: 'x' }], volumes: [apiAccessVolume('kube-api-access-abcde')] } } as unknown as Pod;

/** A client whose TokenRequests are recorded and answered with numbered tokens (lifetime as asked). */
function fakeClient(clock: VirtualClock) {
  const asked: Array<{ ns: string; sa: string; spec: Record<string, unknown> }> = [];
  let failing = false;
  const client = {
    async createToken(ns: string, sa: string, spec: Record<string, unknown>) {
      if (failing) throw new Error('no responders');
      asked.push({ ns, sa, spec });
      return { status: { token: `t${asked.length}`, expirationTimestamp: rfc3339(clock.now() + (spec.expirationSeconds as number) * 1000) } };
    },
  } as unknown as ApiClient;
  return { client, asked, fail: (f: boolean) => (failing = f) };
}

test('kubelet token manager - bound to the pod, cached, refreshed past 80% of the lifetime, kept while a refresh fails', async (t) => {
  const clock = new VirtualClock(Date.parse('2026-01-01T00:00:00Z'));
  const { client, asked, fail } = fakeClient(clock);
  const tm = new TokenManager({ client, clock, log: silentLogger });
  const source = { expirationSeconds: 3607, path: 'token' };
  t.is(await tm.token(pod, source), 't1');
  t.deepEqual(asked[0], { ns: 'ns', sa: 'robot', spec: { expirationSeconds: 3607, boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'p', uid: 'u1' } } });
  await clock.advance(0.79 * 3607_000);
  t.is(await tm.token(pod, source), 't1', 'fresh: from the cache');
  await clock.advance(0.02 * 3607_000);
  t.is(await tm.token(pod, source), 't2', 'past 80%: requested again');
  await clock.advance(0.81 * 3607_000);
  fail(true);
  t.is(await tm.token(pod, source), 't2', 'the API away: the valid token stays');
  await clock.advance(0.2 * 3607_000);
  await t.throwsAsync(tm.token(pod, source), { message: 'no responders' });
  fail(false);
  tm.forget('u1');
  t.is(await tm.token(pod, { ...source, audience: 'vault' }), 't3');
  t.deepEqual(asked[2].spec.audiences, ['vault']);
  t.false(needsRefresh({ issuedMs: 0, expiresMs: 100 }, 79));
  t.true(needsRefresh({ issuedMs: 0, expiresMs: 100 }, 80));
  t.true(needsRefresh({ issuedMs: 0, expiresMs: 200 * 3600_000 }, 24 * 3600_000), 'a day old at most');
});

test('kubelet token manager - the projected volume\'s files: token, ca.crt, namespace, mode 0644; no token is FailedMount', (t) => {
  const vol = pod.spec.volumes![0] as never;
  const [src] = tokenSources(pod);
  t.deepEqual(src, { key: 'kube-api-access-abcde/0', source: { expirationSeconds: 3607, path: 'token' } });
  const input = { configMaps: new Map([['kube-root-ca.crt', { data: { 'ca.crt': 'PEM' } } as never]]), secrets: new Map(), hostIPs: [], podIPs: [], allocatable: {}, tokens: new Map([[src.key, 'jwt']]) };
  const plan = planVolume(pod, vol, input);
  t.deepEqual(plan.kind === 'files' && plan.files.map((f) => [f.path, f.data.toString(), f.mode.toString(8)]), [['token', 'jwt', '644'], ['ca.crt', 'PEM', '644'], ['namespace', 'ns', '644']]);
  const err = t.throws(() => planVolume(pod, vol, { ...input, tokens: new Map() }), { instanceOf: VolumeSetupError });
  t.is(err.message, 'MountVolume.SetUp failed for volume "kube-api-access-abcde" : failed to fetch token: no token was requested');
});
