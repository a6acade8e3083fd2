// What every request handler of the API server works with.
import type { UserInfo } from '../../api/protocol.ts';
import type { AuditRecord } from '../../api/audit-event.ts';
import type { ResourceDef } from '../../api/resource.ts';
import type { Clock } from '../../bus/clock.ts';
import type { Rng } from '../../bus/random.ts';
import type { Logger } from '../../bus/types.ts';
import type { PolicyCache } from './admission-policy.ts';
import type { PodSecurityConfig } from './admission-podsecurity-config.ts';
import type { Authorizer } from './authz/authorizer.ts';
import type { ServiceAllocator } from './service-alloc.ts';
import type { Store } from './store/store.ts';
import type { WatchHub } from './watch-hub.ts';

export interface ServerContext {
  serverId: string;
  instance: string;
  store: Store;
  hub: WatchHub;
  clock: Clock;
  rng: Rng;
  log: Logger;
  services: ServiceAllocator;
  /** ValidatingAdmissionPolicies with their CEL compiled. */
  policies: PolicyCache;
  /** Warnings for the client of the request being served (admission adds them; the reply carries them). */
  warnings?: string[];
  /** Node, then RBAC over the store's roles and bindings (authz/), as --authorization-mode=Node,RBAC. */
  authz: Authorizer;
  /** The audit of the request being served, when the policy audits it (the authorization decision goes into it). */
  audit?: AuditRecord;
  /** The user of the request being served (unset: the trusted internal caller); admission reads it. */
  user?: UserInfo;
  /** Admission plugins this server skips, by name (upstream's --disable-admission-plugins). */
  disabledAdmission?: readonly string[];
  /** PodSecurity's configuration (its exemptions), from --admission-control-config-file. */
  podSecurity?: PodSecurityConfig;
}

/** Returns the resource as upstream names it in messages: `pods`, `deployments.apps`. */
export const qualified = (def: ResourceDef) => (def.group ? `${def.plural}.${def.group}` : def.plural);

/**
 * Returns the context of one request: the server's, with the request's own warnings, audit and (set
 * once established) user, inheriting the rest rather than copying it: a spread of the server's
 * context with keys added took V8's slow path, microseconds of every request.
 */
export function requestContext(base: ServerContext, warnings: string[], audit: AuditRecord | undefined): ServerContext {
  const ctx = Object.create(base) as ServerContext;
  ctx.warnings = warnings;
  ctx.audit = audit;
  ctx.user = undefined;
  return ctx;
}
