// A container's requests and limits as cgroup settings, as upstream's kubelet computes them
// (kuberuntime_container_linux.go calculateLinuxResources and cm's MilliCPUToShares/ToQuota). Pure.
import type { Container } from '../../api/kinds/container.ts';
import { cpuMillis, quantityValue } from '../../api/quantity.ts';

/** The CFS period upstream uses (cpuCFSQuotaPeriod, 100 ms) in microseconds. */
export const CFS_PERIOD_US = 100_000;
const MIN_SHARES = 2;
const SHARES_PER_CPU = 1024;
const MIN_QUOTA_PERIOD = 1000;

/** Returns cpu.shares for millicores: 1024 per core, at least 2. */
export const milliCPUToShares = (milli: number) => (milli <= 0 ? MIN_SHARES : Math.max(MIN_SHARES, Math.floor((milli * SHARES_PER_CPU) / 1000)));

/** Returns the CFS quota (µs per period) for a millicore limit; 0 for none, at least 1 ms. */
export const milliCPUToQuota = (milli: number, period = CFS_PERIOD_US) => (milli <= 0 ? 0 : Math.max(MIN_QUOTA_PERIOD, Math.floor((milli * period) / 1000)));

/** Returns the container's cgroup settings from its resources (request defaults to the limit, as the API does). */
export function containerResources(c: Pick<Container, 'resources'>): { cpuShares: number; cpuQuota: number; cpuPeriod: number; memoryLimitBytes: number } {
  const req = c.resources?.requests ?? {};
  const lim = c.resources?.limits ?? {};
  const cpuLimit = lim.cpu !== undefined ? cpuMillis(lim.cpu) : 0;
  const cpuRequest = req.cpu !== undefined ? cpuMillis(req.cpu) : cpuLimit;
  const cpuQuota = milliCPUToQuota(cpuLimit);
  return {
    cpuShares: milliCPUToShares(cpuRequest),
    cpuQuota,
    cpuPeriod: cpuQuota ? CFS_PERIOD_US : 0,
    memoryLimitBytes: lim.memory !== undefined ? quantityValue(lim.memory) : 0,
  };
}
