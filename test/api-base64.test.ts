// []byte fields decode as upstream's JSON decoder does (Go's base64.StdEncoding): a bad value is a 400
// "cannot be handled as" at decode time, with the input byte Go names; nothing is stored.
import test from 'ava';
import type { KubeObject } from '../api/meta.ts';
import { StatusError } from '../api/status.ts';
import { goBase64 } from '../api/validation/base64.ts';
import { startApi } from './helpers/api.ts';

const decodes = test.macro({
  exec(t, input: string, expected: ReturnType<typeof goBase64>) {
    t.deepEqual(goBase64(input), expected);
  },
  title: (_p, input: string) => `base64 - Go's StdEncoding reads ${JSON.stringify(input)}`,
});

test(decodes, '', { length: 0 });
test(decodes, 'YWRtaW4=', { length: 5 });
test(decodes, 'aA==', { length: 1 });
test(decodes, 'YWRt\naW4=\r\n', { length: 5 }); // CR and LF are skipped
test(decodes, 'not base64!', { illegalAt: 3 });
test(decodes, '<base64-encoded-CA-bundle>', { illegalAt: 0 });
test(decodes, 'abcde', { illegalAt: 4 }); // a short last quantum fails where it starts
test(decodes, 'YQ', { illegalAt: 0 });
test(decodes, 'YQ=', { illegalAt: 3 }); // the second '=' is missing at the end
test(decodes, 'YQ=x', { illegalAt: 2 });
test(decodes, 'Y===', { illegalAt: 1 });
test(decodes, 'YWJj=', { illegalAt: 4 });
test(decodes, 'YQ==YQ==', { illegalAt: 4 }); // nothing may follow the padding

const statusOf = async (p: Promise<unknown>): Promise<StatusError> => {
  const err = await p.then(() => undefined, (e: unknown) => e);
  if (!(err instanceof StatusError)) throw new Error(`expected a Status error, got ${String(err)}`);
  return err;
};

test('apiserver - a Secret whose data is not base64 is 400 "cannot be handled as a Secret", on create and update, and nothing is stored', async (t) => {
  const { client } = await startApi(t);
  const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'tls', namespace: 'default' }, type: 'kubernetes.io/tls', data: { 'tls.crt': 'not base64!', 'tls.key': 'a2V5' } };
  const e = await statusOf(client.create('secrets', secret));
  t.is(e.code, 400);
  t.is(e.reason, 'BadRequest');
  t.is(e.message, 'Secret in version "v1" cannot be handled as a Secret: illegal base64 data at input byte 3');
  t.is((await statusOf(client.get('secrets', 'tls', { namespace: 'default' }))).code, 404);
  const created = await client.create<KubeObject & { data: Record<string, string> }>('secrets', { ...secret, data: { 'tls.crt': 'Y2VydA==', 'tls.key': 'a2V5' } });
  const u = await statusOf(client.update('secrets', { ...created, data: { ...created.data, 'tls.key': 'a2V5a' } }));
  t.is(u.code, 400);
  t.is(u.message, 'Secret in version "v1" cannot be handled as a Secret: illegal base64 data at input byte 4');
  const stored = await client.get<KubeObject & { data: Record<string, string> }>('secrets', 'tls', { namespace: 'default' });
  t.deepEqual(stored.data, { 'tls.crt': 'Y2VydA==', 'tls.key': 'a2V5' });
});

test('apiserver - a ConfigMap\'s binaryData and a webhook\'s caBundle decode as base64 too', async (t) => {
  const { client } = await startApi(t);
  const cm = await statusOf(client.create('configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'bin', namespace: 'default' }, binaryData: { ok: 'AAAA', bad: 'AA' } }));
  t.is(cm.code, 400);
  t.is(cm.message, 'ConfigMap in version "v1" cannot be handled as a ConfigMap: illegal base64 data at input byte 0');
  const webhook = {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingWebhookConfiguration',
    metadata: { name: 'demo' },
    webhooks: [{ name: 'demo.example.com', clientConfig: { service: { namespace: 'default', name: 'hook' }, caBundle: '<base64-encoded-CA-bundle>' }, sideEffects: 'None', admissionReviewVersions: ['v1'] }],
  };
  const v = await statusOf(client.create('validatingwebhookconfigurations', webhook));
  t.is(v.code, 400);
  t.is(v.reason, 'BadRequest');
  t.is(v.message, 'ValidatingWebhookConfiguration in version "v1" cannot be handled as a ValidatingWebhookConfiguration: illegal base64 data at input byte 0');
  t.is((await statusOf(client.get('validatingwebhookconfigurations', 'demo'))).code, 404);
});
