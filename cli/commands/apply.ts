// `kubus apply -f FILE|DIR|-`: create or update, with kubectl's three-way merge through the
// last-applied-configuration annotation.
import { isDeepStrictEqual } from 'node:util';
import type { Command } from 'commander';
import type { KubeObject } from '../../api/meta.ts';
import { isNotFound } from '../../api/status.ts';
import type { ApiClient } from '../../bus/client.ts';
import { UsageError, errorLine, withSession, type GlobalOptions } from '../context.ts';
import { readManifests, withSource, type Manifest } from '../manifests.ts';
import { namespaceFor, refName, resourceOfObject } from '../resources.ts';
import { checkFields, validateOption, validationDirective, type FieldValidation } from '../validate.ts';

export const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

type Json = Record<string, unknown>;
const isMap = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Returns the JSON merge patch that makes `current` what the user wants, as kubectl's
 * CreateThreeWayJSONMergePatch: fields the manifest sets win, fields it dropped since the last
 * apply (`original`) are deleted, and fields others set (status, defaults) stay.
 */
export function threeWayMergePatch(original: Json, modified: Json, current: Json): Json {
  const patch: Json = {};
  for (const [k, v] of Object.entries(modified)) {
    const cur = current[k];
    if (isMap(v) && isMap(cur)) {
      const sub = threeWayMergePatch(isMap(original[k]) ? (original[k] as Json) : {}, v, cur);
      if (Object.keys(sub).length) patch[k] = sub;
    } else if (Array.isArray(v) && isDeepStrictEqual(v, original[k])) {
      // A list the manifest did not change since the last apply stays as the server has it: a merge
      // patch would replace it whole, dropping what admission added (kubectl merges such lists by key).
    } else if (!isDeepStrictEqual(v, cur)) patch[k] = v;
  }
  for (const k of Object.keys(original)) if (!(k in modified) && k in current) patch[k] = null;
  return patch;
}

/**
 * Returns the outcome word kubectl prints for one object (its fields checked as --validate says first);
 * warnings (--validate=warn, admission policies' Warn) go to `warn` as kubectl's `Warning: ...` lines.
 */
export async function applyOne(client: ApiClient, m: Manifest, nsFlag?: string, validation: FieldValidation = 'Strict', warn: (line: string) => void = (l) => console.error(l)): Promise<string> {
  const { obj, source } = m;
  const def = resourceOfObject(obj, source);
  let refused: unknown;
  try {
    checkFields(def, obj, validation, warn);
  } catch (err) {
    refused = err; // reported once it is known whether the object would be created
  }
  const namespace = namespaceFor(def, obj, nsFlag);
  const name = obj.metadata.name;
  if (!name) throw new UsageError(`${source}: metadata.name is required for apply`);
  const desired: KubeObject = structuredClone(obj);
  if (namespace) desired.metadata.namespace = namespace;
  const applied = JSON.stringify(desired);
  const withAnnotation = (o: KubeObject): KubeObject => ({
    ...o,
    metadata: { ...o.metadata, annotations: { ...o.metadata.annotations, [LAST_APPLIED]: applied } },
  });

  const warnings: string[] = [];
  const flush = () => warnings.splice(0).forEach((w) => warn(`Warning: ${w}`));
  let live: KubeObject | undefined;
  try {
    live = await client.get(def.plural, name, { namespace });
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
  if (!live) {
    try {
      if (refused) throw refused;
      await client.create(def.plural, withAnnotation(desired), { namespace, warnings }).finally(flush);
    } catch (err) {
      throw withSource(err, 'creating', source);
    }
    return `${refName(def, name)} created`;
  }
  if (refused) throw refused;
  const last = live.metadata.annotations?.[LAST_APPLIED];
  const original = last ? (JSON.parse(last) as Json) : {};
  const patch = threeWayMergePatch(original, withAnnotation(desired) as unknown as Json, live as unknown as Json);
  const updated = await client.patch(def.plural, name, patch, { namespace, type: 'merge', warnings }).finally(flush);
  return `${refName(def, name)} ${updated.metadata.resourceVersion === live.metadata.resourceVersion ? 'unchanged' : 'configured'}`;
}

export function applyCommand(program: Command): void {
  program
    .command('apply')
    .description('Create or update objects from manifests (YAML with several documents, or JSON)')
    .requiredOption('-f, --filename <path...>', 'file, folder, or - for stdin (repeatable)')
    .option('-n, --namespace <ns>', 'namespace for objects that do not name one (default: default)')
    .addOption(validateOption())
    .action(async (opts: { filename: string[]; namespace?: string; validate: string | boolean }) => {
      const validation = validationDirective(opts.validate);
      const manifests = readManifests(opts.filename, validation !== 'Ignore');
      if (manifests.length === 0) throw new UsageError('no objects passed to apply');
      await withSession(program.opts<GlobalOptions>(), async ({ client }) => {
        let failed = 0;
        for (const m of manifests) {
          try {
            console.log(await applyOne(client, m, opts.namespace, validation));
          } catch (err) {
            failed++;
            console.error(errorLine(err));
          }
        }
        if (failed) process.exitCode = 1;
      });
    });
}
