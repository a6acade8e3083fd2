// The planner's cases as data: Services and Endpoints in, for test/proxy-rules.test.ts.
import type { Endpoints, EndpointSubset } from '../api/kinds/endpoints.ts';
import type { Service, ServiceSpec } from '../api/kinds/service.ts';

const svc = (name: string, spec: ServiceSpec): Service => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'ns1' }, spec });
const eps = (name: string, subsets: EndpointSubset[]): Endpoints => ({ apiVersion: 'v1', kind: 'Endpoints', metadata: { name, namespace: 'ns1' }, subsets });
const tcp = (name: string | undefined, port: number) => ({ ...(name ? { name } : {}), port, protocol: 'TCP' });

export interface Case {
  services: Service[];
  endpoints: Endpoints[];
}

export const CASES: Record<string, Case> = {
  'ClusterIP with 2 ready endpoints (and 1 not ready)': {
    services: [svc('web', { clusterIP: '10.96.0.10', ports: [{ name: 'http', port: 80, targetPort: 8080 }] })],
    endpoints: [eps('web', [{ addresses: [{ ip: '10.244.1.3' }, { ip: '10.244.0.2' }], notReadyAddresses: [{ ip: '10.244.0.9' }], ports: [tcp('http', 8080)] }])],
  },
  'sessionAffinity ClientIP (default and given timeouts)': {
    services: [
      svc('sticky', { clusterIP: '10.96.0.11', sessionAffinity: 'ClientIP', ports: [{ port: 80 }] }),
      svc('brief', { clusterIP: '10.96.0.12', sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } }, ports: [{ port: 80 }] }),
    ],
    endpoints: [
      eps('sticky', [{ addresses: [{ ip: '10.244.0.2' }, { ip: '10.244.0.3' }], ports: [tcp(undefined, 80)] }]),
      eps('brief', [{ addresses: [{ ip: '10.244.0.4' }], ports: [tcp(undefined, 80)] }]),
    ],
  },
  'NodePort and an external IP': {
    services: [svc('np', { type: 'NodePort', clusterIP: '10.96.0.13', externalIPs: ['192.0.2.9'], ports: [{ name: 'http', port: 80, nodePort: 30080 }] })],
    endpoints: [eps('np', [{ addresses: [{ ip: '10.244.0.2' }], ports: [tcp('http', 8080)] }])],
  },
  'no ready endpoints: rejected (ClusterIP, external IP and NodePort)': {
    services: [svc('down', { type: 'NodePort', clusterIP: '10.96.0.14', externalIPs: ['192.0.2.9'], ports: [{ port: 53, protocol: 'UDP', nodePort: 30053 }] })],
    endpoints: [eps('down', [{ notReadyAddresses: [{ ip: '10.244.0.2' }], ports: [{ port: 5353, protocol: 'UDP' }] }])],
  },
  'named and target ports: each service port takes its own subset port by name and protocol': {
    services: [
      svc('multi', {
        clusterIP: '10.96.0.20',
        ports: [
          { name: 'http', port: 80, targetPort: 'web' },
          { name: 'dns', port: 53, protocol: 'UDP', targetPort: 5353 },
          { name: 'metrics', port: 9090 },
        ],
      }),
    ],
    endpoints: [eps('multi', [{ addresses: [{ ip: '10.244.0.5' }], ports: [tcp('http', 8080), { name: 'dns', port: 5353, protocol: 'UDP' }] }])],
  },
  'headless and ExternalName Services get no rules': {
    services: [svc('headless', { clusterIP: 'None', ports: [{ port: 80 }] }), svc('ext', { type: 'ExternalName', externalName: 'example.com' })],
    endpoints: [eps('headless', [{ addresses: [{ ip: '10.244.0.2' }], ports: [tcp(undefined, 80)] }])],
  },
};
