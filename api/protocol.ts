// The request/reply protocol between API clients and the API server (bodies of `kubus.api.*`).
import type { KubeObject } from './meta.ts';
import type { Status } from './status.ts';
import type { AuditContext } from './audit-event.ts';

export interface ListOptions {
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
  /** Unset or "0": the latest state. */
  resourceVersion?: string;
  /** How resourceVersion applies (upstream's table): Exact lists at that revision, NotOlderThan at least as new. */
  resourceVersionMatch?: 'Exact' | 'NotOlderThan';
}

export type PropagationPolicy = 'Background' | 'Foreground' | 'Orphan';

export interface DeleteOptions {
  gracePeriodSeconds?: number;
  propagationPolicy?: PropagationPolicy;
  preconditions?: { uid?: string; resourceVersion?: string };
}

/** merge: RFC 7386 JSON merge patch; json: RFC 6902 JSON patch; strategic: upstream's strategic merge patch (api/patch/); apply: server-side apply (api/apply/). */
export type PatchType = 'merge' | 'json' | 'strategic' | 'apply';

export interface WatchOptions {
  labelSelector?: string;
  fieldSelector?: string;
  /** Changes after this revision; unset: ADDED for every current object first, then changes. */
  resourceVersion?: string;
  allowWatchBookmarks?: boolean;
  /** The client connection (inbox) and its id for this watch: events go to kubus.watch.<conn>.<id>. */
  conn: string;
  id: string;
}

/**
 * Who makes a request (upstream's user.Info). Absent on a request: the trusted internal caller of
 * today's open bus, served as a member of system:masters. Later parts of issue 15 replace that trust
 * with the identity the NATS server establishes for the connection, never one the client claims.
 */
export interface UserInfo {
  username: string;
  groups?: string[];
  uid?: string;
  extra?: Record<string, string[]>;
}

/** The body of every API request; which fields matter depends on the verb. */
export interface ApiRequest {
  /** The user the request acts as (the gateway's authenticated or impersonated user); unset: the trusted caller. */
  user?: UserInfo;
  namespace?: string;
  name?: string;
  /** create, update, update-status; for bind, the Binding. */
  body?: KubeObject;
  patch?: unknown;
  patchType?: PatchType;
  /** The apiVersion a merge/strategic/JSON patch is written against when it is not the storage version's (autoscaling/v1 HPAs). */
  patchVersion?: string;
  list?: ListOptions;
  delete?: DeleteOptions;
  watch?: WatchOptions;
  dryRun?: boolean;
  /** Who writes: create, update and patch record an Update entry in managedFields for it; required for apply. */
  fieldManager?: string;
  /** apply only: take the fields other managers own instead of failing with a conflict. */
  force?: boolean;
  /** The subresource a write of the whole object came through (`scale`), recorded in its managedFields entry. */
  subresource?: string;
  /** The HTTP request behind this one (the gateway's auditID, URI, source IPs, user agent): the API server's audit event carries them. */
  audit?: AuditContext;
}

/** The reply to a successful watch request. */
export interface WatchStarted {
  kind: 'WatchStarted';
  /** Where to send unwatch (the API server instance holding the watch). */
  server: string;
  /** This run of the API server; a restarted one has another (see ApiServerStarted). */
  instance: string;
  heartbeatMs: number;
}

/**
 * Published by an API server once it serves. Its watches live in the process, so a client holding
 * watches of another instance knows at once that they are gone (as upstream's watches break with
 * their connection), instead of after three missed heartbeats.
 */
export interface ApiServerStarted {
  server: string;
  instance: string;
  /**
   * Set when the store is shared by several API servers (jetstream, etcd): each replica holds its own
   * watches, so only watches of an earlier run of this same server end; the other replicas' live on.
   */
  shared?: boolean;
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

export interface WatchEvent<T = KubeObject> {
  type: WatchEventType;
  object: T | Status;
  /** Per-watch sequence number, from 1; a jump means events were lost. */
  seq: number;
}

/** One message on a watch's subject: events in order. */
export interface WatchBatch {
  events: WatchEvent[];
}

/** Sent to a connection's heartbeat subject: a request every third time (the client replies with WatchHeartbeatReply), one-way between. */
export interface WatchHeartbeat {
  server: string;
  /** [watch id, last sequence number sent] for each watch of this connection. */
  watches: Array<[string, number]>;
  /** A BOOKMARK at `revision` for each watch listed ([id, kind, apiVersion]), once the client holds every event counted above. */
  bookmark?: { revision: string; watches: Array<[string, string, string]> };
}

export interface WatchHeartbeatReply {
  /** Watch ids the client no longer has: the server drops them. */
  unknown: string[];
}

export interface UnwatchRequest {
  conn: string;
  id: string;
}

/** The reply header that carries an API request's warnings (a JSON array of strings), as upstream's Warning headers. */
export const WARNINGS_HEADER = 'kubus-warnings';
