// What a pod update wakes in the workload and endpoint controllers: the functions written without
// spreads and string joins answer as the plain versions they replaced, over random pairs of pods.
import test from 'ava';
import type { Pod } from '../api/kinds/pod.ts';
import { controllerRefOf, type KubeObject } from '../api/meta.ts';
import { sameLabels } from '../api/selectors.ts';
import { isPodReady } from '../api/kinds/pod-helpers.ts';
import { seededRng, type Rng } from '../bus/random.ts';
import { controllerKeys, ownerOrAdopters, ownerUpdateKeys } from '../actors/controllers/shared/owner-keys.ts';
import { podEndpointsChanged } from '../actors/controllers/shared/pod-services.ts';

/** The versions before (Dec 7): arrays spread together, IPs joined into strings. */
function plainOwnerUpdateKeys(old: KubeObject, obj: KubeObject, kind: string, adopters: (o: KubeObject) => string[]): string[] {
  const [oldRef, ref] = [controllerRefOf(old), controllerRefOf(obj)];
  const keys = oldRef && oldRef.uid !== ref?.uid ? controllerKeys(old, kind) : [];
  if (ref) return [...keys, ...controllerKeys(obj, kind)];
  const changed = oldRef !== undefined || !sameLabels(old.metadata.labels, obj.metadata.labels);
  return changed ? [...keys, ...ownerOrAdopters(obj, kind, adopters)] : keys;
}
const ips = (p: Pod) => (p.status?.podIPs ?? []).map((x) => x.ip).join(',') + `|${p.status?.podIP ?? ''}`;
function plainPodEndpointsChanged(old: Pod, now: Pod): [boolean, boolean] {
  const labelsChanged = !sameLabels(old.metadata.labels, now.metadata.labels) || old.spec.hostname !== now.spec.hostname || old.spec.subdomain !== now.spec.subdomain;
  const podChanged = old.metadata.deletionTimestamp !== now.metadata.deletionTimestamp || isPodReady(old) !== isPodReady(now) || ips(old) !== ips(now) || old.status?.phase !== now.status?.phase;
  return [podChanged, labelsChanged];
}

const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[rng.int(xs.length)];

/** A random pod: owners, labels, readiness, IPs, phase and deletion drawn from a few values each, so pairs often agree. */
function randomPod(rng: Rng): Pod {
  const owners = pick(rng, [undefined, [], [{ kind: 'ReplicaSet', name: 'a', uid: 'u1', controller: true }], [{ kind: 'ReplicaSet', name: 'b', uid: 'u2', controller: true }], [{ kind: 'StatefulSet', name: 'a', uid: 'u3', controller: true }], [{ kind: 'ReplicaSet', name: 'a', uid: 'u1' }]]);
  const ipSets = [undefined, [], [{ ip: '10.0.0.1' }], [{ ip: '10.0.0.2' }], [{ ip: '10.0.0.1' }, { ip: 'fd00::1' }]];
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p', namespace: 'ns', ownerReferences: owners, labels: pick(rng, [undefined, {}, { app: 'x' }, { app: 'y' }]), deletionTimestamp: pick(rng, [undefined, undefined, '2026-01-01T00:00:00Z']) },
    spec: { containers: [], hostname: pick(rng, [undefined, 'h']), subdomain: pick(rng, [undefined, 's']) },
    status: pick(rng, [
      undefined,
      {
        phase: pick(rng, [undefined, 'Pending', 'Running']),
        podIP: pick(rng, [undefined, '10.0.0.1', '10.0.0.2']),
        podIPs: pick(rng, ipSets),
        conditions: pick(rng, [undefined, [], [{ type: 'Ready', status: 'True' }], [{ type: 'Ready', status: 'False' }], [{ type: 'PodScheduled', status: 'True' }, { type: 'Ready', status: 'True' }]]),
      },
    ]),
  } as Pod;
}

test('controller keys - ownerUpdateKeys answers as the spread version did, over 5,000 random pairs', (t) => {
  const rng = seededRng(14);
  const adopters = (o: KubeObject) => (o.metadata.labels?.app ? [`ns/owner-of-${o.metadata.labels.app}`] : []);
  for (let i = 0; i < 5_000; i++) {
    const old = randomPod(rng);
    const now = rng.int(4) === 0 ? old : randomPod(rng);
    for (const kind of ['ReplicaSet', 'StatefulSet']) t.deepEqual(ownerUpdateKeys(old, now, kind, adopters), plainOwnerUpdateKeys(old, now, kind, adopters));
  }
});

test('controller keys - podEndpointsChanged answers as the string-joining version did, over 5,000 random pairs', (t) => {
  const rng = seededRng(15);
  let changed = 0;
  for (let i = 0; i < 5_000; i++) {
    const old = randomPod(rng);
    const now = rng.int(4) === 0 ? structuredClone(old) : randomPod(rng);
    const got = podEndpointsChanged(old, now);
    t.deepEqual(got, plainPodEndpointsChanged(old, now));
    if (got[0]) changed++;
  }
  t.true(changed > 1_000 && changed < 4_500, `both answers seen (${changed} changed)`);
});
