// Scenario benchmark: how fast the simulation runs the scenario library (real time per scenario,
// cluster time per real second, messages), and optionally the scale-out scenario at a given size.
// These were once ceilings inside the tests ("passes in under 20 s"); they are figures, not checks.
// Run: npm run bench -- scenarios [--runs N] [--only <name part>] [--long] [--scale-out NODES,PODS]
// (--long adds the library's long runs, tagged scale, such as the steady hour at 100 nodes.)
import { join } from 'node:path';
import { listScenarios, loadScenario } from '../scenarios/load.ts';
import { summary } from '../scenarios/report.ts';
import { runScenario } from '../scenarios/runner/run.ts';
import { scaleOut } from '../scenarios/scale-out.scenario.ts';
import type { RunReport, ScenarioDefinition } from '../scenarios/types.ts';
import { median, report, type Figure } from './report.ts';

const opt = (name: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const RUNS = Number(opt('runs') ?? 1);
const ONLY = opt('only');
const SCALE = opt('scale-out')?.split(',').map(Number);
const LONG = process.argv.includes('--long');
const log = (m: string) => console.error(`[scenarios bench] ${m}`);

/** Runs a scenario RUNS times in simulated mode; returns the median run (by real time). Throws if a run fails. */
async function measure(def: ScenarioDefinition, file?: string): Promise<RunReport> {
  const runs: RunReport[] = [];
  for (let i = 0; i < RUNS; i++) {
    const r = await runScenario(def, { file });
    if (!r.ok) throw new Error(`${def.name} failed:\n${summary(r)}`);
    runs.push(r);
  }
  const m = median(runs.map((r) => r.realMs));
  return runs.reduce((a, b) => (Math.abs(b.realMs - m) < Math.abs(a.realMs - m) ? b : a));
}

const figuresOf = (r: RunReport, label: string): Figure[] => [
  {
    name: `${label}: real time`,
    value: r.realMs / 1000,
    unit: 's',
    higherIsBetter: false,
    anchor: `${(r.clusterMs / 1000).toFixed(0)} s of cluster time, ${(r.messages ?? 0).toLocaleString('en-US')} messages`,
  },
  // A run that hardly moves the clock (scale-out is bound by real work) has no meaningful speed-up.
  ...(r.clusterMs >= 1000 ? [{ name: `${label}: cluster time per real second`, value: r.clusterMs / r.realMs, unit: 's/s', higherIsBetter: true }] : []),
];

const figures: Figure[] = [];
const library = (await listScenarios(join(import.meta.dirname, '..', 'scenarios'))).filter(
  (s) => (LONG ? !s.tags.includes('benchmark') : !s.tags.includes('scale')) && !s.tags.includes('broken') && (!ONLY || s.name.includes(ONLY)),
);
for (const entry of library) {
  log(`${entry.name} (${RUNS} run${RUNS > 1 ? 's' : ''})`);
  const { def } = await loadScenario(entry.file);
  figures.push(...figuresOf(await measure(def, entry.file), entry.name));
}
if (SCALE) {
  const [nodes, pods] = SCALE;
  log(`scale-out to ${nodes} nodes and ${pods} pods`);
  const r = await measure(scaleOut(nodes, pods));
  figures.push(...figuresOf(r, `scale-out ${nodes} nodes, ${pods} pods`));
  for (const m of r.metrics) figures.push({ name: `scale-out: ${m.name}`, value: m.value, unit: m.unit, higherIsBetter: m.unit.endsWith('/s') });
}
report(`Scenarios in simulated mode (median of ${RUNS} run${RUNS > 1 ? 's' : ''} each, seed 1)`, figures);
