// Authentication of HTTPS callers, as upstream's authenticators in order: a client certificate the
// kubus CA signed (the TLS handshake already refused any other; CN = user, O = groups), then a bearer
// token, which the API server reviews (a TokenReview over the bus, upstream's webhook token
// authenticator shape; verdicts cached briefly by the token's hash); nothing → 401 Unauthorized.
import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { authenticated } from '../../api/authorization.ts';
import type { UserInfo } from '../../api/protocol.ts';
import { StatusError } from '../../api/status.ts';
import type { ApiClient } from '../../bus/client.ts';
import type { Clock } from '../../bus/clock.ts';

/** How long a token's verdict is reused (upstream's webhook cache: 2 min for a yes; kept short here). */
export const TOKEN_CACHE_MS = 10_000;
/** How many verdicts are kept; past it the oldest goes. */
export const TOKEN_CACHE_MAX = 10_000;

/** Upstream's 401 (body `Unauthorized`, reason Unauthorized). */
export const unauthorized = () => new StatusError(401, 'Unauthorized', 'Unauthorized');

/** Returns the request's authenticated user; throws 401 when there is none. */
export type Authenticate = (req: IncomingMessage) => Promise<UserInfo>;

/** Returns the user a CA-verified client certificate names, or undefined (no certificate). */
export function certificateUser(req: IncomingMessage): UserInfo | undefined {
  const socket = req.socket as Partial<TLSSocket>;
  if (!socket.authorized || !socket.getPeerCertificate) return undefined;
  const subject = socket.getPeerCertificate().subject as Record<string, string | string[]> | undefined;
  const cn = subject?.CN;
  if (!cn || Array.isArray(cn)) return undefined;
  const o = subject?.O;
  return authenticated({ username: cn, groups: o === undefined ? [] : Array.isArray(o) ? o : [o] });
}

interface TokenReviewStatus {
  authenticated?: boolean;
  user?: { username?: string; uid?: string; groups?: string[]; extra?: Record<string, string[]> };
  error?: string;
}

/** Returns an authenticator whose tokens `client` (the gateway's trusted caller) reviews. */
export function gatewayAuthenticator(client: ApiClient, clock: Clock): Authenticate {
  // Verdicts in insertion order, so the oldest is evicted first: random tokens cannot flush the good ones.
  const verdicts = new Map<string, { user?: UserInfo; until: number }>();
  // One review per token at a time: concurrent requests with the same token share it.
  const inFlight = new Map<string, Promise<UserInfo | undefined>>();
  const ask = async (key: string, token: string): Promise<UserInfo | undefined> => {
    const body = { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', metadata: {}, spec: { token } };
    const { status } = await client.call<{ status?: TokenReviewStatus }>('tokenreviews', 'create', { body: body as never });
    const u = status?.authenticated ? status.user : undefined;
    const user = u?.username ? authenticated({ username: u.username, groups: u.groups ?? [], ...(u.uid ? { uid: u.uid } : {}), ...(u.extra ? { extra: u.extra } : {}) }) : undefined;
    verdicts.delete(key);
    if (verdicts.size >= TOKEN_CACHE_MAX) verdicts.delete(verdicts.keys().next().value!);
    verdicts.set(key, { user, until: clock.now() + TOKEN_CACHE_MS });
    return user;
  };
  const review = (token: string): Promise<UserInfo | undefined> => {
    const key = createHash('sha256').update(token).digest('hex');
    const cached = verdicts.get(key);
    if (cached && cached.until > clock.now()) return Promise.resolve(cached.user);
    let pending = inFlight.get(key);
    if (!pending) {
      pending = ask(key, token).finally(() => inFlight.delete(key));
      inFlight.set(key, pending);
    }
    return pending;
  };
  return async (req) => {
    const fromCert = certificateUser(req);
    if (fromCert) return fromCert;
    const m = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
    // A review that fails (no TokenReview API, a timeout) authenticates no one, as upstream's webhook errors.
    const user = m ? await review(m[1]!).catch(() => undefined) : undefined;
    if (!user) throw unauthorized();
    return user;
  };
}
