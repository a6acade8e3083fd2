#!/usr/bin/env node
// Counts the messages of a scenario's trace file (kubus scenario run … --trace DIR writes
// DIR/<name>.trace.txt) by kind: sender → receiver and what was sent, with node, pod and ReplicaSet
// names, revisions and batch sizes folded, so "which traffic costs the steady hour" is one table.
// Usage: node scripts/trace-tally.mjs FILE.trace.txt [--from HH:MM:SS] [--top N]
import { readFileSync } from 'node:fs';

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const file = args.find((a, i) => !a.startsWith('--') && !args[i - 1]?.startsWith('--'));
if (!file) {
  console.error('usage: node scripts/trace-tally.mjs FILE.trace.txt [--from HH:MM:SS] [--top N]');
  process.exit(2);
}
const from = opt('from', '');
const top = Number(opt('top', '40'));

// A message line: "  +12.300s  09:00:12.300  4150ae  kubelet/node-7 → apiserver: update leases lease/…"
const LINE = /^\s*\+[\d.]+s\s+(\d\d:\d\d:\d\d\.\d+)\s+[0-9a-f]+\s+(.*)$/;
const fold = (s) =>
  s
    .replace(/node-\d+/g, 'node-N')
    .replace(/\b(\w+)-[a-z0-9]{8,10}-[a-z0-9]{5}\b/g, '$1-RS-POD')
    .replace(/\(\+\d+ more\) \(\d+ events\)/g, '(batch)')
    .replace(/\brv \d+/g, 'rv N')
    .replace(/\(\d+ watches\)/g, '(N watches)');

const counts = new Map();
let total = 0;
let first;
let last;
for (const line of readFileSync(file, 'utf8').split('\n')) {
  const m = LINE.exec(line);
  if (!m || m[1] < from) continue;
  first ??= m[1];
  last = m[1];
  total++;
  const k = fold(m[2]);
  counts.set(k, (counts.get(k) ?? 0) + 1);
}
console.log(`${total} messages from ${first} to ${last}`);
for (const [k, n] of [...counts].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${String(n).padStart(8)}  ${((100 * n) / total).toFixed(1).padStart(5)}%  ${k}`);
