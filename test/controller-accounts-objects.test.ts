// The controllers' ServiceAccount objects: on a locked control plane (each part its own identity, the
// controllers acting as kube-system service accounts, as `kubus up` runs) the controller manager makes
// the accounts its controllers act as, with its own user, as upstream's does with
// --use-service-account-credentials; `kubectl get sa -n kube-system` lists them.
import test from 'ava';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CONTROLLER_SERVICE_ACCOUNTS, ensureControllerAccounts } from '../actors/controllers/shared/service-account-credentials.ts';
import type { KubeObject } from '../api/meta.ts';
import { ApiClient } from '../bus/client.ts';
import { NatsBus } from '../bus/nats-bus.ts';
import { silentLogger } from '../bus/types.ts';
import { clusterIdentities, ensureCredentials, lockedConfig } from '../runtime/bus-auth.ts';
import type { ControlPlane } from '../runtime/control-plane.ts';
import { writeKubeconfig } from '../runtime/kubeconfig.ts';
import { startNatsServer, type NatsServer } from '../runtime/nats-server.ts';
import { startLockedControlPlane } from '../runtime/up-locked.ts';
import { KUBECTL } from './helpers/proc.ts';
import { waitFor } from './helpers/wait.ts';

const home = mkdtempSync(join(tmpdir(), 'kubus-ctl-accounts-'));
let nats: NatsServer;
let cp: ControlPlane;

test.before(async () => {
  nats = await startNatsServer({ config: lockedConfig(clusterIdentities([]), [], home) });
  cp = await startLockedControlPlane({ nats: nats.url, log: silentLogger, leaderElect: false, clusterLogs: false, httpAddress: '127.0.0.1:0', actors: ['apiserver', 'gateway', 'controller-manager'] }, home);
});
test.after.always(async () => {
  await cp?.stop();
  await nats?.stop('SIGKILL');
  rmSync(home, { recursive: true, force: true });
});

const kubectl = (kubeconfig: string, args: string[]) =>
  new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
    execFile(KUBECTL, ['--kubeconfig', kubeconfig, '--cache-dir', join(home, 'kcache'), ...args], { env: { PATH: process.env.PATH, HOME: home }, timeout: 20_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    ),
  );

test.serial('controller accounts - the controller manager makes every account its controllers act as; kubectl get sa -n kube-system lists them', async (t) => {
  const kubeconfig = writeKubeconfig(cp.gatewayUrl!, join(home, 'kubeconfig'));
  const want = [...new Set(Object.values(CONTROLLER_SERVICE_ACCOUNTS))].sort();
  const names = await waitFor(
    async () => {
      const r = await kubectl(kubeconfig, ['get', 'sa', '-n', 'kube-system', '-o', 'custom-columns=NAME:.metadata.name', '--no-headers']);
      const got = r.stdout.split('\n').filter(Boolean);
      return want.every((a) => got.includes(a)) ? got : undefined;
    },
    'every controller account in kube-system',
    30_000,
    500,
  );
  for (const a of ['node-controller', 'replicaset-controller', 'generic-garbage-collector', 'endpointslice-controller']) t.true(names.includes(a), a);
  // The controller manager's own user is the one that may make them (upstream's system:kube-controller-manager role).
  const admin = new ApiClient(await NatsBus.connect({ servers: nats.url, name: 'test/admin', log: silentLogger, credentials: ensureCredentials('admin', home) }));
  t.teardown(() => admin.bus.close());
  const review = await admin.create<KubeObject & { status: { allowed: boolean } }>('subjectaccessreviews', {
    apiVersion: 'authorization.k8s.io/v1',
    kind: 'SubjectAccessReview',
    metadata: {},
    spec: { user: 'system:kube-controller-manager', resourceAttributes: { verb: 'create', resource: 'serviceaccounts', namespace: 'kube-system' } },
  } as never);
  t.true(review.status.allowed, 'system:kube-controller-manager may create serviceaccounts');
});

test.serial('controller accounts - making them again is idempotent: nothing new, no error', async (t) => {
  const bus = await NatsBus.connect({ servers: nats.url, name: 'test/cm', log: silentLogger, credentials: ensureCredentials('controller-manager', home) });
  t.teardown(() => bus.close());
  const client = new ApiClient(bus);
  await waitFor(async () => (await client.list('serviceaccounts', { namespace: 'kube-system' }).catch(() => ({ items: [] }))).items.some((s) => s.metadata.name === 'node-controller'), 'node-controller', 30_000, 200);
  t.deepEqual(await ensureControllerAccounts(client, ['node-controller', 'replicaset-controller', 'node-controller']), []);
  // A new one is made by the controller manager's identity (its own user, not a controller's).
  t.deepEqual(await ensureControllerAccounts(client, ['kubus-test-controller']), ['kubus-test-controller']);
});
