// Names outside the cluster zone go to the host's resolvers (CoreDNS's `forward . /etc/resolv.conf`):
// the query's bytes are sent as they came over UDP to each upstream in turn until one answers.
import { createSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import type { Clock } from '../../bus/clock.ts';

/** How long one upstream gets before the next is tried (CoreDNS forward's read timeout is 2 s). */
export const UPSTREAM_TIMEOUT_MS = 2000;

/** A resolver names outside the cluster go to. */
export interface Upstream {
  host: string;
  port: number;
}

/** Returns the nameservers of a resolv.conf text, in order, leaving out `exclude` (our own address: no loops). */
export function parseResolvConf(text: string, exclude: Upstream[] = []): Upstream[] {
  const out: Upstream[] = [];
  for (const line of text.split('\n')) {
    const m = /^\s*nameserver\s+(\S+)/.exec(line);
    if (!m || !isIP(m[1])) continue;
    const up = { host: m[1], port: 53 };
    if (!exclude.some((e) => e.host === up.host && e.port === up.port)) out.push(up);
  }
  return out;
}

/** Returns the host's upstream resolvers (none when /etc/resolv.conf cannot be read). */
export function hostUpstreams(exclude: Upstream[] = [], path = '/etc/resolv.conf'): Upstream[] {
  try {
    return parseResolvConf(readFileSync(path, 'utf8'), exclude);
  } catch {
    return [];
  }
}

/** Sends a query to one upstream over UDP; resolves with its reply's bytes, or undefined on timeout or error. */
function ask(up: Upstream, query: Buffer, clock: Clock, timeoutMs: number): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const sock = createSocket(isIP(up.host) === 6 ? 'udp6' : 'udp4');
    const done = (reply: Buffer | undefined) => {
      clock.clearTimeout(timer);
      sock.close();
      resolve(reply);
    };
    const timer = clock.setTimeout(() => done(undefined), timeoutMs);
    sock.on('error', () => done(undefined));
    sock.on('message', (msg) => {
      // A reply must carry the query's id; anything else on this socket is not ours.
      if (msg.length >= 2 && msg.readUInt16BE(0) === query.readUInt16BE(0)) done(msg);
    });
    sock.send(query, up.port, up.host, (err) => err && done(undefined));
  });
}

/** Forwards a query to the upstreams in turn; resolves with the first reply, or undefined when none answered. */
export async function forward(upstreams: Upstream[], query: Buffer, clock: Clock, timeoutMs = UPSTREAM_TIMEOUT_MS): Promise<Buffer | undefined> {
  for (const up of upstreams) {
    const reply = await ask(up, query, clock, timeoutMs);
    if (reply) return reply;
  }
  return undefined;
}
