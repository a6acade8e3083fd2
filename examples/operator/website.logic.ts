// The example operator's decisions, pure: what a Website should own (a ConfigMap with its page, a
// Deployment of web servers, a Service) and what its status says. No client calls here.
import { createHash } from 'node:crypto';
import type { KubeObject, OwnerReference } from '../../api/meta.ts';

export const API_VERSION = 'demo.kubus.dev/v1';
export const KIND = 'Website';

export interface Website extends KubeObject {
  spec: { message: string; replicas?: number; image?: string };
  status?: { replicas?: number; readyReplicas?: number; selector?: string };
}

type Deployment = KubeObject & { spec: { replicas?: number }; status?: { replicas?: number; readyReplicas?: number } };

/** The objects a Website owns, by resource: each one as it should be. */
export interface Owned {
  configmaps: KubeObject;
  deployments: KubeObject;
  services: KubeObject;
}

const labelsOf = (site: Website) => ({ 'app.kubernetes.io/name': 'website', 'app.kubernetes.io/instance': site.metadata.name! });

/** Returns the owner reference that makes the Website the controller of what it owns (so deleting it collects them). */
const ownerRef = (site: Website): OwnerReference => ({ apiVersion: API_VERSION, kind: KIND, name: site.metadata.name!, uid: site.metadata.uid!, controller: true, blockOwnerDeletion: true });

/** Returns what the Website should own. The pod template carries a hash of the message, so a new message rolls the pods. */
export function desired(site: Website): Owned {
  const { name, namespace } = site.metadata;
  const labels = labelsOf(site);
  const metadata = (n: string) => ({ name: n, namespace, labels, ownerReferences: [ownerRef(site)] });
  const page = `<h1>${site.spec.message}</h1>\n`;
  const hash = createHash('sha256').update(page).digest('hex').slice(0, 10);
  return {
    configmaps: { apiVersion: 'v1', kind: 'ConfigMap', metadata: metadata(`${name}-content`), data: { 'index.html': page } },
    deployments: {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: metadata(name!),
      spec: {
        replicas: site.spec.replicas ?? 1,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels, annotations: { 'demo.kubus.dev/content-hash': hash } },
          spec: {
            containers: [{ name: 'web', image: site.spec.image ?? 'nginx:1.27', ports: [{ containerPort: 80 }], volumeMounts: [{ name: 'content', mountPath: '/usr/share/nginx/html' }] }],
            volumes: [{ name: 'content', configMap: { name: `${name}-content` } }],
          },
        },
      },
    },
    services: { apiVersion: 'v1', kind: 'Service', metadata: metadata(name!), spec: { selector: labels, ports: [{ port: 80, targetPort: 80 }] } },
  };
}

/** The fields the operator owns in each object: what it compares and writes. */
const OWNED_FIELDS: Record<keyof Owned, string[]> = { configmaps: ['data'], deployments: ['spec'], services: ['spec'] };

/** Returns the live object with the owned fields as desired, or undefined when they already are (fields the server defaulted are left alone). */
export function drifted(resource: keyof Owned, want: KubeObject, live: KubeObject): KubeObject | undefined {
  let changed = false;
  const next = structuredClone(live) as Record<string, unknown>;
  for (const f of OWNED_FIELDS[resource]) {
    const merged = mergeInto(next[f], (want as Record<string, unknown>)[f]);
    if (JSON.stringify(merged) !== JSON.stringify(next[f])) {
      next[f] = merged;
      changed = true;
    }
  }
  return changed ? (next as KubeObject) : undefined;
}

/** Returns `live` with every value of `want` written over it (objects merged key by key, anything else replaced). */
function mergeInto(live: unknown, want: unknown): unknown {
  if (!isObj(live) || !isObj(want)) return structuredClone(want);
  const out: Record<string, unknown> = { ...live };
  for (const [k, v] of Object.entries(want)) out[k] = mergeInto(live[k], v);
  return out;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Returns the Website's status as its Deployment shows it. */
export function statusOf(site: Website, deployment: KubeObject | undefined): NonNullable<Website['status']> {
  const d = deployment as Deployment | undefined;
  const selector = Object.entries(labelsOf(site)).map(([k, v]) => `${k}=${v}`).join(',');
  return { replicas: d?.status?.replicas ?? 0, readyReplicas: d?.status?.readyReplicas ?? 0, selector };
}
