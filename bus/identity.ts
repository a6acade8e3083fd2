// Bus identities: who a locked bus connection is. The NATS server's permissions pin each identity to
// subjects that carry its token (API requests, watch and request inboxes), so the API server reads the
// identity from the subject and never from the message.

/** The kinds of identity kubus issues; `node` and `apiserver` take a name (`node/n1`, `apiserver/a`). */
export const IDENTITY_KINDS = ['apiserver', 'scheduler', 'controller-manager', 'gateway', 'dns', 'node', 'tracer', 'admin'] as const;
export type IdentityKind = (typeof IDENTITY_KINDS)[number];

export interface Identity {
  kind: IdentityKind;
  /** The node's name for `node`; an API server's or other replica's name, optional. */
  name?: string;
}

/** Thrown when an identity string is not one kubus issues. */
export class InvalidIdentityError extends Error {
  override name = 'InvalidIdentityError';
}

// Names are DNS-1123 subdomains (nodes): at most 253 characters, dot-separated labels of lowercase
// alphanumerics and '-', each starting and ending with an alphanumeric (no empty label).
const LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const isName = (s: string) => s.length <= 253 && s.split('.').every((l) => LABEL.test(l));

/** Returns the identity that `kind` or `kind/name` names; throws InvalidIdentityError otherwise. */
export function parseIdentity(s: string): Identity {
  const slash = s.indexOf('/');
  const kind = (slash < 0 ? s : s.slice(0, slash)) as IdentityKind;
  const name = slash < 0 ? undefined : s.slice(slash + 1);
  if (!IDENTITY_KINDS.includes(kind)) throw new InvalidIdentityError(`unknown identity kind "${kind}" (one of ${IDENTITY_KINDS.join(', ')})`);
  if (name !== undefined && !isName(name)) throw new InvalidIdentityError(`identity name "${name}" must be a DNS-1123 subdomain`);
  if (kind === 'node' && !name) throw new InvalidIdentityError('a node identity needs the node name: node/<name>');
  return name === undefined ? { kind } : { kind, name };
}

/** Returns the identity's string form, `kind` or `kind/name`. */
export const formatIdentity = (id: Identity) => (id.name === undefined ? id.kind : `${id.kind}/${id.name}`);

/**
 * Returns the identity's subject token: `kind` or `kind_name` with each '.' of the name as '~'.
 * Reversible: kinds hold no '_' and names hold neither '_' nor '~'.
 */
export const identityToken = (id: Identity) => (id.name === undefined ? id.kind : `${id.kind}_${nameToken(id.name)}`);

/** Returns a DNS-1123 name as one subject token: each '.' as '~' (node subjects, identity tokens). */
export const nameToken = (name: string) => name.replace(/\./g, '~');

/** Returns the identity a subject token names, or undefined when it names none. */
export function identityOfToken(token: string): Identity | undefined {
  const u = token.indexOf('_');
  try {
    return parseIdentity(u < 0 ? token : `${token.slice(0, u)}/${token.slice(u + 1).replace(/~/g, '.')}`);
  } catch {
    return undefined;
  }
}
