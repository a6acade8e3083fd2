// The HTTP side of the gateway: request bodies (size limit, JSON/YAML/protobuf, refused formats), query
// options, and replies (JSON objects and Kubernetes Status with the HTTP code they carry).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse as parseYaml } from 'yaml';
import { StatusError, type Status } from '../../api/status.ts';
import { decodeProtobufObject, ProtobufNotReadableError } from '../../api/protobuf/decode.ts';
import { checkDepth, checkTextDepth } from './limits.ts';

/** Upstream's limit on a request body (apiserver MaxRequestBodyBytes: 3 MiB). */
export const MAX_BODY_BYTES = 3 * 1024 * 1024;

/** A Status with a reason the bus never sends (415, 413, 405, 406): built here, sent as is. */
export class HttpStatusError extends Error {
  override name = 'HttpStatusError';
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
  get status(): Status {
    return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: this.message, reason: this.reason as Status['reason'], code: this.code };
  }
}

/** Upstream's 404 for a path or resource it does not serve. */
export const notServed = () => new StatusError(404, 'NotFound', 'the server could not find the requested resource', {});

/** Upstream's 405 for a verb a path does not take. */
export const methodNotAllowed = (method: string) =>
  new HttpStatusError(405, 'MethodNotAllowed', `the server does not allow this method on the requested resource (${method})`);

/** Upstream's 415 for a body in a format the gateway does not read. */
export const unsupportedMedia = (type: string, accepted: string[]) =>
  new HttpStatusError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: ${accepted.join(', ')} (got ${type || 'none'})`);

const PROTOBUF = 'application/vnd.kubernetes.protobuf';

/** Returns the media type of a Content-Type header, lowercased, without parameters. */
export const mediaType = (header: string | undefined) => (header ?? '').split(';')[0].trim().toLowerCase();

/** Reads the whole body as bytes; 413 once it passes the limit. */
export async function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) throw tooLarge(limit);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw tooLarge(limit);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

const tooLarge = (limit: number) => new HttpStatusError(413, 'RequestEntityTooLarge', `Request entity too large: limit is ${limit}`);

/** Upstream's 415, with the way round, for a protobuf body kubus cannot read (a kind or a field outside api/protobuf's tables). */
const protobufRefused = (why: string, accepted: string[]) =>
  new HttpStatusError(
    415,
    'UnsupportedMediaType',
    `kubus reads protobuf bodies only for the built-in kinds kubectl's generators send (${why}); set ContentType: "application/json" on the client's rest.Config ` +
      `(kubectl: pipe --dry-run=client -o yaml output to kubectl create -f -) (accepted media types include: ${accepted.join(', ')})`,
  );

/** Parses a body in one of the formats upstream reads for objects: JSON, YAML, or protobuf for the kinds in api/protobuf's tables. */
export function decodeObject(type: string, body: Buffer, accepted = ['application/json', 'application/yaml']): unknown {
  if (type === PROTOBUF)
    try {
      return decodeProtobufObject(body);
    } catch (err) {
      throw err instanceof ProtobufNotReadableError ? protobufRefused(err.message, accepted) : err;
    }
  if (type === 'application/yaml' || type === 'application/apply-patch+yaml') return parseText(body, (s) => parseYaml(s) as unknown, 'yaml');
  if (type === '' || type === 'application/json' || type.endsWith('+json')) return parseText(body, (s) => JSON.parse(s) as unknown, 'json');
  throw unsupportedMedia(type, accepted);
}

function parseText(body: Buffer, parse: (s: string) => unknown, what: string): unknown {
  const text = body.toString('utf8');
  checkTextDepth(text);
  let v: unknown;
  try {
    v = parse(text);
  } catch (err) {
    throw new StatusError(400, 'BadRequest', `the body of the request could not be decoded as ${what}: ${(err as Error).message}`);
  }
  checkDepth(v);
  return v;
}

/** Returns the body as a JSON object (a Kubernetes object), or 400. */
export function asObject(v: unknown): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new StatusError(400, 'BadRequest', 'the body of the request must be a JSON object');
  return v as Record<string, unknown>;
}

/** Returns a query option as a number, undefined when absent; 400 when not an integer. */
export function intParam(q: URLSearchParams, name: string): number | undefined {
  const v = q.get(name);
  if (v === null || v === '') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n)) throw new StatusError(400, 'BadRequest', `invalid value for ${name}: ${JSON.stringify(v)}: must be an integer`);
  return n;
}

/** Returns a boolean query option, true as Go's ParseBool reads it (the Python client sends `watch=True`). */
export const boolParam = (q: URLSearchParams, name: string) => ['1', 't', 'T', 'true', 'TRUE', 'True'].includes(q.get(name) ?? '');

/** Writes one JSON reply. */
export function sendJson(res: ServerResponse, code: number, body: unknown, contentType = 'application/json'): void {
  const text = JSON.stringify(body);
  res.writeHead(code, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'no-cache, private' });
  res.end(text);
}

/** Writes a plain-text reply (health checks). */
export function sendText(res: ServerResponse, code: number, text: string): void {
  res.writeHead(code, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

/** Returns the Status to send for a failure, and whether it was one we expected (anything else is a 500). */
export function statusOf(err: unknown): { status: Status; expected: boolean } {
  if (err instanceof StatusError || err instanceof HttpStatusError) return { status: err.status, expected: true };
  const message = `Internal error occurred: ${(err as Error)?.message ?? String(err)}`;
  return { status: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason: 'InternalError', code: 500 }, expected: false };
}
