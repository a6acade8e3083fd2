// ValidatingAdmissionPolicy admission, as upstream's plugin: every binding whose policy matches the request runs
// the policy's CEL (matchConditions, variables, validations) with object, oldObject, params, request and
// namespaceObject; a failure is denied, warned or audited as the binding's validationActions say.
import type { ParamRef, ValidatingAdmissionPolicy, ValidatingAdmissionPolicyBinding } from '../../api/kinds/admission-policy.ts';
import { CelEvalError, compileCel, fromCel, toCel, type CelProgram } from '../../api/cel.ts';
import type { KubeObject } from '../../api/meta.ts';
import { resourceByKind } from '../../api/resources.ts';
import { labelSelectorMatcher } from '../../api/selectors.ts';
import { StatusError, type StatusReason } from '../../api/status.ts';
import { qualified, type ServerContext } from './context.ts';
import { objectKey, resourcePrefix } from './keys.ts';
import { matchesResources, type AdmissionAttributes } from './policy-match.ts';

const POLICIES = '/registry/validatingadmissionpolicies/';
const BINDINGS = '/registry/validatingadmissionpolicybindings/';
const CODES: Record<string, number> = { Forbidden: 403, Unauthorized: 401, RequestEntityTooLarge: 413, Invalid: 422 };

interface CompiledValidation {
  expression: string;
  program?: CelProgram;
  messageProgram?: CelProgram;
  message?: string;
  reason?: string;
}

/** A policy with its expressions compiled once per stored revision. */
interface CompiledPolicy {
  revision: number;
  policy: ValidatingAdmissionPolicy;
  conditions: { name: string; expression: string; program?: CelProgram }[];
  variables: { name: string; expression: string; program?: CelProgram }[];
  validations: CompiledValidation[];
}

const tryCompile = (e: string, params: boolean): CelProgram | undefined => {
  try {
    return compileCel(e, { params });
  } catch {
    return undefined; // reported where it runs, as an error under the policy's failurePolicy
  }
};

/** Returns a named expression (match condition, variable) with its program. */
const named = (name: string | undefined, expression: string | undefined, params: boolean) => ({ name: name ?? '', expression: expression ?? '', program: tryCompile(expression ?? '', params) });

/** Holds each policy's compiled expressions until the policy changes. */
export class PolicyCache {
  private readonly compiled = new Map<string, CompiledPolicy>();

  /** Returns the compiled form of the stored policy `name`, or undefined when there is none. */
  get(ctx: ServerContext, name: string): CompiledPolicy | undefined {
    const key = POLICIES + name;
    const kv = ctx.store.get(key);
    if (!kv) return void this.compiled.delete(key);
    const hit = this.compiled.get(key);
    if (hit?.revision === kv.modRevision) return hit;
    const policy = kv.value as ValidatingAdmissionPolicy;
    const s = policy.spec ?? {};
    const params = !!s.paramKind;
    const c: CompiledPolicy = {
      revision: kv.modRevision,
      policy,
      conditions: (s.matchConditions ?? []).map((m) => named(m.name, m.expression, params)),
      variables: (s.variables ?? []).map((v) => named(v.name, v.expression, params)),
      validations: (s.validations ?? []).map((v) => ({
        expression: v.expression ?? '',
        program: tryCompile(v.expression ?? '', params),
        messageProgram: v.messageExpression ? tryCompile(v.messageExpression, params) : undefined,
        message: v.message,
        reason: v.reason,
      })),
    };
    this.compiled.set(key, c);
    return c;
  }
}

/** A validation that did not pass: what to say, and with which reason. */
interface Failure {
  message: string;
  reason: string;
}

/** Thrown for a binding that cannot run (no params, an expression that fails): handled by the failurePolicy. */
class PolicyError extends Error {
  override name = 'PolicyError';
}

/**
 * Runs every matching policy binding on one request; returns when it is admitted (warnings added to
 * ctx.warnings), throws the upstream Status when a binding with the Deny action refuses it.
 */
export function admitPolicies(ctx: ServerContext, a: AdmissionAttributes): void {
  // As upstream, admission configuration itself is exempt, so a bad policy can always be fixed.
  if (a.def.group === 'admissionregistration.k8s.io') return;
  const bindings = ctx.store.range(BINDINGS).kvs;
  if (bindings.length === 0) return;
  const nsObject = a.def.namespaced && a.namespace ? ((ctx.store.get(`/registry/namespaces/${a.namespace}`)?.value as KubeObject | undefined) ?? null) : null;
  let base: Record<string, unknown> | undefined; // the request's CEL values, made once for every binding that matches
  for (const kv of bindings) {
    const binding = kv.value as ValidatingAdmissionPolicyBinding;
    const compiled = binding.spec?.policyName ? ctx.policies.get(ctx, binding.spec.policyName) : undefined;
    if (!compiled) continue;
    const spec = compiled.policy.spec ?? {};
    const nsLabels = nsObject?.metadata.labels;
    if (!matchesResources(spec.matchConstraints, a, nsLabels) || !matchesResources(binding.spec?.matchResources, a, nsLabels)) continue;
    const policyName = compiled.policy.metadata.name!;
    const bindingName = binding.metadata.name!;
    let failures: Failure[];
    try {
      base ??= { object: toCel(a.object), oldObject: toCel(a.oldObject), request: toCel(requestOf(a)), namespaceObject: toCel(nsObject) };
      failures = evaluate(ctx, compiled, binding, a, base);
    } catch (err) {
      if (spec.failurePolicy === 'Ignore') continue;
      failures = [{ message: (err as Error).message, reason: 'Invalid' }];
    }
    for (const f of failures) decide(ctx, a, policyName, bindingName, binding.spec?.validationActions ?? [], f);
  }
}

function decide(ctx: ServerContext, a: AdmissionAttributes, policy: string, binding: string, actions: readonly string[], f: Failure): void {
  if (actions.includes('Warn')) ctx.warnings?.push(`Validation failed for ValidatingAdmissionPolicy '${policy}' with binding '${binding}': ${f.message}`);
  if (actions.includes('Audit')) ctx.log.info({ policy, binding, resource: qualified(a.def), name: a.name, namespace: a.namespace, message: f.message }, 'validating admission policy audit');
  if (!actions.includes('Deny')) return;
  const why = `ValidatingAdmissionPolicy '${policy}' with binding '${binding}' denied request: ${f.message}`;
  const res = qualified(a.def);
  const message = a.name ? `${res} "${a.name}" is forbidden: ${why}` : `${res} is forbidden: ${why}`;
  throw new StatusError(CODES[f.reason] ?? 422, f.reason as StatusReason, message, { name: a.name, group: a.def.group, kind: a.def.plural, causes: [{ message: why }] });
}

/** Returns the failures of one binding's policy on the request (for each of its params); throws PolicyError. */
function evaluate(ctx: ServerContext, c: CompiledPolicy, binding: ValidatingAdmissionPolicyBinding, a: AdmissionAttributes, base: Record<string, unknown>): Failure[] {
  const params = paramsFor(ctx, c.policy, binding.spec?.paramRef, a);
  const failures: Failure[] = [];
  for (const param of params) {
    const activation: Record<string, unknown> = { ...base, params: toCel(param) };
    activation.variables = lazyVariables(c, activation);
    if (!c.conditions.every((m) => run(m.program, m.expression, activation) === true)) continue;
    for (const v of c.validations) {
      // As upstream, anything but true fails the validation.
      if (run(v.program, v.expression, activation) === true) continue;
      failures.push({ message: messageOf(ctx, v, activation), reason: v.reason ?? 'Invalid' });
    }
  }
  return failures;
}

function run(program: CelProgram | undefined, expression: string, activation: Record<string, unknown>): unknown {
  if (!program) throw new PolicyError(`expression '${expression}' resulted in error: compilation failed`);
  try {
    return program(activation);
  } catch (err) {
    if (err instanceof CelEvalError) throw new PolicyError(`expression '${expression}' resulted in error: ${err.message}`);
    throw err;
  }
}

/** Returns the `variables` object: each variable computed on first use, in the activation it belongs to. */
function lazyVariables(c: CompiledPolicy, activation: Record<string, unknown>): Record<string, unknown> {
  const vars: Record<string, unknown> = {};
  for (const v of c.variables) {
    let done = false;
    let value: unknown;
    Object.defineProperty(vars, v.name, {
      enumerable: true,
      get: () => {
        if (!done) (value = run(v.program, v.expression, activation)), (done = true);
        return value;
      },
    });
  }
  return vars;
}

/** Returns a failed validation's message: messageExpression's string, else message, else "failed expression: ...". */
function messageOf(ctx: ServerContext, v: CompiledValidation, activation: Record<string, unknown>): string {
  if (v.messageProgram) {
    try {
      const m = fromCel(v.messageProgram(activation));
      if (typeof m === 'string' && m.trim() && !/[\r\n]/.test(m)) return m.trim();
    } catch (err) {
      ctx.log.debug({ err: (err as Error).message }, 'messageExpression failed');
    }
  }
  return v.message || `failed expression: ${v.expression.trim()}`;
}

/** Returns upstream's `request` variable for these attributes (no user identity travels with bus requests). */
function requestOf(a: AdmissionAttributes): Record<string, unknown> {
  const { group, version, kind, plural } = a.def;
  return {
    kind: { group, version, kind },
    resource: { group, version, resource: plural },
    subResource: a.subresource,
    requestKind: { group, version, kind },
    requestResource: { group, version, resource: plural },
    name: a.name,
    namespace: a.namespace,
    operation: a.operation,
    userInfo: {},
    dryRun: a.dryRun,
  };
}

/** Returns the params a binding gives its policy ([null] without a paramKind); throws PolicyError; [] to skip. */
function paramsFor(ctx: ServerContext, policy: ValidatingAdmissionPolicy, ref: ParamRef | undefined, a: AdmissionAttributes): unknown[] {
  const kind = policy.spec?.paramKind;
  if (!kind) return [null];
  const def = resourceByKind(kind.kind ?? '', kind.apiVersion);
  if (!def) throw new PolicyError(`failed to configure policy: failed to find resource referenced by paramKind: '${kind.apiVersion}, Kind=${kind.kind}'`);
  if (!ref) throw new PolicyError('failed to configure binding: no paramRef specified');
  let namespace: string | undefined;
  if (def.namespaced) {
    namespace = ref.namespace || a.namespace;
    if (!namespace) throw new PolicyError('failed to configure binding: cannot use namespaced paramRef in policy binding that matches cluster-scoped resources');
  }
  let found: unknown[];
  if (ref.name) {
    const kv = ctx.store.get(objectKey(def, namespace, ref.name));
    found = kv ? [kv.value] : [];
  } else {
    const match = labelSelectorMatcher(ref.selector ?? {});
    found = ctx.store.range(resourcePrefix(def, namespace)).kvs.map((kv) => kv.value as KubeObject).filter((o) => match(o.metadata.labels ?? {}));
  }
  if (found.length) return found;
  if (ref.parameterNotFoundAction === 'Allow') return [];
  throw new PolicyError('failed to configure binding: no params found for policy binding with `Deny` parameterNotFoundAction');
}
