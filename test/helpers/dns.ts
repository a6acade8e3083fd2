// A DNS client for tests: one question over UDP or TCP with dns-packet, a reply with a deadline.
import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import * as dnsPacket from 'dns-packet';
import type { DecodedPacket, Packet, RecordType } from 'dns-packet';

/** A decoded reply with the fields dns-packet decodes but its types leave out. */
export type Reply = DecodedPacket & { rcode: string; flag_aa?: boolean; flag_tc?: boolean };

/** Decodes a reply's bytes. */
export const decodeReply = (bytes: Buffer) => dnsPacket.decode(bytes) as Reply;

let nextId = 1;

/** Returns the query packet for one question (RD set, as stub resolvers send). */
export const question = (name: string, type: RecordType, extra: Partial<Packet> = {}): Packet => ({
  type: 'query',
  id: nextId++ & 0xffff,
  flags: dnsPacket.RECURSION_DESIRED,
  questions: [{ name, type, class: 'IN' }],
  ...extra,
});

/** Sends raw bytes over UDP; resolves with the reply's bytes. */
export function udpRaw(port: number, bytes: Buffer, timeoutMs = 3000, host = '127.0.0.1'): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const sock = createSocket('udp4');
    const timer = setTimeout(() => {
      sock.close();
      reject(new Error(`no UDP reply from ${host}:${port} within ${timeoutMs} ms`));
    }, timeoutMs);
    sock.on('message', (msg) => {
      clearTimeout(timer);
      sock.close();
      resolve(msg);
    });
    sock.send(bytes, port, host);
  });
}

/** Sends raw bytes over TCP with the two-byte length; resolves with the reply's bytes. */
export function tcpRaw(port: number, bytes: Buffer, timeoutMs = 3000, host = '127.0.0.1'): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const conn = connect(port, host);
    let buf = Buffer.alloc(0);
    const timer = setTimeout(() => {
      conn.destroy();
      reject(new Error(`no TCP reply from ${host}:${port} within ${timeoutMs} ms`));
    }, timeoutMs);
    conn.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    conn.on('data', (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        clearTimeout(timer);
        conn.destroy();
        resolve(buf.subarray(2, 2 + buf.readUInt16BE(0)));
      }
    });
    const len = Buffer.alloc(2);
    len.writeUInt16BE(bytes.length);
    conn.write(Buffer.concat([len, bytes]));
  });
}

/** Asks one question over `transport`; resolves with the decoded reply. */
export async function ask(port: number, name: string, type: RecordType, transport: 'udp' | 'tcp' = 'udp', extra: Partial<Packet> = {}, host = '127.0.0.1'): Promise<Reply> {
  const bytes = dnsPacket.encode(question(name, type, extra));
  return decodeReply(await (transport === 'udp' ? udpRaw : tcpRaw)(port, bytes, 3000, host));
}

/** Returns the data of the answers of one type. */
export const dataOf = (reply: Packet, type: string) => (reply.answers ?? []).filter((a) => a.type === type).map((a) => (a as { data: unknown }).data);
