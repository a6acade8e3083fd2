// Whose spans a feed may publish. On a locked bus a feed's batch arrives on kubus.trace.spans.<token>,
// which the sender's publish permission pins to its identity (bus/subjects.ts); the recorder keeps only
// the records about actors that identity runs, so a kubelet cannot forge the API server's spans, and
// names the batch's source by the identity instead of what the batch says.
import { formatIdentity, identityOfToken, nameToken, type Identity } from '../../bus/identity.ts';
import type { FeedBatch } from './types.ts';

/** Actor ids (or their first segment) → the identity kind whose processes run them; a node's actors carry its name. */
const OWNER: Record<string, Identity['kind']> = {
  apiserver: 'apiserver',
  tracer: 'apiserver',
  scheduler: 'scheduler',
  'leader-elector/kube-scheduler': 'scheduler',
  controller: 'controller-manager',
  'leader-elector/kube-controller-manager': 'controller-manager',
  gateway: 'gateway',
  dns: 'gateway',
  kubelet: 'node',
  'kube-proxy': 'node',
};

/** Returns true when identity `id` may speak for `actor`: it runs it, or no identity does (a CLI's connection, a scenario's actor). */
export function mayClaim(id: Identity, actor: string | undefined): boolean {
  if (actor === undefined) return true;
  const [head, rest] = [actor.split('/')[0], actor.split('/')[1]];
  const kind = OWNER[actor] ?? OWNER[head];
  if (kind === undefined) return true;
  if (kind !== id.kind) return false;
  // A node's actors are `kubelet/<node>` and `kube-proxy/<node>`: only that node's identity.
  return kind !== 'node' || (rest !== undefined && nameToken(rest) === nameToken(id.name ?? ''));
}

/** The identities whose batches are taken as they are: the API servers (they may publish anywhere) and the admin. */
const TRUSTED: ReadonlyArray<Identity['kind']> = ['apiserver', 'admin'];

/**
 * Returns what the recorder keeps of a batch published under `token` (spanPublisher of its subject):
 * no token (an open bus), everything; an unknown token, nothing; else the records and notes about the
 * identity's own actors, with `source` set to the identity. `refused` counts what was left out.
 */
export function ownedBatch(batch: FeedBatch, token: string | undefined): { batch: FeedBatch; refused: number } {
  if (token === undefined) return { batch, refused: 0 };
  const id = identityOfToken(token);
  if (!id) return { batch: { source: token, records: [], notes: [], dropped: 0 }, refused: batch.records.length + batch.notes.length };
  const source = formatIdentity(id);
  if (TRUSTED.includes(id.kind)) return { batch: { ...batch, source }, refused: 0 };
  const records = batch.records.filter((r) => mayClaim(id, r.t === 's' ? r.from : r.to));
  const notes = batch.notes.filter((n) => mayClaim(id, n.actor));
  return { batch: { ...batch, source, records, notes }, refused: batch.records.length - records.length + batch.notes.length - notes.length };
}
