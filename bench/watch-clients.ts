// The HTTP watch clients of the gateway-scale bench, in a process of their own (as real clients
// would be): opens N watches on one path, reads each event line's write timestamp, and records
// write → arrival lag. Driven by its parent over IPC:
//   parent → { open: { url, count } } | { measureFrom: epochMs } | { report: true }
//   child  → { opened: n } | { count: delivered } | { result: { p50, p99, max, delivered, cpuSec } } | { error }
import { Agent, get, type ClientRequest } from 'node:http';
import hdr from 'hdr-histogram-js';

const SENT = 'bench.kubus.io/sent';
const sentRe = new RegExp(`"${SENT.replace(/\./g, '\\.')}":"([0-9.]+)"`, 'g');
/** Milliseconds since the epoch, sub-millisecond: comparable across processes of one machine. */
const epochNow = () => performance.timeOrigin + performance.now();

const lag = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 600_000_000, numberOfSignificantValueDigits: 3 });
const reqs: ClientRequest[] = [];
let delivered = 0;
let from = Infinity; // events of writes before the measured window are not counted
let cpu0 = process.cpuUsage();
const send = (m: unknown) => process.send!(m);

function open(url: string, count: number): void {
  const agent = new Agent({ keepAlive: true, maxSockets: count + 10 });
  let opened = 0;
  for (let i = 0; i < count; i++) {
    const req = get(url, { agent }, (res) => {
      if (res.statusCode !== 200) return send({ error: `watch: HTTP ${res.statusCode}` });
      if (++opened === count) send({ opened });
      res.setEncoding('utf8');
      let tail = '';
      res.on('data', (chunk: string) => {
        const now = epochNow();
        // A regexp over the chunk (an event may be split across chunks: keep the unfinished line).
        const text = tail + chunk;
        const end = text.lastIndexOf('\n');
        tail = end < 0 ? text : text.slice(end + 1);
        const whole = end < 0 ? '' : text.slice(0, end);
        for (const m of whole.matchAll(sentRe)) {
          const sent = Number(m[1]);
          if (sent < from) continue;
          delivered++;
          lag.recordValue(Math.max(1, Math.round((now - sent) * 1000)));
        }
      });
    });
    req.on('error', (err) => opened < count && send({ error: err.message }));
    reqs.push(req);
  }
}

process.on('message', (m: { open?: { url: string; count: number }; measureFrom?: number; count?: boolean; report?: boolean }) => {
  if (m.open) open(m.open.url, m.open.count);
  if (m.measureFrom !== undefined) {
    from = m.measureFrom;
    cpu0 = process.cpuUsage();
  }
  if (m.count) send({ count: delivered });
  if (m.report) {
    const cpu = process.cpuUsage(cpu0);
    send({ result: { p50: lag.getValueAtPercentile(50) / 1000, p99: lag.getValueAtPercentile(99) / 1000, max: lag.maxValue / 1000, delivered, cpuSec: (cpu.user + cpu.system) / 1e6 } });
    for (const r of reqs) r.destroy();
    setImmediate(() => process.exit(0));
  }
});
