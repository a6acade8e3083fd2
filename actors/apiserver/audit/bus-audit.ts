// Auditing of the API server's bus requests. Where the log is written: the API server writes the
// events of every request that reaches it, over the bus from any component, or from the HTTP gateway
// on behalf of an HTTP client. For the latter the gateway sends the HTTP details along (ApiRequest.audit:
// auditID, requestURI, sourceIPs, userAgent, the authenticated user behind an impersonation), so one
// HTTP request gives one RequestReceived/ResponseComplete pair, written here with what only the API
// server knows (the authorization decision, the stored object); the gateway writes only the requests
// that never reach the API server (401s, discovery and other non-resource paths; gateway/audit.ts).
import type { AuditContext, AuditRecord, Auditor } from '../../../api/audit-event.ts';
import { TRUSTED_CALLER, type Attributes } from '../../../api/authorization.ts';
import type { ApiRequest, UserInfo } from '../../../api/protocol.ts';
import type { ResourceDef } from '../../../api/resource.ts';
import { resourceFor } from '../../../api/resources.ts';
import { StatusError, type Status } from '../../../api/status.ts';
import { parseApiSubject } from '../../../bus/subjects.ts';
import { ACTOR_HEADER } from '../../../bus/trace.ts';
import type { BusMessage } from '../../../bus/types.ts';
import { attributesOf } from '../authz/enforce.ts';
import { identityOf, userOfIdentity, type Established } from '../identity.ts';

/** The reviews the gateway makes for itself while serving an HTTP request. */
const GATEWAY_CHECKS = new Set(['tokenreviews', 'subjectaccessreviews', 'selfsubjectaccessreviews']);

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isString = (v: unknown): v is string => typeof v === 'string';

/** The request URI upstream would have served the same request on. */
export function requestPath(def: ResourceDef, namespace: string, name: string, subresource: string | undefined, verb: string): string {
  const root = def.group ? `/apis/${def.group}/${def.version}` : `/api/${def.version}`;
  const ns = def.namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  const obj = name ? `/${encodeURIComponent(name)}${subresource ? `/${subresource}` : ''}` : '';
  return `${root}${ns}/${def.plural}${obj}${verb === 'watch' ? '?watch=true' : ''}`;
}

/** Returns the gateway's audit context of a request when it is whole, else undefined (a bus caller's own request). */
export function auditContextOf(req: ApiRequest): AuditContext | undefined {
  const a = req.audit as unknown;
  if (!isObj(a) || !isString(a.id) || !isString(a.requestURI) || !Array.isArray(a.sourceIPs) || !a.sourceIPs.every(isString)) return undefined;
  return a as unknown as AuditContext;
}

const userOf = (u: unknown): UserInfo | undefined => (isObj(u) && isString(u.username) ? (u as unknown as UserInfo) : undefined);

/** Who sent a request its identity refused: the identity's own user; system:anonymous for an unknown one; undefined when it passes on the body's. */
function refusedSender(token: string | undefined): UserInfo | undefined {
  if (token === undefined) return undefined;
  const id = identityOf(token);
  if (!id) return { username: 'system:anonymous', groups: ['system:unauthenticated'] };
  const user = userOfIdentity(id);
  return user === 'pass' ? undefined : user;
}

/**
 * Starts the audit of one bus request (its RequestReceived event written), `est` being its identity as
 * the server established it; undefined when the policy says None or the subject is no API's.
 */
export function beginBusAudit(auditor: Auditor, msg: BusMessage, est: Established): AuditRecord | undefined {
  const route = parseApiSubject(msg.subject);
  const def = route && resourceFor(route.resource);
  if (!route || !def) return undefined;
  const sent = (isObj(msg.data) ? msg.data : {}) as ApiRequest;
  // The user as authorization sees it: on a locked bus, the one the subject's identity is.
  const req = est.req ?? sent;
  // Refused by its identity (a node claiming another user): blamed on the sender, the claim kept as the impersonated user.
  const sender = est.refused === undefined ? undefined : refusedSender(route.identity);
  const claimed = sender ? userOf(sent.user) : undefined;
  // Only the gateway (or an API server, or anyone on an open bus) speaks for an HTTP request.
  const kind = route.identity === undefined ? undefined : identityOf(route.identity)?.kind;
  const http = route.identity === undefined || kind === 'gateway' || kind === 'apiserver' ? auditContextOf(req) : undefined;
  // The gateway's own reviews (its callers' tokens, impersonation, discovery and node access checks) are
  // part of the HTTP request it serves, not requests of their own: upstream audits none of them. Nor its
  // own requests as no user (the shared watches of its watch cache, a pod looked up for pods/log or exec),
  // which upstream's API server makes inside itself, from its watch cache and storage.
  if (http?.inner) return undefined;
  const byHeader = msg.headers?.[ACTOR_HEADER] === 'gateway';
  const fromGateway = kind === 'gateway' || (route.identity === undefined && byHeader);
  if (!http && fromGateway && (GATEWAY_CHECKS.has(def.plural) || (byHeader && !userOf(sent.user)))) return undefined;
  const asked = sender ?? userOf(req.user);
  // Through the gateway with impersonation, the user is the authenticated one and the request's the impersonated one.
  const authenticatedUser = http ? userOf(http.authenticatedUser) : undefined;
  const user = authenticatedUser ?? asked ?? TRUSTED_CALLER;
  let attributes: Attributes;
  try {
    attributes = attributesOf(user, route.verb, def, req);
  } catch {
    attributes = { user, verb: route.verb, apiGroup: def.group, apiVersion: def.version, resource: def.plural, namespace: '', name: '' };
  }
  const record = auditor.begin({
    attributes,
    impersonatedUser: claimed ?? (authenticatedUser && asked && asked.username !== authenticatedUser.username ? asked : undefined),
    requestURI: http?.requestURI ?? requestPath(def, attributes.namespace ?? '', attributes.name ?? '', attributes.subresource, route.verb),
    sourceIPs: http?.sourceIPs ?? [],
    userAgent: http ? http.userAgent : `kubus-bus (${msg.headers?.[ACTOR_HEADER] ?? 'unknown sender'})`,
    auditID: http?.id,
    receivedAt: http?.receivedAt,
  });
  if (!record) return undefined;
  // The server answers a refused identity before authorization runs: the refusal is the decision.
  if (sender && est.refused instanceof StatusError && est.refused.code === 403) record.decided(false, '');
  record.request(req.body ?? req.patch ?? req.delete);
  record.received();
  return record;
}

/** The API server's watches, as the audit follows them: whenEnded runs once a watch has ended. */
export interface EndingWatches {
  whenEnded(conn: string, id: string, fn: () => void): void;
}

/**
 * Writes the last stages of a bus request's audit from its reply: for a watch begun, ResponseStarted
 * now and ResponseComplete when `watches` says it ended (as upstream, whatever ends it); else ResponseComplete.
 */
export function finishBusAudit(record: AuditRecord, msg: BusMessage, est: Established, reply: unknown, watches?: EndingWatches): void {
  const verb = parseApiSubject(msg.subject)?.verb ?? '';
  const status = reply as Partial<Status> | undefined;
  if (status?.kind === 'Status' && status.status === 'Failure') return record.complete(status.code ?? 500, reply);
  if (verb !== 'watch') return record.complete(verb === 'create' ? 201 : 200, reply);
  record.started(200);
  // As the hub holds it: on a locked bus, behind the sender's identity token.
  const w = est.req?.watch;
  if (watches && w && isString(w.conn) && isString(w.id)) watches.whenEnded(w.conn, w.id, () => record.complete(200, undefined));
}
