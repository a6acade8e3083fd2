// ensureControllerAccounts at a stop: the bus drains and refuses its request, which is no warning.
import test from 'ava';
import type { ApiClient } from '../bus/client.ts';
import { silentLogger, type Logger } from '../bus/types.ts';
import { ensureControllerAccounts } from '../actors/controllers/shared/service-account-credentials.ts';

const warnings = () => {
  const said: string[] = [];
  return { said, log: { ...silentLogger, warn: (_o: unknown, m?: string) => void said.push(String(m)) } as Logger };
};

test('controller accounts - a request refused because the stop began is not warned of; one refused otherwise is', async (t) => {
  const stop = new AbortController();
  const draining = { create: () => (stop.abort(), Promise.reject(new Error('connection draining'))) } as unknown as ApiClient;
  const quiet = warnings();
  t.deepEqual(await ensureControllerAccounts(draining, ['deployment-controller'], { signal: stop.signal, log: quiet.log }), []);
  t.deepEqual(quiet.said, []);
  const refusing = { create: () => Promise.reject(new Error('connection draining')) } as unknown as ApiClient;
  const loud = warnings();
  await ensureControllerAccounts(refusing, ['deployment-controller'], { signal: new AbortController().signal, log: loud.log });
  t.deepEqual(loud.said, ['controller service account not created']);
});
