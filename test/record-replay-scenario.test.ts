// A scenario step replays a recording on the scenario's virtual clock: the replay's waits are s.advance.
import test from 'ava';
import type { KubeObject } from '../api/meta.ts';
import { formatChange, parseRecording, type RecordedChange } from '../api/record-format.ts';
import { scenario } from '../scenarios/dsl.ts';
import { summary } from '../scenarios/report.ts';
import { runScenario } from '../scenarios/runner/run.ts';
import { replay } from '../runtime/record-replay.ts';

const cm = (v: string): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg', namespace: 'default', uid: 'recorded-uid', resourceVersion: '42' }, data: { v } }) as KubeObject;
const recording = [
  { offsetMs: 0, type: 'ADDED', resource: 'configmaps', object: cm('1') },
  { offsetMs: 30_000, type: 'MODIFIED', resource: 'configmaps', object: cm('2') },
  { offsetMs: 60_000, type: 'DELETED', resource: 'configmaps', object: cm('2') },
] satisfies RecordedChange[];

test('record-replay scenario - a scenario step replays a file on the virtual clock at --speed 2: changes land at 0, 15 s and 30 s of cluster time', async (t) => {
  const changes = parseRecording(recording.map(formatChange).join(''));
  const seen: string[] = [];
  const def = scenario('replay', { nodes: 1 }, async (s) => {
    const start = s.now();
    await replay(s.api, changes, {
      speed: 2,
      now: () => s.now(),
      sleep: (ms) => s.advance(ms, { quiet: true }),
      onApplied: (c, _i, cur) => seen.push(`${(s.now() - start) / 1000}s ${c.type} ${cur ? (cur as KubeObject & { data: { v: string } }).data.v : 'gone'}`),
    });
    await s.expect('the ConfigMap is gone at the end', async () => (await s.api.list('configmaps', { namespace: 'default' })).items.every((x) => x.metadata.name !== 'cfg'));
  });
  const r = await runScenario(def);
  t.true(r.ok, summary(r));
  t.deepEqual(seen, ['0s ADDED 1', '15s MODIFIED 2', '30s DELETED gone']);
});
