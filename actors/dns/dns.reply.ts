// DNS replies as bytes (dns-packet): the header flags, EDNS and truncation rules around a
// resolver's answer, and the error replies (FORMERR, SERVFAIL, NOTIMP, REFUSED).
import * as dnsPacket from 'dns-packet';
import type { Answer, DecodedPacket, Packet } from 'dns-packet';

/** Response codes (RFC 1035 §4.1.1, RFC 2136). */
export const RCODE = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 } as const;
export type Rcode = keyof typeof RCODE;

/** The largest UDP reply without EDNS (RFC 1035 §4.2.1). */
const CLASSIC_UDP_SIZE = 512;
/** The largest EDNS reply we send, whatever a client offers (the DNS flag day 2020 size, against fragmentation). */
const EDNS_SIZE = 1232;

/** The parts of an answer a reply carries. */
export interface ReplyBody {
  rcode: Rcode;
  answers: Answer[];
  authorities: Answer[];
  additionals: Answer[];
  /** Set for names in our own zones. */
  authoritative: boolean;
}

/** Returns the EDNS OPT record of a query, if it has one. */
const optOf = (query: Packet) => (query.additionals ?? []).find((a) => a.type === 'OPT') as { udpPayloadSize?: number } | undefined;

/** Returns the largest reply a client takes over this transport. */
export function replyLimit(query: Packet, transport: 'udp' | 'tcp'): number {
  if (transport === 'tcp') return 65_535;
  const opt = optOf(query);
  return opt ? Math.max(CLASSIC_UDP_SIZE, Math.min(opt.udpPayloadSize ?? CLASSIC_UDP_SIZE, EDNS_SIZE)) : CLASSIC_UDP_SIZE;
}

/** Returns the header flags of a reply: RD echoed, RA set (we recurse through upstreams), AA and TC as told, the rcode. */
function flags(query: DecodedPacket, rcode: Rcode, authoritative: boolean, truncated: boolean): number {
  let f = RCODE[rcode] | dnsPacket.RECURSION_AVAILABLE;
  if ((query.flags ?? 0) & dnsPacket.RECURSION_DESIRED) f |= dnsPacket.RECURSION_DESIRED;
  if (authoritative) f |= dnsPacket.AUTHORITATIVE_ANSWER;
  if (truncated) f |= dnsPacket.TRUNCATED_RESPONSE;
  return f;
}

/** Returns the encoded reply to a query; one too large for the transport goes out empty with TC set (the client retries over TCP). */
export function encodeReply(query: DecodedPacket, body: ReplyBody, transport: 'udp' | 'tcp'): Buffer {
  const opt = optOf(query) ? [{ type: 'OPT', name: '.', udpPayloadSize: EDNS_SIZE, extendedRcode: 0, ednsVersion: 0, flags: 0, options: [] } as unknown as Answer] : [];
  const packet: Packet = {
    type: 'response',
    id: query.id,
    flags: flags(query, body.rcode, body.authoritative, false),
    questions: query.questions,
    answers: body.answers,
    authorities: body.authorities,
    additionals: [...body.additionals, ...opt],
  };
  const limit = replyLimit(query, transport);
  if (dnsPacket.encodingLength(packet) <= limit) return dnsPacket.encode(packet);
  return dnsPacket.encode({ ...packet, flags: flags(query, body.rcode, body.authoritative, true), answers: [], authorities: [], additionals: opt });
}

/** Returns an error reply with the query's id and question (as much of the query as could be read). */
export function encodeError(query: Pick<DecodedPacket, 'id' | 'flags' | 'questions'>, rcode: Rcode): Buffer {
  return dnsPacket.encode({
    type: 'response',
    id: query.id,
    flags: flags(query as DecodedPacket, rcode, false, false),
    questions: query.questions ?? [],
  });
}

/** Returns the id and flags of raw bytes that did not decode, when they hold a header at least. */
export function headerOf(raw: Buffer): { id: number; flags: number } | undefined {
  return raw.length >= 12 ? { id: raw.readUInt16BE(0), flags: raw.readUInt16BE(2) } : undefined;
}
