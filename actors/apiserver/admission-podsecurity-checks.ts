// The Pod Security Standards' checks (upstream staging/src/k8s.io/pod-security-admission/policy), as
// a table: each check has upstream's id, its level, the checks it overrides, and a pure function of a
// pod's metadata and spec that returns its forbidden reason and detail, or nothing when it passes.
// Pure: no store, no clock.

/** A pod spec as the checks read it (fields untyped: any shape may arrive before validation). */
type Spec = Record<string, any>;
type Meta = { annotations?: Record<string, string> };

export type Level = 'privileged' | 'baseline' | 'restricted';

/** What a failed check says: upstream's forbiddenReason and forbiddenDetail. */
export interface Violation {
  reason: string;
  detail: string;
}

export interface PodCheck {
  id: string;
  level: Exclude<Level, 'privileged'>;
  /** Checks of the lower level this one replaces at its level (upstream OverrideCheckIDs). */
  overrides?: string[];
  check: (meta: Meta, spec: Spec) => Violation | undefined;
}

interface Named {
  name: string;
  securityContext?: Record<string, any>;
  [k: string]: any;
}

const containersOf = (spec: Spec): Named[] => [...(spec.initContainers ?? []), ...(spec.containers ?? []), ...(spec.ephemeralContainers ?? [])].filter((c) => c && typeof c === 'object');
const q = (s: string) => JSON.stringify(s);
const quoted = (xs: string[]) => xs.map(q).join(', ');
/** `container "a"` or `containers "a", "b"` (upstream pluralize). */
const cs = (names: string[]) => `${names.length === 1 ? 'container' : 'containers'} ${quoted(names)}`;
const withBad = (spec: Spec, bad: (c: Named) => boolean) => containersOf(spec).filter(bad).map((c) => c.name);
const unique = (xs: string[]) => [...new Set(xs)];

const BASELINE_CAPS = new Set(['AUDIT_WRITE', 'CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'MKNOD', 'NET_BIND_SERVICE', 'SETFCAP', 'SETGID', 'SETPCAP', 'SETUID', 'SYS_CHROOT']);
const SAFE_SYSCTLS = new Set(['kernel.shm_rmid_forced', 'net.ipv4.ip_local_port_range', 'net.ipv4.ip_unprivileged_port_start', 'net.ipv4.tcp_syncookies', 'net.ipv4.ping_group_range', 'net.ipv4.ip_local_reserved_ports', 'net.ipv4.tcp_keepalive_time', 'net.ipv4.tcp_fin_timeout', 'net.ipv4.tcp_keepalive_intvl', 'net.ipv4.tcp_keepalive_probes']);
const SELINUX_TYPES = new Set(['', 'container_t', 'container_init_t', 'container_kvm_t', 'container_engine_t']);
const RESTRICTED_VOLUMES = new Set(['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret']);
const APPARMOR_PREFIX = 'container.apparmor.security.beta.kubernetes.io/';

/** "pod and containers ..." style subject of a check that looks at both levels. */
function podAnd(pod: boolean, names: string[], joiner: 'and' | 'or' = 'and'): string {
  if (!names.length) return 'pod';
  return pod ? `pod ${joiner} ${cs(names)}` : cs(names);
}

function hostProcess(_m: Meta, spec: Spec): Violation | undefined {
  const pod = spec.securityContext?.windowsOptions?.hostProcess === true;
  const names = withBad(spec, (c) => c.securityContext?.windowsOptions?.hostProcess === true);
  if (!pod && !names.length) return;
  return { reason: 'hostProcess', detail: `${podAnd(pod, names)} must not set securityContext.windowsOptions.hostProcess=true` };
}

function hostNamespaces(_m: Meta, spec: Spec): Violation | undefined {
  const set = (['hostNetwork', 'hostPID', 'hostIPC'] as const).filter((f) => spec[f] === true).map((f) => `${f}=true`);
  return set.length ? { reason: 'host namespaces', detail: set.join(', ') } : undefined;
}

function privileged(_m: Meta, spec: Spec): Violation | undefined {
  const names = withBad(spec, (c) => c.securityContext?.privileged === true);
  return names.length ? { reason: 'privileged', detail: `${cs(names)} must not set securityContext.privileged=true` } : undefined;
}

function capabilitiesBaseline(_m: Meta, spec: Spec): Violation | undefined {
  const bad: string[] = [];
  const caps: string[] = [];
  for (const c of containersOf(spec)) {
    const extra = ((c.securityContext?.capabilities?.add ?? []) as string[]).filter((x) => !BASELINE_CAPS.has(x));
    if (extra.length) bad.push(c.name), caps.push(...extra);
  }
  return bad.length ? { reason: 'non-default capabilities', detail: `${cs(bad)} must not include ${quoted(unique(caps).sort())} in securityContext.capabilities.add` } : undefined;
}

function hostPathVolumes(_m: Meta, spec: Spec): Violation | undefined {
  const names = ((spec.volumes ?? []) as Named[]).filter((v) => v?.hostPath).map((v) => v.name);
  return names.length ? { reason: 'hostPath volumes', detail: `${names.length === 1 ? 'volume' : 'volumes'} ${quoted(names)}` } : undefined;
}

function hostPorts(_m: Meta, spec: Spec): Violation | undefined {
  const names: string[] = [];
  const ports: string[] = [];
  for (const c of containersOf(spec)) {
    const hp = ((c.ports ?? []) as Array<{ hostPort?: number }>).filter((p) => p?.hostPort).map((p) => String(p.hostPort));
    if (hp.length) names.push(c.name), ports.push(...hp);
  }
  if (!names.length) return;
  const u = unique(ports);
  return { reason: 'hostPort', detail: `${cs(names)} ${names.length === 1 ? 'uses' : 'use'} ${u.length === 1 ? 'hostPort' : 'hostPorts'} ${u.join(', ')}` };
}

function appArmor(meta: Meta, spec: Spec): Violation | undefined {
  const bad: string[] = [];
  const unconfined = (p: any) => p?.type === 'Unconfined';
  if (unconfined(spec.securityContext?.appArmorProfile)) bad.push('pod must not set securityContext.appArmorProfile.type to "Unconfined"');
  const names = withBad(spec, (c) => unconfined(c.securityContext?.appArmorProfile));
  if (names.length) bad.push(`${cs(names)} must not set securityContext.appArmorProfile.type to "Unconfined"`);
  const annotations = Object.entries(meta.annotations ?? {}).filter(([k, v]) => k.startsWith(APPARMOR_PREFIX) && v !== 'runtime/default' && !v.startsWith('localhost/'));
  if (annotations.length) bad.push(`${annotations.length === 1 ? 'annotation' : 'annotations'} ${annotations.map(([k, v]) => `${k}=${q(v)}`).join(', ')}`);
  return bad.length ? { reason: 'forbidden AppArmor profile', detail: bad.join('; ') } : undefined;
}

function seLinux(_m: Meta, spec: Spec): Violation | undefined {
  const problems = new Set<string>();
  const bad = (o: any) => {
    if (!o || typeof o !== 'object') return false;
    let b = false;
    if (!SELINUX_TYPES.has(o.type ?? '')) (problems.add(`type ${q(o.type)}`), (b = true));
    if (o.user) (problems.add('user may not be set'), (b = true));
    if (o.role) (problems.add('role may not be set'), (b = true));
    return b;
  };
  const pod = bad(spec.securityContext?.seLinuxOptions);
  const names = withBad(spec, (c) => bad(c.securityContext?.seLinuxOptions));
  if (!pod && !names.length) return;
  return { reason: 'seLinuxOptions', detail: `${podAnd(pod, names)} set forbidden securityContext.seLinuxOptions: ${[...problems].join('; ')}` };
}

function procMount(_m: Meta, spec: Spec): Violation | undefined {
  const names = withBad(spec, (c) => c.securityContext?.procMount != null && c.securityContext.procMount !== 'Default');
  return names.length ? { reason: 'procMount', detail: `${cs(names)} must not set securityContext.procMount to "Unmasked"` } : undefined;
}

function seccompBaseline(_m: Meta, spec: Spec): Violation | undefined {
  const bad: string[] = [];
  if (spec.securityContext?.seccompProfile?.type === 'Unconfined') bad.push('pod must not set securityContext.seccompProfile.type to "Unconfined"');
  const names = withBad(spec, (c) => c.securityContext?.seccompProfile?.type === 'Unconfined');
  if (names.length) bad.push(`${cs(names)} must not set securityContext.seccompProfile.type to "Unconfined"`);
  return bad.length ? { reason: 'seccompProfile', detail: bad.join('; ') } : undefined;
}

function sysctls(_m: Meta, spec: Spec): Violation | undefined {
  const names = ((spec.securityContext?.sysctls ?? []) as Array<{ name: string }>).map((s) => s?.name).filter((n) => !SAFE_SYSCTLS.has(n));
  return names.length ? { reason: 'forbidden sysctls', detail: names.join(', ') } : undefined;
}

function restrictedVolumes(_m: Meta, spec: Spec): Violation | undefined {
  const names: string[] = [];
  const types: string[] = [];
  for (const v of (spec.volumes ?? []) as Named[]) {
    const kind = Object.keys(v ?? {}).find((k) => k !== 'name');
    if (kind && !RESTRICTED_VOLUMES.has(kind)) names.push(v.name), types.push(kind);
  }
  if (!names.length) return;
  const u = unique(types);
  return { reason: 'restricted volume types', detail: `${names.length === 1 ? 'volume' : 'volumes'} ${quoted(names)} ${names.length === 1 ? 'uses' : 'use'} ${u.length === 1 ? 'restricted volume type' : 'restricted volume types'} ${quoted(u)}` };
}

function allowPrivilegeEscalation(_m: Meta, spec: Spec): Violation | undefined {
  const names = withBad(spec, (c) => c.securityContext?.allowPrivilegeEscalation !== false);
  return names.length ? { reason: 'allowPrivilegeEscalation != false', detail: `${cs(names)} must set securityContext.allowPrivilegeEscalation=false` } : undefined;
}

function runAsNonRoot(_m: Meta, spec: Spec): Violation | undefined {
  const bad: string[] = [];
  const podValue = spec.securityContext?.runAsNonRoot;
  if (podValue === false) bad.push('pod must not set securityContext.runAsNonRoot=false');
  const explicitFalse = withBad(spec, (c) => c.securityContext?.runAsNonRoot === false);
  if (explicitFalse.length) bad.push(`${cs(explicitFalse)} must not set securityContext.runAsNonRoot=false`);
  const unset = podValue === true ? [] : withBad(spec, (c) => c.securityContext?.runAsNonRoot == null);
  if (unset.length) bad.push(`pod or ${cs(unset)} must set securityContext.runAsNonRoot=true`);
  return bad.length ? { reason: 'runAsNonRoot != true', detail: bad.join('; ') } : undefined;
}

function runAsUser(_m: Meta, spec: Spec): Violation | undefined {
  const bad: string[] = [];
  if (spec.securityContext?.runAsUser === 0) bad.push('pod must not set runAsUser=0');
  const names = withBad(spec, (c) => c.securityContext?.runAsUser === 0);
  if (names.length) bad.push(`${cs(names)} must not set runAsUser=0`);
  return bad.length ? { reason: 'runAsUser=0', detail: bad.join('; ') } : undefined;
}

function seccompRestricted(_m: Meta, spec: Spec): Violation | undefined {
  const ok = (t: unknown) => t === 'RuntimeDefault' || t === 'Localhost';
  const bad: string[] = [];
  const podType = spec.securityContext?.seccompProfile?.type;
  if (podType != null && !ok(podType)) bad.push(`pod must not set securityContext.seccompProfile.type to ${q(podType)}`);
  const wrong = withBad(spec, (c) => c.securityContext?.seccompProfile?.type != null && !ok(c.securityContext.seccompProfile.type));
  if (wrong.length) bad.push(`${cs(wrong)} must not set securityContext.seccompProfile.type to ${quoted(unique(wrong.map((n) => containersOf(spec).find((c) => c.name === n)!.securityContext!.seccompProfile.type)))}`);
  const unset = podType != null ? [] : withBad(spec, (c) => c.securityContext?.seccompProfile?.type == null);
  if (unset.length) bad.push(`pod or ${cs(unset)} must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost"`);
  return bad.length ? { reason: 'seccompProfile', detail: bad.join('; ') } : undefined;
}

function capabilitiesRestricted(_m: Meta, spec: Spec): Violation | undefined {
  const noDrop: string[] = [];
  const adding: string[] = [];
  const caps: string[] = [];
  for (const c of containersOf(spec)) {
    const cap = c.securityContext?.capabilities ?? {};
    if (!((cap.drop ?? []) as string[]).includes('ALL')) noDrop.push(c.name);
    const extra = ((cap.add ?? []) as string[]).filter((x) => x !== 'NET_BIND_SERVICE');
    if (extra.length) adding.push(c.name), caps.push(...extra);
  }
  const bad: string[] = [];
  if (noDrop.length) bad.push(`${cs(noDrop)} must set securityContext.capabilities.drop=["ALL"]`);
  if (adding.length) bad.push(`${cs(adding)} must not include ${quoted(unique(caps).sort())} in securityContext.capabilities.add`);
  return bad.length ? { reason: 'unrestricted capabilities', detail: bad.join('; ') } : undefined;
}

/** Every check, in upstream's order (by id), with its level. */
export const POD_CHECKS: PodCheck[] = [
  { id: 'allowPrivilegeEscalation', level: 'restricted', check: allowPrivilegeEscalation },
  { id: 'appArmorProfile', level: 'baseline', check: appArmor },
  { id: 'capabilities_baseline', level: 'baseline', check: capabilitiesBaseline },
  { id: 'capabilities_restricted', level: 'restricted', overrides: ['capabilities_baseline'], check: capabilitiesRestricted },
  { id: 'hostNamespaces', level: 'baseline', check: hostNamespaces },
  { id: 'hostPathVolumes', level: 'baseline', check: hostPathVolumes },
  { id: 'hostPorts', level: 'baseline', check: hostPorts },
  { id: 'privileged', level: 'baseline', check: privileged },
  { id: 'procMount', level: 'baseline', check: procMount },
  { id: 'restrictedVolumes', level: 'restricted', overrides: ['hostPathVolumes'], check: restrictedVolumes },
  { id: 'runAsNonRoot', level: 'restricted', check: runAsNonRoot },
  { id: 'runAsUser', level: 'restricted', check: runAsUser },
  { id: 'seLinuxOptions', level: 'baseline', check: seLinux },
  { id: 'seccompProfile_baseline', level: 'baseline', check: seccompBaseline },
  { id: 'seccompProfile_restricted', level: 'restricted', overrides: ['seccompProfile_baseline'], check: seccompRestricted },
  { id: 'sysctls', level: 'baseline', check: sysctls },
  { id: 'windowsHostProcess', level: 'baseline', check: hostProcess },
];

/** Returns the violations of a pod's metadata and spec at `level` (none at privileged). */
export function evaluatePod(level: Level, meta: Meta, spec: Spec): Violation[] {
  if (level === 'privileged') return [];
  const checks = POD_CHECKS.filter((c) => level === 'restricted' || c.level === 'baseline');
  const overridden = new Set(checks.flatMap((c) => c.overrides ?? []));
  return checks.filter((c) => !overridden.has(c.id)).flatMap((c) => c.check(meta, spec) ?? []);
}
