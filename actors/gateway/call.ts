// What a verb handler gets for one HTTP request, and what it answers.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ApiClient } from '../../bus/client.ts';
import type { Clock } from '../../bus/clock.ts';
import type { Logger } from '../../bus/types.ts';
import type { ResourceTarget } from './routes.ts';
import type { WatchCache } from './watch-cache.ts';

/** One request to a resource path, with the effects a handler may use. */
export interface Call {
  client: ApiClient;
  clock: Clock;
  log: Logger;
  target: ResourceTarget;
  query: URLSearchParams;
  req: IncomingMessage;
  res: ServerResponse;
  /** The gateway's shared watches; without it every watch opens its own bus watch. */
  watches?: WatchCache;
  /** The gateway's own client, which opens the shared watches (a user's watch joins one once authorized); default `client`. */
  trusted?: ApiClient;
  /** The body as media type and bytes (read once, size-limited). */
  body(): Promise<{ type: string; bytes: Buffer }>;
}

/** A JSON answer with its HTTP code; `undefined` when the handler streamed its own (watch). */
export type Reply = { code: number; body: unknown } | undefined;

/** One row of the verb table: method, what the path names, and the handler. */
export interface VerbRoute {
  method: string;
  /** collection: no name in the path; object: a name; or the subresource's name. */
  on: 'collection' | 'object' | string;
  run(call: Call): Promise<Reply>;
}

/** Adds warnings to the response as upstream's `Warning: 299 - "<text>"` headers, after any already set. */
export function addWarnings(call: Call, texts: readonly string[]): void {
  if (!texts.length) return;
  const prior = call.res.getHeader('Warning');
  const before = prior === undefined ? [] : Array.isArray(prior) ? prior : [String(prior)];
  call.res.setHeader('Warning', [...before, ...texts.map((w) => `299 - ${JSON.stringify(w)}`)]);
}
