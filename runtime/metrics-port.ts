// `--metrics-port`: this process's Prometheus metrics over plain HTTP on loopback, for a Prometheus
// scraping each machine as upstream's components serve /metrics on their ports. Every component of
// the process is in one exposition (metrics-registry.ts processExposition), kubelets told apart by
// their node label.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EXPOSITION_TYPE, processExposition } from '../actors/lib/metrics-registry.ts';
import type { Logger } from '../bus/types.ts';

/** A running metrics port: its URL, and how to stop it. */
export interface MetricsPort {
  url: string;
  close(): Promise<void>;
}

/** Serves GET /metrics on 127.0.0.1:`port` (0: any free port) until closed. */
export function serveMetricsPort(port: number, log: Logger): Promise<MetricsPort> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/metrics') return void res.writeHead(404, { 'Content-Type': 'text/plain' }).end('404 page not found: metrics are at /metrics\n');
    if (req.method !== 'GET' && req.method !== 'HEAD') return void res.writeHead(405, { Allow: 'GET, HEAD' }).end();
    processExposition().then(
      (text) => {
        res.writeHead(200, { 'Content-Type': EXPOSITION_TYPE, 'Content-Length': Buffer.byteLength(text) });
        res.end(req.method === 'HEAD' ? undefined : text);
      },
      (err: unknown) => {
        log.warn({ err: (err as Error)?.message }, 'metrics exposition failed');
        res.writeHead(500, { 'Content-Type': 'text/plain' }).end(`metrics failed: ${(err as Error)?.message}\n`);
      },
    );
  });
  return new Promise((resolve, reject) => {
    server.once('error', (err) => reject(new Error(`--metrics-port ${port}: ${(err as Error).message}`)));
    server.listen(port, '127.0.0.1', () => {
      const a = server.address() as AddressInfo;
      resolve({
        url: `http://127.0.0.1:${a.port}/metrics`,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}
