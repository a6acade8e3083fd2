// A TCP relay between one kubus process and nats-server, so real mode can partition that process
// (close its connections and refuse new ones until healed: a real cut, which the NATS client sees
// as a lost server and retries) and apply message faults per NATS frame (PUB/HPUB it sends,
// MSG/HMSG it receives).
import { createServer, connect, type Server, type Socket } from 'node:net';
import type { Logger } from '../../bus/types.ts';
import type { FaultPlan, FaultStage } from '../faults.ts';

const CRLF = Buffer.from('\r\n');
const PAYLOAD_OPS = new Set(['PUB', 'HPUB', 'MSG', 'HMSG']);

/** Splits a NATS protocol byte stream into whole frames (a control line, plus its payload for messages). */
export class FrameSplitter {
  private buf: Buffer = Buffer.alloc(0);

  /** Adds bytes; returns the frames completed by them, with the subject of message frames. */
  push(chunk: Buffer): Array<{ frame: Buffer; subject?: string }> {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    const out: Array<{ frame: Buffer; subject?: string }> = [];
    let at = 0;
    for (;;) {
      const eol = this.buf.indexOf(CRLF, at);
      if (eol < 0) break;
      const line = this.buf.toString('latin1', at, Math.min(eol, at + 1024));
      const parts = line.split(' ').filter(Boolean);
      const op = (parts[0] ?? '').toUpperCase();
      let end = eol + 2;
      let subject: string | undefined;
      if (PAYLOAD_OPS.has(op)) {
        end += Number(parts[parts.length - 1]) + 2;
        subject = parts[1];
        if (end > this.buf.length) break;
      }
      out.push({ frame: this.buf.subarray(at, end), subject });
      at = end;
    }
    this.buf = at === 0 ? this.buf : Buffer.from(this.buf.subarray(at));
    return out;
  }
}

/** One process's way to NATS, which the runner can cut, heal and fault. */
export class Relay {
  private server: Server | undefined;
  private readonly pairs = new Set<[Socket, Socket]>();
  private isCut = false;
  port = 0;

  constructor(
    /** The node or component behind it (fault rules name it). */
    readonly target: string,
    private readonly upstreamPort: number,
    private readonly faults: FaultPlan,
    private readonly log: Logger,
  ) {}

  /** Starts listening on a free loopback port. */
  listen(): Promise<number> {
    return new Promise((resolve, reject) => {
      const s = createServer((client) => this.accept(client));
      s.once('error', reject);
      s.listen(0, '127.0.0.1', () => {
        this.port = (s.address() as { port: number }).port;
        this.server = s;
        resolve(this.port);
      });
    });
  }

  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  private accept(client: Socket): void {
    if (this.isCut) {
      client.destroy();
      return;
    }
    const upstream = connect(this.upstreamPort, '127.0.0.1');
    const pair: [Socket, Socket] = [client, upstream];
    this.pairs.add(pair);
    const end = () => {
      this.pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    for (const s of pair) {
      s.setNoDelay(true);
      s.on('error', (err) => this.log.debug({ target: this.target, err: err.message }, 'relay socket error'));
      s.on('close', end);
    }
    this.pipe(client, upstream, 'send');
    this.pipe(upstream, client, 'receive');
  }

  /** Copies frames from `a` to `b`, dropping or delaying those the fault plan says. */
  private pipe(a: Socket, b: Socket, stage: FaultStage): void {
    const split = new FrameSplitter();
    a.on('data', (chunk: Buffer) => {
      // Frames always go through the splitter, so a fault added later starts on a frame boundary.
      const pass: Buffer[] = [];
      for (const f of split.push(chunk)) {
        if (f.subject === undefined || this.faults.empty) {
          pass.push(f.frame);
          continue;
        }
        const from = stage === 'send' ? this.target : undefined;
        const to = stage === 'receive' ? this.target : undefined;
        if (this.faults.drop(f.subject, from, to, stage)) continue;
        const delay = this.faults.delayMs(f.subject, from, to, stage);
        if (delay <= 0) pass.push(f.frame);
        else setTimeout(() => !b.destroyed && b.write(f.frame), delay);
      }
      if (pass.length) b.write(pass.length === 1 ? pass[0] : Buffer.concat(pass));
    });
  }

  /** Cuts the process off: closes its connections and refuses new ones until heal(). */
  cut(): void {
    this.isCut = true;
    this.disconnect();
  }

  /**
   * Closes the process's connections now (new ones are still let through): after the process died,
   * so nats-server drops its subscriptions before the runner's next request, rather than once the
   * relay gets round to the closed sockets (a request could still go to the dead API server's queue
   * subscription and wait out its timeout).
   */
  disconnect(): void {
    for (const [c, u] of this.pairs) {
      c.destroy();
      u.destroy();
    }
    this.pairs.clear();
  }

  heal(): void {
    this.isCut = false;
  }

  close(): Promise<void> {
    this.cut();
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
