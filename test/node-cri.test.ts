// criVersion (runtime/node-cri.ts) against a CRI server of the test's own (grpc-js on a unix socket):
// a containerd whose CRI plugin is still restoring its state says `server is not initialized yet`.
import test, { type ExecutionContext } from 'ava';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { criPackage } from '../actors/kubelet/runtimes/cri/cri-client.ts';
import { criVersion } from '../runtime/node-cri.ts';

const VERSION = { version: '0.1.0', runtimeName: 'containerd', runtimeVersion: '1.6.20~ds1', runtimeApiVersion: 'v1' };

/** Serves RuntimeService/Version: the first `failures` calls fail with `error`; returns the endpoint and the call count. */
async function fakeRuntime(t: ExecutionContext, failures: number, error: { code: grpc.status; details: string }) {
  const dir = mkdtempSync(join(tmpdir(), 'kubus-node-cri-'));
  const server = new grpc.Server();
  const calls = { n: 0 };
  const service = (criPackage().RuntimeService as grpc.ServiceClientConstructor).service;
  server.addService(service, {
    version: (_call: unknown, cb: grpc.sendUnaryData<object>) => (++calls.n <= failures ? cb(error) : cb(null, VERSION)),
  });
  const endpoint = `unix://${join(dir, 'cri.sock')}`;
  await new Promise<void>((resolve, reject) => server.bindAsync(`unix:${join(dir, 'cri.sock')}`, grpc.ServerCredentials.createInsecure(), (err) => (err ? reject(err) : resolve())));
  t.teardown(() => {
    server.forceShutdown();
    rmSync(dir, { recursive: true, force: true });
  });
  return { endpoint, calls };
}

const notInitialized = { code: grpc.status.UNKNOWN, details: 'server is not initialized yet' };

test('node cri - a runtime still initializing is asked its version again until it answers', async (t) => {
  const { endpoint, calls } = await fakeRuntime(t, 2, notInitialized);
  t.deepEqual(await criVersion(endpoint, 5_000), { name: 'containerd', version: '1.6.20~ds1' });
  t.is(calls.n, 3);
});

test('node cri - any other error fails at once; still initializing at the deadline fails with its error', async (t) => {
  const other = await fakeRuntime(t, 1, { code: grpc.status.UNIMPLEMENTED, details: 'unknown service runtime.v1.RuntimeService' });
  await t.throwsAsync(criVersion(other.endpoint, 5_000), { message: 'rpc error: code = Unimplemented desc = unknown service runtime.v1.RuntimeService' });
  t.is(other.calls.n, 1);
  const stuck = await fakeRuntime(t, Infinity, notInitialized);
  await t.throwsAsync(criVersion(stuck.endpoint, 500), { message: 'rpc error: code = Unknown desc = server is not initialized yet' });
  t.true(stuck.calls.n > 1, `asked ${stuck.calls.n} times`);
});
