// The part of spdy-transport (no types of its own) that the gateway's port-forward uses.
declare module 'spdy-transport' {
  import type { Duplex } from 'node:stream';
  interface SpdyStream extends Duplex {
    id: number;
    headers: Record<string, string>;
    respond(status: number, headers: Record<string, string>): void;
  }
  interface SpdyConnection {
    start(version: number): void;
    on(event: 'stream', fn: (s: SpdyStream) => void): this;
    on(event: 'error' | 'close', fn: (err?: Error) => void): this;
    end(): void;
  }
  const transport: {
    connection: { create(socket: Duplex, opts: { protocol: 'spdy'; isServer: boolean }): SpdyConnection };
    protocol: { spdy: { parser: { create(opts: object): object } } };
  };
  export type { SpdyConnection, SpdyStream };
  export default transport;
}
