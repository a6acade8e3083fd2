// pods/eviction (policy/v1 Eviction): decodes the Eviction and hands it to the API server's evict verb,
// which honours PodDisruptionBudgets (429 TooManyRequests when one allows no disruption now).
import type { DeleteOptions, PropagationPolicy } from '../../api/protocol.ts';
import { StatusError } from '../../api/status.ts';
import type { Call, Reply } from './call.ts';
import { asObject, decodeObject } from './http.ts';
import { decodeEviction } from './protobuf-options.ts';

type EvictionBody = { metadata?: { name?: string; namespace?: string }; deleteOptions?: DeleteOptions & { dryRun?: string[] } };

/** POST pods/<name>/eviction: 201 and a Success Status once the pod is deleted (or marked for it); 429 while a budget forbids it. */
export async function evict(call: Call): Promise<Reply> {
  const { namespace, name } = call.target;
  const { type, bytes } = await call.body();
  const ev = asObject(type === 'application/vnd.kubernetes.protobuf' ? decodeEviction(bytes) : decodeObject(type, bytes)) as EvictionBody;
  if (ev.metadata?.name !== name) throw new StatusError(400, 'BadRequest', 'name in URL does not match name in Eviction object');
  if (ev.metadata?.namespace && ev.metadata.namespace !== namespace) throw new StatusError(400, 'BadRequest', 'namespace in URL does not match namespace in Eviction object');
  const o = ev.deleteOptions ?? {};
  const del: DeleteOptions = {};
  if (o.gracePeriodSeconds !== undefined) del.gracePeriodSeconds = o.gracePeriodSeconds;
  if (o.preconditions) del.preconditions = o.preconditions;
  if (o.propagationPolicy) del.propagationPolicy = o.propagationPolicy as PropagationPolicy;
  const dryRun = [...call.query.getAll('dryRun'), ...(o.dryRun ?? [])];
  if (dryRun.some((x) => x !== 'All')) throw new StatusError(400, 'BadRequest', `Invalid dry run value: ${JSON.stringify(dryRun)}: supported values: "All"`);
  await call.client.evict(namespace!, name!, { ...del, dryRun: dryRun.length ? true : undefined });
  return { code: 201, body: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 } };
}
