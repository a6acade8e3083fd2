// Choosing a store backend: the `--store` value (memory | file:DIR | jetstream[:REPLICAS] | etcd:URL[,URL...])
// parsed into a spec, and the factory that opens the backend it names.
import type { Store } from './store.ts';
import type { BusCredentials } from '../../../bus/nats-options.ts';
import { FileStore } from './file-store.ts';
import { MemoryStore } from './memory-store.ts';
import { JetStreamStore } from './jetstream-store.ts';
import { StoreSpecError, StoreUnavailableError } from './errors.ts';

/** A store backend and where it lives. */
export type StoreSpec =
  | { kind: 'memory' }
  | { kind: 'file'; dir: string }
  /** Keys and history in a JetStream stream on the NATS the process uses, replicated `replicas` times (1, or 3 on a 3-server cluster). */
  | { kind: 'jetstream'; replicas: number }
  | { kind: 'etcd'; endpoints: string[] };

/** The accepted forms, for messages. */
export const STORE_SPEC_FORMS = 'memory, file:DIR, jetstream[:REPLICAS] or etcd:URL[,URL...]';

/** Returns the spec a `--store` value names; throws StoreSpecError for anything else. */
export function parseStoreSpec(text: string): StoreSpec {
  const value = text.trim();
  const colon = value.indexOf(':');
  const kind = colon < 0 ? value : value.slice(0, colon);
  const arg = colon < 0 ? undefined : value.slice(colon + 1);
  const bad = (why: string) => new StoreSpecError(`--store ${JSON.stringify(text)}: ${why}; use ${STORE_SPEC_FORMS}`);
  switch (kind) {
    case 'memory':
      if (arg !== undefined) throw bad('memory takes no argument');
      return { kind: 'memory' };
    case 'file':
      if (!arg) throw bad('file needs a directory (file:DIR)');
      return { kind: 'file', dir: arg };
    case 'jetstream': {
      if (arg === undefined) return { kind: 'jetstream', replicas: 1 };
      const n = Number(arg);
      // JetStream streams take 1 to 5 replicas.
      if (!/^[1-5]$/.test(arg) || !Number.isInteger(n)) throw bad('REPLICAS must be a whole number from 1 to 5 (1 on one server, 3 on a 3-server cluster)');
      return { kind: 'jetstream', replicas: n };
    }
    case 'etcd': {
      const endpoints = (arg ?? '').split(',').map((u) => u.trim()).filter(Boolean);
      if (endpoints.length === 0) throw bad('etcd needs at least one client URL (etcd:http://127.0.0.1:2379)');
      for (const u of endpoints) if (!/^https?:\/\/[^/\s]+\/?$/.test(u)) throw bad(`etcd endpoint "${u}" is not an http(s)://HOST:PORT URL`);
      return { kind: 'etcd', endpoints };
    }
    default:
      throw bad(`unknown backend "${kind}"`);
  }
}

/** Returns the `--store` form of a spec (for logs and status lines). */
export function formatStoreSpec(spec: StoreSpec): string {
  if (spec.kind === 'memory') return 'memory';
  if (spec.kind === 'file') return `file:${spec.dir}`;
  if (spec.kind === 'jetstream') return `jetstream:${spec.replicas}`;
  return `etcd:${spec.endpoints.join(',')}`;
}

/** What a backend needs beyond its spec. */
export interface OpenStoreOptions {
  /** NATS servers (comma-separated URLs) for the jetstream backend. */
  nats?: string;
  /** The jetstream backend's identity on a locked bus (unset: KUBUS_CREDS's file, if any). */
  credentials?: BusCredentials | null;
  /** Hears what must not crash the store (default console.warn). */
  onWarn?: (message: string, err?: unknown) => void;
}

/** Opens the backend a spec names; a backend that cannot be reached throws StoreUnavailableError. */
export async function openStore(spec: StoreSpec, opts: OpenStoreOptions = {}): Promise<Store> {
  switch (spec.kind) {
    case 'memory':
      return new MemoryStore({ onWarn: opts.onWarn });
    case 'file':
      return FileStore.open(spec.dir, { onWarn: opts.onWarn });
    case 'jetstream':
      if (!opts.nats) throw new StoreUnavailableError('the jetstream store needs a NATS server (--nats URL or $KUBUS_NATS)');
      return JetStreamStore.open({ servers: opts.nats, replicas: spec.replicas, onWarn: opts.onWarn, credentials: opts.credentials });
    case 'etcd':
      try {
        // Loaded only here: etcd3 and gRPC cost every API server ~0.25 s of CPU to import.
        const { EtcdStore } = await import('./etcd-store.ts');
        return await EtcdStore.open(spec.endpoints, { onWarn: opts.onWarn });
      } catch (err) {
        throw new StoreUnavailableError(`cannot open the etcd store at ${spec.endpoints.join(',')} (${(err as Error).message}); start etcd there or point --store etcd:URL at a running one`);
      }
  }
}
