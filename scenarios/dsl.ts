// The entry point of a script: `export default scenario('node failure', { nodes: 3 }, async (s) => { … })`.
// It only records the script (plain data), so a script loaded on its own (by tsx, from any
// folder) works with the runner that loaded it. Parameters: `options.params` (read as `s.params`), or
// `withParams` when the options (nodes …) depend on them.
import type { ScenarioApi } from './api.types.ts';
import type { ScenarioDefinition, ScenarioOptions } from './types.ts';

/** Declares a scenario: a name, options (nodes, timeScale, tags …) and the body run with `s`. */
export function scenario(name: string, options: ScenarioOptions, body: (s: ScenarioApi) => Promise<void>): ScenarioDefinition;
export function scenario(name: string, body: (s: ScenarioApi) => Promise<void>): ScenarioDefinition;
export function scenario(
  name: string,
  a: ScenarioOptions | ((s: ScenarioApi) => Promise<void>),
  b?: (s: ScenarioApi) => Promise<void>,
): ScenarioDefinition {
  const [options, body] = typeof a === 'function' ? [{}, a] : [a, b];
  if (typeof body !== 'function') throw new TypeError(`scenario "${name}": the last argument must be the body, async (s) => { … }`);
  return { kind: 'KubusScenario', name, options, body };
}

/** Returns true for what `scenario()` returns (checked by shape: a script may load its own copy of this module). */
export function isScenario(v: unknown): v is ScenarioDefinition {
  return !!v && typeof v === 'object' && (v as ScenarioDefinition).kind === 'KubusScenario' && typeof (v as ScenarioDefinition).body === 'function';
}

export { param, withParams, type ValuesOf } from './params.ts';
export type { ScenarioApi } from './api.types.ts';
export type { Duration, NodeSpec, ParamSpec, ParamSpecs, ParamValues, ScenarioDefinition, ScenarioOptions } from './types.ts';
