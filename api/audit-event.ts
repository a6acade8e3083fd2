// Audit events in upstream's audit.k8s.io/v1 Event shape, one per stage of a request, at the level
// the policy gives it: Metadata (who, what, where, the outcome), Request (+ the request's object),
// RequestResponse (+ the response's object). Where they are written is the sink's business.
import { auditVerdict, levelRank, type AuditLevel, type AuditPolicy, type AuditStage, type AuditVerdict } from './audit-policy.ts';
import type { Attributes } from './authorization.ts';
import { isResourceRequest } from './authorization.ts';
import type { UserInfo } from './protocol.ts';

/** What the HTTP gateway tells the API server of the HTTP request behind a bus request (ApiRequest.audit). */
export interface AuditContext {
  /** The auditID the gateway gave the HTTP request (its Audit-Id response header). */
  id: string;
  requestURI: string;
  sourceIPs: string[];
  userAgent?: string;
  /** When the gateway received the request (ms since the epoch). */
  receivedAt: number;
  /** The authenticated user when the request impersonates another (the request's own user is the impersonated one). */
  authenticatedUser?: UserInfo;
  /** A step of an HTTP request the gateway audits itself (a deletecollection's list and deletes): no event of its own. */
  inner?: boolean;
}

export interface ObjectReference {
  resource?: string;
  namespace?: string;
  name?: string;
  apiGroup?: string;
  apiVersion?: string;
  subresource?: string;
}

/** A response's status as an event carries it (upstream's metav1.Status subset). */
export interface ResponseStatus {
  metadata: Record<string, never>;
  code: number;
  status?: string;
  reason?: string;
  message?: string;
}

/** One audit.k8s.io/v1 Event. */
export interface AuditEvent {
  kind: 'Event';
  apiVersion: 'audit.k8s.io/v1';
  level: AuditLevel;
  auditID: string;
  stage: AuditStage;
  requestURI: string;
  verb: string;
  user: UserInfo;
  impersonatedUser?: UserInfo;
  sourceIPs: string[];
  userAgent?: string;
  objectRef?: ObjectReference;
  responseStatus?: ResponseStatus;
  requestObject?: unknown;
  responseObject?: unknown;
  requestReceivedTimestamp: string;
  stageTimestamp: string;
  annotations?: Record<string, string>;
}

/** Where events go (a buffered file or stdout in a process; an array in a test). */
export interface AuditSink {
  write(event: AuditEvent): void;
}

/** One request as it is audited: `attributes.user` is the authenticated user. */
export interface AuditRequest {
  attributes: Attributes;
  impersonatedUser?: UserInfo;
  requestURI: string;
  sourceIPs: string[];
  userAgent?: string;
  /** Given by the gateway for HTTP requests; else a new uuid. */
  auditID?: string;
  receivedAt?: number;
}

export const DECISION = 'authorization.k8s.io/decision';
export const REASON = 'authorization.k8s.io/reason';

/** The second microTime formatted last (ms since the epoch / 1000) and its text up to the fraction's dot. */
let lastSecond = NaN;
let lastPrefix = '';

/**
 * RFC 3339 with microseconds, as upstream's MicroTime (the clock gives milliseconds). Each request
 * stamps two or more events: the date and time up to the second are formatted once per second.
 */
export function microTime(ms: number): string {
  const t = Math.trunc(ms); // as Date does
  const second = Math.floor(t / 1000);
  if (second !== lastSecond) {
    const iso = new Date(second * 1000).toISOString(); // ends in '.000Z'
    if (!iso.endsWith('.000Z')) return iso;
    lastSecond = second;
    lastPrefix = iso.slice(0, -4);
  }
  return `${lastPrefix}${String(t - second * 1000).padStart(3, '0')}000Z`;
}

/** Returns `obj` without metadata.managedFields (its items' too, for a list); the original is never changed. */
function withoutManagedFields(obj: unknown): unknown {
  if (typeof obj !== 'object' || obj === null) return obj;
  const o = obj as { metadata?: { managedFields?: unknown }; items?: unknown[] };
  let out = o;
  if (o.metadata?.managedFields !== undefined) {
    const { managedFields: _, ...metadata } = o.metadata;
    out = { ...o, metadata };
  }
  if (Array.isArray(o.items)) out = { ...out, items: o.items.map(withoutManagedFields) };
  return out;
}

/** What every event of one request shares. */
type AuditRecordBase = Omit<AuditEvent, 'stage' | 'stageTimestamp' | 'responseStatus' | 'annotations'>;

/** The events of one request: RequestReceived at once, then ResponseStarted (watches) and ResponseComplete. */
export class AuditRecord {
  readonly annotations: Record<string, string> = {};
  private requestObject: unknown;

  constructor(
    private readonly sink: AuditSink,
    private readonly now: () => number,
    private readonly verdict: AuditVerdict,
    private readonly base: AuditRecordBase,
  ) {}

  get level(): AuditLevel {
    return this.verdict.level;
  }

  /** Records the authorizer's decision as upstream's annotations. */
  decided(allowed: boolean, reason: string): void {
    this.annotations[DECISION] = allowed ? 'allow' : 'forbid';
    this.annotations[REASON] = reason;
  }

  /** Keeps the request's object for the later stages (Request level and above). */
  request(obj: unknown): void {
    if (obj !== undefined && levelRank(this.verdict.level) >= levelRank('Request')) this.requestObject = this.strip(obj);
  }

  received(): void {
    this.emit('RequestReceived');
  }

  /** A watch's answer: the stream has begun. */
  started(code = 200): void {
    this.emit('ResponseStarted', code);
  }

  /** The answer (an object, or a Status for a failure) with its HTTP code; `panic` for a failure nothing expected. */
  complete(code: number, response: unknown, panic = false): void {
    this.emit(panic ? 'Panic' : 'ResponseComplete', code, response);
  }

  private strip(obj: unknown): unknown {
    return this.verdict.omitManagedFields ? withoutManagedFields(obj) : obj;
  }

  private emit(stage: AuditStage, code?: number, response?: unknown): void {
    if (this.verdict.omitStages.includes(stage)) return;
    // Object.assign, not spread: V8 (Node 20) spreads an object this size several times slower.
    const e = Object.assign({}, this.base) as AuditEvent;
    e.stage = stage;
    e.stageTimestamp = microTime(this.now());
    if (code !== undefined) {
      const s = response as { kind?: string; status?: string; reason?: string; message?: string } | undefined;
      const failed = code >= 400 && s?.kind === 'Status';
      e.responseStatus = failed ? { metadata: {}, status: 'Failure', message: s.message, reason: s.reason, code } : { metadata: {}, code };
      if (this.requestObject !== undefined) e.requestObject = this.requestObject;
      if (this.verdict.level === 'RequestResponse' && response !== undefined && stage !== 'ResponseStarted') e.responseObject = this.strip(response);
    }
    for (const _ in this.annotations) {
      e.annotations = Object.assign({}, this.annotations);
      break;
    }
    this.sink.write(e);
  }
}

/** Audits requests by a policy into a sink. */
export class Auditor {
  constructor(
    readonly policy: AuditPolicy,
    private readonly sink: AuditSink,
    private readonly now: () => number,
    private readonly uuid: () => string,
  ) {}

  /** Returns a new auditID. */
  newId(): string {
    return this.uuid();
  }

  /** Returns the record of a request the policy audits, or undefined (level None: nothing is written). */
  begin(r: AuditRequest): AuditRecord | undefined {
    const verdict = auditVerdict(this.policy, r.attributes);
    if (verdict.level === 'None') return undefined;
    const a = r.attributes;
    // Copies: the sink may format the event after the request's handling has moved on. Built field by
    // field in upstream's order (conditional spreads cost several times more in V8).
    const user: UserInfo = { username: a.user.username };
    if (a.user.uid) user.uid = a.user.uid;
    user.groups = a.user.groups ? a.user.groups.slice() : [];
    let objectRef: ObjectReference | undefined;
    if (isResourceRequest(a)) {
      objectRef = { resource: a.resource };
      if (a.namespace) objectRef.namespace = a.namespace;
      if (a.name) objectRef.name = a.name;
      objectRef.apiGroup = a.apiGroup ?? '';
      if (a.apiVersion) objectRef.apiVersion = a.apiVersion;
      if (a.subresource) objectRef.subresource = a.subresource;
    }
    const base: AuditRecordBase = {
      kind: 'Event',
      apiVersion: 'audit.k8s.io/v1',
      level: verdict.level,
      auditID: r.auditID ?? this.uuid(),
      requestURI: r.requestURI,
      verb: a.verb,
      user,
    } as AuditRecordBase;
    if (r.impersonatedUser) base.impersonatedUser = Object.assign({}, r.impersonatedUser);
    base.sourceIPs = r.sourceIPs.slice();
    if (r.userAgent) base.userAgent = r.userAgent;
    if (objectRef) base.objectRef = objectRef;
    base.requestReceivedTimestamp = microTime(r.receivedAt ?? this.now());
    return new AuditRecord(this.sink, this.now, verdict, base);
  }
}
