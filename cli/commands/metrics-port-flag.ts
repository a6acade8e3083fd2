// The `--metrics-port` flag of `kubus control-plane` and `kubus node` (runtime/metrics-port.ts).
import { Option } from 'commander';
import type { Logger } from '../../bus/types.ts';
import { serveMetricsPort } from '../../runtime/metrics-port.ts';
import { countFlag } from '../flags.ts';

export interface MetricsPortFlags {
  metricsPort?: number;
}

/** Returns the `--metrics-port <port>` option. */
export const metricsPortOption = () =>
  new Option('--metrics-port <port>', "serve this process's Prometheus metrics (every component in it) at http://127.0.0.1:PORT/metrics; 0: any free port").argParser(countFlag('--metrics-port'));

/** Starts the metrics port when asked, says where it is, and returns how to stop it. */
export async function startMetricsPort(opts: MetricsPortFlags, log: Logger): Promise<() => Promise<void>> {
  if (opts.metricsPort === undefined) return async () => {};
  const port = await serveMetricsPort(opts.metricsPort, log);
  console.log(`Prometheus metrics at ${port.url}`);
  return port.close;
}
