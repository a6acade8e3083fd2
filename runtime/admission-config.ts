// `--admission-control-config-file FILE`: upstream's AdmissionConfiguration (apiserver.config.k8s.io/v1,
// YAML or JSON), of which kubus reads the PodSecurity plugin's inline PodSecurityConfiguration (its
// exemptions: usernames, runtimeClasses, namespaces; and its defaults; actors/apiserver/admission-podsecurity-config.ts).
// Other plugins' entries are not read: a warning says so.
import { loadConfigFile } from './config-file.ts';
import { AdmissionConfigError, podSecurityConfigOf, type PodSecurityConfig } from '../actors/apiserver/admission-podsecurity-config.ts';

export { AdmissionConfigError };

/** Reads and checks the file; the error names the file and the field. Returns what the API server takes of it. */
export function loadAdmissionConfig(file: string, warn: (message: string) => void = (m) => console.warn(`warning: ${m}`)): { podSecurity?: PodSecurityConfig } {
  return loadConfigFile(file, 'admission configuration', (m) => new AdmissionConfigError(m), (doc) => {
    const podSecurity = podSecurityConfigOf(doc, (m) => warn(`admission configuration ${file}: ${m}`));
    return podSecurity ? { podSecurity } : {};
  });
}

/** The flag's help. */
export const ADMISSION_CONFIG_HELP = "an apiserver.config.k8s.io/v1 AdmissionConfiguration (YAML or JSON); kubus reads PodSecurity's exemptions (usernames, runtimeClasses, namespaces) and defaults";
