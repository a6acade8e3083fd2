// The parts of a container's environment computed from the pod itself: `$(VAR)` expansion
// (upstream third_party/forked/golang/expansion), fieldRef (the downward API's pod fields) and
// resourceFieldRef (limits and requests with a divisor, limits defaulting to the node's
// allocatable). Pure.
import type { ResourceList } from '../../api/kinds/common.ts';
import type { Container } from '../../api/kinds/container.ts';
import type { Pod } from '../../api/kinds/pod.ts';
import { parseQuantity, type Quantity } from '../../api/quantity.ts';

/** Thrown when a variable cannot be resolved: the container waits with CreateContainerConfigError and this message. */
export class EnvConfigError extends Error {
  override name = 'EnvConfigError';
  readonly reason = 'CreateContainerConfigError';
}

/** Expands `$(VAR)` from `lookup`; `$$` is a literal `$`; unknown names and broken references stay as written. */
export function expandVars(input: string, lookup: (name: string) => string | undefined): string {
  let out = '';
  let checkpoint = 0;
  for (let cursor = 0; cursor < input.length; cursor++) {
    if (input[cursor] !== '$' || cursor + 1 >= input.length) continue;
    out += input.slice(checkpoint, cursor);
    const rest = input.slice(cursor + 1);
    let read: string;
    let advance = 1;
    if (rest[0] === '$') read = '$';
    else if (rest[0] === '(') {
      const close = rest.indexOf(')', 1);
      if (close === -1) read = '$(';
      else {
        const name = rest.slice(1, close);
        read = lookup(name) ?? `$(${name})`;
        advance = close + 1;
      }
    } else read = `$${rest[0]}`;
    out += read;
    cursor += advance;
    checkpoint = cursor + 1;
  }
  return out + input.slice(checkpoint);
}

/** A map as the downward API prints it: sorted `key="value"` lines (upstream fieldpath.FormatMap). */
function formatMap(m: Record<string, string> | undefined): string {
  return Object.keys(m ?? {})
    .sort()
    .map((k) => `${k}=${JSON.stringify(m![k])}`)
    .join('\n');
}

/** What fieldRef needs beyond the pod: the node's and the pod's IPs. */
export interface FieldContext {
  hostIPs: string[];
  podIPs: string[];
}

/** Returns the value of a pod field (upstream podFieldSelectorRuntimeValue + ExtractFieldPathAsString). */
export function podFieldValue(fieldPath: string, pod: Pod, ctx: FieldContext): string {
  const m = /^metadata\.(labels|annotations)\['(.*)'\]$/.exec(fieldPath);
  if (m) return (m[1] === 'labels' ? pod.metadata.labels : pod.metadata.annotations)?.[m[2]] ?? '';
  switch (fieldPath) {
    case 'metadata.name':
      return pod.metadata.name ?? '';
    case 'metadata.namespace':
      return pod.metadata.namespace ?? '';
    case 'metadata.uid':
      return pod.metadata.uid ?? '';
    case 'metadata.labels':
      return formatMap(pod.metadata.labels);
    case 'metadata.annotations':
      return formatMap(pod.metadata.annotations);
    case 'spec.nodeName':
      return pod.spec.nodeName ?? '';
    case 'spec.serviceAccountName':
      return pod.spec.serviceAccountName ?? '';
    case 'status.hostIP':
      return ctx.hostIPs[0] ?? '';
    case 'status.hostIPs':
      return ctx.hostIPs.join(',');
    case 'status.podIP':
      return ctx.podIPs[0] ?? '';
    case 'status.podIPs':
      return ctx.podIPs.join(',');
  }
  throw new EnvConfigError(`unsupported fieldPath: ${fieldPath}`);
}

const ONE = parseQuantity('1');
const q = (v: string | number | undefined) => (v === undefined || v === '' ? undefined : parseQuantity(v));

/** Returns `value / divisor` rounded up, as upstream's convertResource*ToString (cpu in millis, the rest in units). */
function divide(value: Quantity | undefined, divisor: Quantity, cpu: boolean): string {
  const v = value?.nanos ?? 0n;
  const scale = cpu ? 1_000_000n : 1_000_000_000n;
  // Upstream compares MilliValue()/Value(), each rounded up first.
  const up = (n: bigint) => (n + scale - 1n) / scale;
  const num = up(v);
  const den = up(divisor.nanos);
  if (den === 0n) throw new EnvConfigError('divisor must be positive');
  return String((num + den - 1n) / den);
}

/** Returns a container resource for the downward API (upstream ExtractContainerResourceValue); unset limits are the node's allocatable. */
export function resourceFieldValue(
  ref: { containerName?: string; resource?: string; divisor?: unknown },
  pod: Pod,
  self: Container,
  allocatable: ResourceList = {},
): string {
  const c = ref.containerName ? [...(pod.spec.initContainers ?? []), ...pod.spec.containers].find((x) => x.name === ref.containerName) : self;
  if (!c) throw new EnvConfigError(`container ${ref.containerName} not found`);
  const divisor = ref.divisor === undefined || ref.divisor === null || String(ref.divisor) === '0' ? ONE : parseQuantity(String(ref.divisor));
  const [kind, name] = (ref.resource ?? '').split(/\.(.*)/s, 2);
  const list = kind === 'limits' ? c.resources?.limits : kind === 'requests' ? c.resources?.requests : undefined;
  const known = ['cpu', 'memory', 'ephemeral-storage'].includes(name) || name?.startsWith('hugepages-');
  if (!list && kind !== 'limits' && kind !== 'requests') throw new EnvConfigError(`unsupported container resource : ${ref.resource}`);
  if (!known) throw new EnvConfigError(`unsupported container resource : ${ref.resource}`);
  // Upstream defaultPodLimitsForDownwardAPI: a limit not set is the node's allocatable.
  const value = q(list?.[name]) ?? (kind === 'limits' && !name.startsWith('hugepages-') ? q(allocatable[name]) : undefined);
  return divide(value, divisor, name === 'cpu');
}
