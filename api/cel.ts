// CEL as Kubernetes admission uses it: one environment with the admission variables (object, oldObject, params,
// request, namespaceObject, variables), expressions compiled once, and JSON values turned into CEL values and back.
import { Environment } from '@marcbachmann/cel-js';
import { registerIPLibrary } from './cel-ip.ts';
import { registerQuantityLibrary } from './cel-quantity.ts';

/** The variables every admission expression may name (upstream's OptionalVariableDeclarations, authorizer aside). */
export const ADMISSION_VARIABLES = ['object', 'oldObject', 'request', 'namespaceObject', 'variables'] as const;

/** Returns an environment with the admission variables, and `params` when the policy has a paramKind (as upstream's HasParams). */
function environment(params: boolean): Environment {
  const e = new Environment({ homogeneousAggregateLiterals: false, enableOptionalTypes: true });
  for (const v of ADMISSION_VARIABLES) e.registerVariable(v, 'dyn');
  if (params) e.registerVariable('params', 'dyn');
  registerIPLibrary(e);
  registerQuantityLibrary(e);
  return e;
}
const withParams = environment(true);
const withoutParams = environment(false);

/** A compiled expression: call it with the activation (variable → CEL value). */
export type CelProgram = (activation: Record<string, unknown>) => unknown;

/** Thrown when an expression does not compile; the message is what upstream puts after "compilation failed: ". */
export class CelCompileError extends Error {
  override name = 'CelCompileError';
}

/** Thrown when an expression fails while it runs (a missing key, a wrong type, division by zero). */
export class CelEvalError extends Error {
  override name = 'CelEvalError';
}

const firstLine = (e: unknown) => String((e as Error)?.message ?? e).split('\n')[0];

/** Returns the program of an expression, type-checked (`params` declared only when asked); throws CelCompileError. */
export function compileCel(expression: string, opts: { params?: boolean } = {}): CelProgram {
  const env = opts.params === false ? withoutParams : withParams;
  let parsed: ReturnType<typeof env.parse>;
  try {
    parsed = env.parse(expression);
  } catch (err) {
    throw new CelCompileError(`ERROR: <input>: Syntax error: ${firstLine(err)}`);
  }
  const check = parsed.check();
  if (!check.valid) throw new CelCompileError(`ERROR: <input>: ${firstLine(check.error)}`);
  return (activation) => {
    try {
      return parsed(activation);
    } catch (err) {
      // cel-go words its runtime errors in lower case ("no such key: x"), and upstream passes them on; an initialism
      // opening a library's error ("IP Address ...", "IPv4-mapped ...") stays as written.
      const m = firstLine(err);
      throw new CelEvalError(/^[A-Z][a-z]/.test(m) ? m.charAt(0).toLowerCase() + m.slice(1) : m);
    }
  };
}

/** Returns the field error detail of an expression that does not compile, or undefined when it does. */
export function celCompileProblem(expression: string, opts: { params?: boolean } = {}): string | undefined {
  try {
    compileCel(expression, opts);
    return undefined;
  } catch (err) {
    return `compilation failed: ${(err as Error).message}`;
  }
}

/** Returns a JSON value as CEL sees it: whole numbers become int (bigint), the rest unchanged. */
export function toCel(v: unknown): unknown {
  if (typeof v === 'number') return Number.isInteger(v) ? BigInt(v) : v;
  if (Array.isArray(v)) return v.map(toCel);
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const k in v as Record<string, unknown>) out[k] = toCel((v as Record<string, unknown>)[k]);
    return out;
  }
  return v;
}

/** Returns a CEL result as JSON: ints back to numbers. */
export function fromCel(v: unknown): unknown {
  if (typeof v === 'bigint') return Number(v);
  if (Array.isArray(v)) return v.map(fromCel);
  if (v instanceof Map) return Object.fromEntries([...v].map(([k, x]) => [String(k), fromCel(x)]));
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const k in v as Record<string, unknown>) out[k] = fromCel((v as Record<string, unknown>)[k]);
    return out;
  }
  return v;
}
