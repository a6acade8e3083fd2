// Scenario parameters: a script declares them with defaults (`param.integer(1000, 'nodes that join')`),
// `kubus scenario run FILE --param nodes=5000` sets them. An unknown name or a bad value is one line
// naming the parameter and what it accepts.
import { formatDuration, toMs } from './duration.ts';
import type { Duration, ParamSpec, ParamSpecs, ParamValues, ScenarioDefinition } from './types.ts';

/** Thrown for an unknown parameter, a value a parameter does not accept, or a badly written `--param`. */
export class ParamError extends Error {
  override name = 'ParamError';
}

type Bounds = { min?: number; max?: number };

/** Builders of parameter declarations, typed so that `withParams` gives the body typed values. */
export const param = {
  number: (def: number, description: string, o: Bounds & { integer?: boolean } = {}) => ({ type: 'number' as const, default: def, description, ...o }),
  /** A whole number. */
  integer: (def: number, description: string, o: Bounds = {}) => ({ type: 'number' as const, default: def, description, integer: true, ...o }),
  string: (def: string, description: string, o: { choices?: string[] } = {}) => ({ type: 'string' as const, default: def, description, ...o }),
  /** A duration in Go syntax (`30s`, `10m`); the body gets milliseconds. min/max in ms. */
  duration: (def: Duration, description: string, o: Bounds = {}) => ({ type: 'duration' as const, default: def, description, ...o }),
  boolean: (def: boolean, description: string) => ({ type: 'boolean' as const, default: def, description }),
};

type ValueOf<S extends ParamSpec> = S['type'] extends 'boolean' ? boolean : S['type'] extends 'string' ? string : number;

/** The values a body gets for declared parameters (durations in ms). */
export type ValuesOf<P extends ParamSpecs> = { [K in keyof P]: ValueOf<P[K]> };

const num = (n: number) => n.toLocaleString('en-US');

/** Returns what a parameter accepts, in words: "a whole number ≥ 1", "a duration such as 30s, 10m …". */
export function accepts(spec: ParamSpec): string {
  const isDur = spec.type === 'duration';
  const show = (n: number) => (isDur ? formatDuration(n) : num(n));
  const bounds =
    spec.min !== undefined && spec.max !== undefined ? ` from ${show(spec.min)} to ${show(spec.max)}` : spec.min !== undefined ? ` ≥ ${show(spec.min)}` : spec.max !== undefined ? ` ≤ ${show(spec.max)}` : '';
  switch (spec.type) {
    case 'number':
      return `${spec.integer ? 'a whole number' : 'a number'}${bounds}`;
    case 'duration':
      return `a duration such as 30s, 10m, 1h30m${bounds}`;
    case 'boolean':
      return 'true or false';
    default:
      return spec.choices?.length ? `one of ${spec.choices.join(', ')}` : 'any text';
  }
}

const TRUE = new Set(['true', 'yes', 'on', '1']);
const FALSE = new Set(['false', 'no', 'off', '0']);

/** Returns a parameter's value from what was given (text from the command line, or a typed value from code). */
function convert(name: string, spec: ParamSpec, given: string | number | boolean): number | string | boolean {
  const bad = () => new ParamError(`invalid value ${JSON.stringify(String(given))} for parameter ${name}: expected ${accepts(spec)} (${spec.description})`);
  const inBounds = (n: number) => (spec.min === undefined || n >= spec.min) && (spec.max === undefined || n <= spec.max);
  if (spec.type === 'boolean') {
    if (typeof given === 'boolean') return given;
    const v = String(given).trim().toLowerCase();
    if (TRUE.has(v)) return true;
    if (FALSE.has(v)) return false;
    throw bad();
  }
  if (spec.type === 'string') {
    const v = String(given);
    if (spec.choices?.length && !spec.choices.includes(v)) throw bad();
    return v;
  }
  let n: number;
  if (spec.type === 'duration') {
    try {
      n = toMs(typeof given === 'string' && /^\d+$/.test(given.trim()) ? Number(given) : (given as Duration));
    } catch {
      throw bad();
    }
  } else {
    // 150_000 and 150,000 are read as 150000.
    const text = typeof given === 'string' ? given.trim().replace(/[_,](?=\d{3}(\D|$))/g, '') : given;
    n = typeof text === 'number' ? text : text === '' ? NaN : Number(text);
    if (!Number.isFinite(n) || (spec.integer && !Number.isInteger(n))) throw bad();
  }
  if (!inBounds(n)) throw bad();
  return n;
}

/** Returns every declared parameter's value: the given ones (checked), defaults for the rest. */
export function resolveParams(specs: ParamSpecs | undefined, given: Record<string, string | number | boolean>, scenario: string): ParamValues {
  const declared = specs ?? {};
  const names = Object.keys(declared);
  for (const name of Object.keys(given)) {
    if (!(name in declared))
      throw new ParamError(`unknown parameter "${name}" for scenario "${scenario}": ${names.length ? `it takes ${names.join(', ')}` : 'it takes no parameters'}`);
  }
  const out: ParamValues = {};
  for (const name of names) out[name] = convert(name, declared[name], name in given ? given[name] : declared[name].default);
  return out;
}

/** Returns `--param` values (`name=value`, repeatable) by name; a value may itself hold `=`. */
export function parseParamArgs(args: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const a of args) {
    const i = a.indexOf('=');
    const name = i > 0 ? a.slice(0, i).trim() : '';
    if (!name) throw new ParamError(`invalid --param "${a}": expected NAME=VALUE, e.g. --param nodes=5000`);
    if (name in out) throw new ParamError(`--param ${name} is given twice`);
    out[name] = a.slice(i + 1);
  }
  return out;
}

/** Returns the scenario built for the given parameter values (defaults for the rest), and the values. */
export function bindScenario(def: ScenarioDefinition, given: Record<string, string | number | boolean> = {}): { def: ScenarioDefinition; values: ParamValues } {
  const values = resolveParams(def.options.params, given, def.name);
  return { def: def.build ? def.build(values) : def, values };
}

/**
 * Declares a scenario whose name, options (nodes …) and body depend on parameters:
 * `export default withParams({ nodes: param.integer(3, 'nodes') }, (p) => scenario(…))`.
 * Returns it built with the defaults; the runner builds it again with `--param` values.
 */
export function withParams<P extends ParamSpecs>(specs: P, build: (values: ValuesOf<P>) => ScenarioDefinition): ScenarioDefinition {
  const make = (values: ParamValues): ScenarioDefinition => {
    const d = build(values as ValuesOf<P>);
    return { ...d, options: { ...d.options, params: specs }, build: make };
  };
  return make(resolveParams(specs, {}, 'defaults'));
}

/** Returns the values as a report shows them: durations in Go syntax, the rest as they are. */
export function reportedParams(specs: ParamSpecs, values: ParamValues): ParamValues {
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, specs[k]?.type === 'duration' && typeof v === 'number' ? formatDuration(v) : v]));
}

/** Returns a parameter's default as a user would type it. */
export function defaultText(spec: ParamSpec): string {
  if (spec.type === 'duration') return typeof spec.default === 'number' ? formatDuration(spec.default) : String(spec.default);
  return String(spec.default);
}
