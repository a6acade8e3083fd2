// Probe results of a sim container: decided by its behaviour and how long it has run, and worded
// as the upstream probers word their failures.
import type { ProbeHandler, ProbeKind, ProbeOutcome } from './runtime.ts';
import type { SimBehaviour } from './sim-behaviour.ts';

/** Returns the outcome of a `kind` probe of a container that has run `upMs`, with pod IP `ip`. */
export function simProbe(b: SimBehaviour, kind: ProbeKind, upMs: number, handler: ProbeHandler, ip: string): ProbeOutcome {
  let ok: boolean;
  if (kind === 'startup') ok = upMs >= b.startupDelayMs;
  else if (kind === 'readiness') ok = upMs >= b.readyDelayMs && (b.readinessFailAfterMs === undefined || upMs < b.readinessFailAfterMs);
  else ok = b.livenessFailAfterMs === undefined || upMs < b.livenessFailAfterMs;
  return ok ? { result: 'success', output: '' } : { result: 'failure', output: failureOutput(handler, ip) };
}

/** Returns what a failed probe of this handler prints, as the upstream probers word it. */
function failureOutput(h: ProbeHandler, ip: string): string {
  if (h.httpGet) return 'HTTP probe failed with statuscode: 503';
  if (h.tcpSocket) return `dial tcp ${h.tcpSocket.host || ip}:${h.tcpSocket.port}: connect: connection refused`;
  if (h.grpc) return `timeout: failed to connect service "${ip}:${h.grpc.port}" within 1s`;
  return `command ${JSON.stringify((h.exec?.command ?? []).join(' '))} exited with 1`;
}
