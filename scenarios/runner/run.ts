// Runs one scenario in either mode: starts the cluster, the runner's informers and the body, and
// returns the report (every expectation, figures, the seed).
import { dirname } from 'node:path';
import { isNodeReady } from '../../api/kinds/pod-helpers.ts';
import type { Node } from '../../api/kinds/node.ts';
import type { Logger } from '../../bus/types.ts';
import { createLogger, logFormat, type LogFormat, type LogLevel } from '../../runtime/logger.ts';
import { ScenarioContext } from '../context.ts';
import { toMs } from '../duration.ts';
import { Expectations } from '../expectations.ts';
import { bindScenario, reportedParams } from '../params.ts';
import { resolveNodes } from '../nodes.ts';
import { resolveReplicas, type Replicas } from '../replicas.ts';
import type { TraceSink } from '../trace-output.ts';
import type { Mode, ParamValues, ProgressEvent, RunReport, ScenarioDefinition, ScenarioOptions } from '../types.ts';
import { ProcessUsage } from '../usage.ts';
import { ClusterView } from '../view/cluster-view.ts';
import type { ClusterTimings, Driver, DriverOptions } from './driver.ts';
import { processGroups } from './node-groups.ts';
import { RealDriver } from './real.ts';
import { SimDriver } from './sim.ts';

export interface RunOptions {
  /** Default: the script's seed, else 1. */
  seed?: number;
  mode?: Mode;
  /** Real mode: overrides the script's timeScale. */
  timeScale?: number;
  /** The script's path (manifest paths are relative to its folder). */
  file?: string;
  progress?: (e: ProgressEvent) => void;
  /** Records the run (--trace): messages, state changes, steps. */
  trace?: TraceSink;
  log?: Logger;
  logLevel?: LogLevel;
  /** Default: KUBUS_LOG_FORMAT, else pretty on a terminal and JSON otherwise; real mode's processes get the same. */
  logFormat?: LogFormat;
  /** Real mode: nodes per `kubus node` process (default: one up to 100 nodes, 500 beyond). */
  nodesPerProcess?: number;
  /** Parameter values (`--param` text, or typed values); the rest take the script's defaults. */
  params?: Record<string, string | number | boolean>;
}

/** The default time scale of real mode, when a script says nothing. */
export const DEFAULT_TIME_SCALE = 10;

/** Returns the cluster's timings: upstream defaults or the script's, divided by `k`. */
export function clusterTimings(o: ScenarioOptions, k: number): ClusterTimings {
  const c = o.controllers ?? {};
  const e = o.leaderElection ?? {};
  return {
    leaseDurationSeconds: Math.max(1, Math.round(toMs(o.kubelet?.leaseDuration ?? '40s') / 1000 / k)),
    nodeStatusReportMs: toMs(o.kubelet?.nodeStatusReport ?? '5m') / k,
    events: o.kubelet?.events ?? true,
    gracePeriodMs: toMs(c.nodeMonitorGracePeriod ?? '50s') / k,
    monitorPeriodMs: toMs(c.nodeMonitorPeriod ?? '5s') / k,
    startupGracePeriodMs: toMs(c.nodeStartupGracePeriod ?? '1m') / k,
    evictionQPS: (c.nodeEvictionRate ?? 0.1) * k,
    election: {
      leaseDurationMs: toMs(e.leaseDuration ?? '15s') / k,
      renewDeadlineMs: toMs(e.renewDeadline ?? '10s') / k,
      retryPeriodMs: toMs(e.retryPeriod ?? '2s') / k,
    },
  };
}

/** Runs a scenario to the end; never throws for a failing scenario (the report says why). */
export async function runScenario(declared: ScenarioDefinition, opts: RunOptions = {}): Promise<RunReport> {
  // The scenario built for its parameters (an unknown name or a bad value ends the run before it starts).
  let bound: { def: ScenarioDefinition; values: ParamValues } | undefined;
  let paramError: Error | undefined;
  try {
    bound = bindScenario(declared, opts.params);
  } catch (err) {
    paramError = err as Error;
  }
  const def = bound?.def ?? declared;
  const params = bound?.values;
  const mode = opts.mode ?? 'simulated';
  const seed = opts.seed ?? def.options.seed ?? 1;
  const timeScale = mode === 'real' ? (opts.timeScale ?? def.options.timeScale ?? DEFAULT_TIME_SCALE) : 1;
  const format = logFormat(opts.logFormat);
  const log = opts.log ?? createLogger(opts.logLevel ?? 'error', {}, { format });
  const realStart = performance.now();
  const usage = new ProcessUsage(mode);
  const realNow = () => performance.now() - realStart;
  const report: RunReport = { name: def.name, mode, seed, timeScale, ok: false, clusterMs: 0, realMs: 0, expectations: [], metrics: [] };
  if (opts.file) report.file = opts.file;
  if (def.options.params && params) report.params = reportedParams(def.options.params, params);
  if (paramError) {
    report.error = { message: `${paramError.name}: ${paramError.message}`, step: 'start', at: 0 };
    return report;
  }
  if (def.options.modes && !def.options.modes.includes(mode)) {
    report.error = { message: `"${def.name}" does not run in ${mode} mode (it runs in: ${def.options.modes.join(', ')})`, step: 'start', at: 0 };
    return report;
  }
  let replicas: Replicas;
  try {
    replicas = resolveReplicas(def.options.replicas);
  } catch (err) {
    report.error = { message: `${(err as Error).name}: ${(err as Error).message}`, step: 'start', at: 0 };
    return report;
  }
  const dopts: DriverOptions = { seed, timeScale, timings: clusterTimings(def.options, timeScale), replicas, log, logFormat: format, trace: opts.trace, nodesPerProcess: opts.nodesPerProcess };
  const driver: Driver = mode === 'simulated' ? new SimDriver(dopts) : new RealDriver(dopts);
  const progress = (e: ProgressEvent) => {
    if (e.kind === 'step') opts.trace?.step(e.text, driver.clock.now());
    opts.progress?.(e);
  };
  let view: ClusterView | undefined;
  let x: Expectations | undefined;
  let offWake = (): void => undefined;
  let ctx: ScenarioContext | undefined;
  try {
    const nodes = resolveNodes(def.options.nodes);
    // Real mode beyond 100 nodes (or with --nodes-per-process): nodes share `kubus node --count` processes.
    const procs = mode === 'real' ? processGroups(nodes, opts.nodesPerProcess).length : nodes.length;
    const where = procs < nodes.length ? ` in ${procs} node process(es)` : '';
    progress({ at: 0, realAt: 0, kind: 'step', text: `start: control plane and ${nodes.length} node(s)${where} (${mode}${mode === 'real' ? `, time scale ${timeScale}` : `, seed ${seed}`})` });
    await driver.start(nodes);
    view = new ClusterView(driver.client, driver.clock, log);
    x = new Expectations(driver, view, realNow, progress);
    const v = view;
    offWake = view.listen(() => driver.wake());
    await driver.drive(view.start());
    const ready = () => [...v.objects<Node>('nodes')()].filter(isNodeReady).length;
    const minWaitMs = mode === 'real' ? 2_000 * timeScale : 0;
    await x.wait('until', `${nodes.length} node(s) Ready`, () => ready() >= nodes.length || { ok: false, seen: `${ready()} Ready` }, Math.max(120_000, 30_000 * timeScale), 1000);
    x.step = 'body';
    ctx = new ScenarioContext({
      name: def.name,
      mode,
      seed,
      timeScale,
      params,
      driver,
      view,
      expectations: x,
      baseDir: opts.file ? dirname(opts.file) : process.cwd(),
      minWaitMs,
      replicas,
      nextIndex: nodes.length,
      realNow,
    });
    await def.body(ctx);
  } catch (err) {
    const message = (err as Error)?.name === 'UntilTimeoutError' ? (err as Error).message : `${(err as Error)?.name ?? 'Error'}: ${(err as Error)?.message ?? String(err)}`;
    const step = x?.step ?? 'start';
    report.error = { message, step, at: driver.now() };
    progress({ at: driver.now(), realAt: realNow(), kind: 'info', text: `✗ stopped in step "${step}": ${message}`, ok: false });
  } finally {
    x?.finish();
    offWake();
    report.clusterMs = driver.now();
    report.realMs = realNow();
    report.messages = driver.messages();
    report.usage = usage.totals();
    if (opts.trace) await driver.settleTrace?.().catch(() => undefined);
    opts.trace?.close();
    view?.stop();
    try {
      await driver.stop();
    } catch (err) {
      log.warn({ err }, 'stopping the cluster failed');
    }
  }
  report.expectations = x?.results ?? [];
  report.metrics = ctx?.metrics ?? [];
  report.ok = !report.error && report.expectations.every((r) => r.ok);
  return report;
}
