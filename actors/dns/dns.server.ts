// The DNS server's sockets: UDP and TCP (two-byte length framing, RFC 1035 §4.2.2) on one
// address and port. Each query's bytes go to `handle`, which returns the reply's bytes.
import { createSocket, type Socket } from 'node:dgram';
import { isIP, createServer, type Server, type Socket as TcpSocket } from 'node:net';
import type { Logger } from '../../bus/types.ts';

/** Returns the reply to one query, or undefined to send none. */
export type QueryHandler = (query: Buffer, transport: 'udp' | 'tcp') => Promise<Buffer | undefined>;

/** A running server: where it listens, and how to stop it. */
export interface DnsServer {
  host: string;
  /** The port both sockets listen on (the one picked when asked for 0). */
  port: number;
  close(): Promise<void>;
}

/** How long an idle TCP connection is kept (CoreDNS: 10 s read timeout). */
const TCP_IDLE_MS = 10_000;

/** Splits `HOST:PORT` (`[::1]:53` for IPv6). */
export function splitAddress(address: string): { host: string; port: number } {
  const m = /^\[?([^\]]*?)\]?:(\d+)$/.exec(address);
  if (!m || !isIP(m[1])) throw new Error(`the DNS address must be IP:PORT, not ${JSON.stringify(address)}`);
  return { host: m[1], port: Number(m[2]) };
}

function bindUdp(host: string, port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const sock = createSocket({ type: isIP(host) === 6 ? 'udp6' : 'udp4' });
    sock.once('error', reject);
    sock.bind(port, host, () => {
      sock.off('error', reject);
      resolve(sock);
    });
  });
}

function listenTcp(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/** Reads length-framed queries off one TCP connection and writes framed replies in order of arrival. */
function serveConnection(conn: TcpSocket, handle: QueryHandler, log: Logger): void {
  let buf = Buffer.alloc(0);
  let chain = Promise.resolve();
  conn.setTimeout(TCP_IDLE_MS, () => conn.destroy());
  conn.on('error', (err) => log.debug({ err: err.message }, 'dns tcp connection error'));
  conn.on('data', (chunk) => {
    buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
    while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
      const query = buf.subarray(2, 2 + buf.readUInt16BE(0));
      buf = buf.subarray(2 + query.length);
      chain = chain
        .then(async () => {
          const reply = await handle(query, 'tcp');
          if (!reply || conn.destroyed) return;
          const len = Buffer.alloc(2);
          len.writeUInt16BE(reply.length);
          conn.write(Buffer.concat([len, reply]));
        })
        .catch((err: Error) => log.warn({ err: err.message }, 'dns: no reply to a TCP query'));
    }
  });
}

/** Starts UDP and TCP on `address` (port 0: a free port, the same for both). */
export async function startDnsServer(address: string, handle: QueryHandler, log: Logger): Promise<DnsServer> {
  const { host, port: asked } = splitAddress(address);
  // With port 0, the TCP port the UDP bind picked may be taken: try a few picks.
  for (let attempt = 0; ; attempt++) {
    const udp = await bindUdp(host, asked);
    const port = udp.address().port;
    const conns = new Set<TcpSocket>();
    const tcp = createServer((conn) => {
      conns.add(conn);
      conn.on('close', () => conns.delete(conn));
      serveConnection(conn, handle, log);
    });
    try {
      await listenTcp(tcp, host, port);
    } catch (err) {
      udp.close();
      if (asked !== 0 || attempt >= 5) throw err;
      continue;
    }
    udp.on('error', (err) => log.warn({ err: err.message }, 'dns udp socket error'));
    udp.on('message', (msg, rinfo) => {
      handle(msg, 'udp')
        .then((reply) => reply && udp.send(reply, rinfo.port, rinfo.address))
        .catch((err: Error) => log.warn({ err: err.message }, 'dns: no reply to a UDP query'));
    });
    return {
      host,
      port,
      close: () =>
        new Promise<void>((resolve) => {
          udp.close();
          tcp.close(() => resolve());
          // Open connections would keep close waiting for their idle timeout.
          for (const c of conns) c.destroy();
        }),
    };
  }
}
