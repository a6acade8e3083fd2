// Whose spans a feed may publish. On a locked bus a feed's batch arrives on kubus.trace.spans.<token>,
// which the sender's publish permission pins to its identity (bus/subjects.ts); the recorder keeps only
// the records whose own side (a send's sender, a delivery's receiver) that identity runs, and drops a
// delivery's reported sender that another identity runs, so a kubelet cannot forge the API server's
// spans nor another node's deliveries; the batch's source is the identity, not what the batch says.
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
  dns: 'dns',
  kubelet: 'node',
  'kube-proxy': 'node',
};

/** The identity that runs `name` (an actor id or a process's connection name), or undefined when none does. */
function ownerOf(name: string): Identity | undefined {
  const [head, rest] = [name.split('/')[0], name.split('/')[1]];
  if (name === 'control-plane') return { kind: 'apiserver' };
  // A node's connection is `node/<node>`, its actors `kubelet/<node>` and `kube-proxy/<node>`.
  if (head === 'node' && rest !== undefined) return { kind: 'node', name: rest };
  const kind = OWNER[name] ?? OWNER[head];
  if (kind === undefined) return undefined;
  return kind === 'node' ? { kind, name: rest ?? '' } : { kind };
}

const sameIdentity = (a: Identity, b: Identity) => a.kind === b.kind && (a.kind !== 'node' || nameToken(a.name ?? '') === nameToken(b.name ?? ''));

/** Returns true when identity `id` may speak for `actor`: it runs it (or owns that connection), or no identity does (a CLI's connection, a scenario's actor). */
export function mayClaim(id: Identity, actor: string | undefined): boolean {
  if (actor === undefined) return true;
  const owner = ownerOf(actor);
  return owner === undefined || sameIdentity(owner, id);
}

/**
 * Returns the record as identity `id` may publish it, or undefined when it speaks for another identity.
 * Its own side (a send's sender, a delivery's receiver) must be the identity's actor or connection; a name
 * no identity runs is relabelled to the identity (it received or sent it). A delivery's sender, which the
 * receiver only reports, is dropped when another identity runs it (that one's own send names it).
 */
function ownedRecord(id: Identity, r: FeedBatch['records'][number]): FeedBatch['records'][number] | undefined {
  const self = r.t === 's' ? r.from : r.to;
  const owner = ownerOf(self);
  if (owner !== undefined && !sameIdentity(owner, id)) return undefined;
  let out = owner === undefined ? (r.t === 's' ? { ...r, from: formatIdentity(id) } : { ...r, to: formatIdentity(id) }) : r;
  if (out.t === 'd' && out.from !== undefined && !mayClaim(id, out.from)) {
    const { from: _dropped, ...rest } = out;
    out = rest;
  }
  return out;
}

/** The identities whose batches are taken as they are: the API servers (they may publish anywhere) and the admin. */
const TRUSTED: ReadonlyArray<Identity['kind']> = ['apiserver', 'admin'];

/**
 * Returns what the recorder keeps of a batch published under `token` (spanPublisher of its subject):
 * no token (an open bus), everything; an unknown token, nothing; else the identity's own records
 * (ownedRecord) and notes, with `source` set to the identity. `refused` counts what was left out.
 */
export function ownedBatch(batch: FeedBatch, token: string | undefined): { batch: FeedBatch; refused: number } {
  if (token === undefined) return { batch, refused: 0 };
  const id = identityOfToken(token);
  if (!id) return { batch: { source: token, records: [], notes: [], dropped: 0 }, refused: batch.records.length + batch.notes.length };
  const source = formatIdentity(id);
  if (TRUSTED.includes(id.kind)) return { batch: { ...batch, source }, refused: 0 };
  const records = batch.records.map((r) => ownedRecord(id, r)).filter((r) => r !== undefined);
  const notes = batch.notes.filter((n) => mayClaim(id, n.actor));
  return { batch: { ...batch, source, records, notes }, refused: batch.records.length - records.length + batch.notes.length - notes.length };
}
