// Summarizes the per-file times test workers write with KUBUS_TEST_TIMES=<file> (scripts/test-exit.ts):
//   KUBUS_TEST_TIMES=/tmp/t.jsonl npm test; node scripts/test-times.mjs /tmp/t.jsonl [top]
// prints the files by wall time (longest first: start-up until this worker's ava require module ran,
// then the whole file), CPU of the worker and of its waited-for children, the run's span and sums, and
// the 'test/...' names in order, for LONGEST_FIRST in test/ava.config.mjs.
import { readFileSync } from 'node:fs';

const [path, topArg] = process.argv.slice(2);
if (!path) {
  console.error('usage: node scripts/test-times.mjs <times.jsonl> [top]');
  process.exit(2);
}
const rows = readFileSync(path, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
const top = Number(topArg ?? 40);
const s = (ms) => (ms / 1000).toFixed(1).padStart(7);
rows.sort((a, b) => b.end - b.start - (a.end - a.start));
const first = Math.min(...rows.map((r) => r.start));
const last = Math.max(...rows.map((r) => r.end));
let wall = 0;
let startup = 0;
let cpu = 0;
let child = 0;
for (const r of rows) {
  wall += r.end - r.start;
  startup += r.loaded - r.start;
  cpu += r.cpuMs;
  child += r.childCpuMs;
}
console.log(`${rows.length} files; first start to last end ${s(last - first)} s; sums: wall ${s(wall)} s, start-up ${s(startup)} s, worker CPU ${s(cpu)} s, children CPU ${s(child)} s`);
console.log('   wall  start-up    cpu  child-cpu  at(s)  file');
for (const r of rows.slice(0, top)) {
  console.log(`${s(r.end - r.start)} ${s(r.loaded - r.start)} ${s(r.cpuMs)} ${s(r.childCpuMs)} ${s(r.start - first)}  ${r.file}`);
}
console.log('\nlongest first:');
console.log(rows.slice(0, top).map((r) => `  '${r.file.replace(/^test\//, '')}',`).join('\n'));
