// `kubus create -f` and `kubus replace -f`: the plain create and update verbs (replace sends the
// manifest's resourceVersion, so a stale one gets 409 Conflict, as kubectl replace does).
import type { Command } from 'commander';
import type { ApiClient } from '../../bus/client.ts';
import { UsageError, errorLine, withSession, type GlobalOptions } from '../context.ts';
import { readManifests, withSource, type Manifest } from '../manifests.ts';
import { namespaceFor, refName, resourceOfObject } from '../resources.ts';
import { checkFields, validateOption, validationDirective, type FieldValidation } from '../validate.ts';

/**
 * Creates or replaces one manifest's object and returns kubectl's line for it; its fields are checked
 * as --validate says first, warnings go to `warn`, API errors name the file as kubectl's do.
 */
export async function createOne(
  client: ApiClient,
  verb: 'create' | 'replace',
  { obj, source }: Manifest,
  nsFlag?: string,
  validation: FieldValidation = 'Strict',
  warn: (line: string) => void = (l) => console.error(l),
): Promise<string> {
  const def = resourceOfObject(obj, source);
  const namespace = namespaceFor(def, obj, nsFlag);
  if (namespace) obj.metadata.namespace = namespace;
  const warnings: string[] = [];
  const flush = () => warnings.splice(0).forEach((w) => warn(`Warning: ${w}`));
  try {
    checkFields(def, obj, validation, warn);
    const done = await (verb === 'create' ? client.create(def.plural, obj, { namespace, warnings }) : client.update(def.plural, obj, { warnings })).finally(flush);
    return `${refName(def, done.metadata.name!)} ${verb === 'create' ? 'created' : 'replaced'}`;
  } catch (err) {
    throw withSource(err, verb === 'create' ? 'creating' : 'replacing', source);
  }
}

export function createCommands(program: Command): void {
  for (const verb of ['create', 'replace'] as const) {
    program
      .command(verb)
      .description(verb === 'create' ? 'Create objects from manifests (409 if they exist)' : 'Replace objects with the manifests (update; a stale resourceVersion is 409 Conflict)')
      .requiredOption('-f, --filename <path...>', 'file, folder, or - for stdin (repeatable)')
      .option('-n, --namespace <ns>', 'namespace for objects that do not name one (default: default)')
      .addOption(validateOption())
      .action(async (opts: { filename: string[]; namespace?: string; validate: string | boolean }) => {
        const validation = validationDirective(opts.validate);
        const manifests = readManifests(opts.filename, validation !== 'Ignore');
        if (manifests.length === 0) throw new UsageError(`no objects passed to ${verb}`);
        await withSession(program.opts<GlobalOptions>(), async ({ client }) => {
          for (const m of manifests) {
            try {
              console.log(await createOne(client, verb, m, opts.namespace, validation));
            } catch (err) {
              process.exitCode = 1;
              console.error(errorLine(err));
            }
          }
        });
      });
  }
}
