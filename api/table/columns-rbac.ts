// Table columns of RBAC, RuntimeClass, admission configuration and API priority and fairness kinds, as printers.go (v1.32).
import { AGE, ageOf, col, meta, NAME, nameOf, wideCol } from './column.ts';
import { arr, int, rec, recs, str } from './loose.ts';
import { formatSelector } from './selector.ts';
import type { KindColumns } from './types.ts';

/** Returns creationTimestamp as RFC 3339 in UTC (the CREATED AT cell of roles). */
const createdAt = (o: unknown) => str(meta(o).creationTimestamp);

const roleColumns: KindColumns = {
  columns: [NAME, col('Created At', 'date', 'CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.')],
  cells: (o) => [nameOf(o), createdAt(o)],
};

/** Returns a binding's users, groups and service accounts (namespace/name), each joined by ", " (upstream SubjectsStrings). */
function subjects(o: unknown): [string, string, string] {
  const users: string[] = [];
  const groups: string[] = [];
  const sas: string[] = [];
  for (const s of recs(rec(o).subjects)) {
    if (s.kind === 'User') users.push(str(s.name));
    else if (s.kind === 'Group') groups.push(str(s.name));
    else if (s.kind === 'ServiceAccount') sas.push(`${str(s.namespace)}/${str(s.name)}`);
  }
  return [users.join(', '), groups.join(', '), sas.join(', ')];
}

const bindingColumns: KindColumns = {
  columns: [
    NAME,
    col('Role', 'string', 'RoleRef can reference a Role in the current namespace or a ClusterRole in the global namespace. If the RoleRef cannot be resolved, the Authorizer must return an error.'),
    AGE,
    wideCol('Users', 'string', 'Users in the roleBinding'),
    wideCol('Groups', 'string', 'Groups in the roleBinding'),
    wideCol('ServiceAccounts', 'string', 'ServiceAccounts in the roleBinding'),
  ],
  cells: (o, { now }) => {
    const ref = rec(rec(o).roleRef);
    return [nameOf(o), `${str(ref.kind)}/${str(ref.name)}`, ageOf(o, now), ...subjects(o)];
  },
};

const runtimeclasses: KindColumns = {
  columns: [NAME, col('Handler', 'string', 'Handler specifies the underlying runtime and configuration that the CRI implementation will use to handle pods of this class.'), AGE],
  cells: (o, { now }) => [nameOf(o), str(rec(o).handler), ageOf(o, now)],
};

const webhookColumns: KindColumns = {
  columns: [NAME, col('Webhooks', 'integer', 'Webhooks indicates the number of webhooks registered in this configuration'), AGE],
  cells: (o, { now }) => [nameOf(o), arr(rec(o).webhooks).length, ageOf(o, now)],
};

const validatingadmissionpolicies: KindColumns = {
  columns: [
    NAME,
    col('Validations', 'integer', 'Validations indicates the number of validation rules defined in this configuration'),
    col('ParamKind', 'string', 'ParamKind specifies the kind of resources used to parameterize this policy'),
    AGE,
  ],
  cells: (o, { now }) => {
    const spec = rec(rec(o).spec);
    const pk = spec.paramKind === undefined || spec.paramKind === null ? undefined : rec(spec.paramKind);
    return [nameOf(o), arr(spec.validations).length, pk ? `${str(pk.apiVersion)}/${str(pk.kind)}` : '<unset>', ageOf(o, now)];
  },
};

/** Returns a binding's PARAMREF cell: namespace/name ("*" for any namespace), the selector, or <unset>. */
function paramRefCell(spec: Record<string, unknown>): string {
  if (spec.paramRef === undefined || spec.paramRef === null) return '<unset>';
  const pr = rec(spec.paramRef);
  if (str(pr.name)) return `${str(pr.namespace) || '*'}/${str(pr.name)}`;
  return pr.selector ? formatSelector(pr.selector) : '<unset>';
}

const validatingadmissionpolicybindings: KindColumns = {
  columns: [
    NAME,
    col('PolicyName', 'string', 'PolicyName indicates the policy definition which the policy binding binded to'),
    col('ParamRef', 'string', 'ParamRef indicates the param resource which sets the configration param'),
    AGE,
  ],
  cells: (o, { now }) => {
    const spec = rec(rec(o).spec);
    return [nameOf(o), str(spec.policyName), paramRefCell(spec), ageOf(o, now)];
  },
};

/** Returns the MissingPL cell: the status of the Dangling condition, "?" without it. */
const missingPL = (o: unknown) => str(recs(rec(rec(o).status).conditions).find((c) => c.type === 'Dangling')?.status) || '?';

const flowschemas: KindColumns = {
  columns: [
    NAME,
    col('PriorityLevel', 'string', 'priorityLevelConfiguration should reference a PriorityLevelConfiguration in the cluster. If the reference cannot be resolved, the FlowSchema will be ignored and marked as invalid in its status. Required.'),
    col('MatchingPrecedence', 'string', 'matchingPrecedence is used to choose among the FlowSchemas that match a given request. The chosen FlowSchema is among those with the numerically lowest (which we take to be logically highest) MatchingPrecedence.  Each MatchingPrecedence value must be ranged in [1,10000]. Note that if the precedence is not specified, it will be set to 1000 as default.'),
    col('DistinguisherMethod', 'string', '`distinguisherMethod` defines how to compute the flow distinguisher for requests that match this schema. `nil` specifies that the distinguisher is disabled and thus will always be the empty string.'),
    AGE,
    col('MissingPL', 'string', 'indicates whether the priority level referenced by this flowschema is missing'),
  ],
  cells: (o, { now }) => {
    const spec = rec(rec(o).spec);
    const dm = spec.distinguisherMethod === undefined || spec.distinguisherMethod === null ? '<none>' : str(rec(spec.distinguisherMethod).type);
    return [nameOf(o), str(rec(spec.priorityLevelConfiguration).name), String(int(spec.matchingPrecedence)), dm, ageOf(o, now), missingPL(o)];
  },
};

const prioritylevelconfigurations: KindColumns = {
  columns: [
    NAME,
    col('Type', 'string', '`type` indicates whether this priority level is subject to limitation on request execution.  A value of `"Exempt"` means that requests of this priority level are not subject to a limit (and thus are never queued) and do not detract from the capacity made available to other priority levels.  A value of `"Limited"` means that (a) requests of this priority level _are_ subject to limits and (b) some of the server\'s limited capacity is made available exclusively to this priority level. Required.'),
    col('NominalConcurrencyShares', 'string', 'nominalConcurrencyShares (NCS) contributes to the computation of the NominalConcurrencyLimit (NominalCL) of this level.'),
    col('Queues', 'string', '`queues` is the number of queues for this priority level. The queues exist independently at each apiserver. The value must be positive.  Setting it to 1 effectively precludes shufflesharding and thus makes the distinguisher method of associated flow schemas irrelevant.  This field has a default value of 64.'),
    col('HandSize', 'string', "`handSize` is a small positive number that configures the shuffle sharding of requests into queues.  When enqueuing a request at this priority level the request's flow identifier (a string pair) is hashed and the hash value is used to shuffle the list of queues and deal a hand of the size specified here.  The request is put into one of the shortest queues in that hand. `handSize` must be no larger than `queues`, and should be significantly smaller (so that a few heavy flows do not saturate most of the queues).  See the user-facing documentation for more extensive guidance on setting this field.  This field has a default value of 8."),
    col('QueueLengthLimit', 'string', '`queueLengthLimit` is the maximum number of requests allowed to be waiting in a given queue of this priority level at a time; excess requests are rejected.  This value must be positive.  If not specified, it will be defaulted to 50.'),
    AGE,
  ],
  cells: (o, { now }) => {
    const spec = rec(rec(o).spec);
    const limited = rec(spec.limited);
    const shares = spec.type === 'Limited' ? String(int(limited.nominalConcurrencyShares)) : '<none>';
    const q = rec(rec(limited.limitResponse).queuing);
    const queued = spec.type === 'Limited' && rec(limited.limitResponse).type === 'Queue';
    const cell = (k: string) => (queued ? String(int(q[k])) : '<none>');
    return [nameOf(o), str(spec.type), shares, cell('queues'), cell('handSize'), cell('queueLengthLimit'), ageOf(o, now)];
  },
};

/** Table columns of RBAC, RuntimeClass, admission configuration and flowcontrol kinds, by plural resource name. */
export const rbacColumns: Record<string, KindColumns> = {
  roles: roleColumns,
  clusterroles: roleColumns,
  rolebindings: bindingColumns,
  clusterrolebindings: bindingColumns,
  runtimeclasses,
  validatingwebhookconfigurations: webhookColumns,
  mutatingwebhookconfigurations: webhookColumns,
  validatingadmissionpolicies,
  validatingadmissionpolicybindings,
  flowschemas,
  prioritylevelconfigurations,
};
