// kubus record / replay (issue 16): a Deployment rollout recorded on a sim cluster, replayed into a
// fresh API server with no controllers, reproduces its sequence of object states.
import test from 'ava';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Deployment } from '../api/kinds/deployment.ts';
import type { KubeObject } from '../api/meta.ts';
import { formatChange, parseRecording, type RecordedChange } from '../api/record-format.ts';
import { setImage } from '../cli/commands/set-image.ts';
import { startRecorder } from '../runtime/record.ts';
import { replay } from '../runtime/record-replay.ts';
import { startApi } from './helpers/api.ts';
import { startSimCluster } from './helpers/cluster.ts';

const NS = 'default';
const RESOURCES = ['nodes', 'deployments', 'replicasets', 'pods'];
const deployment: KubeObject = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: NS },
  spec: { replicas: 3, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'nginx', image: 'nginx:1.26' }] } } },
};

type Any = Record<string, any>;
/** What "the object's state" means here, per resource: what a rollout changes. */
function stateOf(resource: string, o: KubeObject): string {
  const spec = (o.spec ?? {}) as Any;
  const st = (o.status ?? {}) as Any;
  const del = o.metadata.deletionTimestamp ? ' deleting' : '';
  if (resource === 'replicasets') return `spec=${spec.replicas} replicas=${st.replicas ?? 0} ready=${st.readyReplicas ?? 0} available=${st.availableReplicas ?? 0}${del}`;
  if (resource === 'deployments')
    return `image=${spec.template.spec.containers[0].image} observed=${st.observedGeneration} updated=${st.updatedReplicas ?? 0} ready=${st.readyReplicas ?? 0} available=${st.availableReplicas ?? 0} conds=${(st.conditions ?? []).map((c: Any) => `${c.type}=${c.status}/${c.reason}`).join(',')}`;
  if (resource === 'pods') {
    const ready = (st.conditions ?? []).find((c: Any) => c.type === 'Ready')?.status ?? '-';
    return `node=${spec.nodeName ?? '-'} phase=${st.phase ?? '-'} ready=${ready}${del}`;
  }
  return `ready=${((st.conditions ?? []) as Any[]).find((c) => c.type === 'Ready')?.status ?? '-'}`;
}

/** Each object's sequence of states (consecutive repeats merged), with DELETED as a state of its own. */
function histories(changes: readonly RecordedChange[], only: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const c of changes) {
    if (c.resource !== only) continue;
    const key = c.object.metadata.name!;
    const seq = out.get(key) ?? [];
    const s = c.type === 'DELETED' ? 'DELETED' : stateOf(c.resource, c.object);
    if (seq.at(-1) !== s) seq.push(s);
    out.set(key, seq);
  }
  return out;
}

const sorted = (m: Map<string, string[]>) => Object.fromEntries([...m].sort(([a], [b]) => a.localeCompare(b)));

test('record-replay - a recorded rollout replayed into a fresh API server (no controllers) at 200x reproduces every object state in order', async (t) => {
  const c = await startSimCluster(t, { nodes: 2 });
  const lines: string[] = [];
  const recorder = await c.run(startRecorder(c.client, { resources: RESOURCES, namespace: NS, now: () => c.clock.now(), write: (l) => lines.push(l) }));
  t.teardown(() => recorder.stop());
  const d = () => c.run(c.client.get<Deployment>('deployments', 'web', { namespace: NS }));
  const done = (x: Deployment, image: string) =>
    x.spec.template.spec.containers[0].image === image && x.status?.observedGeneration === x.metadata.generation && x.status?.updatedReplicas === 3 && x.status?.availableReplicas === 3 && x.status?.replicas === 3;
  await c.run(c.client.create('deployments', deployment));
  await c.until(async () => done(await d(), 'nginx:1.26'), 60_000, 'the first rollout');
  await c.run(setImage(c.client, ['deployment/web', 'nginx=nginx:1.27'], NS));
  await c.until(async () => done(await d(), 'nginx:1.27'), 120_000, 'the rollout to nginx:1.27');
  await c.until(async () => (await c.list('pods', { namespace: NS })).length === 3, 60_000, 'the old pods gone');
  await c.clock.advance(1000);
  recorder.stop();

  const recorded = parseRecording(lines.join(''));
  t.true(recorded.length > 40, `a rollout is many changes (${recorded.length})`);
  const rsHistories = histories(recorded, 'replicasets');
  t.is(rsHistories.size, 2, 'the old and the new ReplicaSet');
  t.true(recorded.some((x) => x.resource === 'pods' && x.type === 'DELETED'), 'old pods were deleted');
  const span = recorded.at(-1)!.offsetMs;

  // A fresh cluster: only the API server, on the real clock, its changes recorded the same way.
  const fresh = await startApi(t);
  const seen: string[] = [];
  const watcher = await startRecorder(fresh.connect('watcher'), { resources: RESOURCES, namespace: NS, now: Date.now, write: (l) => seen.push(l) });
  t.teardown(() => watcher.stop());
  const speed = 200;
  const mismatches: string[] = [];
  const began = Date.now();
  await replay(fresh.client, recorded, {
    speed,
    now: Date.now,
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
    onApplied: (ch, i, cur) => {
      const want = ch.type === 'DELETED' ? 'gone' : stateOf(ch.resource, ch.object);
      const got = cur ? stateOf(ch.resource, cur) : 'gone';
      if (want !== got) mismatches.push(`#${i} ${ch.type} ${ch.resource}/${ch.object.metadata.name}: want ${want}, got ${got}`);
    },
  });
  const took = Date.now() - began;
  t.log(`${recorded.length} changes over ${span} ms of cluster time, replayed at ${speed}x in ${took} ms`);
  t.deepEqual(mismatches, [], 'after each change the object is as recorded');
  t.true(took >= span / speed - 5, `timings kept at 1/${speed}: ${took} ms for ${span} ms recorded`);

  // The replayed cluster's own change feed gives the same sequence of states per object.
  const deadline = Date.now() + 5000;
  const KINDS = ['deployments', 'replicasets', 'pods'];
  const all = (changes: readonly RecordedChange[]) => JSON.stringify(KINDS.map((r) => sorted(histories(changes, r))));
  while (Date.now() < deadline && all(parseRecording(seen.join(''))) !== all(recorded)) await new Promise((r) => setTimeout(r, 20));
  const replayed = parseRecording(seen.join(''));
  for (const r of KINDS) t.deepEqual(sorted(histories(replayed, r)), sorted(histories(recorded, r)), `${r}: the same states in the same order`);
  const rs = sorted(rsHistories);
  t.true(Object.values(rs).some((seq) => seq[0].startsWith('spec=3') && seq.at(-1)!.startsWith('spec=0 replicas=0')), `the old ReplicaSet scaled 3 -> 0: ${JSON.stringify(rs)}`);
  const last = await fresh.client.get<Deployment>('deployments', 'web', { namespace: NS });
  t.is(last.spec.template.spec.containers[0].image, 'nginx:1.27');
  t.is(last.status?.updatedReplicas, 3);
});

test('record-replay - a malformed recording is refused with its line number', (t) => {
  const good = formatChange({ offsetMs: 0, type: 'ADDED', resource: 'pods', object: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'a' } } as KubeObject });
  t.is(parseRecording(good + '\n' + good).length, 2);
  t.throws(() => parseRecording(`${good}${good}{"offsetMs": 1, "type": "ADDED"\n`), { message: /^line 3: not a JSON object/ });
  t.throws(() => parseRecording(`${good}{"offsetMs":5,"type":"CHANGED","resource":"pods","object":{"metadata":{"name":"a"}}}\n`), { message: 'line 2: type must be one of ADDED, MODIFIED, DELETED, got "CHANGED"' });
  t.throws(() => parseRecording(`{"offsetMs":-1,"type":"ADDED","resource":"pods","object":{"metadata":{"name":"a"}}}`), { message: 'line 1: offsetMs must be a non-negative number' });
  t.throws(() => parseRecording(`{"offsetMs":9,"type":"ADDED","resource":"pods","object":{"metadata":{"name":"a"}}}\n${good}`), { message: "line 2: offsetMs 0 is before the previous line's 9" });
  t.throws(() => parseRecording(`{"offsetMs":0,"type":"ADDED","resource":"pods","object":{"metadata":{}}}`), { message: 'line 1: object must be an object with metadata.name' });
});

test('record-replay - kubus replay of a malformed file exits 1 naming the file and line, before connecting', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'kubus-replay-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'bad.jsonl');
  writeFileSync(file, `${formatChange({ offsetMs: 0, type: 'ADDED', resource: 'pods', object: { metadata: { name: 'a' } } as KubeObject })}not json\n`);
  const err = await t.throwsAsync(promisify(execFile)(process.execPath, ['--import', 'tsx', 'cli/main.ts', '--nats', 'nats://127.0.0.1:1', 'replay', file]));
  t.is((err as { code?: number }).code, 1);
  t.regex((err as { stderr?: string }).stderr ?? '', new RegExp(`^error: ${file.replace(/[.]/g, '\\.')}: line 2: not a JSON object`));
});
