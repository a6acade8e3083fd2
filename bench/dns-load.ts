// The load of the dns bench, in a process of its own (as a node's stub resolvers would be): `conc`
// clients, each with its own UDP socket and one question in flight, ask A questions for Service
// names round-robin and record each answer's latency. Prints one JSON line:
//   { perSec, p50, p99, answered, lost, wrong } (ms; lost: no reply within 1 s; wrong: not one A record)
// Run by bench/dns.bench.ts: node --import tsx bench/dns-load.ts PORT CONC OPS SERVICES
import { createSocket, type Socket } from 'node:dgram';
import * as dnsPacket from 'dns-packet';
import hdr from 'hdr-histogram-js';

const [port, conc, ops, services] = process.argv.slice(2).map(Number);
const TIMEOUT_MS = 1000;
const h = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3 });
let next = 0;
let lost = 0;
let wrong = 0;

/** Sends one question on `sock`; resolves with the reply, or undefined after the timeout. */
function askOnce(sock: Socket, id: number, name: string): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      sock.off('message', onMessage);
      resolve(undefined);
    }, TIMEOUT_MS);
    const onMessage = (msg: Buffer) => {
      if (msg.readUInt16BE(0) !== id) return;
      clearTimeout(timer);
      sock.off('message', onMessage);
      resolve(msg);
    };
    sock.on('message', onMessage);
    sock.send(dnsPacket.encode({ type: 'query', id, flags: dnsPacket.RECURSION_DESIRED, questions: [{ name, type: 'A', class: 'IN' }] }), port, '127.0.0.1');
  });
}

async function client(): Promise<void> {
  const sock = createSocket('udp4');
  await new Promise<void>((resolve) => sock.bind(0, '127.0.0.1', resolve));
  while (next < ops) {
    const i = next++;
    const id = i & 0xffff;
    const t0 = performance.now();
    const reply = await askOnce(sock, id, `svc-${i % services}.default.svc.cluster.local`);
    if (!reply) {
      lost++;
      continue;
    }
    h.recordValue(Math.max(1, Math.round((performance.now() - t0) * 1000)));
    const answers = dnsPacket.decode(reply).answers ?? [];
    if (answers.length !== 1 || answers[0].type !== 'A') wrong++;
  }
  sock.close();
}

const start = performance.now();
await Promise.all(Array.from({ length: conc }, client));
const ms = performance.now() - start;
const answered = ops - lost;
console.log(JSON.stringify({ perSec: (answered * 1000) / ms, p50: h.getValueAtPercentile(50) / 1000, p99: h.getValueAtPercentile(99) / 1000, answered, lost, wrong }));
