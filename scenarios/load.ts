// Loading `*.scenario.ts` files (TypeScript, through tsx's API: the CLI itself runs as a bundle)
// and listing a folder of them.
import { readdirSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { tsImport } from 'tsx/esm/api';
import { isScenario } from './dsl.ts';
import type { ParamSpecs, ScenarioDefinition } from './types.ts';

/** Thrown when a file does not export a scenario. */
export class ScenarioLoadError extends Error {
  override name = 'ScenarioLoadError';
}

/** A scenario and where it came from. */
export interface LoadedScenario {
  file: string;
  def: ScenarioDefinition;
}

/** Imports a scenario file and returns its default export (what `scenario()` returned). */
export async function loadScenario(file: string): Promise<LoadedScenario> {
  const path = resolve(file);
  try {
    statSync(path);
  } catch {
    throw new ScenarioLoadError(`scenario file "${file}" not found`);
  }
  let mod: Record<string, unknown>;
  try {
    mod = (await tsImport(pathToFileURL(path).href, import.meta.url)) as Record<string, unknown>;
  } catch (err) {
    throw new ScenarioLoadError(`cannot load ${file}: ${(err as Error)?.message ?? String(err)}`);
  }
  // A module tsx compiled as CommonJS nests the default export one level deeper.
  const candidates = [mod.default, (mod.default as Record<string, unknown> | undefined)?.default, ...Object.values(mod)];
  const def = candidates.find(isScenario);
  if (!def) throw new ScenarioLoadError(`${file} does not export a scenario: write \`export default scenario('name', { … }, async (s) => { … })\``);
  return { file, def };
}

/** Returns the `*.scenario.ts` files directly in a folder, sorted. */
export function scenarioFiles(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    throw new ScenarioLoadError(`cannot read folder "${dir}"`);
  }
  return names
    .filter((n) => n.endsWith('.scenario.ts'))
    .sort()
    .map((n) => join(dir, n));
}

/** One row of `kubus scenario list`. */
export interface ScenarioListing {
  name: string;
  file: string;
  tags: string[];
  description: string;
  /** The parameters it declares (`--param`). */
  params?: ParamSpecs;
}

/** Loads every scenario in a folder; a file that fails to load is listed with its error as description. */
export async function listScenarios(dir: string): Promise<ScenarioListing[]> {
  const out: ScenarioListing[] = [];
  for (const file of scenarioFiles(dir)) {
    try {
      const { def } = await loadScenario(file);
      const row: ScenarioListing = { name: def.name, file, tags: def.options.tags ?? [], description: def.options.description ?? '' };
      if (def.options.params) row.params = def.options.params;
      out.push(row);
    } catch (err) {
      out.push({ name: basename(file), file, tags: ['broken'], description: (err as Error).message });
    }
  }
  return out;
}
