// `kubus scenario run FILE...` and `kubus scenario list [DIR]`: scripted cluster lives, simulated
// (deterministic, seeded) or real (nats-server and kubus processes, time-scaled).
import { existsSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { followAwaits } from '../../bus/trace.ts';
import { listScenarios, loadScenario, type ScenarioListing } from '../../scenarios/load.ts';
import { accepts, bindScenario, defaultText, parseParamArgs } from '../../scenarios/params.ts';
import { jsonReport, progressLine, runHeader, summary } from '../../scenarios/report.ts';
import { DEFAULT_TIME_SCALE, runScenario } from '../../scenarios/runner/run.ts';
import { TraceOutput } from '../../scenarios/trace-output.ts';
import type { RunReport } from '../../scenarios/types.ts';
import type { LogFormat, LogLevel } from '../../runtime/logger.ts';
import { UsageError } from '../context.ts';
import { countFlag, logFormatOption } from '../flags.ts';
import { GET_TABWRITER, tabify } from '../printers/tabwriter.ts';

interface RunFlags {
  seed?: number;
  real?: boolean;
  trace?: string;
  report?: string;
  timeScale?: number;
  nodesPerProcess?: number;
  logLevel: LogLevel;
  logFormat?: LogFormat;
  param?: string[];
}

/** The library shipped with kubus: `<repo>/scenarios` (this file is bundled into .cache/, or run from cli/commands/). */
function libraryDir(): string {
  const here = fileURLToPath(new URL('.', import.meta.url));
  for (const up of ['..', join('..', '..')]) {
    const d = join(here, up, 'scenarios');
    if (existsSync(join(d, 'dsl.ts'))) return d;
  }
  return 'scenarios';
}

const positive = (v: string): number => {
  const n = Number(v);
  if (!Number.isFinite(n) || n < 1) throw new UsageError(`invalid value "${v}" for --time-scale: expected a number ≥ 1`);
  return n;
};

/** Writes to stdout and resolves once it is flushed (the process exits right after). */
const out = (text: string) => new Promise<void>((resolve) => process.stdout.write(text, () => resolve()));

async function runFiles(files: string[], f: RunFlags): Promise<number> {
  if (f.report !== undefined && f.report !== 'json') throw new UsageError(`unknown --report format "${f.report}": only json`);
  if (f.nodesPerProcess !== undefined && !f.real) throw new UsageError('--nodes-per-process needs --real');
  if (f.nodesPerProcess === 0) throw new UsageError('invalid value "0" for --nodes-per-process: expected at least 1 (1: a process per node)');
  // With --report json, stdout carries the JSON alone; progress and summaries go to stderr.
  const say = (s: string) => (f.report ? process.stderr.write(s + '\n') : process.stdout.write(s + '\n'));
  const params = parseParamArgs(f.param ?? []);
  // Every file is loaded and its parameters checked before the first run starts.
  const loaded = [];
  for (const file of files) loaded.push({ file, def: bindScenario((await loadScenario(file)).def, params).def });
  // A simulation that records no trace keeps no trace context across awaits (its promise hooks cost ~20 % of the CPU).
  followAwaits(Boolean(f.trace || f.real));
  const runs: RunReport[] = [];
  for (const { file, def } of loaded) {
    const mode = f.real ? 'real' : 'simulated';
    const seed = f.seed ?? def.options.seed ?? 1;
    const trace = f.trace ? new TraceOutput() : undefined;
    const timeScale = f.timeScale ?? def.options.timeScale ?? DEFAULT_TIME_SCALE;
    say(runHeader(def.name, file, mode, seed, timeScale));
    const report = await runScenario(def, {
      file,
      mode,
      seed,
      timeScale: f.timeScale,
      nodesPerProcess: f.nodesPerProcess,
      trace,
      params,
      progress: (e) => say(progressLine(e)),
      logLevel: f.logLevel,
      logFormat: f.logFormat,
    });
    if (trace && f.trace) report.traceFiles = trace.write(f.trace, def.name);
    say(summary(report) + '\n');
    runs.push(report);
  }
  if (f.report) await out(jsonReport(runs));
  return runs.every((r) => r.ok) ? 0 : 1;
}

const collect = (v: string, prev: string[] = []) => [...prev, v];

/** Returns the parameters of the listed scenarios that declare some: name, type, default, description and what it accepts. */
function paramsSection(rows: ScenarioListing[]): string {
  const withParams = rows.filter((r) => r.params && Object.keys(r.params).length);
  if (!withParams.length) return '';
  const lines = ['SCENARIO\tPARAMETER\tTYPE\tDEFAULT\tDESCRIPTION'];
  for (const r of withParams)
    for (const [name, spec] of Object.entries(r.params!)) lines.push([relative(process.cwd(), r.file) || r.file, name, spec.integer ? 'integer' : spec.type, defaultText(spec), `${spec.description} (${accepts(spec)})`].join('\t'));
  return `\nParameters (set with --param NAME=VALUE):\n${tabify(lines.join('\n') + '\n', GET_TABWRITER)}`;
}

/** Registers `kubus scenario run|list`. */
export function scenarioCommand(program: Command): void {
  const cmd = program.command('scenario').description('Run scripted scenarios (a cluster, workloads, faults, expectations) — simulated by default, or real with --real (kubus processes over a nats-server of its own: one per component, one per node up to 100 nodes, shared `kubus node --count` processes of up to 500 nodes beyond)');
  cmd
    .command('run')
    .description('Run scenario files (*.scenario.ts); exit code 1 when an expectation fails')
    .argument('<file...>', 'scenario files')
    .option('--seed <n>', 'seed of the simulated run (a failing run prints its seed; this replays it)', countFlag('--seed'))
    .option('--real', 'run against a real nats-server with one kubus process per component and node (wall clock, time-scaled); beyond 100 nodes, the nodes share `kubus node --count` processes of up to 500 each (a node then can\'t be killed, cut or faulted alone)')
    .option('--nodes-per-process <k>', 'with --real: run the nodes in `kubus node --count` processes of up to K nodes each (1: a process per node, each behind a relay that faults can cut)', countFlag('--nodes-per-process'))
    .option('--time-scale <x>', `real mode: divide the cluster's periods by X (default: the script's timeScale, else ${DEFAULT_TIME_SCALE})`, positive)
    .option('--param <name=value>', 'set a parameter the scenario declares, e.g. --param nodes=5000 (repeatable; `kubus scenario list` shows each parameter, its default and what it accepts)', collect)
    .option('--trace <dir>', "write the run's trace files into DIR")
    .option('--report <format>', 'print a machine-readable report on stdout (json); progress goes to stderr')
    .option('--log-level <level>', 'log level of the cluster components (debug, info, warn, error, silent)', 'error')
    .addOption(logFormatOption())
    .addHelpText('after', '\nExamples:\n  kubus scenario run scenarios/scale-out.scenario.ts --param nodes=5000 --param pods=150000 --param rate=0\n  kubus scenario run scenarios/scale-out.scenario.ts --real --param nodes=1000 --param rate=50 --param duration=60s   # 1,000 nodes in 2 processes')
    .action(async (files: string[], f: RunFlags) => {
      const code = await runFiles(files, f);
      process.exit(code);
    });
  cmd
    .command('list')
    .description('List the scenarios in DIR (default: the library shipped with kubus)')
    .argument('[dir]', 'folder of *.scenario.ts files')
    .action(async (dir: string | undefined) => {
      const d = dir ?? libraryDir();
      const rows = await listScenarios(d);
      const lines = [['NAME', 'FILE', 'TAGS', 'DESCRIPTION'], ...rows.map((r) => [r.name, relative(process.cwd(), r.file) || r.file, r.tags.join(',') || '-', r.description])];
      await out(tabify(lines.map((l) => l.join('\t')).join('\n') + '\n', GET_TABWRITER) + paramsSection(rows));
      process.exit(0);
    });
}
