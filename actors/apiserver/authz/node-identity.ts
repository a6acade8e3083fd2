// Who is a node (upstream pkg/auth/nodeidentifier): a user in the system:nodes group named
// system:node:<name>. Shared by the node authorizer and NodeRestriction admission.
import type { UserInfo } from '../../../api/protocol.ts';

export const NODES_GROUP = 'system:nodes';
export const NODE_USER_PREFIX = 'system:node:';

/**
 * Returns the node's name for a node user: named system:node:<name> and in system:nodes ('' when the
 * name after the prefix is empty); undefined for any other user, as upstream's default identifier.
 */
export function nodeIdentity(user: UserInfo | undefined): string | undefined {
  if (!user?.username.startsWith(NODE_USER_PREFIX) || !user.groups?.includes(NODES_GROUP)) return undefined;
  return user.username.slice(NODE_USER_PREFIX.length);
}
