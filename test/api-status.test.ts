// Status error helpers of api/status.ts that callers build on.
import test from 'ava';
import { conflict, notFound, unlessNotFound } from '../api/status.ts';

test('api status - unlessNotFound: the result, undefined for a 404, any other error rethrown', async (t) => {
  t.is(await unlessNotFound(Promise.resolve('pod')), 'pod');
  t.is(await unlessNotFound(Promise.reject(notFound('pods', 'gone'))), undefined);
  const err = await t.throwsAsync(unlessNotFound(Promise.reject(conflict('pods', 'p', 'changed'))));
  t.is((err as { code?: number }).code, 409);
  await t.throwsAsync(unlessNotFound(Promise.reject(new Error('network down'))), { message: 'network down' });
});
