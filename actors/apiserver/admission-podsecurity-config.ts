// PodSecurity's own configuration, as upstream's AdmissionConfiguration gives it to the plugin
// (--admission-control-config-file): a PodSecurityConfiguration (pod-security.admission.config.k8s.io/v1)
// whose `exemptions` name usernames, runtimeClasses and namespaces the plugin never evaluates, and whose
// `defaults` give each mode's level and version for a namespace without that mode's label (built in:
// privileged, latest).

/** What PodSecurity exempts: requests by these users, pods of these runtime classes, and these namespaces. */
export interface PodSecurityExemptions {
  usernames?: string[];
  runtimeClasses?: string[];
  namespaces?: string[];
}

/** The plugin's configuration as the API server holds it. */
export interface PodSecurityConfig {
  exemptions: PodSecurityExemptions;
  /** enforce, enforce-version, audit, audit-version, warn, warn-version: for a namespace without the label. */
  defaults?: Record<string, string>;
}

const MODES = ['enforce', 'audit', 'warn'];
const LEVELS = ['privileged', 'baseline', 'restricted'];
const VERSION = /^(latest|v1\.(0|[1-9][0-9]*))$/;

/** Returns the checked `defaults` (upstream's fields; a level privileged, baseline or restricted, a version latest or v1.x). */
function defaultsOf(v: unknown): Record<string, string> | undefined {
  const at = 'plugins[PodSecurity].configuration.defaults';
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'object' || Array.isArray(v)) throw new AdmissionConfigError(`${at}: want an object`);
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(v)) {
    const mode = k.replace(/-version$/, '');
    if (!MODES.includes(mode)) throw new AdmissionConfigError(`${at}.${k}: unknown field (want ${MODES.flatMap((m) => [m, `${m}-version`]).join(', ')})`);
    const ok = typeof x === 'string' && (k === mode ? LEVELS.includes(x) : VERSION.test(x));
    if (!ok) throw new AdmissionConfigError(`${at}.${k}: ${JSON.stringify(x)}: want ${k === mode ? LEVELS.join(', ') : '"latest" or "v1.x"'}`);
    out[k] = x as string;
  }
  return out;
}

/** Returns whether the defaults evaluate a namespace that has no pod-security labels (a mode's level above privileged). */
export const defaultsApply = (c: PodSecurityConfig | undefined) => MODES.some((m) => (c?.defaults?.[m] ?? 'privileged') !== 'privileged');

/** Thrown for an AdmissionConfiguration (or its PodSecurityConfiguration) kubus cannot take; says which field. */
export class AdmissionConfigError extends Error {
  override name = 'AdmissionConfigError';
}

const strings = (v: unknown, field: string): string[] | undefined => {
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw new AdmissionConfigError(`${field}: want a list of strings`);
  return v;
};

/**
 * Returns PodSecurity's configuration from an AdmissionConfiguration (apiserver.config.k8s.io/v1, as
 * parsed YAML or JSON): the `PodSecurity` plugin's inline `configuration`; undefined when it has none.
 */
export function podSecurityConfigOf(doc: unknown, warn: (message: string) => void = () => {}): PodSecurityConfig | undefined {
  const d = doc as { apiVersion?: unknown; kind?: unknown; plugins?: unknown } | null;
  if (!d || typeof d !== 'object' || d.kind !== 'AdmissionConfiguration') throw new AdmissionConfigError('kind: want AdmissionConfiguration (apiVersion apiserver.config.k8s.io/v1)');
  if (d.plugins !== undefined && !Array.isArray(d.plugins)) throw new AdmissionConfigError('plugins: want a list');
  const plugins = (d.plugins ?? []) as Array<{ name?: unknown; configuration?: unknown; path?: unknown }>;
  const unread = plugins.map((p) => p?.name).filter((n) => n !== 'PodSecurity');
  if (unread.length) warn(`plugins ${unread.map((n) => JSON.stringify(n)).join(', ')}: not read (kubus takes only PodSecurity's configuration)`);
  const plugin = plugins.find((p) => p?.name === 'PodSecurity');
  if (!plugin) return undefined;
  if (plugin.path !== undefined) throw new AdmissionConfigError('plugins[PodSecurity].path: not supported; give the configuration inline');
  const c = plugin.configuration as { kind?: unknown; exemptions?: Record<string, unknown>; defaults?: unknown } | undefined;
  if (!c || typeof c !== 'object' || c.kind !== 'PodSecurityConfiguration') throw new AdmissionConfigError('plugins[PodSecurity].configuration.kind: want PodSecurityConfiguration');
  const e = c.exemptions ?? {};
  if (typeof e !== 'object') throw new AdmissionConfigError('plugins[PodSecurity].configuration.exemptions: want an object');
  const at = (k: string) => `plugins[PodSecurity].configuration.exemptions.${k}`;
  const exemptions = { usernames: strings(e.usernames, at('usernames')), runtimeClasses: strings(e.runtimeClasses, at('runtimeClasses')), namespaces: strings(e.namespaces, at('namespaces')) };
  const defaults = defaultsOf(c.defaults);
  return defaults ? { exemptions, defaults } : { exemptions };
}

/** Returns why a request is exempt (upstream's audit annotation value: namespace, user, runtimeClass), or undefined. */
export function exemptionOf(c: PodSecurityConfig | undefined, namespace: string, username: string | undefined, runtimeClass: unknown): 'namespace' | 'user' | 'runtimeClass' | undefined {
  const e = c?.exemptions;
  if (!e) return undefined;
  if (e.namespaces?.includes(namespace)) return 'namespace';
  if (username !== undefined && e.usernames?.includes(username)) return 'user';
  if (typeof runtimeClass === 'string' && e.runtimeClasses?.includes(runtimeClass)) return 'runtimeClass';
  return undefined;
}
