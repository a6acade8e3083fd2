// One query in, one reply out: decode with dns-packet, answer names of our zones from the
// resolver, send other names to the upstreams, and turn anything malformed into an error reply.
import * as dnsPacket from 'dns-packet';
import type { Answer, DecodedPacket } from 'dns-packet';
import type { Clock } from '../../bus/clock.ts';
import type { Logger } from '../../bus/types.ts';
import { forward, type Upstream } from './dns.forward.ts';
import { canonical, inZone } from './dns.names.ts';
import { resolve, type DnsView, type ResolverOptions } from './dns.records.ts';
import { encodeError, encodeReply, headerOf } from './dns.reply.ts';
import type { QueryHandler } from './dns.server.ts';

/** What the query handler answers from and forwards to. */
export interface HandlerOptions extends Omit<ResolverOptions, 'serial'> {
  view: DnsView;
  /** The SOA serial now (Unix seconds of the caches' last change). */
  serial(): number;
  /** The servers names outside the cluster go to; none: such names are REFUSED. */
  upstreams(): Upstream[];
  clock: Clock;
  log: Logger;
}

/** Counters for `kubus status`, tests and the bench. */
export interface DnsStats {
  queries: number;
  forwarded: number;
  errors: number;
}

let chaseId = 0;

/**
 * Returns the upstream's answers for the target of an ExternalName's CNAME, when an A or AAAA
 * question got only that CNAME (CoreDNS looks the target up too: stub resolvers expect addresses).
 */
async function chaseCname(answers: Answer[], qtype: string, o: HandlerOptions): Promise<Answer[]> {
  if ((qtype !== 'A' && qtype !== 'AAAA') || answers.length !== 1 || answers[0].type !== 'CNAME') return [];
  const target = answers[0].data;
  const upstreams = o.upstreams();
  if (inZone(canonical(target), o.zone) || !upstreams.length) return [];
  chaseId = (chaseId + 1) & 0xffff;
  const sub = dnsPacket.encode({ type: 'query', id: chaseId, flags: dnsPacket.RECURSION_DESIRED, questions: [{ name: target, type: qtype, class: 'IN' }] });
  const reply = await forward(upstreams, sub, o.clock);
  try {
    return reply ? (dnsPacket.decode(reply).answers ?? []) : [];
  } catch (err) {
    o.log.debug({ err: (err as Error).message, target }, 'dns: an upstream reply that does not decode');
    return [];
  }
}

/** Returns the query handler of the DNS server, and its counters. */
export function queryHandler(o: HandlerOptions): { handle: QueryHandler; stats: DnsStats } {
  const stats: DnsStats = { queries: 0, forwarded: 0, errors: 0 };
  const handle: QueryHandler = async (raw, transport) => {
    stats.queries++;
    let query: DecodedPacket;
    try {
      query = dnsPacket.decode(raw);
    } catch (err) {
      stats.errors++;
      const h = headerOf(raw);
      o.log.debug({ err: (err as Error).message, bytes: raw.length }, 'dns: a query that does not decode');
      return h ? encodeError({ id: h.id, flags: h.flags, questions: [] }, 'FORMERR') : undefined;
    }
    try {
      if (query.type === 'response') return undefined;
      const opcode = ((query.flags ?? 0) >> 11) & 0xf;
      if (opcode !== 0) return encodeError(query, 'NOTIMP');
      if (query.questions?.length !== 1) return encodeError(query, 'FORMERR');
      const q = query.questions[0];
      const res = resolve({ name: q.name, type: q.type }, o.view, { ...o, serial: o.serial() });
      if (!res.forward) {
        const chased = await chaseCname(res.answers, q.type, o);
        return encodeReply(query, { ...res, answers: [...res.answers, ...chased], authoritative: true }, transport);
      }
      const upstreams = o.upstreams();
      if (!upstreams.length) return encodeError(query, 'REFUSED');
      stats.forwarded++;
      const reply = await forward(upstreams, raw, o.clock);
      return reply ?? encodeError(query, 'SERVFAIL');
    } catch (err) {
      stats.errors++;
      o.log.warn({ err: (err as Error).message, question: query.questions?.[0] }, 'dns: could not answer a query');
      return encodeError(query, 'SERVFAIL');
    }
  };
  return { handle, stats };
}
