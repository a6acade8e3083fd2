// The workloads and small queries of the fault tests.
import type { Node } from '../../api/kinds/node.ts';
import type { Pod } from '../../api/kinds/pod.ts';
import type { KubeObject } from '../../api/meta.ts';
import type { ApiClient } from '../../bus/client.ts';

/** Tolerations of both NoExecute node taints for `seconds` (upstream's default is 300). */
export const tolerateDownFor = (seconds: number) =>
  ['node.kubernetes.io/unreachable', 'node.kubernetes.io/not-ready'].map((key) => ({ key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: seconds }));

const template = (app: string, tolerationSeconds?: number) => ({
  metadata: { labels: { app } },
  spec: {
    containers: [{ name: 'c', image: 'nginx:1.27' }],
    ...(tolerationSeconds === undefined ? {} : { tolerations: tolerateDownFor(tolerationSeconds) }),
  },
});

/** A Deployment of `replicas` sim pods labelled app=<name>. */
export const deployment = (name: string, replicas: number, tolerationSeconds?: number): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name, namespace: 'default' },
  spec: { replicas, selector: { matchLabels: { app: name } }, template: template(name, tolerationSeconds) },
});

/** A StatefulSet (OrderedReady) of `replicas` sim pods `<name>-0 …`. */
export const statefulSet = (name: string, replicas: number, tolerationSeconds?: number): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'StatefulSet',
  metadata: { name, namespace: 'default' },
  spec: { replicas, serviceName: name, selector: { matchLabels: { app: name } }, template: template(name, tolerationSeconds) },
});

/** A real container (busybox, imported on every containerd node): httpd on 8080 answering with its pod's name and logging each client, Ready once it serves. */
export const httpd = {
  name: 'httpd',
  image: 'busybox',
  imagePullPolicy: 'Never',
  command: ['sh', '-c', 'mkdir -p /w && hostname > /w/index.html && exec httpd -f -v -p 8080 -h /w'],
  readinessProbe: { httpGet: { path: '/index.html', port: 8080 }, periodSeconds: 1 },
};

/** The pods of app=<app> in default, optionally without those being deleted. */
export async function podsOf(client: ApiClient, app: string, { live = false } = {}): Promise<Pod[]> {
  const items = (await client.list<Pod>('pods', { namespace: 'default', labelSelector: `app=${app}` })).items;
  return live ? items.filter((p) => !p.metadata.deletionTimestamp) : items;
}

/** Nodes by name. */
export async function nodesByName(client: ApiClient): Promise<Map<string, Node>> {
  return new Map((await client.list<Node>('nodes')).items.map((n) => [n.metadata.name!, n]));
}

/** Returns whether a node carries taint `key` with effect NoExecute. */
export const hasNoExecute = (n: Node | undefined, key: string) => (n?.spec?.taints ?? []).some((x) => x.key === key && x.effect === 'NoExecute');

/** Milliseconds since `t0`, for t.log. */
export const since = (t0: number) => Date.now() - t0;
