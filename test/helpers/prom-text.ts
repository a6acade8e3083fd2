// The Prometheus text exposition read by Prometheus's own Python client (Debian's
// python3-prometheus-client, its parser `text_string_to_metric_families`): a line it cannot read
// throws, naming the line, so a test that parses an exposition checks it is valid text format.
import { spawnSync } from 'node:child_process';

/** Debian's own Python, the one python3-prometheus-client installs into (scripts/ensure.mjs installs it). */
const DEBIAN_PYTHON = '/usr/bin/python3';

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const READ = `
import json, math, sys
from prometheus_client.parser import text_string_to_metric_families
types, samples = {}, []
for f in text_string_to_metric_families(sys.stdin.read()):
    types[f.name] = f.type
    for s in f.samples:
        samples.append({'name': s.name, 'labels': s.labels, 'value': s.value if math.isfinite(s.value) else str(s.value)})
json.dump({'samples': samples, 'types': types}, sys.stdout)
`;

/** Returns the samples of an exposition and the type of each metric family (by the parser's family name). */
export function parseExposition(text: string): { samples: Sample[]; types: Map<string, string> } {
  const r = spawnSync(DEBIAN_PYTHON, ['-c', READ], { input: text, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) {
    const why = r.error?.message ?? r.stderr.trim().split('\n').pop();
    throw new Error(`the Prometheus client's parser refused the exposition: ${why} (it needs python3-prometheus-client: apt-get install -y python3-prometheus-client)`);
  }
  const out = JSON.parse(r.stdout) as { samples: { name: string; labels: Record<string, string>; value: number | string }[]; types: Record<string, string> };
  const number = (v: number | string) => (typeof v === 'number' ? v : v === 'inf' ? Infinity : v === '-inf' ? -Infinity : NaN);
  return { samples: out.samples.map((x) => ({ ...x, value: number(x.value) })), types: new Map(Object.entries(out.types)) };
}

/** Returns the sum of the samples named `name` whose labels include `labels`. */
export function valueOf(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  return samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)).reduce((a, s) => a + s.value, 0);
}

/** Returns whether some sample is named `name` (with `labels`). */
export const hasSample = (samples: Sample[], name: string, labels: Record<string, string> = {}) =>
  samples.some((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
