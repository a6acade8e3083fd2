// `kubus create -f` and `kubus replace -f`: the plain create and update verbs (replace sends the
// manifest's resourceVersion, so a stale one gets 409 Conflict, as kubectl replace does).
import type { Command } from 'commander';
import { UsageError, errorLine, withSession, type GlobalOptions } from '../context.ts';
import { readManifests } from '../manifests.ts';
import { namespaceFor, refName, resourceOfObject } from '../resources.ts';
import { checkFields, validateOption, validationDirective } from '../validate.ts';

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
        const manifests = readManifests(opts.filename);
        if (manifests.length === 0) throw new UsageError(`no objects passed to ${verb}`);
        await withSession(program.opts<GlobalOptions>(), async ({ client }) => {
          for (const m of manifests) {
            const { obj, source } = m;
            try {
              const def = resourceOfObject(obj, source);
              checkFields(def, m, validation);
              const namespace = namespaceFor(def, obj, opts.namespace);
              if (namespace) obj.metadata.namespace = namespace;
              const warnings: string[] = [];
              const done = await (verb === 'create' ? client.create(def.plural, obj, { namespace, warnings }) : client.update(def.plural, obj, { warnings }));
              for (const w of warnings) console.error(`Warning: ${w}`);
              console.log(`${refName(def, done.metadata.name!)} ${verb === 'create' ? 'created' : 'replaced'}`);
            } catch (err) {
              process.exitCode = 1;
              console.error(errorLine(err));
            }
          }
        });
      });
  }
}
