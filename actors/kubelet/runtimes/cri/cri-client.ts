// A CRI v1 gRPC client: RuntimeService and ImageService over a unix socket, one promise per RPC,
// each with a deadline. Loaded from our cri-api.proto with proto-loader, so requests and
// responses are plain objects with proto-loader's camelCase field names (int64 as strings).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { realClock } from '../../../../bus/clock.ts';
import { RuntimeError } from '../runtime.ts';

// Beside this file when run from source; from the CLI's bundle (.cache/kubus.mjs) it is found by its repo path.
const PROTO = [new URL('./cri-api.proto', import.meta.url), new URL('../actors/kubelet/runtimes/cri/cri-api.proto', import.meta.url)]
  .map((u) => fileURLToPath(u))
  .find((p) => existsSync(p))!;

/** How proto-loader reads the CRI messages (shared with whoever decodes CRI objects by hand). */
export const LOADER_OPTIONS: protoLoader.Options = { keepCase: false, longs: String, enums: String, defaults: true, oneofs: true };

/** Default deadline of one call; the kubelet's runtime-request-timeout is 2 min, most calls answer in ms. */
export const DEFAULT_DEADLINE_MS = 120_000;

/** Returns grpc-go's name of a status code (`NOT_FOUND` → `NotFound`), as upstream's messages print it. */
export const codeName = (code: number) =>
  code === grpc.status.OK ? 'OK' : (grpc.status[code] ?? `Code(${code})`).toLowerCase().replace(/(^|_)(\w)/g, (_m, _u, c: string) => c.toUpperCase());

/**
 * Thrown when a CRI call fails: `code` is the gRPC status code (5 NOT_FOUND, 4 DEADLINE_EXCEEDED …);
 * the message is grpc-go's (`rpc error: code = NotFound desc = …`), the text upstream's kubelet shows.
 */
export class CriError extends Error {
  override name = 'CriError';
  constructor(
    readonly rpc: string,
    readonly code: number,
    readonly details: string,
  ) {
    super(`rpc error: code = ${codeName(code)} desc = ${details}`);
  }
  /** Whether the runtime said the object does not exist. */
  get notFound(): boolean {
    return this.code === grpc.status.NOT_FOUND;
  }
}

/** Wraps a failed CRI call as the kubelet's RuntimeError of `reason`, with upstream's gRPC error text. */
export function fail(reason: string, err: unknown): RuntimeError {
  return new RuntimeError(reason, err instanceof Error ? err.message : String(err));
}

/** As fail, with the runtime's own words only: upstream's kubelet shows the gRPC status message for create/start errors. */
export function failBare(reason: string, err: unknown): RuntimeError {
  return err instanceof CriError ? new RuntimeError(reason, err.details) : fail(reason, err);
}

/** One CRI message as proto-loader gives it. */
// biome-ignore lint: CRI messages are open-ended objects decoded by proto-loader.
export type CriMessage = Record<string, any>;

/** Per-call options: a deadline in ms instead of the default. */
export interface CallOptions {
  deadlineMs?: number;
}

/** One RPC as a promise. */
export type Rpc = (req?: CriMessage, opts?: CallOptions) => Promise<CriMessage>;

const RUNTIME_RPCS = [
  'version',
  'runPodSandbox',
  'stopPodSandbox',
  'removePodSandbox',
  'podSandboxStatus',
  'listPodSandbox',
  'createContainer',
  'startContainer',
  'stopContainer',
  'removeContainer',
  'listContainers',
  'containerStatus',
  'execSync',
  'exec',
  'attach',
  'portForward',
  'status',
  'listContainerStats',
] as const;
const IMAGE_RPCS = ['listImages', 'imageStatus', 'pullImage', 'removeImage'] as const;

export type RuntimeRpcs = Record<(typeof RUNTIME_RPCS)[number], Rpc>;
export type ImageRpcs = Record<(typeof IMAGE_RPCS)[number], Rpc>;

let loaded: grpc.GrpcObject | undefined;
/** The `runtime.v1` package of our CRI proto (its services, for clients and test servers). */
export function criPackage(): grpc.GrpcObject {
  loaded ??= grpc.loadPackageDefinition(protoLoader.loadSync(PROTO, LOADER_OPTIONS));
  return (loaded.runtime as grpc.GrpcObject).v1 as grpc.GrpcObject;
}

/** Returns the grpc-js target of a CRI endpoint: `unix:///run/x.sock`, `unix:/x`, or a bare path. */
export function grpcTarget(endpoint: string): string {
  if (endpoint.startsWith('unix://')) return `unix:${endpoint.slice('unix://'.length)}`;
  if (endpoint.startsWith('unix:')) return endpoint;
  if (endpoint.startsWith('/')) return `unix:${endpoint}`;
  return endpoint;
}

function wrap(client: grpc.Client, service: string, rpc: string, defaultDeadlineMs: number): Rpc {
  const method = (client as unknown as Record<string, Function>)[rpc].bind(client);
  const Rpc = rpc[0].toUpperCase() + rpc.slice(1);
  return (req = {}, opts = {}) =>
    new Promise((resolve, reject) => {
      // grpc-js takes the deadline as wall time in ms: a CRI call waits on real I/O, so the real clock.
      const deadline = realClock.now() + (opts.deadlineMs ?? defaultDeadlineMs);
      method(req, { deadline }, (err: grpc.ServiceError | null, res: CriMessage) => {
        if (err) reject(new CriError(`${service}/${Rpc}`, err.code, err.details || err.message));
        else resolve(res);
      });
    });
}

/** A connection to a CRI runtime: `runtime` and `image` have one method per RPC. */
export class CriClient {
  readonly runtime: RuntimeRpcs;
  readonly image: ImageRpcs;
  private readonly clients: grpc.Client[];

  constructor(
    readonly endpoint: string,
    opts: { deadlineMs?: number } = {},
  ) {
    const pkg = criPackage();
    const target = grpcTarget(endpoint);
    const creds = grpc.credentials.createInsecure();
    // Image manifests and ExecSync output can be large (upstream caps exec output at 16 MiB).
    const options = { 'grpc.max_receive_message_length': 32 * 1024 * 1024 };
    const rs = new (pkg.RuntimeService as grpc.ServiceClientConstructor)(target, creds, options);
    const is = new (pkg.ImageService as grpc.ServiceClientConstructor)(target, creds, options);
    this.clients = [rs, is];
    const d = opts.deadlineMs ?? DEFAULT_DEADLINE_MS;
    this.runtime = Object.fromEntries(RUNTIME_RPCS.map((r) => [r, wrap(rs, 'runtime.v1.RuntimeService', r, d)])) as RuntimeRpcs;
    this.image = Object.fromEntries(IMAGE_RPCS.map((r) => [r, wrap(is, 'runtime.v1.ImageService', r, d)])) as ImageRpcs;
  }

  /** Closes the channels; calls after this fail. */
  close(): void {
    for (const c of this.clients) c.close();
  }
}
