// growthPercent: the steady hour's "memory stays flat" figure. Growth runs from the first sample at
// or after the half-way mark to the last, to one decimal; too few samples is "not measured", not 0 %.
import test from 'ava';
import { growthPercent, type MemorySample } from '../scenarios/usage.ts';

const MIN = 60_000;
const at = (minutes: number, rssMB: number, youngMB = 0): MemorySample => ({ at: minutes * MIN, rssMB, heapUsedMB: rssMB / 2, youngMB });

test('scenario usage - growth runs from the first sample at or after fromMs to the last', (t) => {
  const samples = [at(0, 50), at(5, 100), at(10, 104), at(15, 110)];
  t.is(growthPercent(samples, 5 * MIN), 10, 'base is the 5 min sample (100 → 110)');
  t.is(growthPercent(samples, 6 * MIN), 5.8, 'base is the first sample after fromMs (104 → 110: 5.77 %)');
  t.is(growthPercent(samples, 0), 120, 'from the very first sample (50 → 110)');
});

test('scenario usage - growth is rounded to one decimal and may be negative', (t) => {
  t.is(growthPercent([at(0, 300), at(5, 301)], 0), 0.3, '0.333 % rounds to 0.3');
  t.is(growthPercent([at(0, 300), at(5, 302)], 0), 0.7, '0.667 % rounds to 0.7');
  t.is(growthPercent([at(0, 200), at(5, 190)], 0), -5, 'memory given back is negative growth');
  t.is(growthPercent([at(0, 100), at(5, 100)], 0), 0, 'flat is 0, a measured figure');
});

test('scenario usage - fewer than two samples from fromMs on is not measured (undefined, not 0 %)', (t) => {
  t.is(growthPercent([], 0), undefined, 'no samples');
  t.is(growthPercent([at(0, 100)], 0), undefined, 'one sample');
  t.is(growthPercent([at(0, 100), at(5, 200), at(10, 300)], 10 * MIN), undefined, 'only the last sample is at or after fromMs');
  t.is(growthPercent([at(0, 100), at(5, 200)], 6 * MIN), undefined, 'no sample at or after fromMs');
  t.is(growthPercent([at(0, 0), at(5, 100)], 0), undefined, 'a base of no memory gives no percentage');
});

test('scenario usage - growth of what a sample reads: RSS with the young generation apart', (t) => {
  // 280 → 366 MB of RSS while the young generation grows 100 → 186 MB: nothing lasting grew.
  const samples = [at(0, 250, 90), at(30, 280, 100), at(60, 366, 186)];
  t.is(growthPercent(samples, 30 * MIN), 30.7, 'RSS grew');
  t.is(growthPercent(samples, 30 * MIN, (s) => s.rssMB - s.youngMB), 0, 'without the young generation it is flat');
});
